import Events
import Projections

/// Who may act: a rule of the engine like the booking rules, decided from the actor and the
/// state, so `replay audit` re-decides it and `HISTORY` shows who tried (docs/engine.md, "Who
/// may act"). A refused change is a rejection recorded in the log (`notPermitted`, NOPERM);
/// a refused read is answered the same way and not logged.
///
/// An actor with no account in the log is the node itself or its command line (`system`,
/// `cli:USER`, what-if): it acts unrestricted, as an administrator does.
public enum Permissions {
    /// The account the log holds for `actor`, or nil for the node itself.
    public static func account(of actor: Actor, _ views: Views) -> AccountView? { views.accounts[actor.operator] }

    /// Who books, moves and cancels (and asks FIRSTFREE): an applicant only for its own pratica.
    static let bookers: Set<Role> = [.sui, .body, .questura, .admin, .applicant]

    static let admins: Set<Role> = [.admin]
    /// A SUI closes the days of its own agenda (the Sportello's), as a Questura does its own.
    static let closers: Set<Role> = [.sui, .questura, .prefettura, .admin]
    static let desk: Set<Role> = [.questura, .admin]
    static let registrars: Set<Role> = [.sui, .body, .admin]
    static let attendance: Set<Role> = [.sui, .questura, .prefettura, .admin]
    static let configurers: Set<Role> = [.questura, .prefettura, .admin]
    static let migrators: Set<Role> = [.questura, .prefettura, .sui, .admin]
    /// Who may erase an applicant's data: the Prefettura (the data controller) and an administrator.
    static let erasers: Set<Role> = [.prefettura, .admin]

    /// The roles that may send each change (sets made once: this runs for every command).
    /// Reads have theirs in `Read.roles`.
    static func roles(_ command: Command) -> Set<Role> {
        switch command {
        // The node records its own key at start; only an administrator's account may besides.
        case .configureOffice, .createAccount, .disableAccount, .recordSigningKey: admins
        // The clock is the node's own; an administrator's account may append one besides.
        case .tick, .addWebhook, .removeWebhook: admins
        // How long applicants' data is kept is the data controller's to say, like erasing it.
        case .amendOffice(_, .retention): erasers
        case .closeDay: closers
        case .book, .deferAppointment, .cancel: bookers
        case .permitReady, .pickup: desk
        case .registerPratica: registrars
        case .attend, .noShow: attendance
        case .amendOffice: configurers
        case .migrate: migrators
        case .erasePratica: erasers
        }
    }

    /// The permission rule that refuses `command` from `actor`, or nil when it may be decided.
    /// Runs before every other rule, so a refusal tells nothing of the state it would have met.
    public static func refusal(_ command: Command, actor: Actor, _ views: Views) -> Rejection? {
        guard let account = account(of: actor, views) else { return nil }
        let role = account.spec.role
        if !account.enabled { return .notPermitted(.disabled, role: role, subject: account.spec.name) }
        guard roles(command).contains(role) else { return .notPermitted(.role, role: role, subject: command.verb) }
        let offices = views.offices
        switch command {
        case .closeDay(let office, _, _, _), .amendOffice(let office, _):
            return account.serves(office, offices) ? nil : .notPermitted(.office, role: role, subject: office.rawValue)
        case .migrate(let request):
            return account.serves(request.office, offices) ? nil : .notPermitted(.office, role: role, subject: request.office.rawValue)
        case .registerPratica(let applicant):
            // A SUI registers its own office's pratiche; bodies bring in their comune's registry anywhere.
            guard role != .sui || account.spec.office == applicant.office else {
                return .notPermitted(.office, role: role, subject: applicant.office.rawValue)
            }
            return nil
        case .book(let request):
            return pratica(request.pratica, account)
        case .deferAppointment(let id, _, _), .cancel(let id, _):
            return appointment(id, account, views) { account.mayChange($0, offices) }
        case .attend(let id), .noShow(let id):
            // Attendance is the desk's act: the staff of the office where it takes place.
            return appointment(id, account, views) { account.serves($0.office, offices) }
        case .erasePratica(let id, _):
            // The Prefettura of the province whose SUI opened the pratica; an unknown pratica
            // is the rules' to tell.
            guard let pratica = views.pratiche[id] else { return nil }
            let office = pratica.applicant.office
            return account.serves(office, offices) ? nil : .notPermitted(.office, role: role, subject: office.rawValue)
        case .configureOffice, .createAccount, .disableAccount, .permitReady, .pickup, .recordSigningKey, .tick,
             .addWebhook, .removeWebhook:
            return nil
        }
    }

