import Events
import Projections

extension Decider {
    /// `defer`: to the next free slot after the current one, or to a given day (and slot); a
    /// full day moves on by itself, as for `book`.
    static func deferAppointment(_ id: AppointmentID, to target: DeferTarget, reason: String, _ views: Views,
                                 now: Instant) -> Outcome {
        guard let appointment = views.appointments[id] else { return .rejected(.unknownAppointment(id)) }
        guard appointment.state == .booked else {
            return .rejected(.appointmentNotLive(id, state: appointment.state.description))
        }
        guard let office = views.offices[appointment.office],
              var calendar = ServiceCalendar(views, appointment.office, appointment.service) else {
            return .rejected(.unknownService(appointment.office, appointment.service))
        }
        let window = BookingWindow(office.configuration, now: now)
        // Its day is over unmarked: it counts as missed, and stays where it was.
        if appointment.isUnmarkedPast(today: window.today) {
            return .rejected(.appointmentNotLive(id, state: AppointmentState.missed.description))
        }
        // It moves within its own channel's share, as it was booked.
        calendar.channel = appointment.channel
        calendar.seen(from: window)
        let found: (day: Day, time: LocalTime)?
        switch target {
        case .nextFree:
            // Strictly after the current slot, and never before the first bookable day.
            let afterCurrent = LocalTime(minutesSinceMidnight: appointment.time.minutesSinceMidnight + 1)
            found = appointment.day >= window.earliest
                ? calendar.firstFree(from: appointment.day, atOrAfter: afterCurrent, through: window.last)
                : calendar.firstFree(from: window.earliest, atOrAfter: nil, through: window.last)
        case .day(let day, let time):
            if let rejection = checkChosenDay(day, at: time, calendar, appointment.office, window) {
                return .rejected(rejection)
            }
            found = calendar.firstFree(from: day, atOrAfter: time, through: window.last)
        }
        guard let found else {
            return .rejected(.full(office: appointment.office, service: appointment.service, searchedThrough: window.last))
        }
        return .accepted([.appointmentMoved(AppointmentMoved(
            appointment: id, office: appointment.office, service: appointment.service, fromDay: appointment.day,
            fromTime: appointment.time, toDay: found.day, toTime: found.time, cause: .deferred, reason: reason))])
    }

    /// `cancel`: frees the slot at once.
    static func cancel(_ id: AppointmentID, reason: String, _ views: Views, now: Instant) -> Outcome {
        guard let appointment = views.appointments[id] else { return .rejected(.unknownAppointment(id)) }
        guard appointment.state == .booked else {
            return .rejected(.appointmentNotLive(id, state: appointment.state.description))
        }
        if appointment.isUnmarkedPast(today: RomeTime.day(of: now)) {
            return .rejected(.appointmentNotLive(id, state: AppointmentState.missed.description))
        }
        return .accepted([.appointmentCancelled(
            appointment: id, office: appointment.office, service: appointment.service, pratica: appointment.pratica,
            day: appointment.day, time: appointment.time, reason: reason)])
    }
}
