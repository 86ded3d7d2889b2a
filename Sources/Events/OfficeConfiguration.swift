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
    /// The office's postal address as printed on convocation notes; empty when not set.
    /// (Configuration version 2, like everything below.)
    public var address: String
    /// A telephone number for the public; empty when not set.
    public var phone: String
    /// The days on which appointments migrated from the previous booking system are accepted
    /// (`migrate-appointment`); nil: none.
    public var transition: TransitionWindow?
    /// The province the office serves (its sigla, `RM`): a Prefettura's staff act on the
    /// offices of its province (docs/engine.md, "Who may act"). Empty when not set, as in every
    /// configuration recorded before configuration version 3; the province is then the office
    /// id's first part. (Configuration version 3.)
    public var province: String
    /// How many days after the permit's pickup the applicant's sealed data of a pratica this
    /// office opened is kept: then the node's clock command (`tick`) erases it. 0: kept until
    /// an `erase-pratica`. (Configuration version 4.)
    public var retentionDays: UInt16
    /// Where the end-of-day list of the appointments fixed that day for this office is
    /// e-mailed (docs/outbox.md); empty: not e-mailed. (Configuration version 5.)
    public var dayListAddress: String

    public init(office: OfficeID, kind: Kind, name: String, horizonDays: UInt16, leadDays: UInt16,
                services: [ServiceConfiguration], closedDays: [Day], address: String = "", phone: String = "",
                transition: TransitionWindow? = nil, province: String = "", retentionDays: UInt16 = 0,
                dayListAddress: String = "") {
        self.office = office
        self.kind = kind
        self.name = name
        self.horizonDays = horizonDays
        self.leadDays = leadDays
        self.services = services
        self.closedDays = closedDays
        self.address = address
        self.phone = phone
        self.transition = transition
        self.province = province
        self.retentionDays = retentionDays
        self.dayListAddress = dayListAddress
    }

    /// True when nothing of configuration version 2, 3 or 4 is set: such a configuration is
    /// recorded under the version-1 tags, byte for byte as before.
    public var isVersion1: Bool { version == 1 }

    /// The layout the configuration is recorded in: 5 when it sets an end-of-day address or a
    /// service's reminder, else 4 when it sets a retention period, else 3 when it names a
    /// province, else 2 when it sets anything of version 2, else 1. One configuration has one
    /// encoding.
    public var version: Int {
        if !dayListAddress.isEmpty || services.contains(where: { $0.reminderDays != 0 }) { return 5 }
        if retentionDays != 0 { return 4 }
        if !province.isEmpty { return 3 }
        let setsVersion2 = !address.isEmpty || !phone.isEmpty || transition != nil
            || services.contains { $0.quotas != .none || $0.releaseDays != 0 }
        return setsVersion2 ? 2 : 1
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
    /// Each slot's places reserved per channel; the rest (capacity minus their sum) is open to
    /// every channel. Configuration version 2.
    public var quotas: ChannelQuotas
    /// A slot's unused quota is open to every channel once its day is at most this many days
    /// after today. Configuration version 2.
    public var releaseDays: UInt16
    /// How many days before an appointment of this service its applicant is reminded by
    /// e-mail, when they left an address; 0: no reminder. Configuration version 5.
    public var reminderDays: UInt16

    public init(id: ServiceID, name: String, slotLengthMinutes: UInt16, capacityPerSlot: UInt16,
                requiresReadyPermit: Bool, weekly: [[OpeningInterval]], quotas: ChannelQuotas = .none,
                releaseDays: UInt16 = 0, reminderDays: UInt16 = 0) {
        self.id = id
        self.name = name
        self.slotLengthMinutes = slotLengthMinutes
        self.capacityPerSlot = capacityPerSlot
        self.requiresReadyPermit = requiresReadyPermit
        self.weekly = weekly
        self.quotas = quotas
        self.releaseDays = releaseDays
        self.reminderDays = reminderDays
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

/// The days `[from, to]` (both included) during which migrated appointments are accepted.
public struct TransitionWindow: Equatable, Sendable {
    public var from: Day
    public var to: Day
    public init(from: Day, to: Day) {
        self.from = from
        self.to = to
    }
    public func contains(_ day: Day) -> Bool { day >= from && day <= to }
}

/// Who a booking came through, for quotas: derived from the booking account's role (sui,
/// body, applicant); every other role (staff, admin, the system) books on the open channel,
/// unrestricted by quotas. Tags are forever.
public enum Channel: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case open = 0
    case sui = 1
    case body = 2
    case applicant = 3

    public init(role: Role?) {
        switch role {
        case .sui?: self = .sui
        case .body?: self = .body
        case .applicant?: self = .applicant
        default: self = .open
        }
    }

    public var description: String {
        switch self {
        case .open: "open"
        case .sui: "sui"
        case .body: "body"
        case .applicant: "applicant"
        }
    }
}

/// Places per slot reserved for each channel.
public struct ChannelQuotas: Equatable, Sendable {
    public var sui: UInt16
    public var body: UInt16
    public var applicant: UInt16
    public init(sui: UInt16, body: UInt16, applicant: UInt16) {
        self.sui = sui
        self.body = body
        self.applicant = applicant
    }
    public static let none = ChannelQuotas(sui: 0, body: 0, applicant: 0)
    public var total: Int { Int(sui) + Int(body) + Int(applicant) }
    public subscript(channel: Channel) -> UInt16 {
        switch channel {
        case .open: 0
        case .sui: sui
        case .body: body
        case .applicant: applicant
        }
    }
}
