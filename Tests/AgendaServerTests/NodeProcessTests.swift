import Foundation
import Testing

/// The real `agenda-node` executable as a child process: killed mid-load, stopped with SIGTERM,
/// and spoken to by the stock Redis tools (redis-cli, redis-py, redis-benchmark). Each test
/// starts its own node on a fresh directory, on a port the node picks itself (`--port 0`, read
/// back from its `listening` log line), and kills it in a `defer`.
@Suite("agenda-node as a process: crashes, SIGTERM, stock Redis clients", .serialized)
struct NodeProcessTests {
    // MARK: - Where things are

    /// `agenda-node`, built beside this test bundle (`<scratch>/debug/`).
    static let nodePath: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("agenda-node").path
    }()

    /// The package's fixtures, found from this file: Tests/AgendaServerTests/ → the package root.
    static let fixturesPath: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures").path

    static func onPath(_ tool: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
    }

    static let redisCLIAvailable = onPath("redis-cli")
    static let redisBenchmarkAvailable = onPath("redis-benchmark")
    static let redisPyAvailable: Bool = {
        guard onPath("python3") else { return false }
        let result = try? runTool(["python3", "-c", "import redis"], in: NSTemporaryDirectory(), timeout: 60)
        return result?.status == 0
    }()

    /// The training office and service `--demo` adds.
    static let office = "DEMO-Q"
    static let service = "fotosegnalamento"

    /// `P-DEMO-000000000042`.
    static func pratica(_ number: Int) -> String {
        let digits = String(number)
        return "P-DEMO-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    // MARK: - 1. SIGKILL mid-load

    @Test("a node killed with SIGKILL in the middle of a load keeps every booking whose OK reached a client, none twice, no day over capacity")
    func killedMidLoad() throws {
        let scratch = try Scratch("kill")
        defer { scratch.remove() }
        let pratiche = 3_000
        let threads = 8
        let killAfter = 1_500

        let first = try NodeProcess(data: scratch.data, log: scratch.path("node-1.log"),
                                    extra: ["--demo", "--demo-pratiche", String(pratiche)])
        defer { first.killHard() }
        // The first open day: a third of the load asks for its 08:00 slot, a third for its last
        // slot (17:50), so a hundred places meet several hundred requests and the rest move on.
        let probe = try first.client(account: "sui.roma")
        let firstFree = try probe.call("FIRSTFREE", Self.office, Self.service, "COUNT", "1").list.first?.fields
        let day = try #require(firstFree?["date"], "FIRSTFREE answered \(String(describing: firstFree))")

        let commands = (0..<threads).map { thread in
            stride(from: thread, to: pratiche, by: threads).flatMap { number -> [[String]] in
                var book = ["BOOK", Self.office, Self.service, Self.pratica(number)]
                switch number % 3 {
                case 1: book += ["ON", day, "AT", "08:00"]
                case 2: book += ["ON", day, "AT", "17:50"]
                default: break
                }
                // Every fifth, a neighbour's pratica too, which another connection books as well:
                // one of the two must get CONFLICT.
                guard number % 5 == 0 else { return [book] }
                return [book, ["BOOK", Self.office, Self.service, Self.pratica((number + 1) % pratiche)]]
            }
        }
        let load = Load(port: first.port, account: "sui.roma", commands: commands, target: killAfter)
        let reachedTarget = load.waitForTarget(timeout: 120)
        kill(first.pid, SIGKILL)
        let joined = load.waitForEnd(timeout: 60)
        #expect(first.waitForExit(timeout: 30))
        #expect(first.terminationReason == .uncaughtSignal, "the node died of SIGKILL, not on its own")
        #expect(reachedTarget, "\(load.booked) bookings acknowledged before the deadline; log:\n\(first.logTail)")
        #expect(joined, "every client connection saw the node go")

        let exchanges = load.exchanges
        let acknowledged = exchanges.compactMap(\.acknowledged)
        let unexpected = exchanges.filter { $0.acknowledged == nil && $0.reply.errorCode != "CONFLICT" }
        #expect(acknowledged.count >= killAfter)
        #expect(exchanges.count < load.sent, "the kill came while bookings were in flight (\(exchanges.count) of \(load.sent) answered)")
        #expect(unexpected.isEmpty, "replies other than a booking or CONFLICT: \(unexpected.prefix(5))")
        let inOrder = exchanges.allSatisfy { $0.answersItsOwnRequest }
        #expect(inOrder, "every booking answers its own request")
        // Before the kill, already: no appointment id given twice, no pratica acknowledged twice.
        #expect(Set(acknowledged.map(\.appointment)).count == acknowledged.count, "an appointment id was acknowledged twice")
        #expect(Set(acknowledged.map(\.pratica)).count == acknowledged.count, "a pratica was acknowledged two bookings")

        // Restarted on the same directory (no --demo: it is not new, nothing is seeded).
        let second = try NodeProcess(data: scratch.data, log: scratch.path("node-2.log"), extra: [])
        defer { second.killHard() }
        let audit = try second.client(account: "audit")

        // Every acknowledged appointment is there, as it was told to the client.
        let appointments = try audit.pipeline(acknowledged.map { ["APPT", $0.appointment] })
        for (ack, reply) in zip(acknowledged, appointments) {
            let fields = reply.fields
            #expect(fields["appointment"] == ack.appointment && fields["pratica"] == ack.pratica
                    && fields["date"] == ack.date && fields["time"] == ack.time && fields["state"] == "booked",
                    "acknowledged \(ack) but after the restart APPT says \(reply)")
        }

        // One live fotosegnalamento per pratica, and for an acknowledged pratica it is the acknowledged one.
        let acknowledgedByPratica = Dictionary(acknowledged.map { ($0.pratica, $0) }, uniquingKeysWith: { first, _ in first })
        let numbers = Array(0..<pratiche)
        let praticaReplies = try audit.pipeline(numbers.map { ["PRATICA", Self.pratica($0)] })
        var live: [(pratica: String, date: String, time: String)] = []
        for (number, reply) in zip(numbers, praticaReplies) {
            let pratica = Self.pratica(number)
            guard case .some(let list) = reply.value(of: "appointments") else {
                Issue.record("PRATICA \(pratica): \(reply)")
                continue
            }
            let booked = list.list.map(\.fields).filter { $0["service"] == Self.service && $0["state"] == "booked" }
            #expect(booked.count <= 1, "\(pratica) has \(booked.count) live fotosegnalamento appointments: \(booked)")
            if let ack = acknowledgedByPratica[pratica] {
                #expect(booked.first?["appointment"] == ack.appointment, "\(pratica): acknowledged \(ack), holds \(booked)")
            }
            for appointment in booked {
                live.append((pratica, appointment["date"] ?? "?", appointment["time"] ?? "?"))
            }
        }
        #expect(live.count >= acknowledged.count)

        // No day over its capacity, and the seats taken are exactly the live appointments.
        let days = Set(live.map(\.date)).sorted()
        let from = try #require(days.first)
        let through = try #require(days.last)
        let capacity = try audit.call("CAPACITY", Self.office, Self.service, from, through).list.map(\.fields)
        #expect(!capacity.isEmpty, "CAPACITY \(from) \(through) answered nothing")
        var seats = 0
        for entry in capacity {
            let booked = Int(entry["booked"] ?? "") ?? -1
            let places = Int(entry["capacity"] ?? "") ?? -1
            #expect(booked >= 0 && booked <= places, "over capacity: \(entry)")
            seats += booked
        }
        #expect(seats == live.count, "CAPACITY counts \(seats) seats taken, the pratiche hold \(live.count) live appointments")

        // No slot over its hundred places, and each day's agenda agrees with the pratiche.
        for date in days {
            let agenda = try audit.call("AGENDA", Self.office, date, "SERVICE", Self.service).list.map(\.fields)
                .filter { $0["state"] == "booked" }
            #expect(agenda.count == live.filter { $0.date == date }.count, "AGENDA \(date) disagrees with PRATICA")
            let perSlot = Dictionary(grouping: agenda, by: { $0["time"] ?? "?" }).mapValues(\.count)
            for (time, count) in perSlot {
                #expect(count <= 100, "\(date) \(time) holds \(count) appointments for 100 places")
            }
        }

        // And it goes on taking bookings where it left off.
        let sui = try second.client(account: "sui.roma")
        let holding = Set(live.map(\.pratica))
        let spare = try #require((0..<pratiche).map(Self.pratica).first { !holding.contains($0) }, "every pratica was booked")
        #expect(try sui.call("BOOK", Self.office, Self.service, spare).fields["pratica"] == spare)
    }

    struct Acknowledged: CustomStringConvertible {
        let appointment: String
        let pratica: String
        let date: String
        let time: String
        var description: String { "\(appointment) \(pratica) \(date) \(time)" }
    }

    struct Exchange: CustomStringConvertible {
        let command: [String]
        let reply: RESPValue
        /// The appointment, when the reply is one.
        var acknowledged: Acknowledged? {
            let fields = reply.fields
            guard let appointment = fields["appointment"] else { return nil }
            return Acknowledged(appointment: appointment, pratica: fields["pratica"] ?? "?",
                                date: fields["date"] ?? "?", time: fields["time"] ?? "?")
        }
        /// A booking in reply is for the pratica the request named (replies keep the request order).
        var answersItsOwnRequest: Bool { acknowledged.map { $0.pratica == command[3] } ?? true }
        var description: String { "\(command.joined(separator: " ")) → \(reply)" }
    }

    /// Client connections, one thread each, each pipelining its commands 32 at a time and
    /// reading the replies, until its commands run out or the node goes away. Every reply is
    /// kept with its command; `waitForTarget` returns once `target` bookings are acknowledged.
    final class Load: @unchecked Sendable {
        private let lock = NSLock()
        private var done: [Exchange] = []
        private var sentCount = 0
        private var bookedCount = 0
        private var signalled = false
        private let reached = DispatchSemaphore(value: 0)
        private let finished = DispatchGroup()
        /// Every connection signs in before any sends: the load is all there when it is stopped.
        private let signedIn = DispatchGroup()
        let target: Int

        init(port: Int, account: String, commands: [[[String]]], target: Int) {
            self.target = target
            for share in commands {
                finished.enter()
                signedIn.enter()
                let worker = Thread { [self] in
                    defer { finished.leave() }
                    run(port: port, account: account, commands: share)
                }
                worker.start()
            }
            // Ran out of work before the target: let the test go on (and fail its "mid-load" check).
            finished.notify(queue: .global()) { [self] in signal() }
        }

        var exchanges: [Exchange] { lock.withLock { done } }
        var sent: Int { lock.withLock { sentCount } }
        var booked: Int { lock.withLock { bookedCount } }

        func waitForTarget(timeout: TimeInterval) -> Bool { reached.wait(timeout: .now() + timeout) == .success }
        func waitForEnd(timeout: TimeInterval) -> Bool { finished.wait(timeout: .now() + timeout) == .success }

        private func signal() {
            let first = lock.withLock { () -> Bool in
                defer { signalled = true }
                return !signalled
            }
            if first { reached.signal() }
        }

        private func run(port: Int, account: String, commands: [[String]]) {
            let client = try? RESPClient(port: port)
            let signed = (try? client?.call("AUTH", account, "demo")) == .simple("OK")
            signedIn.leave()
            _ = signedIn.wait(timeout: .now() + 60)
            guard let client, signed else {
                lock.withLock { done.append(Exchange(command: ["AUTH", account], reply: .other("could not sign in"))) }
                return
            }
            var start = 0
            while start < commands.count {
                let batch = commands[start..<min(start + 32, commands.count)]
                start += batch.count
                guard sendAll(client.socket, batch.flatMap { RESPClient.encode($0) }) else { return }
                lock.withLock { sentCount += batch.count }
                for command in batch {
                    guard let reply = try? client.read() else { return }  // the node is gone
                    let exchange = Exchange(command: command, reply: reply)
                    let total = lock.withLock { () -> Int in
                        done.append(exchange)
                        if exchange.acknowledged != nil { bookedCount += 1 }
                        return bookedCount
                    }
                    if total >= target { signal() }
                }
            }
        }
    }

    // MARK: - 2. SIGTERM

    @Test("SIGTERM stops accepting, answers what was in flight, and closes the store cleanly")
    func sigterm() throws {
        let scratch = try Scratch("term")
        let pratiche = 6_000
        defer { scratch.remove() }
        let node = try NodeProcess(data: scratch.data, log: scratch.path("node-1.log"),
                                   extra: ["--demo", "--demo-pratiche", String(pratiche)])
        defer { node.killHard() }
        let before = try #require(try node.client(account: "audit").logHead(), "INFO persistence has no log_head_seq")

        // Four connections pipelining BOOKs for distinct pratiche; SIGTERM once 500 are booked.
        let connections = 4
        let commands = (0..<connections).map { connection in
            stride(from: connection, to: pratiche, by: connections).map { ["BOOK", Self.office, Self.service, Self.pratica($0)] }
        }
        let load = Load(port: node.port, account: "sui.roma", commands: commands, target: 500)
        #expect(load.waitForTarget(timeout: 120), "\(load.booked) booked before the deadline; log:\n\(node.logTail)")
        kill(node.pid, SIGTERM)
        #expect(load.waitForEnd(timeout: 60), "every connection saw its replies end")
        #expect(node.waitForExit(timeout: 60), "the node exited within a minute of SIGTERM; log:\n\(node.logTail)")
        #expect(node.terminationReason == .exit && node.terminationStatus == 0,
                "exit status \(node.terminationStatus); log:\n\(node.logTail)")

        let exchanges = load.exchanges
        let oks = exchanges.compactMap(\.acknowledged)
        let busy = exchanges.filter { $0.reply.errorCode == "BUSY" }
        #expect(oks.count + busy.count == exchanges.count,
                "every reply is a booking or BUSY: \(exchanges.filter { $0.acknowledged == nil && $0.reply.errorCode != "BUSY" }.prefix(3))")
        // Replies come in request order: each booking is for the pratica its request named.
        let inOrder = exchanges.allSatisfy { $0.answersItsOwnRequest }
        #expect(inOrder, "every booking answers its own request")
        #expect(oks.count < pratiche, "SIGTERM came while the load was running")
        #expect(node.log.contains("stopped; the store is closed"), "the node logged its clean stop:\n\(node.logTail)")

        // Restarting on the directory: exactly the acknowledged bookings were recorded.
        let again = try NodeProcess(data: scratch.data, log: scratch.path("node-2.log"), extra: [])
        defer { again.killHard() }
        let audit = try again.client(account: "audit")
        let after = try #require(try audit.logHead())
        #expect(after == before + oks.count, "log head \(before) + \(oks.count) acknowledged bookings, found \(after)")
        let stored = try audit.pipeline(oks.map { ["APPT", $0.appointment] })
        for (ok, reply) in zip(oks, stored) {
            let fields = reply.fields
            #expect(fields["date"] == ok.date && fields["time"] == ok.time && fields["pratica"] == ok.pratica,
                    "acknowledged \(ok), stored \(reply)")
        }
    }

    // MARK: - 3. redis-cli

    @Test("redis-cli works unchanged, interactively and in RESP3",
          .enabled(if: NodeProcessTests.redisCLIAvailable, "redis-cli is not installed (make test installs redis-tools)"))
    func redisCLI() throws {
        let scratch = try Scratch("cli")
        defer { scratch.remove() }
        let node = try NodeProcess(data: scratch.data, log: scratch.path("node.log"),
                                   extra: ["--demo", "--demo-pratiche", "100"])
        defer { node.killHard() }
        let port = String(node.port)

        // Typed lines, as at its prompt (stdin not a terminal: plain output, one value a line).
        let typed = try runTool(["redis-cli", "-p", port],
                                input: "BOOK DEMO-Q fotosegnalamento P-DEMO-000000000007\nAUTH sui.roma demo\n"
                                    + "BOOK DEMO-Q fotosegnalamento P-DEMO-000000000007\n"
                                    + "BOOK DEMO-Q fotosegnalamento P-DEMO-000000000007\nPING\n",
                                in: scratch.root, timeout: 60)
        #expect(typed.status == 0, "redis-cli exited \(typed.status): \(typed.stderr)")
        // (redis-cli follows an error with an empty line in this format; the empty lines are dropped.)
        let lines = typed.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("NOAUTH") == true, "BOOK before AUTH: \(typed.stdout)")
        #expect(lines.dropFirst().first == "OK", "AUTH: \(typed.stdout)")
        let map = Self.pairs(lines.dropFirst(2))
        #expect(map["appointment"]?.hasPrefix("A-") == true, "BOOK: \(typed.stdout)")
        #expect(map["office"] == "DEMO-Q" && map["pratica"] == "P-DEMO-000000000007" && map["state"] == "booked")
        #expect(typed.stdout.contains("CONFLICT P-DEMO-000000000007 already has \(map["appointment"] ?? "?")"),
                "the repeated BOOK: \(typed.stdout)")
        #expect(lines.last == "PONG", "PING: \(typed.stdout)")

        // One command on the command line, RESP3, formatted as on a terminal: a map shows as `1# key => value`.
        let resp3 = try runTool(["redis-cli", "-3", "--no-raw", "-p", port, "--user", "sui.roma", "--pass", "demo",
                                 "BOOK", "DEMO-Q", "fotosegnalamento", "P-DEMO-000000000008"],
                                in: scratch.root, timeout: 60)
        #expect(resp3.status == 0, "redis-cli -3 exited \(resp3.status): \(resp3.stderr)")
        #expect(resp3.stdout.contains("1# \"appointment\" => \"A-"), "a RESP3 map: \(resp3.stdout)")
        #expect(resp3.stdout.contains("\"pratica\" => \"P-DEMO-000000000008\""), "\(resp3.stdout)")
        #expect(resp3.stdout.contains("\"state\" => \"booked\""), "\(resp3.stdout)")

        // The same in RESP2, on a terminal's format: a flat field, value array.
        let resp2 = try runTool(["redis-cli", "--no-raw", "-p", port, "--user", "audit", "--pass", "demo",
                                 "PRATICA", "P-DEMO-000000000008"],
                                in: scratch.root, timeout: 60)
        #expect(resp2.status == 0, "redis-cli exited \(resp2.status): \(resp2.stderr)")
        #expect(resp2.stdout.contains("1) \"pratica\"") && resp2.stdout.contains("\"P-DEMO-000000000008\""), "\(resp2.stdout)")

        // The demo's applicant account books its own pratica, and only that one.
        let own = try runTool(["redis-cli", "-p", port, "--user", "self.demo", "--pass", "demo",
                               "BOOK", "DEMO-Q", "fotosegnalamento", "P-DEMO-000000000001"], in: scratch.root, timeout: 60)
        #expect(own.stdout.contains("P-DEMO-000000000001") && own.stdout.contains("booked"), "\(own.stdout) \(own.stderr)")
        let other = try runTool(["redis-cli", "-p", port, "--user", "self.demo", "--pass", "demo",
                                 "BOOK", "DEMO-Q", "fotosegnalamento", "P-DEMO-000000000009"], in: scratch.root, timeout: 60)
        #expect(other.stdout.hasPrefix("NOPERM"), "\(other.stdout) \(other.stderr)")
        #expect(node.log.contains("self.demo        applicant for P-DEMO-000000000001 only (self-booking)"),
                "the banner lists it")
    }

    /// `key, value, key, value …` lines, as redis-cli prints a flat map, up to the first line that is no key.
    static func pairs(_ lines: ArraySlice<String>) -> [String: String] {
        var result: [String: String] = [:]
        var index = lines.startIndex
        while index + 1 < lines.endIndex, lines[index].first?.isLetter == true, !lines[index].contains(" ") {
            result[lines[index]] = lines[index + 1]
            index += 2
        }
        return result
    }

    // MARK: - 4. redis-py

    @Test("redis-py works unchanged, in RESP2 and RESP3",
          .enabled(if: NodeProcessTests.redisPyAvailable, "Python's redis package is missing (make test installs it)"))
    func redisPy() throws {
        let scratch = try Scratch("py")
        defer { scratch.remove() }
        let node = try NodeProcess(data: scratch.data, log: scratch.path("node.log"),
                                   extra: ["--demo", "--demo-pratiche", "100"])
        defer { node.killHard() }
        // redis-py's default protocol changed (RESP2 before 8, RESP3 since): ask for each by name
        // where it can (5 and later), and use the default too.
        let script = """
            import json, sys, redis
            port = int(sys.argv[1])
            major = int(redis.__version__.split(".")[0])
            out = {"major": major}
            def client(**protocol):
                return redis.Redis(host="127.0.0.1", port=port, username="sui.roma", password="demo",
                                   decode_responses=True, **protocol)
            r = client()
            out["ping"] = r.ping()
            out["default"] = r.execute_command("BOOK", "DEMO-Q", "fotosegnalamento", "P-DEMO-000000000009")
            try:
                r.execute_command("BOOK", "DEMO-Q", "fotosegnalamento", "P-DEMO-000000000009")
                out["conflict"] = "no error"
            except redis.exceptions.ResponseError as error:
                out["conflict"] = str(error)
            r2 = client(protocol=2) if major >= 5 else client()
            out["resp2"] = r2.execute_command("BOOK", "DEMO-Q", "fotosegnalamento", "P-DEMO-000000000010")
            if major >= 5:
                r3 = client(protocol=3)
                out["resp3"] = r3.execute_command("BOOK", "DEMO-Q", "fotosegnalamento", "P-DEMO-000000000011")
                out["resp3_pratica"] = r3.execute_command("PRATICA", "P-DEMO-000000000011")
            print(json.dumps(out))
            """
        let result = try runTool(["python3", "-c", script, String(node.port)], in: scratch.root, timeout: 60)
        #expect(result.status == 0, "python3 exited \(result.status): \(result.stderr)")
        let output = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                                  "not JSON: \(result.stdout) \(result.stderr)")
        #expect(output["ping"] as? Bool == true)
        // The default protocol: a list (RESP2) or a dict (RESP3), either way the appointment.
        let byDefault = try #require(Self.record(output["default"]), "\(String(describing: output["default"]))")
        #expect(byDefault["appointment"]?.hasPrefix("A-") == true && byDefault["pratica"] == "P-DEMO-000000000009",
                "\(byDefault)")
        let conflict = output["conflict"] as? String ?? ""
        #expect(conflict.hasPrefix("CONFLICT P-DEMO-000000000009 already has \(byDefault["appointment"] ?? "?")"),
                "the repeated BOOK raises the server's error: \(conflict)")
        // RESP2: the flat field, value list of PROTOCOL.md.
        let flat = try #require(output["resp2"] as? [String], "RESP2: \(String(describing: output["resp2"]))")
        let resp2 = try #require(Self.record(flat))
        #expect(flat.first == "appointment" && resp2["appointment"]?.hasPrefix("A-") == true, "\(flat)")
        #expect(resp2["pratica"] == "P-DEMO-000000000010" && resp2["office"] == "DEMO-Q" && resp2["state"] == "booked")
        if (output["major"] as? Int ?? 0) >= 5 {
            // RESP3: a real map, so redis-py hands back a dict, nested ones too.
            let resp3 = try #require(output["resp3"] as? [String: String], "RESP3: \(String(describing: output["resp3"]))")
            #expect(resp3["appointment"]?.hasPrefix("A-") == true && resp3["pratica"] == "P-DEMO-000000000011", "\(resp3)")
            let pratica = try #require(output["resp3_pratica"] as? [String: Any])
            let held = (pratica["appointments"] as? [[String: String]])?.map { $0["appointment"] }
            #expect(held == [resp3["appointment"]], "PRATICA in RESP3: \(pratica)")
            #expect(Set([byDefault["appointment"], resp2["appointment"], resp3["appointment"]]).count == 3)
        }
    }

    /// A record as redis-py hands it back: a dict (RESP3) or a flat field, value list (RESP2).
    static func record(_ value: Any?) -> [String: String]? {
        if let map = value as? [String: String] { return map }
        guard let flat = value as? [String], flat.count % 2 == 0 else { return nil }
        return Dictionary(stride(from: 0, to: flat.count, by: 2).map { (flat[$0], flat[$0 + 1]) },
                          uniquingKeysWith: { first, _ in first })
    }

    // MARK: - 5. redis-benchmark

    @Test("redis-benchmark's start-up probes are answered",
          .enabled(if: NodeProcessTests.redisBenchmarkAvailable, "redis-benchmark is not installed (make test installs redis-tools)"))
    func redisBenchmark() throws {
        let scratch = try Scratch("bench")
        defer { scratch.remove() }
        let node = try NodeProcess(data: scratch.data, log: scratch.path("node.log"),
                                   extra: ["--demo", "--demo-pratiche", "3000"])
        defer { node.killHard() }
        let audit = try node.client(account: "audit")
        let before = try #require(try audit.logHead())
        let result = try runTool(["redis-benchmark", "-h", "127.0.0.1", "-p", String(node.port), "--user", "sui.roma",
                                  "-a", "demo", "-c", "5", "-n", "200", "-r", "3000", "-q",
                                  "BOOK", "DEMO-Q", "fotosegnalamento", "P-DEMO-__rand_int__", "EXISTING"],
                                 in: scratch.root, timeout: 120)
        #expect(result.status == 0, "redis-benchmark exited \(result.status): \(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("requests per second"), "\(result.stdout) \(result.stderr)")
        // Every one of the 200 BOOKs reached the log (book-or-existing is recorded either way).
        let after = try #require(try audit.logHead())
        #expect(after - before == 200, "log head went from \(before) to \(after)")
    }
}