    /// An applicant names only its own pratica.
    static func pratica(_ pratica: PraticaID, _ account: AccountView) -> Rejection? {
        guard let own = account.ownPratica, own != pratica else { return nil }
        return .notPermitted(.pratica, role: account.spec.role, subject: pratica.rawValue)
    }

    /// An appointment the account may act on; an unknown one is refused alike, except for an
    /// administrator, whom the rules then tell that it does not exist.
    static func appointment(_ id: AppointmentID, _ account: AccountView, _ views: Views,
                            _ allowed: (AppointmentView) -> Bool) -> Rejection? {
        if account.spec.role == .admin { return nil }
        if let appointment = views.appointments[id], allowed(appointment) { return nil }
        return .notPermitted(.appointment, role: account.spec.role, subject: id.rawValue)
    }

    // MARK: - Reads

    /// What a read asks for: the protocol's reads, by what they reveal.
    public enum Read: Sendable {
        /// An office's day: AGENDA, DAYLIST, SUBSCRIBE. `verb` names the command in a refusal.
        case officeDay(OfficeID, verb: String)
        /// Capacity figures and a pratica's history: staff only.
        case capacity
        case history
        /// One appointment: APPT, PRINT.
        case appointment(AppointmentID, verb: String)
        /// One pratica: PRATICA, PRINT REMINDER pratica.
        case pratica(PraticaID, verb: String)
        /// LOOKUP VISTO and OFFICE: every operator, not an applicant.
        case operators(verb: String)
        /// FIRSTFREE: whoever may book.
        case firstFree
        /// OUTBOX: what the node sent (docs/outbox.md), and WEBHOOK LIST.
        case outbox
        case webhooks

        var verb: String {
            switch self {
            case .officeDay(_, let verb), .appointment(_, let verb), .pratica(_, let verb), .operators(let verb): verb
            case .capacity: "capacity"
            case .history: "history"
            case .firstFree: "firstfree"
            case .outbox: "outbox"
            case .webhooks: "webhook list"
            }
        }

        static let staff: Set<Role> = [.sui, .questura, .prefettura, .audit, .admin]

        var roles: Set<Role> {
            switch self {
            case .officeDay, .capacity, .history: Read.staff
            case .appointment, .pratica: Set(Role.allCases)
            case .operators: Set(Role.allCases).subtracting([.applicant])
            case .firstFree: Permissions.bookers
            case .outbox: [.questura, .prefettura, .audit, .admin]
            case .webhooks: [.audit, .admin]
            }
        }
    }

    /// The refusal of a read, or nil. A pure function of the actor and the state; reads are
    /// not logged.
    public static func refusal(reading read: Read, actor: Actor, _ views: Views) -> Rejection? {
        refusal(reading: read, by: account(of: actor, views), offices: views.offices) { views.appointments[$0] }
    }

