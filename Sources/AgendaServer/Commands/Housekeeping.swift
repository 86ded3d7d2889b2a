import Engine
import Events
import Foundation
import NIOCore
import Projections

/// The commands every Redis client sends on its own (HELLO, AUTH, CLIENT, COMMAND, CONFIG,
/// SELECT, INFO, PING, QUIT), answered so `redis-cli`, redis-py and `redis-benchmark` work
/// unchanged. These run on the connection's event loop and may change its session.
enum Housekeeping {
    static func ping(_ call: Call) {
        switch call.arguments.count {
        case 0:
            // RESP2 subscribers get Redis's pub/sub shape.
            call.reply(call.session.isSubscribed && call.session.version == .resp2
                       ? .array([.bulk("pong"), .bulk("")]) : .status("PONG"))
        case 1: call.reply(.bulk(call.arguments[call.arguments.startIndex]))
        default: call.fail("SYNTAX", "Expected PING [message].")
        }
    }

    /// QUIT's own reply is the last: the connection closes once it and those before it are written.
    static func quit(_ call: Call) {
        call.connection.finish(at: call.index, with: .status("OK"))
    }

    static func auth(_ call: Call) {
        guard call.arguments.count == 2 else {
            return call.fail("SYNTAX", "Expected AUTH user password; every Agenda account has a name.")
        }
        let words = Array(call.arguments)
        signIn(call, name: words[0], password: words[1]) { _ in .status("OK") }
    }

    static func hello(_ call: Call) {
        var words = Array(call.arguments)
        var version = call.session.version
        if let first = words.first {
            guard let number = Int(first), let chosen = ProtocolVersion(rawValue: number) else {
                return call.fail("NOPROTO", "This node speaks RESP2 and RESP3; send HELLO 2 or HELLO 3.")
            }
            version = chosen
            words.removeFirst()
        }
        var credentials: (String, String)?
        var name: String?
        while let option = words.first?.uppercased() {
            if option == "AUTH", words.count >= 3 {
                credentials = (words[1], words[2])
                words.removeFirst(3)
            } else if option == "SETNAME", words.count >= 2 {
                name = words[1]
                words.removeFirst(2)
            } else {
                return call.fail("SYNTAX", "Expected HELLO [2|3] [AUTH user password] [SETNAME name].")
            }
        }
        let connection = call.connection
        let node = call.node
        let chosen = version
        let id = call.session.id
        let answer: @Sendable (AccountView?) -> Reply = { _ in helloReply(node: node, id: id, version: chosen) }
        if let (user, password) = credentials {
            signIn(call, name: user, password: password, version: chosen, clientName: name, success: answer)
        } else {
            connection.setVersion(chosen, from: call.index)
            if let name { connection.setClientName(name) }
            call.reply(answer(nil))
        }
    }

    static func helloReply(node: NodeContext, id: Int, version: ProtocolVersion) -> Reply {
        .map([
            ReplyField("server", .bulk("agenda")),
            ReplyField("version", .bulk(AgendaServer.version)),
            ReplyField("proto", .integer(version.rawValue)),
            ReplyField("id", .integer(id)),
            ReplyField("mode", .bulk("standalone")),
            ReplyField("role", .bulk("master")),
            ReplyField("modules", .array([])),
        ])
    }