// MARK: - A node as a child process

/// `agenda-node serve` on `--port 0`, its standard output and error in a file; `init` returns
/// once it has said where it listens and answers PING.
final class NodeProcess {
    let process = Process()
    let logPath: String
    private(set) var port = 0

    /// `fixtures` nil: the node's own default; `workingDirectory` nil: the test's; `waitForPing`
    /// false: return the moment the node says it listens.
    init(data: String, log: String, extra: [String], startTimeout: TimeInterval = 180,
         fixtures: String? = NodeProcessTests.fixturesPath, workingDirectory: String? = nil,
         waitForPing: Bool = true) throws {
        logPath = log
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        defer { try? handle.close() }
        guard FileManager.default.isExecutableFile(atPath: NodeProcessTests.nodePath) else {
            throw TestFailure("no agenda-node at \(NodeProcessTests.nodePath): build it with swift build --build-tests")
        }
        process.executableURL = URL(fileURLWithPath: NodeProcessTests.nodePath)
        process.arguments = ["serve", "--data", data, "--port", "0"] + (fixtures.map { ["--fixtures", $0] } ?? []) + extra
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        do {
            port = try waitForListening(timeout: startTimeout)
            if waitForPing { try self.waitForPing(timeout: 30) }
        } catch {
            killHard()
            throw error
        }
    }

