import Events

/// Every command the node answers (PROTOCOL.md), and whether it needs a signed-in account. Each
/// command's translation lives in its own file; who may send it is the engine's (`Permissions`).
enum Commands {
    struct Spec: Sendable {
        /// False: anyone, signed in or not (PING, AUTH, STATUS...). Who may send the rest is the
        /// engine's rule (`Permissions`): a change is refused, and logged, when decided; a read
        /// asks `Permissions.refusal(reading:)` before it answers.
        let signedIn: Bool
        let run: @Sendable (Call) -> Void

        init(signedIn: Bool = true, run: @escaping @Sendable (Call) -> Void) {
            self.signedIn = signedIn
            self.run = run
        }
    }

    static let table: [String: Spec] = [
        // Connection and Redis-client housekeeping.
        "ping": Spec(signedIn: false, run: Housekeeping.ping),
        "quit": Spec(signedIn: false, run: Housekeeping.quit),
        "hello": Spec(signedIn: false, run: Housekeeping.hello),
        "auth": Spec(signedIn: false, run: Housekeeping.auth),
        "info": Spec(signedIn: false, run: Housekeeping.info),
        "client": Spec(signedIn: false, run: Housekeeping.client),
        "command": Spec(signedIn: false, run: Housekeeping.command),
        "config": Spec(signedIn: false, run: Housekeeping.config),
        "select": Spec(signedIn: false, run: Housekeeping.select),
        "reset": Spec(signedIn: false, run: Housekeeping.reset),
        // Booking.
        "book": Spec(run: Booking.book),
        "firstfree": Spec(run: Booking.firstFree),
        "defer": Spec(run: Booking.deferAppointment),
        "cancel": Spec(run: Booking.cancel),
        // The Questura's desk.
        "ready": Spec(run: Desk.ready),
        "pickup": Spec(run: Desk.pickup),
        "attend": Spec(run: Desk.attend),
        "noshow": Spec(run: Desk.noShow),
        "close": Spec(run: Desk.close),
        // Applicants' data (ELI2 registry import).
        "register": Spec(run: Registry.register),
        "erase": Spec(run: Registry.erase),
        // Reading.
        "agenda": Spec(run: Reading.agenda),
        "capacity": Spec(run: Reading.capacity),
        "appt": Spec(run: Reading.appointment),
        "pratica": Spec(run: Reading.pratica),
        "lookup": Spec(run: Reading.lookup),
        "history": Spec(run: Reading.history),
        // Printed documents (issue 5): convocation notes, pickup reminders, the day's lists.
        // An applicant prints only its own pratica's notes (autoconvocazione).
        "print": Spec(run: Printing.print),
        "daylist": Spec(run: Printing.dayList),
        // Offices' configuration and the migration from the previous booking system (Offices.swift).
        "office": Spec(run: Offices.office),
        "quota": Spec(run: Offices.quota),
        "address": Spec(run: Offices.address),
        "transition": Spec(run: Offices.transition),
        "retention": Spec(run: Offices.retention),
        "mailto": Spec(run: OutboxCommands.mailTo),
        "reminder": Spec(run: OutboxCommands.reminder),
        // The outbox (docs/outbox.md): webhooks and what was sent.
        "webhook": Spec(run: OutboxCommands.webhook),
        "outbox": Spec(run: OutboxCommands.outbox),
        "migrate": Spec(run: Offices.migrate),
        // The public.
        "status": Spec(signedIn: false, run: PublicStatus.status),
        // Pub/sub.
        "subscribe": Spec(run: PubSub.subscribe),
        "unsubscribe": Spec(signedIn: false, run: PubSub.unsubscribe),
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
        if spec.signedIn && call.account == nil {
            return call.fail("NOAUTH", "Authentication required; send AUTH user password.")
        }
        spec.run(call)
    }
}
