import Foundation
import Testing

/// A real `agenda-node` killed with SIGKILL under writing clients, restarted on the same
/// directory, again and again. A reply is a promise: after every restart, whatever a client was
/// told is in the log — a repeat of its REQID gives the same reply and records nothing — the
/// appointments hold the acknowledged places, no slot is over capacity, and `replay audit`
/// finds nothing.
@Suite("agenda-node killed over and over under load", .serialized)
struct CrashLoopTests {
    static let office = NodeProcessTests.office
    static let service = NodeProcessTests.service

    /// A reply a client received: the command it answered and the appointment it described.
    struct Acknowledged {
        let command: [String]
        let fields: [String: String]
        let round: Int
        var appointment: String { fields["appointment"] ?? "?" }
    }

    @Test("SIGKILL under load, round after round: every acknowledged reply survives, a repeated REQID gives it back, no slot over capacity, replay audit clean")
    func crashLoop() throws {
        let parameters = AbuseParameters.current
        let scratch = try Scratch("crashloop")
        defer { scratch.remove() }
        let rounds = parameters.crashRounds
        let pratiche = parameters.demoPratiche
        var acknowledged: [Acknowledged] = []
        // Appointments a DEFER was sent for and not answered: their day and time after the kill
        // may be either, so only that they are booked is checked.
        var unsure: Set<String> = []
        var sent = 0
        var nextPratica = 2  // P-DEMO-000000000001 is self.demo's

        for round in 0...rounds {
            let node = try NodeProcess(data: scratch.data, log: scratch.path("node-\(round).log"),
                                       extra: round == 0 ? ["--demo", "--demo-pratiche", String(pratiche)] : [])
            defer { node.killHard() }
            if round > 0 {
                try Self.verify(node, acknowledged: acknowledged, unsure: unsure, round: round)
            }
            guard round < rounds else { break }

            // Fresh pratiche, a third of them for the first open day's 08:00 slot (a hundred places
            // met by every round), and DEFER NEXT of appointments acknowledged in earlier rounds.
            let probe = try node.client(account: "sui.roma")
            let first = try probe.call("FIRSTFREE", Self.office, Self.service, "COUNT", "1").list.first?.fields
            let day = try #require(first?["date"], "FIRSTFREE answered \(String(describing: first))")
            let movable = acknowledged.map(\.appointment)
            let perRound = min(parameters.crashAcknowledgedPerRound * 3, (pratiche - nextPratica) / max(1, rounds - round))
            var commands: [[[String]]] = Array(repeating: [], count: parameters.crashClients)
            for index in 0..<perRound {
                let number = nextPratica + index
                var command = ["BOOK", Self.office, Self.service, NodeProcessTests.pratica(number)]
                if number % 3 == 0 { command += ["ON", day, "AT", "08:00"] }
                if index % 4 == 3, !movable.isEmpty {
                    command = ["DEFER", movable[(index / 4) % movable.count], "NEXT"]
                }
                commands[index % parameters.crashClients].append(command + ["REQID", "crash-\(round)-\(index)"])
            }
            nextPratica += perRound

            let load = NodeProcessTests.Load(port: node.port, account: "sui.roma", commands: commands,
                                             target: parameters.crashAcknowledgedPerRound)
            let reached = load.waitForTarget(timeout: 180)
            kill(node.pid, SIGKILL)
            #expect(load.waitForEnd(timeout: 60), "round \(round): every client saw the node go")
            #expect(node.waitForExit(timeout: 30), "round \(round): the node died of SIGKILL")
            #expect(reached, "round \(round): \(load.booked) acknowledged before the deadline; log:\n\(node.logTail)")
            sent += load.sent

            let exchanges = load.exchanges
            let answered = Set(exchanges.map { $0.command.last ?? "" })
            for exchange in exchanges {
                guard exchange.reply.fields["appointment"] != nil else {
                    Issue.record("round \(round): \(exchange.command.joined(separator: " ")) answered \(exchange.reply)")
                    continue
                }
                acknowledged.append(Acknowledged(command: exchange.command, fields: exchange.reply.fields, round: round))
            }
            for share in commands {
                for command in share where command[0] == "DEFER" && !answered.contains(command.last ?? "") {
                    unsure.insert(command[1])
                }
            }

            let audit = try replayAudit(scratch.data, in: scratch.root)
            #expect(audit.status == 0, "round \(round): replay audit after the kill:\n\(audit.stdout)\(audit.stderr)")
        }
        printFigures("crash loop", [
            "rounds": String(rounds), "clients": String(parameters.crashClients), "commands sent": String(sent),
            "commands acknowledged": String(acknowledged.count),
            "appointments left unsure by a kill": String(unsure.count),
        ])
    }

