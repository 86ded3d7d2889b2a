/// The rule that refused a command. Recorded in the log like an event; an operating error the
/// caller handles, never a crash. Each says what to do next.
public enum Rejection: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownOffice(OfficeID)
    case unknownService(OfficeID, ServiceID)
    case unknownPratica(PraticaID)
    case unknownAppointment(AppointmentID)
    /// No free slot from the first day searched through `searchedThrough`.
    case full(office: OfficeID, service: ServiceID, searchedThrough: Day)
    case permitNotReady(PraticaID)
    case permitAlreadyDelivered(PraticaID)
    case liveAppointmentExists(PraticaID, service: ServiceID, appointment: AppointmentID)
    case appointmentNotLive(AppointmentID, state: String)
    case officeClosed(OfficeID, day: Day)
    case beforeLeadTime(requested: Day, earliest: Day)
    case beyondHorizon(requested: Day, last: Day)
    case noSuchSlot(OfficeID, service: ServiceID, day: Day, time: LocalTime)
    case dayInPast(Day, today: Day)
    case invalidConfiguration(String)
    /// A new configuration would leave a slot with more bookings than capacity.
    case capacityBelowBookings(OfficeID, service: ServiceID, day: Day, time: LocalTime, booked: UInt16)
    case praticaAlreadyRegistered(PraticaID)
    /// `close-day` found no room for an appointment within `searchedThrough`; nothing was closed.
    case cannotRehouse(AppointmentID, searchedThrough: Day)
    case vistoAlreadyRegistered(visto: String, pratica: PraticaID)
    /// ERASE of a pratica registered before personal data was sealed: its data is in clear in
    /// the log and cannot be shredded (`replay export --redact` shares the log without it).
    case notSealed(PraticaID)
    /// A webhook id is given once, for good.
    case webhookExists(String)
    case unknownWebhook(String)
    case accountExists(String)
    case unknownAccount(String)
    /// Attendance is recorded on or after the appointment's day, never before.
    case notYetDue(AppointmentID, day: Day, today: Day)
    /// A migrated appointment on a day outside the office's transition window (nil: none set).
    case outsideTransition(OfficeID, day: Day, window: TransitionWindow?)
    /// Who may act (docs/engine.md, "Who may act"): the account's `role` may not do this to
    /// `subject` (a command name, an office, an appointment or a pratica, as `permission` says).
    case notPermitted(Permission, role: Role, subject: String)

    /// The protocol's error code for this rejection (PROTOCOL.md).
    public var code: String {
        switch self {
        case .unknownOffice, .unknownService, .unknownPratica, .unknownAppointment, .unknownAccount, .unknownWebhook: "NOTFOUND"
        case .full, .cannotRehouse: "FULL"
        case .permitNotReady: "NOTREADY"
        case .permitAlreadyDelivered, .liveAppointmentExists, .appointmentNotLive, .praticaAlreadyRegistered,
             .capacityBelowBookings, .dayInPast, .vistoAlreadyRegistered, .accountExists, .notYetDue, .outsideTransition,
             .notSealed, .webhookExists:
            "CONFLICT"
        case .officeClosed: "CLOSED"
        case .beforeLeadTime, .beyondHorizon, .noSuchSlot, .invalidConfiguration: "SYNTAX"
        case .notPermitted: "NOPERM"
        }
    }

    /// A stable name for the rule, for logs, dumps and audits.
    public var rule: String {
        switch self {
        case .unknownOffice: "unknown-office"
        case .unknownService: "unknown-service"
        case .unknownPratica: "unknown-pratica"
        case .unknownAppointment: "unknown-appointment"
        case .full: "full"
        case .permitNotReady: "permit-not-ready"
        case .permitAlreadyDelivered: "permit-already-delivered"
        case .liveAppointmentExists: "live-appointment-exists"
        case .appointmentNotLive: "appointment-not-live"
        case .officeClosed: "office-closed"
        case .beforeLeadTime: "before-lead-time"
        case .beyondHorizon: "beyond-horizon"
        case .noSuchSlot: "no-such-slot"
        case .dayInPast: "day-in-past"
        case .invalidConfiguration: "invalid-configuration"
        case .capacityBelowBookings: "capacity-below-bookings"
        case .praticaAlreadyRegistered: "pratica-already-registered"
        case .cannotRehouse: "cannot-rehouse"
        case .vistoAlreadyRegistered: "visto-already-registered"
        case .accountExists: "account-exists"
        case .unknownAccount: "unknown-account"
        case .notYetDue: "not-yet-due"
        case .outsideTransition: "outside-transition"
        case .notPermitted: "not-permitted"
        case .notSealed: "not-sealed"
        case .webhookExists: "webhook-exists"
        case .unknownWebhook: "unknown-webhook"
        }
    }

    public var description: String {
        switch self {
        case .unknownOffice(let office):
            "No office \(office); the README lists the office ids (e.g. RM-Q, RM-P, RM-S)."
        case .unknownService(let office, let service):
            "\(office) offers no service \(service); ask for the office's services and use one of them."
        case .unknownPratica(let pratica):
            "No pratica \(pratica); check the numero di pratica, or look it up by numero di visto."
        case .unknownAppointment(let appointment):
            "No appointment \(appointment); check the id on the convocation note."
        case .full(let office, let service, let day):
            "No free slot at \(office) for \(service) up to \(day); try FIRSTFREE with a later NOTBEFORE."
        case .permitNotReady(let pratica):
            "The permit for \(pratica) is not ready; book its pickup once the Questura marks it ready."
        case .permitAlreadyDelivered(let pratica):
            "The permit for \(pratica) was already delivered; nothing more to book or hand over."
        case .liveAppointmentExists(let pratica, let service, let appointment):
            "\(pratica) already has \(appointment) for \(service); defer or cancel that one instead."
        case .appointmentNotLive(let appointment, let state):
            "\(appointment) is \(state), not booked; only a booked appointment can be moved or cancelled."
        case .officeClosed(let office, let day):
            "\(office) is closed on \(day); choose another day or omit the day to take the first free one."
        case .beforeLeadTime(let requested, let earliest):
            "\(requested) is too soon; the first bookable day is \(earliest)."
        case .beyondHorizon(let requested, let last):
            "\(requested) is beyond the booking horizon; the last bookable day is \(last)."
        case .noSuchSlot(let office, let service, let day, let time):
            "\(office) has no \(service) slot at \(time) on \(day); omit the time or pick one from FIRSTFREE."
        case .dayInPast(let day, let today):
            "\(day) is before today (\(today)); only today or later can be changed."
        case .invalidConfiguration(let why):
            "Invalid office configuration: \(why); fix it and send it again."
        case .capacityBelowBookings(let office, let service, let day, let time, let booked):
            "\(office) \(service) on \(day) at \(time) holds \(booked) bookings, more than the new configuration allows; "
                + "close or defer that day first."
        case .praticaAlreadyRegistered(let pratica):
            "\(pratica) is already registered; its data is kept as first imported."
        case .cannotRehouse(let appointment, let day):
            "No room for \(appointment) up to \(day); nothing was closed. Add capacity, then close the day again."
        case .vistoAlreadyRegistered(let visto, let pratica):
            visto.hasPrefix("\u{0}") ? "This visto already belongs to \(pratica); check the numero di visto."
                : "Visto \(visto) already belongs to \(pratica); check the numero di visto."
        case .notSealed(let pratica):
            "\(pratica) was registered before personal data was encrypted: its data is in clear in the log and cannot "
                + "be erased; share the log with `replay export --redact`."
        case .webhookExists(let id):
            "A webhook named \(id) exists, or existed (an id is never reused); choose another id."
        case .unknownWebhook(let id):
            "No webhook \(id); WEBHOOK LIST shows them."
        case .accountExists(let name):
            "An account named \(name) already exists; choose another name (disabled names are not reused)."
        case .unknownAccount(let name):
            "No account \(name); list the accounts with `agenda-node user list`."
        case .notYetDue(let appointment, let day, let today):
            "\(appointment) is on \(day), after today (\(today)); record attendance on its day."
        case .outsideTransition(let office, let day, let window?):
            "\(day) is outside \(office)'s transition window (\(window.from) to \(window.to)); migrated appointments "
                + "are accepted only inside it. Widen it with TRANSITION or book the applicant normally."
        case .outsideTransition(let office, let day, nil):
            "\(office) has no transition window, so no migrated appointment (\(day)) is accepted; set one with TRANSITION."
        case .notPermitted(let permission, let role, let subject):
            permission.sentence(role: role, subject: subject)
        }
    }
}

