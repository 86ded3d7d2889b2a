import Foundation
import Testing

/// A real `agenda-node` killed with SIGKILL under writing clients, restarted on the same
/// directory, again and again. A reply is a promise: after every restart, whatever a client was
/// told is in the log — a repeat of its REQID gives the same reply and records nothing — the
/// appointments are where the last reply put them, no slot is over capacity, and `replay audit`
/// finds nothing.
@Suite("agenda-node killed over and over under load", .serialized)
struct CrashLoopTests {
    static let office = NodeProcessTests.office
    static let service = NodeProcessTests.service

    /// A reply a client received, to a command sent under a REQID: a booking, a move, a
    /// cancellation, or a refusal (CONFLICT for a move of a cancelled appointment), all recorded.
    struct Answered {
        let command: [String]
        let reply: RESPValue
        let round: Int
        var requestID: String { command.last ?? "" }
        /// The appointment the command is about: the reply's, or DEFER's and CANCEL's argument.
        var appointment: String { reply.fields["appointment"] ?? (command[0] == "BOOK" ? "?" : command[1]) }
        var isAppointment: Bool { reply.fields["appointment"] != nil }
    }

    @Test("SIGKILL under load, round after round: every acknowledged reply survives, a repeated REQID gives it back, no slot over capacity, replay audit clean")
    func crashLoop() throws {
        let parameters = AbuseParameters.current
        let scratch = try Scratch("crashloop")
        defer { scratch.remove() }
        let rounds = parameters.crashRounds
        let pratiche = parameters.demoPratiche
        var answered: [Answered] = []
        // Appointments a DEFER or CANCEL was sent for and not answered before a kill: either
        // outcome may be in the log, so neither their place nor their repeats are checked.
        var unsure: Set<String> = []
        var sent = 0
        var nextPratica = 2  // P-DEMO-000000000001 is self.demo's

        for round in 0...rounds {
            let node = try NodeProcess(data: scratch.data, log: scratch.path("node-\(round).log"),
                                       extra: round == 0 ? ["--demo", "--demo-pratiche", String(pratiche)] : [])
            defer { node.killHard() }
            if round > 0 {
                try Self.verify(node, answered: answered, unsure: unsure, afterRound: round - 1)
            }
            guard round < rounds else { break }

            let probe = try node.client(account: "sui.roma")
            let first = try probe.call("FIRSTFREE", Self.office, Self.service, "COUNT", "1").list.first?.fields
            let day = try #require(first?["date"], "FIRSTFREE answered \(String(describing: first))")
            let commands = Self.load(round: round, clients: parameters.crashClients, day: day, firstPratica: nextPratica,
                                     count: min(parameters.crashAcknowledgedPerRound * 3, (pratiche - nextPratica) / max(1, rounds - round)),
                                     earlier: answered.filter(\.isAppointment).map(\.appointment))
            nextPratica += commands.joined().filter { $0[0] == "BOOK" }.count

            let load = NodeProcessTests.Load(port: node.port, account: "sui.roma", commands: commands,
                                             target: parameters.crashAcknowledgedPerRound)
            let reached = load.waitForTarget(timeout: 180)
            kill(node.pid, SIGKILL)
            #expect(load.waitForEnd(timeout: 60), "round \(round): every client saw the node go")
            #expect(node.waitForExit(timeout: 30), "round \(round): the node died of SIGKILL")
            #expect(reached, "round \(round): \(load.booked) acknowledged before the deadline; log:\n\(node.logTail)")
            sent += load.sent

            let exchanges = load.exchanges
            for exchange in exchanges {
                let moveRefused = exchange.command[0] != "BOOK" && exchange.reply.errorCode == "CONFLICT"
                guard exchange.reply.fields["appointment"] != nil || moveRefused else {
                    Issue.record("round \(round): \(exchange.command.joined(separator: " ")) answered \(exchange.reply)")
                    continue
                }
                answered.append(Answered(command: exchange.command, reply: exchange.reply, round: round))
            }
            // A client sends 32 commands, reads their replies, sends the next 32: what was sent and
            // not answered is at most the 32 from its first unanswered command on.
            let answeredIDs = Set(exchanges.map { $0.command.last ?? "" })
            for share in commands {
                let firstUnanswered = share.firstIndex { !answeredIDs.contains($0.last ?? "") } ?? share.count
                for command in share[firstUnanswered..<min(share.count, firstUnanswered + 32)] where command[0] != "BOOK" {
                    unsure.insert(command[1])
                }
            }

            let audit = try replayAudit(scratch.data, in: scratch.root)
            #expect(audit.status == 0, "round \(round): replay audit after the kill:\n\(audit.stdout)\(audit.stderr)")
        }
        printFigures("crash loop", [
            "rounds": String(rounds), "clients": String(parameters.crashClients), "commands sent": String(sent),
            "commands acknowledged": String(answered.count),
            "appointments left unsure by a kill": String(unsure.count),
        ])
    }

