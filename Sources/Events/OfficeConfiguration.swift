/// An office's own configuration, sent as a `configure-office` command and kept in the log,
/// so the rules in force at any past moment are known exactly.
public struct OfficeConfiguration: Equatable, Sendable {
    public enum Kind: String, Sendable, CaseIterable { case questura, prefettura, sui }

    public var office: OfficeID
    public var kind: Kind
    public var name: String
    /// How far ahead an appointment may be booked, counted from today.
    public var horizonDays: UInt16
    /// The first bookable day is today plus this many days.
    public var leadDays: UInt16
    public var services: [ServiceConfiguration]
    /// National holidays and the patron saint's day: no service opens. Sorted, unique.
    public var closedDays: [Day]

    public init(office: OfficeID, kind: Kind, name: String, horizonDays: UInt16, leadDays: UInt16,
                services: [ServiceConfiguration], closedDays: [Day]) {
        self.office = office
        self.kind = kind
        self.name = name
        self.horizonDays = horizonDays
        self.leadDays = leadDays
        self.services = services
        self.closedDays = closedDays
    }

    public func service(_ id: ServiceID) -> ServiceConfiguration? { services.first { $0.id == id } }
}

public struct ServiceConfiguration: Equatable, Sendable {
    public var id: ServiceID
    public var name: String
    public var slotLengthMinutes: UInt16
    public var capacityPerSlot: UInt16
    /// A pickup service ("consegna permesso"): bookable only once the permit is ready.
    public var requiresReadyPermit: Bool
    /// Opening intervals per weekday, Monday first; breaks are the gaps between intervals.
    public var weekly: [[OpeningInterval]]

    public init(id: ServiceID, name: String, slotLengthMinutes: UInt16, capacityPerSlot: UInt16,
                requiresReadyPermit: Bool, weekly: [[OpeningInterval]]) {
        self.id = id
        self.name = name
        self.slotLengthMinutes = slotLengthMinutes
        self.capacityPerSlot = capacityPerSlot
        self.requiresReadyPermit = requiresReadyPermit
        self.weekly = weekly
    }

    /// The start times of the slots on that weekday, in order: every interval cut into slots of
    /// `slotLengthMinutes`; a tail shorter than a slot is not a slot.
    public func slotTimes(on weekday: Weekday) -> [LocalTime] {
        guard slotLengthMinutes > 0, Int(weekday.rawValue) < weekly.count else { return [] }
        var times: [LocalTime] = []
        for interval in weekly[Int(weekday.rawValue)] {
            var start = interval.start.minutesSinceMidnight
            while start + slotLengthMinutes <= interval.end.minutesSinceMidnight {
                times.append(LocalTime(minutesSinceMidnight: start))
                start += slotLengthMinutes
            }
        }
        return times
    }
}

/// `[start, end)` in local time.
public struct OpeningInterval: Equatable, Sendable {
    public var start: LocalTime
    public var end: LocalTime
    public init(start: LocalTime, end: LocalTime) {
        self.start = start
        self.end = end
    }
}
