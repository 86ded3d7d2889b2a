import Events
import Projections

/// Read-only questions operators ask of the views (FIRSTFREE, CAPACITY, AGENDA, STATUS). Pure,
/// like `decide`: the server runs them through `Store.query`, in the writer's order.
public enum Queries {
    public struct FreeSlot: Equatable, Sendable {
        public var day: Day
        public var time: LocalTime
        public var free: Int
    }

    public struct DayCapacity: Equatable, Sendable {
        public var day: Day
        public var capacity: Int
        public var booked: Int
        public var closed: Bool
        /// Seats free slot by slot (a slot migrated past its capacity has none, the others keep theirs).
        public var freeSeats: Int
        public var free: Int { closed ? 0 : freeSeats }
    }

    /// The first `count` slots with room, from `notBefore` (or the first bookable day) through
    /// the horizon, earliest first: what BOOK would pick, and the ones after it.
    /// `channel`: the caller's quota channel (from its role); what it could take is what counts.
    public static func firstFree(_ views: Views, office: OfficeID, service: ServiceID,
                                 notBefore: Day?, count: Int, now: Instant,
                                 channel: Channel = .open) -> Result<[FreeSlot], Rejection> {
        var found: [FreeSlot] = []
        if let rejection = walkFree(views, office, service, notBefore: notBefore, now: now, channel: channel,
                                    enough: { found.count >= count }, visit: { day, time, room in
                                        found.append(FreeSlot(day: day, time: time, free: room))
                                        return found.count < count
                                    }) {
            return .failure(rejection)
        }
        return .success(found)
    }

    /// The days from `notBefore` (or the first bookable day) through the horizon with a place
    /// the caller's channel could take, earliest first, at most `count`: the days a portal
    /// offers to book on. The same walk as `firstFree`, a day at a time.
    public static func freeDays(_ views: Views, office: OfficeID, service: ServiceID,
                                notBefore: Day?, count: Int, now: Instant,
                                channel: Channel = .open) -> Result<[Day], Rejection> {
        var found: [Day] = []
        if let rejection = walkFree(views, office, service, notBefore: notBefore, now: now, channel: channel,
                                    enough: { found.count >= count }, visit: { day, _, _ in
                                        found.append(day)
                                        return false
                                    }) {
            return .failure(rejection)
        }
        return .success(found)
    }

    /// The slots with room for `channel`, from `notBefore` (or the first bookable day) through
    /// the horizon, in order: `visit(day, time, free)` answers whether to go on within that day,
    /// `enough()` ends the walk. The rejection when the office, the service or the day is not one.
    static func walkFree(_ views: Views, _ officeID: OfficeID, _ serviceID: ServiceID, notBefore: Day?, now: Instant,
                         channel: Channel, enough: () -> Bool,
                         visit: (Day, LocalTime, Int) -> Bool) -> Rejection? {
        guard let office = views.offices[officeID] else { return .unknownOffice(officeID) }
        guard var calendar = ServiceCalendar(views, office, serviceID) else { return .unknownService(officeID, serviceID) }
        let window = BookingWindow(office.configuration, now: now)
        calendar.channel = channel
        calendar.seen(from: window)
        var day = max(window.earliest, notBefore ?? window.earliest)
        if day > window.last { return .beyondHorizon(requested: day, last: window.last) }
        while day <= window.last && !enough() {
            calendar.slots(on: day, atOrAfter: nil) { time, room in
                room > 0 ? visit(day, time, room) : true
            }
            day = day.adding(days: 1)
        }
        return nil
    }

    /// The first place after (`day`, `time`), through the office's horizon, that a proposed
    /// `configuration` would offer `service`, counting the seats already booked there: where
    /// `replay whatif` moves an appointment the changed calendar cannot hold. The move itself is
    /// then decided by the engine like any `defer`.
    public static func firstFree(under configuration: OfficeConfiguration, _ views: Views, service: ServiceID,
                                 after day: Day, _ time: LocalTime, now: Instant) -> (day: Day, time: LocalTime)? {
        guard let current = views.offices[configuration.office] else { return nil }
        let proposed = OfficeView(configuration: configuration, closures: current.closures,
                                  serviceClosures: current.serviceClosures)
        let window = BookingWindow(current.configuration, now: now)
        let seated = views.loads[OfficeService(configuration.office, service)]
        var candidate = max(day, window.earliest)
        while candidate <= window.last {
            let fresh = proposed.freshLoad(service, on: candidate)
            let load = seated?[candidate]
            if !fresh.closed, load?.closed != true {
                for slot in fresh.slots where candidate > day || slot.time > time {
                    let booked = load.flatMap { load in load.slotIndex(slot.time).map { load.slots[$0].booked } } ?? 0
                    if booked < slot.capacity { return (candidate, slot.time) }
                }
            }
            candidate = candidate.adding(days: 1)
        }
        return nil
    }

