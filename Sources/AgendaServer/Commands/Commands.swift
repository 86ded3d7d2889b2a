import Events

/// Every command the node answers, and who may send it (PROTOCOL.md). Each command's
/// translation lives in its own file; this table is the one place the roles are read from.
enum Commands {
    struct Spec: Sendable {
        /// Nil: anyone, signed in or not.
        let roles: Set<Role>?
        let run: @Sendable (Call) -> Void
    }

    static let bookers: Set<Role> = [.sui, .body, .questura, .admin]
    static let staff: Set<Role> = [.sui, .questura, .prefettura, .audit, .admin]
    static let questura: Set<Role> = [.questura, .admin]
    static let closers: Set<Role> = [.questura, .prefettura, .admin]
    static let readers = Set(Role.allCases)
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
        "appt": Spec(roles: readers, run: Reading.appointment),
        "pratica": Spec(roles: readers, run: Reading.pratica),
        "lookup": Spec(roles: readers, run: Reading.lookup),
        "history": Spec(roles: staff, run: Reading.history),
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
