/// What an operator asks for. Kept in the log beside its outcome, so `replay audit` can
/// re-decide it. Tags in `RecordCodec` are forever: add cases, never rename or reuse one.
public enum Command: Equatable, Sendable {
    case configureOffice(OfficeConfiguration)
    /// Closes the office (or one service) for a day and defers that day's appointments.
    case closeDay(office: OfficeID, day: Day, service: ServiceID?, reason: String)
    case book(BookRequest)
    case deferAppointment(AppointmentID, to: DeferTarget, reason: String)
    case cancel(AppointmentID, reason: String)
    case permitReady(PraticaID)
    case pickup(PraticaID)
    /// Brings an applicant's data in from the nulla osta system, so no operator retypes it.
    case registerPratica(Applicant)
    /// Opens an operator's account. The password never enters the log.
    case createAccount(AccountSpec)
    /// Closes an account for good; its history stays.
    case disableAccount(name: String, reason: String)
    /// The applicant came: the appointment is done.
    case attend(AppointmentID)
    /// The applicant did not come: the appointment is done, and the pratica may book again.
    case noShow(AppointmentID)
    /// Changes one part of an office's configuration (quotas, address, transition window);
    /// decided into the whole new configuration.
    case amendOffice(OfficeID, OfficeAmendment)
    /// Brings in an appointment the previous booking system already gave, on its own day and
    /// time, even past today's capacity; only for days in the office's transition window.
    case migrate(MigrateRequest)
    /// The node's signing key (Ed25519, 64 hexadecimal digits of its public half), recorded by
    /// the node when it starts with a key the log does not hold yet: heads from this record on
    /// are signed with it (docs/log-format.md, "Signed heads"). The private half never enters
    /// the log.
    case recordSigningKey(publicKey: String)
    /// Destroys the applicant's key (crypto-shredding): their sealed personal data can no
    /// longer be read anywhere, while every record stays and the chain verifies.
    case erasePratica(PraticaID, reason: String)
    /// The node's clock: appended by the node itself when something falls due at its instant
    /// (a retention period that ended), so what time decides is in the log and `replay audit`
    /// re-decides it the same (docs/engine.md, "Retention and the clock").
    case tick
    /// A receiver of signed webhooks for one office's or one body's events (docs/outbox.md).
    /// The secret itself never enters the log: only its SHA-256 digest.
    case addWebhook(Webhook)
    case removeWebhook(String)

    /// The name operators and docs use (`book`, `permit-ready`, ...).
    public var name: String {
        switch self {
        case .configureOffice: "configure-office"
        case .closeDay: "close-day"
        case .book(let request): request.orExisting ? "book-or-existing" : "book"
        case .deferAppointment: "defer"
        case .cancel: "cancel"
        case .permitReady: "permit-ready"
        case .pickup: "pickup"
        case .registerPratica: "register-pratica"
        case .createAccount: "create-account"
        case .disableAccount: "disable-account"
        case .attend: "attend"
        case .noShow: "no-show"
        case .amendOffice: "amend-office"
        case .migrate: "migrate-appointment"
        case .recordSigningKey: "record-signing-key"
        case .erasePratica: "erase-pratica"
        case .tick: "tick"
        case .addWebhook: "add-webhook"
        case .removeWebhook: "remove-webhook"
        }
    }
}

public struct BookRequest: Equatable, Sendable {
    public var office: OfficeID
    public var service: ServiceID
    public var pratica: PraticaID
    /// The earliest day the applicant can come; the engine still moves on past full days.
    public var notBefore: Day?
    /// A specific day; a full one moves on by itself, a closed one is refused.
    public var on: Day?
    /// A specific slot on `on`; a full one moves on to the next free slot.
    public var at: LocalTime?
    /// When the pratica already has a live appointment for the service, accept and change
    /// nothing (the operator gets that appointment back) instead of refusing. Recorded under its
    /// own command tag, so records without it read as before.
    public var orExisting: Bool

