import Events
import Projections

extension Decider {
    /// `attend` / `no-show`: staff record, on the appointment's day or later, whether the
    /// applicant came. Either way the seat stays counted (it was held), and the pratica may
    /// book that service again.
    static func closeAppointment(_ id: AppointmentID, attended: Bool, _ views: Views, now: Instant) -> Outcome {
        guard let appointment = views.appointments[id] else { return .rejected(.unknownAppointment(id)) }
        guard appointment.state == .booked else {
            return .rejected(.appointmentNotLive(id, state: appointment.state.description))
        }
        let today = RomeTime.day(of: now)
        if appointment.day > today { return .rejected(.notYetDue(id, day: appointment.day, today: today)) }
        let closed = AppointmentClosed(appointment: id, office: appointment.office, service: appointment.service,
                                       pratica: appointment.pratica, day: appointment.day, time: appointment.time)
        return .accepted([attended ? .appointmentAttended(closed) : .appointmentMissed(closed)])
    }
}
