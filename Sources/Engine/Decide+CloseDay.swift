import Events
import Projections

extension Decider {
    /// `close-day`: every booked appointment of that office (or service) and day is deferred,
    /// earliest first, to the next days with room, keeping their order. All or nothing: if one
    /// finds no room, nothing is closed.
    static func closeDay(_ officeID: OfficeID, _ day: Day, service serviceID: ServiceID?, reason: String,
                         _ views: Views, now: Instant) -> Outcome {
        guard let office = views.offices[officeID] else { return .rejected(.unknownOffice(officeID)) }
        if let serviceID, office.configuration.service(serviceID) == nil {
            return .rejected(.unknownService(officeID, serviceID))
        }
        let window = BookingWindow(office.configuration, now: now)
        guard day >= window.today else { return .rejected(.dayInPast(day, today: window.today)) }
        let searchThrough = max(window.last, day.adding(days: Limits.closeDaySearchDaysMax))
        var events: [Event] = []
        let services = serviceID.map { [$0] } ?? office.configuration.services.map(\.id)
        for service in services {
            guard var calendar = ServiceCalendar(views, officeID, service),
                  let dayLoad = calendar.load?[day] else { continue }
            // Moves go forward from the day after, each starting where the previous one landed:
            // an earlier appointment never ends up after a later one.
            var cursor: (day: Day, time: LocalTime?) = (day.adding(days: 1), nil)
            for entry in dayLoad.entries where views.appointments[entry.appointment]?.state == .booked {
                guard let target = calendar.firstFree(from: cursor.day, atOrAfter: cursor.time, through: searchThrough) else {
                    return .rejected(.cannotRehouse(entry.appointment, searchedThrough: searchThrough))
                }
                calendar.take(target.day, target.time)
                cursor = (target.day, target.time)
                events.append(.appointmentMoved(AppointmentMoved(
                    appointment: entry.appointment, office: officeID, service: service, fromDay: day,
                    fromTime: entry.time, toDay: target.day, toTime: target.time, cause: .dayClosed, reason: reason)))
            }
        }
        events.append(.dayClosed(office: officeID, day: day, service: serviceID, reason: reason))
        return .accepted(events)
    }
}