    deinit { killHard() }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var terminationReason: Process.TerminationReason { process.terminationReason }
    var terminationStatus: Int32 { process.terminationStatus }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    var logTail: String { log.split(separator: "\n").suffix(15).joined(separator: "\n") }

    private func waitForListening(timeout: TimeInterval) throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            for line in log.split(separator: "\n") where line.contains("listening") {
                if let range = line.range(of: #"port=\d+"#, options: .regularExpression),
                   let port = Int(line[range].dropFirst("port=".count)), port > 0 {
                    return port
                }
            }
            guard process.isRunning else {
                throw TestFailure("agenda-node exited (\(process.terminationStatus)) before listening:\n\(logTail)")
            }
            usleep(5_000)
        }
        throw TestFailure("agenda-node did not say it was listening within \(Int(timeout)) s:\n\(logTail)")
    }

    private func waitForPing(timeout: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let client = try? RESPClient(port: port), (try? client.call("PING")) == .simple("PONG") { return }
            usleep(50_000)
        }
        throw TestFailure("agenda-node on port \(port) did not answer PING within \(Int(timeout)) s:\n\(logTail)")
    }

    func client(account: String? = nil) throws -> RESPClient {
        let client = try RESPClient(port: port)
        if let account {
            let reply = try client.call("AUTH", account, "demo")
            guard reply == .simple("OK") else { throw TestFailure("AUTH \(account): \(reply)") }
        }
        return client
    }

    /// True once the process has exited, false if it still runs at the deadline.
    func waitForExit(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline { return false }
            usleep(20_000)
        }
        process.waitUntilExit()
        return true
    }

    func killHard() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// A fresh temporary directory: `data/` for the node, logs and tool output beside it.
