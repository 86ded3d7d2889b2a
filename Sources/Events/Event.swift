/// What happened: the facts a command produced. Past tense; each carries what a fold needs.
public enum Event: Equatable, Sendable {
    /// The configuration applies to days from `effectiveFrom` (the decision's own day) on.
    case officeConfigured(OfficeConfiguration, effectiveFrom: Day)
    case dayClosed(office: OfficeID, day: Day, service: ServiceID?, reason: String)
    case appointmentBooked(AppointmentBooked)
    case appointmentMoved(AppointmentMoved)
    case appointmentCancelled(appointment: AppointmentID, office: OfficeID, service: ServiceID,
                              pratica: PraticaID, day: Day, time: LocalTime, reason: String)
    case permitMarkedReady(PraticaID)
    /// The permit was handed over; the pratica's live pickup appointment, if any, is completed.
    case permitDelivered(PraticaID, completedAppointment: AppointmentID?)
    case praticaRegistered(Applicant)
    case accountCreated(AccountSpec)
    case accountDisabled(name: String, reason: String)
    /// The applicant came; the seat stays counted on its day.
    case appointmentAttended(AppointmentClosed)
    /// The applicant did not come; the seat stays counted, it was held for them.
    case appointmentMissed(AppointmentClosed)
    /// An appointment taken over from the previous booking system: seated on its day and
    /// time even past the slot's capacity, and flagged as migrated for good.
    case appointmentMigrated(AppointmentMigrated)
    /// Heads from this record on are signed with this key (64 hexadecimal digits).
    case signingKeyRecorded(publicKey: String)
    /// The pratica's key was destroyed: its sealed personal data is gone for good.
    case praticaErased(PraticaID, reason: String)
    case webhookAdded(Webhook)
    case webhookRemoved(String)
}

public struct AppointmentMigrated: Equatable, Sendable {
    public var appointment: AppointmentID
    public var office: OfficeID
    public var service: ServiceID
    public var pratica: PraticaID
    public var day: Day
    public var time: LocalTime
    public var legacyID: String
    /// The body that imported it.
    public var bookedBy: String

    public init(appointment: AppointmentID, office: OfficeID, service: ServiceID, pratica: PraticaID, day: Day,
                time: LocalTime, legacyID: String, bookedBy: String) {
        self.appointment = appointment
        self.office = office
        self.service = service
        self.pratica = pratica
        self.day = day
        self.time = time
        self.legacyID = legacyID
        self.bookedBy = bookedBy
    }
}

/// An appointment that ended on its day, attended or missed.
public struct AppointmentClosed: Equatable, Sendable {
    public var appointment: AppointmentID
    public var office: OfficeID
    public var service: ServiceID
    public var pratica: PraticaID
    public var day: Day
    public var time: LocalTime

    public init(appointment: AppointmentID, office: OfficeID, service: ServiceID, pratica: PraticaID, day: Day,
                time: LocalTime) {
        self.appointment = appointment
        self.office = office
        self.service = service
        self.pratica = pratica
        self.day = day
        self.time = time
    }
}

public struct AppointmentBooked: Equatable, Sendable {
    public var appointment: AppointmentID
    public var office: OfficeID
    public var service: ServiceID
    public var pratica: PraticaID
    /// The day asked for, or the first possible day when none was asked for.
    public var requestedDay: Day
    public var day: Day
    public var time: LocalTime
    /// The requested or first possible day (or slot) was full and the engine moved it on.
    public var deferred: Bool
    /// The body that booked it: only that body may act on it later.
    public var bookedBy: String

    public init(appointment: AppointmentID, office: OfficeID, service: ServiceID, pratica: PraticaID,
                requestedDay: Day, day: Day, time: LocalTime, deferred: Bool, bookedBy: String) {
        self.appointment = appointment
        self.office = office
        self.service = service
        self.pratica = pratica
        self.requestedDay = requestedDay
        self.day = day
        self.time = time
        self.deferred = deferred
        self.bookedBy = bookedBy
    }
}

public struct AppointmentMoved: Equatable, Sendable {
    public enum Cause: UInt8, Sendable {
        /// An operator's `defer`.
        case deferred = 1
        /// `close-day` moved it off a closed day.
        case dayClosed = 2
    }
    public var appointment: AppointmentID
    public var office: OfficeID
    public var service: ServiceID
    public var fromDay: Day
    public var fromTime: LocalTime
    public var toDay: Day
    public var toTime: LocalTime
    public var cause: Cause
    public var reason: String

    public init(appointment: AppointmentID, office: OfficeID, service: ServiceID, fromDay: Day,
                fromTime: LocalTime, toDay: Day, toTime: LocalTime, cause: Cause, reason: String) {
        self.appointment = appointment
        self.office = office
        self.service = service
        self.fromDay = fromDay
        self.fromTime = fromTime
        self.toDay = toDay
        self.toTime = toTime
        self.cause = cause
        self.reason = reason
    }
}

/// A command's result: its events, or the rule that refused it. Both are recorded.
public enum Outcome: Equatable, Sendable {
    case accepted([Event])
    case rejected(Rejection)

    public var events: [Event] {
        if case .accepted(let events) = self { return events }
        return []
    }
}