    /// The same, from an account already at hand (the protocol's signed-in one) and the
    /// offices' configurations in force (`Store.offices`). `appointments` looks an appointment
    /// up; reads that name none never call it.
    public static func refusal(reading read: Read, by account: AccountView?, offices: [OfficeID: OfficeView],
                               appointments: (AppointmentID) -> AppointmentView? = { _ in nil }) -> Rejection? {
        guard let account else { return nil }
        let role = account.spec.role
        if !account.enabled { return .notPermitted(.disabled, role: role, subject: account.spec.name) }
        guard read.roles.contains(role) else { return .notPermitted(.role, role: role, subject: read.verb) }
        switch read {
        case .officeDay(let office, _):
            return account.serves(office, offices) ? nil : .notPermitted(.office, role: role, subject: office.rawValue)
        case .appointment(let id, _):
            // Staff read any office's appointments; a body its own bookings; an applicant its pratica's.
            guard role == .body || role == .applicant else { return nil }
            if let appointment = appointments(id), account.mayChange(appointment, offices) { return nil }
            return .notPermitted(.appointment, role: role, subject: id.rawValue)
        case .pratica(let id, _):
            return pratica(id, account)
        case .capacity, .history, .operators, .firstFree, .outbox, .webhooks:
            return nil
        }
    }

    /// The province an office belongs to: the one its configuration in force names, or for
    /// an office configured before configuration version 3 (no province recorded), the id's
    /// first part (`RM-Q` → `RM`), here and nowhere else.
    public static func province(of office: OfficeID, _ offices: [OfficeID: OfficeView]) -> Substring {
        if let province = offices[office]?.configuration.province, !province.isEmpty { return Substring(province) }
        return office.rawValue.split(separator: "-", maxSplits: 1).first ?? Substring(office.rawValue)
    }
}

extension AccountView {
    /// Staff of an office: its own sui, questura or prefettura account; a prefettura account
    /// covers its province's offices; audit (reading only, by its role) and admin cover every office.
    public func serves(_ office: OfficeID, _ offices: [OfficeID: OfficeView]) -> Bool {
        switch spec.role {
        case .admin, .audit: return true
        case .body, .applicant: return false
        case .prefettura:
            guard let own = spec.office else { return false }
            return Permissions.province(of: own, offices) == Permissions.province(of: office, offices)
        case .sui, .questura:
            return spec.office == office
        }
    }

    /// The appointments it may move or cancel: a body those it booked, an applicant its own
    /// pratica's, staff those at an office they serve or that they booked.
    public func mayChange(_ appointment: AppointmentView, _ offices: [OfficeID: OfficeView]) -> Bool {
        switch spec.role {
        case .admin: true
        case .audit: false
        case .body: appointment.bookedBy == spec.body
        case .applicant: appointment.pratica == ownPratica
        case .sui, .questura, .prefettura: serves(appointment.office, offices) || appointment.bookedBy == spec.body
        }
    }

    /// The pratica an applicant account is tied to (nil for every other role; an applicant
    /// account without one is refused when created, so this never lets one act unrestricted).
    public var ownPratica: PraticaID? {
        guard spec.role == .applicant else { return nil }
        return spec.pratica ?? PraticaID("")
    }
}

extension Command {
    /// The protocol's name for the command, as a refusal names it.
    public var verb: String {
        switch self {
        case .configureOffice: "configure-office"
        case .closeDay: "close"
        case .book: "book"
        case .deferAppointment: "defer"
        case .cancel: "cancel"
        case .permitReady: "ready"
        case .pickup: "pickup"
        case .registerPratica: "register"
        case .createAccount: "user add"
        case .disableAccount: "user disable"
        case .attend: "attend"
        case .noShow: "noshow"
        case .amendOffice(_, let amendment):
            switch amendment {
            case .quotas: "quota"
            case .address: "address"
            case .transition: "transition"
            case .retention: "retention"
            case .dayListAddress: "mailto"
            case .reminder: "reminder"
            }
        case .migrate: "migrate"
        case .recordSigningKey: "signing key"
        case .erasePratica: "erase"
        case .tick: "tick"
        case .addWebhook: "webhook add"
        case .removeWebhook: "webhook remove"
        }
    }
}
