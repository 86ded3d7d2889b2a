import Events

/// Every command the node answers, and who may send it (PROTOCOL.md). Each command's
/// translation lives in its own file; this table is the one place the roles are read from.
enum Commands {
    struct Spec: Sendable {
        /// Nil: anyone, signed in or not.
        let roles: Set<Role>?
        let run: @Sendable (Call) -> Void
    }

    /// An applicant books, defers and cancels only its own pratica's appointments (Booking.swift).
    static let bookers: Set<Role> = [.sui, .body, .questura, .admin, .applicant]
    static let staff: Set<Role> = [.sui, .questura, .prefettura, .audit, .admin]
    static let questura: Set<Role> = [.questura, .admin]
    static let closers: Set<Role> = [.questura, .prefettura, .admin]
    /// Every operator's role; an applicant account reads only its own pratica (APPT, PRATICA).
    static let readers = Set(Role.allCases).subtracting([.applicant])
    static let ownReaders = Set(Role.allCases)
    /// Who configures an office (QUOTA, ADDRESS, TRANSITION): its questura or prefettura, or an admin.
    static let configurers: Set<Role> = [.questura, .prefettura, .admin]
    /// Who brings applicants' data in: the SUI (its own office's pratiche), the comuni and
    /// other bodies of the ELI2 network (from their registry), admin.
    static let registrars: Set<Role> = [.sui, .body, .admin]

    static let table: [String: Spec] = [
        // Connection and Redis-client housekeeping.
        "ping": Spec(roles: nil, run: Housekeeping.ping),
        "quit": Spec(roles: nil, run: Housekeeping.quit),
        "hello": Spec(roles: nil, run: Housekeeping.hello),
        "auth": Spec(roles: nil, run: Housekeeping.auth),
        "info": Spec(roles: nil, run: Housekeeping.info),
        "client": Spec(roles: nil, run: Housekeeping.client),
        "command": Spec(roles: nil, run: Housekeeping.command),
        "config": Spec(roles: nil, run: Housekeeping.config),
        "select": Spec(roles: nil, run: Housekeeping.select),
        "reset": Spec(roles: nil, run: Housekeeping.reset),
        // Booking.
        "book": Spec(roles: bookers, run: Booking.book),
        "firstfree": Spec(roles: bookers, run: Booking.firstFree),
        "defer": Spec(roles: bookers, run: Booking.deferAppointment),
        "cancel": Spec(roles: bookers, run: Booking.cancel),
        // The Questura's desk.
        "ready": Spec(roles: questura, run: Desk.ready),
        "pickup": Spec(roles: questura, run: Desk.pickup),
        "attend": Spec(roles: [.sui, .questura, .prefettura, .admin], run: Desk.attend),
        "noshow": Spec(roles: [.sui, .questura, .prefettura, .admin], run: Desk.noShow),
        "close": Spec(roles: closers, run: Desk.close),
        // Applicants' data (ELI2 registry import).
        "register": Spec(roles: registrars, run: Registry.register),
        // Reading.
        "agenda": Spec(roles: staff, run: Reading.agenda),
        "capacity": Spec(roles: staff, run: Reading.capacity),
        "appt": Spec(roles: ownReaders, run: Reading.appointment),
        "pratica": Spec(roles: ownReaders, run: Reading.pratica),
        "lookup": Spec(roles: readers, run: Reading.lookup),
        "history": Spec(roles: staff, run: Reading.history),
        // Printed documents (issue 5): convocation notes, pickup reminders, the day's lists.
        // An applicant prints only its own pratica's notes (autoconvocazione).
        "print": Spec(roles: ownReaders, run: Printing.print),
        "daylist": Spec(roles: staff, run: Printing.dayList),
        // Offices' configuration and the migration from the previous booking system (Offices.swift).
        "office": Spec(roles: readers, run: Offices.office),
        "quota": Spec(roles: configurers, run: Offices.quota),
        "address": Spec(roles: configurers, run: Offices.address),
        "transition": Spec(roles: configurers, run: Offices.transition),
        "migrate": Spec(roles: [.questura, .prefettura, .sui, .admin], run: Offices.migrate),
        // The public.
        "status": Spec(roles: nil, run: PublicStatus.status),
        // Pub/sub.
        "subscribe": Spec(roles: staff, run: PubSub.subscribe),
        "unsubscribe": Spec(roles: nil, run: PubSub.unsubscribe),
    ]

    /// What a RESP2 connection may send while subscribed (as Redis).
    static let allowedWhileSubscribed: Set<String> = ["subscribe", "unsubscribe", "ping", "quit", "reset"]

    static func handle(_ call: Call) {
        guard let spec = table[call.name] else {
            return call.fail("SYNTAX", "Unknown command '\(call.name.uppercased())'; docs/protocol.md lists the commands.")
        }
        if call.session.isSubscribed && call.session.version == .resp2 && !allowedWhileSubscribed.contains(call.name) {
            return call.fail("SYNTAX", "Only SUBSCRIBE, UNSUBSCRIBE, PING and QUIT are allowed while subscribed "
                             + "(RESP2); use HELLO 3 to mix them, or another connection.")
        }
        if let roles = spec.roles {
            guard let account = call.account else {
                return call.fail("NOAUTH", "Authentication required; send AUTH user password.")
            }
            guard roles.contains(account.spec.role) else {
                return call.fail("NOPERM", "A \(account.spec.role) account may not \(call.name.uppercased()); "
                                 + "ask an operator whose role may.")
            }
        }
        spec.run(call)
    }
}