struct Scratch {
    let root: String
    init(_ name: String) throws {
        root = NSTemporaryDirectory() + "agenda-process-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }
    var data: String { root + "/data" }
    func path(_ name: String) -> String { root + "/" + name }
    func remove() { try? FileManager.default.removeItem(atPath: root) }
}

struct ToolResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs a tool found on PATH with `input` on its standard input, its output in files under
/// `directory`; killed (and an error thrown) if it outlives `timeout`.
func runTool(_ arguments: [String], input: String = "", in directory: String, timeout: TimeInterval) throws -> ToolResult {
    let stamp = UUID().uuidString.prefix(8)
    let paths = ["in", "out", "err"].map { "\(directory)/tool-\(stamp).\($0)" }
    defer { for path in paths { try? FileManager.default.removeItem(atPath: path) } }
    _ = FileManager.default.createFile(atPath: paths[0], contents: Data(input.utf8))
    _ = FileManager.default.createFile(atPath: paths[1], contents: nil)
    _ = FileManager.default.createFile(atPath: paths[2], contents: nil)
    let stdin = try FileHandle(forReadingFrom: URL(fileURLWithPath: paths[0]))
    let stdout = try FileHandle(forWritingTo: URL(fileURLWithPath: paths[1]))
    let stderr = try FileHandle(forWritingTo: URL(fileURLWithPath: paths[2]))
    defer { for handle in [stdin, stdout, stderr] { try? handle.close() } }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw TestFailure("\(arguments.prefix(3).joined(separator: " ")) … still running after \(Int(timeout)) s; killed")
    }
    process.waitUntilExit()
    let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
    return ToolResult(status: process.terminationStatus, stdout: read(paths[1]), stderr: read(paths[2]))
}