    /// Everything told to a client before the kills, checked on the restarted node.
    static func verify(_ node: NodeProcess, acknowledged: [Acknowledged], unsure: Set<String>, round: Int) throws {
        let sui = try node.client(account: "sui.roma")
        let audit = try node.client(account: "audit")
        let before = try audit.logHead()

        // The last acknowledged reply for each appointment is where it stands; a later DEFER
        // that was sent and not answered may or may not have moved it.
        var latest: [String: Acknowledged] = [:]
        for ack in acknowledged { latest[ack.appointment] = ack }
        var changedLater: Set<String> = unsure
        var seen: Set<String> = []
        for ack in acknowledged.reversed() {
            if seen.contains(ack.appointment) { changedLater.insert("\(ack.appointment)@\(ack.command.last ?? "")") }
            seen.insert(ack.appointment)
        }

        // Repeats: the same command under the same REQID gives the first reply back.
        for (ack, repeated) in try zip(acknowledged, sui.pipeline(acknowledged.map(\.command))) {
            guard firstReplyFields(repeated.fields) != firstReplyFields(ack.fields) else { continue }
            let message = "after round \(round - 1)'s kill, \(ack.command.joined(separator: " ")) (acknowledged in round \(ack.round)) "
                + "repeated answers \(repeated), first \(ack.fields)"
            if changedLater.contains("\(ack.appointment)@\(ack.command.last ?? "")") || unsure.contains(ack.appointment) {
                // Fixed on another branch (issue 17, 1): the repeat is built from today's views.
                withKnownIssue("issue 17: a repeated REQID does not return the first reply after the appointment changed",
                               isIntermittent: true) { Issue.record(Comment(rawValue: message)) }
            } else {
                Issue.record(Comment(rawValue: message))
            }
        }
        #expect(try audit.logHead() == before, "after round \(round - 1)'s kill: the repeats recorded something")

        // Each appointment where its last acknowledged reply put it, booked.
        let appointments = latest.keys.sorted()
        for (appointment, reply) in try zip(appointments, audit.pipeline(appointments.map { ["APPT", $0] })) {
            let fields = reply.fields
            let ack = latest[appointment]?.fields ?? [:]
            #expect(fields["state"] == "booked" && fields["pratica"] == ack["pratica"],
                    "after round \(round - 1)'s kill: acknowledged \(ack), APPT says \(reply)")
            if !unsure.contains(appointment) {
                #expect(fields["date"] == ack["date"] && fields["time"] == ack["time"],
                        "after round \(round - 1)'s kill: acknowledged \(ack), APPT says \(reply)")
            }
        }

        // One live appointment per pratica: the acknowledged one.
        let booked = acknowledged.filter { $0.command[0] == "BOOK" }
        for (ack, reply) in try zip(booked, audit.pipeline(booked.map { ["PRATICA", $0.command[3]] })) {
            let live = (reply.value(of: "appointments")?.list ?? []).map(\.fields)
                .filter { $0["service"] == service && $0["state"] == "booked" }
            #expect(live.map { $0["appointment"] } == [ack.appointment],
                    "after round \(round - 1)'s kill: \(ack.command[3]) was acknowledged \(ack.appointment), holds \(live)")
        }

        // No day over its capacity.
        let days = Set(latest.values.compactMap { $0.fields["date"] }).sorted()
        guard let from = days.first, let through = days.last else { return }
        for entry in try audit.call("CAPACITY", office, service, from, through).list.map(\.fields) {
            let taken = Int(entry["booked"] ?? "") ?? -1
            let places = Int(entry["capacity"] ?? "") ?? -1
            #expect(taken >= 0 && taken <= places, "after round \(round - 1)'s kill, over capacity: \(entry)")
        }
    }
}
