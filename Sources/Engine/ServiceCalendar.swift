import Events
import Projections

/// One office's service seen as a calendar of slots with room: the search every booking,
/// deferral and closure runs.
struct ServiceCalendar {
    let office: OfficeView
    let service: ServiceConfiguration
    let load: ServiceLoad?
    /// Slot start times per weekday, Monday first.
    let grid: [[LocalTime]]
    /// Seats taken by earlier steps of the same decision (close-day moves many at once).
    var pending: [Day: [LocalTime: UInt16]] = [:]
    /// The quota channel searching: `.open` (staff, close-day) sees every free seat.
    var channel: Channel = .open
    /// The office's today, for releasing unused quota (`releaseDays`) and for the slots that
    /// have begun.
    var today = Day(daysSinceEpoch: 0)
    /// The minute of today (Europe/Rome) the decision is made in: a slot of today starting at
    /// or before it has begun and is not bookable (docs/engine.md, "Begun slots").
    var nowTime: LocalTime?

    /// Sets today and the minute of now, as the booking window sees them.
    mutating func seen(from window: BookingWindow) {
        today = window.today
        nowTime = window.time
    }

    /// The earliest start a search on `day` may take, given what the caller asked (`time`):
    /// on today, strictly after the minute of now.
    func earliest(on day: Day, atOrAfter time: LocalTime?) -> LocalTime? {
        guard day == today, let nowTime else { return time }
        let next = LocalTime(minutesSinceMidnight: nowTime.minutesSinceMidnight + 1)
        guard let time else { return next }
        return max(time, next)
    }

    /// Whether the search must look at the channels' counts: a restricted channel on a
    /// service with quotas.
    var quotaBound: Bool { channel != .open && service.quotas.total > 0 }

    init?(_ views: Views, _ officeID: OfficeID, _ serviceID: ServiceID) {
        guard let office = views.offices[officeID] else { return nil }
        self.init(views, office, serviceID)
    }

    init?(_ views: Views, _ office: OfficeView, _ serviceID: ServiceID) {
        guard let service = office.configuration.service(serviceID), let grid = office.grids[serviceID] else { return nil }
        self.office = office
        self.service = service
        self.grid = grid
        load = views.loads[OfficeService(office.configuration.office, serviceID)]
    }

    func slotTimes(on day: Day) -> [LocalTime] { grid[Int(day.weekday.rawValue)] }

    /// Open: not a holiday, not closed by close-day, and the service has slots that weekday.
    /// A materialised day already says so (the fold keeps it in step with closures and
    /// configuration), which spares the set lookups on the busy days a search walks past.
    func isOpen(_ day: Day) -> Bool {
        if let dayLoad = load?[day] { return !dayLoad.closed && !dayLoad.slots.isEmpty }
        return !office.isClosed(service.id, on: day) && !slotTimes(on: day).isEmpty
    }

    func hasSlot(_ time: LocalTime, on day: Day) -> Bool {
        if let dayLoad = load?[day] { return dayLoad.slotIndex(time) != nil }
        return slotTimes(on: day).contains(time)
    }

    func firstOpenDay(from start: Day, through last: Day) -> Day? {
        var day = start
        while day <= last {
            if isOpen(day) { return day }
            day = day.adding(days: 1)
        }
        return nil
    }

    /// The first slot with room at or after `time` on `start` (any time on later days), through `last`.
    func firstFree(from start: Day, atOrAfter time: LocalTime?, through last: Day) -> (day: Day, time: LocalTime)? {
        var day = start
        while day <= last {
            if let found = firstFree(on: day, atOrAfter: day == start ? time : nil) { return (day, found) }
            day = day.adding(days: 1)
        }
        return nil
    }

    func firstFree(on day: Day, atOrAfter asked: LocalTime?) -> LocalTime? {
        let taken = pending.isEmpty ? nil : pending[day]
        if taken == nil, let dayLoad = load?[day], dayLoad.free == 0 { return nil }
        var found: LocalTime?
        slots(on: day, atOrAfter: asked) { time, room in
            if room > Int(taken?[time] ?? 0) { found = time }
            return found == nil
        }
        return found
    }

    /// Calls `body` with each slot of `day` at or after `asked` that has not begun, in order,
    /// with the seats this calendar's channel may take there (before `pending`), while `body`
    /// returns true. A closed day has none. The one walk over a day's slots: BOOK, DEFER,
    /// close-day and FIRSTFREE all see the same seats.
    func slots(on day: Day, atOrAfter asked: LocalTime?, _ body: (LocalTime, Int) -> Bool) {
        let time = earliest(on: day, atOrAfter: asked)
        if let dayLoad = load?[day] {
            if dayLoad.closed { return }
            let released = quotaBound && office.quotaReleased(service, on: day, today: today)
            for slot in dayLoad.slots where time.map({ slot.time >= $0 }) ?? true {
                let room = quotaBound ? slot.room(for: channel, quotas: service.quotas, released: released) : Int(slot.free)
                if !body(slot.time, room) { return }
            }
            return
        }
        guard !office.isClosed(service.id, on: day) else { return }
        let empty = quotaBound ? room(SlotLoad(time: .midnight, capacity: service.capacityPerSlot, booked: 0), on: day)
            : Int(service.capacityPerSlot)
        for slotTime in slotTimes(on: day) where time.map({ slotTime >= $0 }) ?? true {
            if !body(slotTime, empty) { return }
        }
    }

    /// The seats this calendar's channel may still take in `slot` on `day`.
    func room(_ slot: SlotLoad, on day: Day) -> Int {
        guard quotaBound else { return Int(slot.free) }
        return slot.room(for: channel, quotas: service.quotas,
                         released: office.quotaReleased(service, on: day, today: today))
    }

    mutating func take(_ day: Day, _ time: LocalTime) {
        pending[day, default: [:]][time, default: 0] += 1
    }
}

/// The calendar a configuration gives, before any `close-day`: the one place the report and the
/// simulation ask which days open and how many seats they offer (the views' `OfficeView` asks
/// the same of a configuration in force, with its closures).
public enum Calendars {
    /// Whether `configuration` opens `service` (any of its services when nil) on `day`: not one
    /// of its closed days, and slots on that weekday.
    public static func opens(_ configuration: OfficeConfiguration, _ service: ServiceID? = nil, on day: Day) -> Bool {
        guard !isHoliday(configuration, day) else { return false }
        return configuration.services.contains { (service == nil || $0.id == service) && !$0.slotTimes(on: day.weekday).isEmpty }
    }

    /// The seats `configuration` offers `service` on `day` (0 on a closed day, or for a service
    /// it does not have), and whether the day is one of its closed days.
    public static func seats(_ configuration: OfficeConfiguration, _ service: ServiceID, on day: Day) -> (seats: Int, closed: Bool) {
        guard let serviceConfiguration = configuration.service(service) else { return (0, false) }
        if isHoliday(configuration, day) { return (0, true) }
        return (serviceConfiguration.slotTimes(on: day.weekday).count * Int(serviceConfiguration.capacityPerSlot), false)
    }

    /// The closed days are sorted (the engine refuses a configuration whose are not): a binary search.
    static func isHoliday(_ configuration: OfficeConfiguration, _ day: Day) -> Bool {
        var low = 0
        var high = configuration.closedDays.count
        while low < high {
            let middle = (low + high) / 2
            if configuration.closedDays[middle] < day { low = middle + 1 } else { high = middle }
        }
        return low < configuration.closedDays.count && configuration.closedDays[low] == day
    }
}