/// The rule of who may act that refused a command (docs/engine.md, "Who may act"). Tags are
/// forever, as every tag of the log: add cases, never reuse one.
public enum Permission: UInt8, CaseIterable, Sendable {
    /// The account's role may not send this command at all; `subject` is the command's name.
    case role = 1
    /// Only the office's own staff (a prefettura for its province; admin anywhere); `subject` is the office.
    case office = 2
    /// The appointment is not one this account may act on: a body's own bookings, an applicant's
    /// own pratica's, staff's own office's. An unknown id gets the same answer, so nothing leaks.
    case appointment = 3
    /// An applicant account acts only on the pratica it is tied to; `subject` is the pratica named.
    case pratica = 4
    /// The account was disabled; `subject` is its name.
    case disabled = 5

    /// The name dumps print for it.
    public var name: String {
        switch self {
        case .role: "role"
        case .office: "office"
        case .appointment: "appointment"
        case .pratica: "pratica"
        case .disabled: "disabled"
        }
    }

    /// One sentence whether the subject exists or not: a refusal must not tell a body or an
    /// applicant which appointments exist.
    func sentence(role: Role, subject: String) -> String {
        switch self {
        case .role:
            "A \(role) account may not \(subject.uppercased()); ask an operator whose role may."
        case .office:
            "Only \(subject)'s own staff, its prefettura or an admin may do that; ask them."
        case .appointment:
            switch role {
            case .body:
                "\(subject) is not an appointment this body booked, or there is none; a body acts only on its own bookings."
            case .applicant:
                "\(subject) is not an appointment of this applicant's pratica, or there is none; "
                    + "an applicant account acts only on its own pratica."
            default:
                "\(subject) is not an appointment this \(role) account may act on, or there is none; "
                    + "staff act on their own office's appointments and on those they booked."
            }
        case .pratica:
            "An applicant account acts only on its own pratica, not \(subject)."
        case .disabled:
            "The account \(subject) is disabled; ask an administrator."
        }
    }
}