    /// Each day's places from `from` through `to`: capacity, booked, free.
    public static func capacity(_ views: Views, office officeID: OfficeID, service serviceID: ServiceID,
                                from: Day, through to: Day) -> Result<[DayCapacity], Rejection> {
        guard let office = views.offices[officeID] else { return .failure(.unknownOffice(officeID)) }
        guard office.configuration.service(serviceID) != nil else {
            return .failure(.unknownService(officeID, serviceID))
        }
        let load = views.loads[OfficeService(officeID, serviceID)]
        var days: [DayCapacity] = []
        var day = from
        while day <= to {
            let dayLoad = load?[day] ?? office.freshLoad(serviceID, on: day)
            days.append(DayCapacity(day: day, capacity: dayLoad.capacity, booked: dayLoad.booked, closed: dayLoad.closed,
                                    freeSeats: dayLoad.free))
            day = day.adding(days: 1)
        }
        return .success(days)
    }

    /// The office's appointments on that day, by time then by booking order; every state the
    /// day still holds (booked, attended, missed, completed), cancelled and moved ones gone.
    public static func agenda(_ views: Views, office officeID: OfficeID, day: Day,
                              service: ServiceID?) -> Result<[AppointmentView], Rejection> {
        guard let office = views.offices[officeID] else { return .failure(.unknownOffice(officeID)) }
        let services = service.map { [$0] } ?? office.configuration.services.map(\.id)
        if let service, office.configuration.service(service) == nil {
            return .failure(.unknownService(officeID, service))
        }
        var entries: [(AgendaEntry, AppointmentView)] = []
        for service in services {
            for entry in views.day(DayKey(officeID, service, day))?.entries ?? [] {
                if let appointment = views.appointments[entry.appointment] { entries.append((entry, appointment)) }
            }
        }
        entries.sort { $0.0 < $1.0 }
        return .success(entries.map(\.1))
    }

    /// The appointments `body` booked (`bookedBy`) seated on a day from `from` on, of every
    /// office, by day and time: an affiliated body's own bookings. Reads the days memory holds
    /// (the working set, `Views.completeFrom` on), so `from` is at most a few weeks back.
    public static func bookings(_ views: Views, bookedBy body: String, from: Day) -> [AppointmentView] {
        var found: [(AgendaEntry, AppointmentView)] = []
        for load in views.loads.values {
            for (day, dayLoad) in load.materialised where day >= from {
                for entry in dayLoad.entries {
                    if let appointment = views.appointments[entry.appointment], appointment.bookedBy == body {
                        found.append((entry, appointment))
                    }
                }
            }
        }
        found.sort { ($0.1.day, $0.0) < ($1.1.day, $1.0) }
        return found.map(\.1)
    }

    /// The pratiche among `appointments`' whose permit is ready and not yet delivered, once
    /// each, in the order first met: a body's applicants waiting for a pickup.
    public static func readyPermits(_ views: Views, of appointments: [AppointmentView]) -> [PraticaView] {
        var seen: Set<PraticaID> = []
        var ready: [PraticaView] = []
        for appointment in appointments where seen.insert(appointment.pratica).inserted {
            if let pratica = views.pratiche[appointment.pratica], pratica.permitReady, !pratica.permitDelivered {
                ready.append(views.opened(pratica))
            }
        }
        return ready
    }

    /// Whether `surname` and `name` are the pratica's applicant's, as STATUS compares them
    /// (spaces and case aside): how a body confirms whom it books a pickup for. False for an
    /// unknown pratica too, told apart by nothing.
    public static func applicantMatches(_ views: Views, pratica id: PraticaID, surname: String, name: String) -> Bool {
        guard let applicant = views.applicant(of: id) else { return false }
        return ApplicantKey(surname: surname, name: name, birthDate: applicant.birthDate)
            == ApplicantKey(surname: applicant.surname, name: applicant.name, birthDate: applicant.birthDate)
    }

    public enum PermitStatus: String, Sendable {
        case ready
        case notReady = "not-ready"
        case unknown
    }

    /// The public STATUS check: the applicant proves who they are with surname, name, birth
    /// date and the day they were fingerprinted, and learns only whether the permit is ready.
    /// Any mismatch is `unknown`, indistinguishable from a person who does not exist.
    public static func permitStatus(_ views: Views, surname: String, name: String, birthDate: Day,
                                    fingerprintedOn: Day) -> PermitStatus {
        // Data in clear by the name; sealed data by the person's keyed hash (with the keys).
        var found = views.pratiche(of: ApplicantKey(surname: surname, name: name, birthDate: birthDate))
        if let keys = views.keys {
            let tag = ApplicantSealing.personTag(surname: surname, name: name, birthDate: birthDate, indexKey: keys.indexKey)
            found += views.pratiche(of: ApplicantKey(tagged: tag))
        }
        // Whatever order the pratiche are found in: ready if any that matches is.
        var status = PermitStatus.unknown
        for id in found {
            guard let pratica = views.pratiche[id], !pratica.applicant.isErased else { continue }
            let fingerprinted = pratica.appointments.contains { appointmentID in
                guard let appointment = views.appointments[appointmentID] else { return false }
                return appointment.day == fingerprintedOn
                    && [.booked, .attended, .completed].contains(appointment.state)
            }
            if fingerprinted {
                if pratica.permitReady { return .ready }
                status = .notReady
            }
        }
        return status
    }
}