    /// Checks the password off the event loop (scrypt is slow on purpose) while the requests
    /// behind it wait; then answers, and lets them through as the signed-in account.
    static func signIn(_ call: Call, name: String, password: String, version: ProtocolVersion? = nil,
                       clientName: String? = nil, success: @escaping @Sendable (AccountView) -> Reply) {
        guard let eventLoop = call.connection.eventLoop else { return }
        let connection = NIOLoopBoundConnection(call.connection, eventLoop: eventLoop)
        let node = call.node
        let index = call.index
        call.connection.holdForSignIn()
        let finish: @Sendable (AccountView?) -> Void = { account in
            eventLoop.execute {
                let connection = connection.value
                if let account {
                    if let version { connection.setVersion(version, from: index) }
                    if let clientName { connection.setClientName(clientName) }
                    node.logger.info("signed in", metadata: ["account": "\(account.spec.name)",
                                                             "role": "\(account.spec.role)",
                                                             "connection": "\(connection.session.id)"])
                    connection.complete(index, success(account))
                    connection.signedIn(account, failed: false)
                } else {
                    node.metrics.authFailures.increment()
                    node.logger.notice("sign-in refused", metadata: ["account": "\(name)",
                                                                     "connection": "\(connection.session.id)"])
                    let failures = connection.session.authFailures + 1
                    let message = "Wrong account name or password, or the account is disabled."
                    if failures >= Limits.authFailuresMax {
                        // This AUTH's reply is the last; nothing behind it is dispatched.
                        connection.finish(at: index, with: .error(code: "WRONGPASS", message: message
                                          + " Too many attempts (authFailuresMax); connection closed."))
                        connection.signedIn(nil, failed: true)
                    } else {
                        connection.complete(index, .error(code: "WRONGPASS", message: message))
                        connection.signedIn(nil, failed: true)
                    }
                }
            }
        }
        node.signIn(name, password, completion: finish)
    }

    /// The sections a client may read before AUTH: what start-up probes ask for (the server's
    /// name and versions). The log head and the counts of offices, pratiche and appointments
    /// are the register's own figures, for signed-in accounts only.
    static let infoSectionsBeforeAuth: Set<String> = ["server"]

    static func info(_ call: Call) {
        let section = call.arguments.first?.lowercased() ?? "default"
        let everything = ["default", "all", "everything"].contains(section)
        let node = call.node
        let version = call.session.version
        let reply = call.reply
        let answer: @Sendable ([(String, [(String, String)])]) -> Void = { sections in
            let chosen = everything ? sections : sections.filter { $0.0.lowercased() == section }
            let text = chosen.map { name, lines in
                (["# \(name)"] + lines.map { "\($0.0):\($0.1)" }).joined(separator: "\r\n")
            }.joined(separator: "\r\n\r\n") + "\r\n"
            reply(version == .resp3 ? .verbatim(text) : .bulk(text))
        }
        let server = ("Server", [("agenda_version", AgendaServer.version), ("redis_version", "7.0.0"),
                                 ("redis_mode", "standalone"), ("process_id", String(getpid())),
                                 ("uptime_in_seconds", String(Int(Date().timeIntervalSince(node.startedAt))))])
        guard call.account != nil else {
            guard everything || infoSectionsBeforeAuth.contains(section) else {
                return call.fail("NOAUTH", "INFO \(section) needs AUTH; before it only INFO server is answered.")
            }
            return answer([server])
        }
        node.store.query({ views in (views.headSequence, views.headHash, views.offices.count, views.praticaCount,
                                     views.appointmentCount) }) { result in
            guard case .success(let (sequence, hash, offices, pratiche, appointments)) = result else {
                return reply(.error(code: "BUSY", message: "The node is shutting down."))
            }
            let statistics = node.store.statistics
            let failures = node.commitFailures.summary
            answer([
                server,
                ("Clients", [("connected_clients", String(node.connections.withLockedValue { $0 }))]),
                ("Persistence", [("log_head_seq", String(sequence)), ("log_head_hash", hash.description),
                                 ("aof_enabled", "1"), ("durability", "fsync per batch"),
                                 ("store_failures", String(failures.total)),
                                 ("store_failure_causes", String(failures.causes.count)),
                                 ("last_store_failure", infoValue(failures.last?.cause ?? "")),
                                 ("last_store_failure_unix", failures.last.map { String(Int($0.at.timeIntervalSince1970)) } ?? "0")]),
                ("Stats", [("total_commands_processed", String(statistics.commands)),
                           ("writer_batches", String(statistics.batches)),
                           ("writer_decide_ms", String(statistics.decideNanoseconds / 1_000_000)),
                           ("writer_commit_ms", String(statistics.commitNanoseconds / 1_000_000))]),
                ("Agenda", [("offices", String(offices)), ("pratiche", String(pratiche)),
                            ("appointments", String(appointments))]),
                ("Outbox", outboxLines(node)),
                ("Keyspace", []),
            ])
        }
    }

