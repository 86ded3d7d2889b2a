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
    public static func firstFree(_ views: Views, office officeID: OfficeID, service serviceID: ServiceID,
                                 notBefore: Day?, count: Int, now: Instant,
                                 channel: Channel = .open) -> Result<[FreeSlot], Rejection> {
        guard let office = views.offices[officeID] else { return .failure(.unknownOffice(officeID)) }
        guard var calendar = ServiceCalendar(views, office, serviceID) else {
            return .failure(.unknownService(officeID, serviceID))
        }
        let window = BookingWindow(office.configuration, now: now)
        calendar.channel = channel
        calendar.seen(from: window)
        var day = max(window.earliest, notBefore ?? window.earliest)
        if day > window.last { return .failure(.beyondHorizon(requested: day, last: window.last)) }
        var found: [FreeSlot] = []
        while day <= window.last && found.count < count {
            calendar.slots(on: day, atOrAfter: nil) { time, room in
                if room > 0 { found.append(FreeSlot(day: day, time: time, free: room)) }
                return found.count < count
            }
            day = day.adding(days: 1)
        }
        return .success(found)
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
        let key = ApplicantKey(surname: surname, name: name, birthDate: birthDate)
        // Whatever order the pratiche are found in: ready if any that matches is.
        var status = PermitStatus.unknown
        for id in views.pratiche(of: key) {
            guard let pratica = views.pratiche[id] else { continue }
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
