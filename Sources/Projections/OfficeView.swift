import Events

/// An office's configuration in force, with the closures `close-day` added, and the slot grid
/// derived once from it.
public struct OfficeView: Equatable, Sendable {
    public private(set) var configuration: OfficeConfiguration
    /// Days closed for every service by `close-day`.
    public internal(set) var closures: Set<Day>
    /// Days closed for one service by `close-day ... SERVICE`.
    public internal(set) var serviceClosures: [ServiceID: Set<Day>]
    public private(set) var holidays: Set<Day>
    /// Slot start times per service and weekday (Monday first).
    public private(set) var grids: [ServiceID: [[LocalTime]]]

    public init(configuration: OfficeConfiguration, closures: Set<Day> = [], serviceClosures: [ServiceID: Set<Day>] = [:]) {
        self.configuration = configuration
        self.closures = closures
        self.serviceClosures = serviceClosures
        holidays = Set(configuration.closedDays)
        grids = [:]
        for service in configuration.services {
            grids[service.id] = Weekday.allCases.map { service.slotTimes(on: $0) }
        }
    }

    public func isClosed(_ service: ServiceID, on day: Day) -> Bool {
        holidays.contains(day) || closures.contains(day) || (serviceClosures[service]?.contains(day) ?? false)
    }

    /// The day's slots as the configuration makes them: empty when closed or not a working day.
    public func freshLoad(_ service: ServiceID, on day: Day) -> DayLoad {
        guard let configuration = configuration.service(service) else { return DayLoad(closed: true, slots: []) }
        if isClosed(service, on: day) { return DayLoad(closed: true, slots: []) }
        let times = grids[service]?[Int(day.weekday.rawValue)] ?? []
        return DayLoad(closed: false, slots: times.map {
            SlotLoad(time: $0, capacity: configuration.capacityPerSlot, booked: 0)
        })
    }

    /// Whether unused quota of `service`'s slots on `day` is open to every channel, seen from `today`.
    public func quotaReleased(_ service: ServiceConfiguration, on day: Day, today: Day) -> Bool {
        day.days(since: today) <= Int(service.releaseDays)
    }
}