    /// A round's commands, one list per client, each under its own REQID: BOOKs of fresh pratiche
    /// (a third of them for the first open day's 08:00, a hundred places that every round's
    /// bookings contend for; one in five with EXISTING), and, once earlier rounds acknowledged
    /// appointments, DEFER NEXT and CANCEL of the first 48 of those, so the same ones are moved,
    /// cancelled and moved again (CONFLICT) from round to round.
    static func load(round: Int, clients: Int, day: String, firstPratica: Int, count: Int, earlier: [String]) -> [[[String]]] {
        var commands: [[[String]]] = Array(repeating: [], count: clients)
        var pratica = firstPratica
        let changed = Array(earlier.prefix(48))
        for index in 0..<count {
            var command: [String]
            if index % 4 == 3, !changed.isEmpty {
                command = ["DEFER", changed[(index / 4) % changed.count], "NEXT"]
            } else if index % 16 == 6, !changed.isEmpty {
                command = ["CANCEL", changed[(index / 16 * 7) % changed.count], "REASON", "crash loop"]
            } else {
                command = ["BOOK", office, service, NodeProcessTests.pratica(pratica)]
                if pratica % 3 == 0 { command += ["ON", day, "AT", "08:00"] }
                if pratica % 5 == 0 { command.append("EXISTING") }
                pratica += 1
            }
            commands[index % clients].append(command + ["REQID", "crash-\(round)-\(index)"])
        }
        return commands
    }

    /// Everything told to a client before the kills, checked on the restarted node.
    static func verify(_ node: NodeProcess, answered: [Answered], unsure: Set<String>, afterRound round: Int) throws {
        let sui = try node.client(account: "sui.roma")
        let audit = try node.client(account: "audit")
        let before = try audit.logHead()

        // Where each appointment stands: the reply of the latest record that described it (by
        // `seq`: clients read their replies in their own order, not the log's).
        func seq(_ answer: Answered) -> Int { Int(answer.reply.fields["seq"] ?? "") ?? -1 }
        var latest: [String: Answered] = [:]
        for answer in answered where answer.isAppointment && seq(answer) > latest[answer.appointment].map(seq) ?? -1 {
            latest[answer.appointment] = answer
        }
        // Repeats: the same command under the same REQID gives the first reply back.
        for (answer, repeated) in try zip(answered, sui.pipeline(answered.map(\.command))) {
            let same = answer.isAppointment
                ? firstReplyFields(repeated.fields) == firstReplyFields(answer.reply.fields)
                : repeated == answer.reply
            let message = "after round \(round)'s kill, \(answer.command.joined(separator: " ")) "
                + "(answered in round \(answer.round)) repeated answers \(repeated), first \(answer.reply)"
            #expect(same, Comment(rawValue: message))
        }
        #expect(try audit.logHead() == before, "after round \(round)'s kill: the repeats recorded something")

        // Each appointment where its last reply put it, unless a command about it was lost in flight.
        let appointments = latest.keys.filter { !unsure.contains($0) }.sorted()
        for (appointment, reply) in try zip(appointments, audit.pipeline(appointments.map { ["APPT", $0] })) {
            let told = latest[appointment]?.reply.fields ?? [:]
            let fields = reply.fields
            #expect(["pratica", "state", "date", "time"].allSatisfy { fields[$0] == told[$0] },
                    "after round \(round)'s kill: told \(told), APPT says \(reply)")
        }

        // One live appointment per pratica booked here: the one its last reply left booked.
        let booked = answered.filter { $0.command[0] == "BOOK" && $0.isAppointment && !unsure.contains($0.appointment) }
        for (answer, reply) in try zip(booked, audit.pipeline(booked.map { ["PRATICA", $0.command[3]] })) {
            let live = (reply.value(of: "appointments")?.list ?? []).map(\.fields)
                .filter { $0["service"] == service && $0["state"] == "booked" }
                .compactMap { $0["appointment"] }
            let expected = latest[answer.appointment]?.reply.fields["state"] == "booked" ? [answer.appointment] : []
            #expect(live == expected, "after round \(round)'s kill: \(answer.command[3]) holds \(live), told \(expected)")
        }

        // No day over its capacity.
        let days = Set(latest.values.compactMap { $0.reply.fields["date"] }).sorted()
        guard let from = days.first, let through = days.last else { return }
        for entry in try audit.call("CAPACITY", office, service, from, through).list.map(\.fields) {
            let taken = Int(entry["booked"] ?? "") ?? -1
            let places = Int(entry["capacity"] ?? "") ?? -1
            #expect(taken >= 0 && taken <= places, "after round \(round)'s kill, over capacity: \(entry)")
        }
    }
}
