import Foundation
import Testing

/// The real `agenda-node` where a careless operator or a hostile client found it wanting: a
/// SIGTERM right after it listens, a working directory outside the project, a client that
/// never reads, redis-cli's QUIT, and the docs' REGISTER typed as they show it.
@Suite("agenda-node as a process: signals, fixtures, unread replies, QUIT", .serialized)
struct NodeProcessHardeningTests {
    @Test("SIGTERM the moment the node says it listens stops it in order: exit 0, the store closed")
    func sigtermRightAfterListening() throws {
        let scratch = try Scratch("early-term")
        defer { scratch.remove() }
        // Enough demo pratiche that the banner after listening takes a while to read.
        let node = try NodeProcess(data: scratch.data, log: scratch.path("node.log"),
                                   extra: ["--demo", "--demo-pratiche", "20000"], waitForPing: false)
        defer { node.killHard() }
        kill(node.pid, SIGTERM)
        #expect(node.waitForExit(timeout: 60), "still running a minute after SIGTERM:\n\(node.logTail)")
        #expect(node.terminationReason == .exit && node.terminationStatus == 0,
                "terminated by \(node.terminationReason == .uncaughtSignal ? "signal" : "exit") \(node.terminationStatus):\n\(node.logTail)")
        #expect(node.log.contains("stopped; the store is closed"), "no orderly stop in the log:\n\(node.logTail)")
    }

    @Test("started in a directory outside the project, without --fixtures, the node seeds from its own fixtures")
    func runsOutsideTheProject() throws {
        let scratch = try Scratch("elsewhere")
        defer { scratch.remove() }
        let node = try NodeProcess(data: scratch.data, log: scratch.path("node.log"), extra: ["--demo", "--demo-pratiche", "10"],
                                   fixtures: nil, workingDirectory: scratch.root)
        defer { node.killHard() }
        let office = try node.client(account: "audit").call("OFFICE", "RM-Q")
        #expect(office.fields["office"] == "RM-Q", "OFFICE RM-Q: \(office)\n\(node.logTail)")
    }

    @Test("a client pipelining large replies without reading: the node's memory stays bounded and another connection's PING is answered")
    func unreadRepliesBoundMemory() throws {
        let (scratch, node) = try Self.smallDemo("unread")
        defer {
            node.killHard()
            scratch.remove()
        }
        // Its INFO waits behind the flooder's requests in the writer: slow in a debug build beside other tests.
        let audit = try RESPClient(port: node.port, timeoutSeconds: 300)
        #expect(try audit.call("AUTH", "audit", "demo") == .simple("OK"))
        let capacity = ["CAPACITY", NodeProcessTests.office, NodeProcessTests.service, Self.day(offset: 1), Self.day(offset: 200)]
        #expect(try audit.call(capacity).list.count == 200)
        let before = try #require(Self.anonymousKilobytes(node.pid))

        // 50,000 replies of 17 KB: 850 MB if the node made them all for a client that never reads.
        let requests = 50_000
        let flooder = try RESPClient(port: node.port, receiveBufferBytes: 4_096, sendBufferBytes: 4_096)
        #expect(try flooder.call("AUTH", "audit", "demo") == .simple("OK"))
        let request = RESPClient.encode(capacity)
        let sent = flooder.sendUntilStalled(Array(repeating: request, count: requests).flatMap { $0 })
        #expect(sent < requests * request.count, "the node read every request of a client that reads nothing")

        let step = { (name: String, body: () throws -> Bool) in
            let started = Date()
            do {
                #expect(try body(), "\(name)")
            } catch {
                Issue.record("\(name): \(error) after \(Int(Date().timeIntervalSince(started))) s; log:\n\(node.logTail)")
            }
        }
        step("another connection's PING") { try node.client().call("PING") == .simple("PONG") }
        // INFO goes through the writer: answered once the flooder's requests in flight are done.
        step("INFO behind the flood") { try audit.logHead() != nil }
        // The replies in flight are still being encoded after INFO: watch the heap a while longer.
        var peak = 0
        for _ in 0..<50 {
            peak = max(peak, Self.anonymousKilobytes(node.pid) ?? 0)
            usleep(200_000)
        }
        #expect(peak - before < 200_000, "RssAnon grew from \(before) kB to \(peak) kB")
        step("PING once the flood is in") { try node.client().call("PING") == .simple("PONG") }
    }

    @Test("redis-cli QUIT gets OK and redis-cli exits, in RESP2 and RESP3",
          .enabled(if: NodeProcessTests.redisCLIAvailable, "redis-cli is not installed (make test installs redis-tools)"))
    func redisCLIQuit() throws {
        let (scratch, node) = try Self.smallDemo("quit")
        defer {
            node.killHard()
            scratch.remove()
        }
        for version in [["-2"], ["-3"]] {
            let result = try runTool(["redis-cli"] + version + ["-p", String(node.port), "QUIT"], in: scratch.root, timeout: 10)
            #expect(result.status == 0 && result.stdout == "OK\n", "redis-cli \(version) QUIT: \(result.status) \(result.stdout) \(result.stderr)")
        }
    }

    @Test("the docs' REGISTER with D'Angelo works typed inline as shown, and in redis-cli with the quotes it needs",
          .enabled(if: NodeProcessTests.redisCLIAvailable, "redis-cli is not installed (make test installs redis-tools)"))
    func registerAsDocumented() throws {
        let (scratch, node) = try Self.smallDemo("register")
        defer {
            node.killHard()
            scratch.remove()
        }
        let inline = try node.client()
        try inline.sendRaw(Array(("AUTH comune.roma demo\r\n"
            + "REGISTER P-AT-2009-900001 ITA9000001 D'Angelo \"Anna Maria\" 1984-02-29 MAR AT-S\r\n").utf8))
        #expect(try inline.read() == .simple("OK"))
        let registered = try inline.read()
        #expect(registered.fields["applicant"] == "D'Angelo Anna Maria", "\(registered)")

        let typed = try runTool(["redis-cli", "-p", String(node.port)],
                                input: "AUTH comune.roma demo\n"
                                    + "REGISTER P-AT-2009-900001 ITA9000001 \"D'Angelo\" \"Anna Maria\" 1984-02-29 MAR AT-S\n",
                                in: scratch.root, timeout: 30)
        #expect(typed.status == 0 && typed.stdout.contains("existing\n1"), "\(typed.stdout) \(typed.stderr)")
    }

    /// A demo node with ten pratiche on a fresh directory.
    static func smallDemo(_ name: String) throws -> (Scratch, NodeProcess) {
        let scratch = try Scratch(name)
        do {
            return (scratch, try NodeProcess(data: scratch.data, log: scratch.path("node.log"),
                                             extra: ["--demo", "--demo-pratiche", "10"]))
        } catch {
            scratch.remove()
            throw error
        }
    }

    /// `YYYY-MM-DD`, `offset` days from today in Rome.
    static func day(offset: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Rome") ?? .current
        let date = calendar.date(byAdding: .day, value: offset, to: Date()) ?? Date()
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// RssAnon from /proc/PID/status, in kB: the heap the node holds, not its mapped files (LMDB's map).
    static func anonymousKilobytes(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("RssAnon:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "")
        }
        return nil
    }
}