/// Writes all of `bytes` to a socket; false if the peer went away first.
func sendAll(_ socket: Int32, _ bytes: [UInt8]) -> Bool {
    var sent = 0
    while sent < bytes.count {
        let count = bytes[sent...].withUnsafeBytes { Foundation.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard count > 0 else { return false }
        sent += count
    }
    return true
}

extension RESPClient {
    /// Sends every command at once, then reads as many replies.
    func pipeline(_ commands: [[String]], chunk: Int = 256) throws -> [RESPValue] {
        var replies: [RESPValue] = []
        replies.reserveCapacity(commands.count)
        var start = 0
        while start < commands.count {
            let batch = commands[start..<min(start + chunk, commands.count)]
            try sendRaw(batch.flatMap { RESPClient.encode($0) })
            for _ in batch { replies.append(try read()) }
            start += batch.count
        }
        return replies
    }

    /// `log_head_seq` from INFO persistence.
    func logHead() throws -> Int? {
        guard case .bulk(let text?) = try call("INFO", "persistence") else { return nil }
        // Split on newlines: "\r\n" is one Character in Swift, so not on "\r" and "\n" apart.
        for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix("log_head_seq:") {
            return Int(line.dropFirst("log_head_seq:".count))
        }
        return nil
    }
}

extension RESPValue {
    /// The value of `key` in a record reply (RESP2 flat array or RESP3 map), nested values kept.
    func value(of key: String) -> RESPValue? {
        let items: [RESPValue]
        switch self {
        case .array(let list?): items = list
        case .map(let list): items = list
        default: return nil
        }
        var index = 0
        while index + 1 < items.count {
            if items[index] == .bulk(key) { return items[index + 1] }
            index += 2
        }
        return nil
    }
}
