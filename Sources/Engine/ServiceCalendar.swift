import Events
import Projections

/// One office's service seen as a calendar of slots with room: the search every booking,
/// deferral and closure runs.
struct ServiceCalendar {
    let office: OfficeView
    let service: ServiceConfiguration
    let load: ServiceLoad?
    /// Seats taken by earlier steps of the same decision (close-day moves many at once).
    var pending: [Day: [LocalTime: UInt16]] = [:]

    init?(_ views: Views, _ officeID: OfficeID, _ serviceID: ServiceID) {
        guard let office = views.offices[officeID], let service = office.configuration.service(serviceID) else { return nil }
        self.office = office
        self.service = service
        load = views.loads[OfficeService(officeID, serviceID)]
    }

    func slotTimes(on day: Day) -> [LocalTime] {
        office.grids[service.id]?[Int(day.weekday.rawValue)] ?? []
    }

    /// Open: not a holiday, not closed by close-day, and the service has slots that weekday.
    func isOpen(_ day: Day) -> Bool {
        !office.isClosed(service.id, on: day) && !slotTimes(on: day).isEmpty
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

    func firstFree(on day: Day, atOrAfter time: LocalTime?) -> LocalTime? {
        guard !office.isClosed(service.id, on: day) else { return nil }
        let taken = pending[day]
        if let dayLoad = load?[day] {
            if dayLoad.closed || (taken == nil && dayLoad.booked >= dayLoad.capacity) { return nil }
            for slot in dayLoad.slots where time.map({ slot.time >= $0 }) ?? true {
                if slot.free > taken?[slot.time] ?? 0 { return slot.time }
            }
            return nil
        }
        for slotTime in slotTimes(on: day) where time.map({ slotTime >= $0 }) ?? true {
            if service.capacityPerSlot > taken?[slotTime] ?? 0 { return slotTime }
        }
        return nil
    }

    mutating func take(_ day: Day, _ time: LocalTime) {
        pending[day, default: [:]][time, default: 0] += 1
    }
}