    public init(office: OfficeID, service: ServiceID, pratica: PraticaID,
                notBefore: Day? = nil, on: Day? = nil, at: LocalTime? = nil, orExisting: Bool = false) {
        self.office = office
        self.service = service
        self.pratica = pratica
        self.notBefore = notBefore
        self.on = on
        self.at = at
        self.orExisting = orExisting
    }
}

public enum DeferTarget: Equatable, Sendable {
    /// The next free slot after the appointment's current one.
    case nextFree
    /// That day, at that slot or the first free one; a full day moves on by itself.
    case day(Day, at: LocalTime?)
}

/// The applicant's data as the nulla osta system holds it.
public struct Applicant: Equatable, Sendable {
    public var pratica: PraticaID
    public var visto: String
    public var surname: String
    public var name: String
    public var birthDate: Day
    /// ISO 3166-1 alpha-3.
    public var nationality: String
    /// The SUI that opened the pratica.
    public var office: OfficeID
    /// Sealed (nil: in clear, as every record before encryption): the fields above hold the
    /// box's plaintext only when `seal.opened`.
    public var seal: ApplicantSeal?

    public init(pratica: PraticaID, visto: String, surname: String, name: String, birthDate: Day,
                nationality: String, office: OfficeID, seal: ApplicantSeal? = nil) {
        self.seal = seal
        self.pratica = pratica
        self.visto = visto
        self.surname = surname
        self.name = name
        self.birthDate = birthDate
        self.nationality = nationality
        self.office = office
    }
}

/// Who issued a command: the operator's account and the body (office or ente convenzionato)
/// they act for.
public struct Actor: Hashable, Sendable, CustomStringConvertible {
    public var `operator`: String
    public var body: String
    public init(operator: String, body: String) {
        self.operator = `operator`
        self.body = body
    }
    public static let system = Actor(operator: "system", body: "agenda")
    public var description: String { "\(`operator`)@\(body)" }
}

/// One part of an office's configuration, changed on its own (QUOTA, ADDRESS, TRANSITION).
public enum OfficeAmendment: Equatable, Sendable {
    /// A service's channel quotas and the days before a slot when unused quota is released.
    case quotas(ServiceID, ChannelQuotas, releaseDays: UInt16)
    /// The address (and telephone) printed on the office's documents.
    case address(String, phone: String)
    /// The transition window for migrated appointments; nil closes it.
    case transition(TransitionWindow?)
    /// How many days after the pickup the applicants' sealed data of the pratiche the office
    /// opened is kept; 0: until erased by hand.
    case retention(days: UInt16)
    /// Where the end-of-day list is e-mailed; empty: not e-mailed.
    case dayListAddress(String)
    /// How many days before an appointment of the service its applicant is reminded; 0: never.
    case reminder(ServiceID, days: UInt16)
}

/// A webhook receiver as the log records it.
public struct Webhook: Equatable, Sendable {
    public enum Scope: Equatable, Sendable {
        /// Every event at this office.
        case office(OfficeID)
        /// Every event of the appointments this body booked.
        case body(String)
    }

    /// The administrator's name for it, unique for good.
    public var id: String
    /// An http or https URL the events are POSTed to.
    public var url: String
    public var scope: Scope
    /// SHA-256 of the secret, in hexadecimal: says which secret signs, without it.
    public var secretDigest: String

    public init(id: String, url: String, scope: Scope, secretDigest: String) {
        self.id = id
        self.url = url
        self.scope = scope
        self.secretDigest = secretDigest
    }
}

/// An appointment as the previous booking system holds it.
public struct MigrateRequest: Equatable, Sendable {
    public var office: OfficeID
    public var service: ServiceID
    public var pratica: PraticaID
    public var day: Day
    public var time: LocalTime
    /// The previous system's id for it; may be empty.
    public var legacyID: String

    public init(office: OfficeID, service: ServiceID, pratica: PraticaID, day: Day, time: LocalTime, legacyID: String) {
        self.office = office
        self.service = service
        self.pratica = pratica
        self.day = day
        self.time = time
        self.legacyID = legacyID
    }
}
