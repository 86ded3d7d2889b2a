import Events
import Projections

extension Decider {
    /// `book`: the first free slot from the requested (or first possible) day; a full day moves
    /// on to the next open day with room by itself, and the outcome says so — the behaviour of
    /// the Ministry's agenda elettronica.
    static func book(_ request: BookRequest, _ views: Views, now: Instant, actor: Actor,
                     ids: inout some IDSource) -> Outcome {
        guard let office = views.offices[request.office] else { return .rejected(.unknownOffice(request.office)) }
        guard var calendar = ServiceCalendar(views, office, request.service) else {
            return .rejected(.unknownService(request.office, request.service))
        }
        guard let pratica = views.pratiche[request.pratica] else { return .rejected(.unknownPratica(request.pratica)) }
        if calendar.service.requiresReadyPermit {
            if pratica.permitDelivered { return .rejected(.permitAlreadyDelivered(request.pratica)) }
            if !pratica.permitReady { return .rejected(.permitNotReady(request.pratica)) }
        }
        let today = RomeTime.day(of: now)
        // A live appointment whose day is over without ATTEND or NOSHOW counts as missed: it
        // no longer stands in the way of a new booking.
        if let live = pratica.live[request.service], (views.appointments[live]?.day ?? today) >= today {
            // Asked for "this booking, or the one it already has": nothing to change.
            if request.orExisting { return .accepted([]) }
            return .rejected(.liveAppointmentExists(request.pratica, service: request.service, appointment: live))
        }
        let window = BookingWindow(office.configuration, now: now)
        calendar.channel = views.channel(of: actor)
        calendar.seen(from: window)
        let requested: Day
        if let on = request.on {
            if let rejection = checkChosenDay(on, at: request.at, calendar, office.configuration.office, window) {
                return .rejected(rejection)
            }
            requested = on
        } else {
            let start = max(window.earliest, request.notBefore ?? window.earliest)
            guard start <= window.last else { return .rejected(.beyondHorizon(requested: start, last: window.last)) }
            guard let first = calendar.firstOpenDay(from: start, through: window.last) else {
                return .rejected(.full(office: request.office, service: request.service, searchedThrough: window.last))
            }
            if let at = request.at, !calendar.hasSlot(at, on: first) {
                return .rejected(.noSuchSlot(request.office, service: request.service, day: first, time: at))
            }
            requested = first
        }
        guard let found = calendar.firstFree(from: requested, atOrAfter: request.at, through: window.last) else {
            return .rejected(.full(office: request.office, service: request.service, searchedThrough: window.last))
        }
        let deferred = found.day != requested || (request.at.map { $0 != found.time } ?? false)
        return .accepted([.appointmentBooked(AppointmentBooked(
            appointment: ids.nextAppointmentID(), office: request.office, service: request.service,
            pratica: request.pratica, requestedDay: requested, day: found.day, time: found.time, deferred: deferred,
            bookedBy: actor.body))])
    }

    /// A day the operator named (book ON, defer TO): inside the window, open, and the time one of its slots.
    static func checkChosenDay(_ day: Day, at time: LocalTime?, _ calendar: ServiceCalendar, _ office: OfficeID,
                               _ window: BookingWindow) -> Rejection? {
        if day < window.earliest { return .beforeLeadTime(requested: day, earliest: window.earliest) }
        if day > window.last { return .beyondHorizon(requested: day, last: window.last) }
        if !calendar.isOpen(day) { return .officeClosed(office, day: day) }
        if let time, !calendar.hasSlot(time, on: day) {
            return .noSuchSlot(office, service: calendar.service.id, day: day, time: time)
        }
        return nil
    }
}
