import Events
import Projections

extension Decider {
    /// `amend-office`: one part of the configuration changes (quotas, address, transition
    /// window); decided as the whole new configuration, under the same rules as `configure-office`.
    static func amend(_ officeID: OfficeID, _ amendment: OfficeAmendment, _ views: Views, now: Instant) -> Outcome {
        guard var configuration = views.offices[officeID]?.configuration else { return .rejected(.unknownOffice(officeID)) }
        switch amendment {
        case .quotas(let serviceID, let quotas, let releaseDays):
            guard let index = configuration.services.firstIndex(where: { $0.id == serviceID }) else {
                return .rejected(.unknownService(officeID, serviceID))
            }
            configuration.services[index].quotas = quotas
            configuration.services[index].releaseDays = releaseDays
        case .address(let address, let phone):
            configuration.address = address
            configuration.phone = phone
        case .transition(let window):
            configuration.transition = window
        case .retention(let days):
            configuration.retentionDays = days
        case .dayListAddress(let address):
            configuration.dayListAddress = address
        case .reminder(let serviceID, let days):
            guard let index = configuration.services.firstIndex(where: { $0.id == serviceID }) else {
                return .rejected(.unknownService(officeID, serviceID))
            }
            configuration.services[index].reminderDays = days
        }
        return configure(configuration, views, now: now)
    }

    /// `migrate-appointment`: an appointment the previous booking system gave is kept as it is,
    /// on its day and time, counted as booked even where that passes the slot's capacity. Only
    /// for days inside the office's transition window, from today on; the day must be open and
    /// the time one of its slots.
    static func migrate(_ request: MigrateRequest, _ views: Views, now: Instant, actor: Actor,
                        ids: inout some IDSource) -> Outcome {
        guard let office = views.offices[request.office] else { return .rejected(.unknownOffice(request.office)) }
        guard let calendar = ServiceCalendar(views, office, request.service) else {
            return .rejected(.unknownService(request.office, request.service))
        }
        guard let pratica = views.pratiche[request.pratica] else { return .rejected(.unknownPratica(request.pratica)) }
        let window = office.configuration.transition
        guard let window, window.contains(request.day) else {
            return .rejected(.outsideTransition(request.office, day: request.day, window: window))
        }
        let today = RomeTime.day(of: now)
        if request.day < today { return .rejected(.dayInPast(request.day, today: today)) }
        if !calendar.isOpen(request.day) { return .rejected(.officeClosed(request.office, day: request.day)) }
        if !calendar.hasSlot(request.time, on: request.day) {
            return .rejected(.noSuchSlot(request.office, service: request.service, day: request.day, time: request.time))
        }
        if let live = pratica.live[request.service], (views.appointments[live]?.day ?? today) >= today {
            return .rejected(.liveAppointmentExists(request.pratica, service: request.service, appointment: live))
        }
        return .accepted([.appointmentMigrated(AppointmentMigrated(
            appointment: ids.nextAppointmentID(), office: request.office, service: request.service,
            pratica: request.pratica, day: request.day, time: request.time, legacyID: request.legacyID,
            bookedBy: actor.body))])
    }
}