    /// The outbox's figures (docs/outbox.md): entries by state and how far the follower has read.
    static func outboxLines(_ node: NodeContext) -> [(String, String)] {
        let environment = node.store.environment
        guard let counts = try? environment.outboxCounts(), let cursor = try? environment.outboxCursor() else {
            return [("outbox_readable", "0")]
        }
        return [("outbox_cursor_seq", String(cursor)), ("outbox_pending", String(counts[.pending] ?? 0)),
                ("outbox_sent", String(counts[.sent] ?? 0)), ("outbox_parked", String(counts[.parked] ?? 0))]
    }

    /// A sentence as one INFO value: on one line, and without the `,` that with an `=` makes
    /// redis-py read a value as a dictionary.
    static func infoValue(_ text: String) -> String {
        String(text.map { $0 == "," ? ";" : $0.isNewline ? " " : $0 })
    }

    static func client(_ call: Call) {
        let words = Array(call.arguments)
        switch words.first?.uppercased() {
        case "SETNAME" where words.count == 2:
            call.connection.setClientName(words[1])
            call.reply(.status("OK"))
        case "GETNAME":
            call.reply(call.session.clientName.isEmpty ? .null : .bulk(call.session.clientName))
        case "ID":
            call.reply(.integer(call.session.id))
        case "SETINFO", "NO-EVICT", "NO-TOUCH", "REPLY":
            call.reply(.status("OK"))
        case "INFO":
            call.reply(.bulk("id=\(call.session.id) addr=\(call.session.remoteHost) name=\(call.session.clientName) "
                             + "user=\(call.account?.spec.name ?? "") resp=\(call.session.version.rawValue)\n"))
        default:
            call.fail("SYNTAX", "CLIENT takes SETNAME, GETNAME, ID, INFO or SETINFO here.")
        }
    }

    static func command(_ call: Call) {
        switch call.arguments.first?.uppercased() {
        case "COUNT": call.reply(.integer(Commands.table.count))
        case "DOCS": call.reply(.map([]))
        default: call.reply(.array([]))
        }
    }

    /// redis-benchmark reads `save` and `appendonly` before it starts; the answers describe
    /// Agenda's durability in Redis's words (every reply after an fsync: `appendonly yes`).
    static func config(_ call: Call) {
        let words = Array(call.arguments)
        guard words.count >= 2, words[0].uppercased() == "GET" else {
            return call.fail("SYNTAX", "Only CONFIG GET is answered; Agenda is configured by its command line.")
        }
        var fields: [ReplyField] = []
        for pattern in words.dropFirst() {
            switch pattern.lowercased() {
            case "save": fields.append(ReplyField("save", .bulk("")))
            case "appendonly": fields.append(ReplyField("appendonly", .bulk("yes")))
            case "appendfsync": fields.append(ReplyField("appendfsync", .bulk("always")))
            default: break
            }
        }
        call.reply(.map(fields))
    }

    static func select(_ call: Call) {
        guard call.arguments.count == 1, call.arguments.first == "0" else {
            return call.fail("SYNTAX", "Agenda has one database, 0.")
        }
        call.reply(.status("OK"))
    }

    static func reset(_ call: Call) {
        call.connection.reset()
        call.reply(.status("RESET"))
    }
}

/// `NIOLoopBound` for the connection, named so the sign-in closure reads plainly.
typealias NIOLoopBoundConnection = NIOLoopBound<Connection>
