import Crypto
import Foundation
import Testing

/// The outbox through the real executable (issue 16): a webhook receiver on loopback gets every
/// event of its office once per idempotency key, signed, across a receiver that is down for a
/// while and a node killed with SIGKILL and restarted.
@Suite("The outbox's webhooks through agenda-node", .serialized)
struct OutboxProcessTests {
    static let receiverScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("webhook_receiver.py").path
    static let secret = "s3cret-for-the-webhook-test"
    static let sinkScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("MailTests/smtp_sink.py").path

    /// A Python script that prints "ready PORT" and serves until SIGTERM.
    final class Helper {
        let process = Process()
        let input = Pipe()
        let port: Int
        init(_ arguments: [String], log: String) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3"] + arguments
            let output = Pipe()
            process.standardOutput = output
            // The SMTP sink stops when its stdin ends: this end stays open as long as the helper.
            process.standardInput = input
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            try process.run()
            var line = Data()
            let handle = output.fileHandleForReading
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                line.append(chunk)
            }
            let text = String(decoding: line, as: UTF8.self)
            guard text.hasPrefix("ready "), let port = Int(text.dropFirst(6).trimmingCharacters(in: .whitespacesAndNewlines)) else {
                process.terminate()
                throw TestFailure("\(arguments[0]) did not start: \(text) \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            }
            self.port = port
        }
        /// SIGTERM, then SIGKILL if it has not gone within five seconds.
        func stop() {
            guard process.isRunning else { return }
            process.terminate()
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            killHard()
        }
        func killHard() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        deinit { stop() }
    }

    struct Received {
        let key: String
        let timestamp: String
        let signature: String
        let body: String
    }

    static func received(_ directory: String) -> [Received] {
        guard let text = try? String(contentsOfFile: directory + "/received.jsonl", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let key = object["key"] as? String, let timestamp = object["timestamp"] as? String,
                  let signature = object["signature"] as? String, let body = object["body"] as? String else { return nil }
            return Received(key: key, timestamp: timestamp, signature: signature, body: body)
        }
    }

    static func book(_ node: NodeProcess, _ numbers: Range<Int>) throws -> Int {
        let sui = try node.client(account: "sui.roma")
        let replies = try sui.pipeline(numbers.map { ["BOOK", NodeProcessTests.office, NodeProcessTests.service,
                                                      NodeProcessTests.pratica($0)] })
        return replies.filter { $0.fields["appointment"] != nil }.count
    }

    @Test("every event of the office reaches the receiver once per key, signed, across a receiver down and a SIGKILL")
    func webhooksAcrossAKill() throws {
        let scratch = try Scratch("outbox-webhooks")
        defer { scratch.remove() }
        let inbox = scratch.path("inbox")
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        // Down for its first three requests: the first deliveries are retried after a backoff.
        let receiver = try Helper([Self.receiverScript, inbox, "--fail-first", "3"], log: scratch.path("receiver.log"))
        defer { receiver.stop() }

        let first = try NodeProcess(data: scratch.data, log: scratch.path("node-1.log"),
                                    extra: ["--demo", "--demo-pratiche", "200"])
        defer { first.killHard() }
        let admin = try first.client(account: "admin")
        let added = try admin.call("WEBHOOK", "ADD", "asti-crm", "http://127.0.0.1:\(receiver.port)/agenda",
                                   "OFFICE", NodeProcessTests.office, "SECRET", Self.secret)
        let addedSeq = try #require(added.fields["seq"].flatMap { UInt64($0) }, "WEBHOOK ADD answered \(added)")
        #expect(try admin.call("WEBHOOK", "ADD", "asti-crm", "http://127.0.0.1:1/x", "OFFICE", NodeProcessTests.office,
                               "SECRET", "another-secret-of-16").errorCode == "CONFLICT")
        #expect(try first.client(account: "sui.roma").call("WEBHOOK", "ADD", "mine", "http://127.0.0.1:1/x", "OFFICE",
                                                           NodeProcessTests.office, "SECRET", Self.secret).errorCode == "NOPERM")
        #expect(try admin.call("WEBHOOK", "LIST").list.first?.fields["webhook"] == "asti-crm")
        let bookedFirst = try Self.book(first, 1..<41)
        #expect(bookedFirst == 40)
        // Killed once some deliveries went out, with others still due.
        let deadline = Date().addingTimeInterval(60)
        while Self.received(inbox).count < 5 && Date() < deadline { usleep(50_000) }
        kill(first.pid, SIGKILL)
        #expect(first.waitForExit(timeout: 30))
        let beforeKill = Set(Self.received(inbox).map(\.key)).count

        let second = try NodeProcess(data: scratch.data, log: scratch.path("node-2.log"), extra: [])
        defer { second.killHard() }
        #expect(try Self.book(second, 41..<61) == 20)

        // Every accepted record with an event at the office, after the webhook was added.
        let dump = try runTool([replayPath, "dump", "--data", scratch.data], in: scratch.root, timeout: 120)
        var expected: Set<String> = []
        for line in dump.stdout.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let sequence = (object["sequence"] as? NSNumber)?.uint64Value, sequence > addedSeq,
                  let outcome = object["outcome"] as? [String: Any], outcome["type"] as? String == "accepted",
                  let events = outcome["events"] as? [[String: Any]],
                  events.contains(where: { $0["office"] as? String == NodeProcessTests.office }) else { continue }
            expected.insert(String(repeating: "0", count: 20 - String(sequence).count) + "\(sequence)-webhook-asti-crm")
        }
        #expect(expected.count >= 60, "60 bookings at the office, at least")
        let allDeadline = Date().addingTimeInterval(120)
        while Set(Self.received(inbox).map(\.key)) != expected && Date() < allDeadline { usleep(100_000) }

        let received = Self.received(inbox)
        let keys = Set(received.map(\.key))
        #expect(keys == expected, "missing \(expected.subtracting(keys).sorted().prefix(5)), unexpected \(keys.subtracting(expected).sorted().prefix(5))")
        #expect(beforeKill < expected.count, "the kill came with deliveries still due (\(beforeKill) of \(expected.count))")
        // Every delivery is signed with the secret over the timestamp and the body, and says which record it is.
        for delivery in received {
            let mac = HMAC<SHA256>.authenticationCode(for: Array((delivery.timestamp + "." + delivery.body).utf8),
                                                      using: SymmetricKey(data: Array(Self.secret.utf8)))
            #expect(delivery.signature == "sha256=" + mac.map { String(format: "%02x", $0) }.joined(), "\(delivery.key)")
            let body = try JSONSerialization.jsonObject(with: Data(delivery.body.utf8)) as? [String: Any]
            #expect(body?["idempotencyKey"] as? String == delivery.key)
            #expect((body?["sequence"] as? NSNumber).map { String(repeating: "0", count: 20 - "\($0)".count) + "\($0)" }
                        == String(delivery.key.prefix(20)))
        }
        // What was sent is on record: OUTBOX lists every entry as sent, the first ones after retries.
        let audit = try second.client(account: "audit")
        var entries: [[String: String]] = []
        let sentDeadline = Date().addingTimeInterval(30)
        repeat {
            entries = try audit.call("OUTBOX", "KIND", "webhook", "LIMIT", "1000").list.map(\.fields)
            if entries.allSatisfy({ $0["state"] == "sent" }) { break }
            usleep(100_000)
        } while Date() < sentDeadline
        #expect(Set(entries.compactMap { $0["key"] }) == expected)
        #expect(entries.allSatisfy { $0["state"] == "sent" && $0["lastReply"]?.hasPrefix("HTTP 200") == true })
        #expect(entries.contains { Int($0["attempts"] ?? "") ?? 0 > 1 }, "the receiver's 503s were retried")
        // The same facts from the command line, beside the running node.
        let listed = try runTool([NodeProcessTests.nodePath, "outbox", "list", "--data", scratch.data, "--kind", "webhook",
                                  "--limit", "1000", "--json"], in: scratch.root, timeout: 60)
        let lines = listed.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(listed.status == 0 && Set(lines.compactMap { $0["key"] as? String }) == expected, "\(listed.stderr)")
        #expect(lines.allSatisfy { $0["state"] as? String == "sent" })
        let wrong = try runTool([NodeProcessTests.nodePath, "outbox", "list", "--data", scratch.data, "--kind", "fax"],
                                in: scratch.root, timeout: 60)
        #expect(wrong.status != 0 && wrong.stderr.contains("KIND is webhook or daylist"), "\(wrong.stderr)")
        let info = try audit.call("INFO", "outbox")
        #expect(info.description.contains("outbox_sent:\(expected.count)"), "\(info)")
    }

    /// A received message as Python's `email` package reads it.
    static func parsed(_ path: String, _ scratch: Scratch) throws -> [String: Any] {
        let script = """
            import email, email.policy, json, sys
            m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
            parts = [{"filename": p.get_filename(), "type": p.get_content_type(),
                      "text": p.get_content() if p.get_content_maintype() == 'text' else None}
                     for p in m.walk() if not p.is_multipart()]
            print(json.dumps({"messageID": m["Message-ID"], "subject": str(m["Subject"]), "to": str(m["To"]),
                              "key": m["X-Agenda-Idempotency-Key"], "parts": parts}))
            """
        let result = try runTool(["python3", "-c", script, path], in: scratch.root, timeout: 60)
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                            "python could not read \(path): \(result.stderr)")
    }

    static func messages(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
            .map { directory + "/" + $0 }
    }

    @Test("the day's lists reach the SMTP server with their appointments attached; stopped mid-delivery, exactly the missing ones arrive after it restarts")
    func dayListsAcrossARelayStop() throws {
        let scratch = try Scratch("outbox-mail")
        defer { scratch.remove() }
        let mailbox = scratch.path("mailbox")
        try FileManager.default.createDirectory(atPath: mailbox, withIntermediateDirectories: true)
        let sink = try Helper([Self.sinkScript, mailbox, "--delay-data", "1"], log: scratch.path("sink-1.log"))
        defer { sink.stop() }
        let node = try NodeProcess(data: scratch.data, log: scratch.path("node.log"),
                                   extra: ["--demo", "--demo-pratiche", "50", "--smtp-host", "127.0.0.1",
                                           "--smtp-port", String(sink.port), "--smtp-tls", "none",
                                           "--mail-from", "agenda@node.test", "--day-list-at", "00:00"])
        defer { node.killHard() }
        let sui = try node.client(account: "sui.roma")
        var appointments: [String] = []
        for number in 1...5 {
            let reply = try sui.call("BOOK", NodeProcessTests.office, NodeProcessTests.service, NodeProcessTests.pratica(number))
            appointments.append(try #require(reply.fields["appointment"], "BOOK answered \(reply)"))
        }
        let admin = try node.client(account: "admin")
        #expect(try admin.call("MAILTO", "DEMO-Q", "not an address").errorCode == "SYNTAX")
        #expect(try node.client(account: "sui.roma").call("MAILTO", "DEMO-Q", "x@example.org").errorCode == "NOPERM")
        let offices = ["DEMO-Q": "questura.demo@example.org", "RM-Q": "immigrazione.rm@example.org",
                       "MI-Q": "immigrazione.mi@example.org"]
        for (office, address) in offices.sorted(by: { $0.key < $1.key }) {
            let reply = try admin.call("MAILTO", office, address)
            #expect(reply.errorCode == nil, "MAILTO \(office): \(reply)")
        }
        // The relay stops right after the first message, with the others still to go.
        let deadline = Date().addingTimeInterval(60)
        while Self.messages(mailbox).isEmpty && Date() < deadline { usleep(20_000) }
        // Half a second on: the first one's 250 went out, the next is in the sink's one-second DATA.
        usleep(500_000)
        sink.killHard()
        #expect(Self.messages(mailbox).count == 1, "one message before the stop")
        usleep(1_500_000)
        let restarted = try Helper([Self.sinkScript, mailbox, "--port", String(sink.port)], log: scratch.path("sink-2.log"))
        defer { restarted.stop() }
        let allDeadline = Date().addingTimeInterval(90)
        while Self.messages(mailbox).count < 3 && Date() < allDeadline { usleep(100_000) }
        usleep(3_000_000)  // and nothing more arrives

        let received = try Self.messages(mailbox).map { try Self.parsed($0, scratch) }
        #expect(received.count == 3, "\(received.map { $0["key"] ?? "" })")
        let keys = received.compactMap { $0["key"] as? String }
        #expect(Set(keys).count == 3, "no list twice: \(keys)")
        let audit = try node.client(account: "audit")
        let entries = try audit.call("OUTBOX", "KIND", "daylist").list.map(\.fields)
        #expect(Set(entries.compactMap { $0["key"] }) == Set(keys))
        #expect(entries.allSatisfy { $0["state"] == "sent" && $0["lastReply"]?.contains("queued as") == true }, "\(entries)")
        #expect(entries.contains { Int($0["attempts"] ?? "") ?? 0 > 1 }, "a list was retried after the stop")
        #expect(received.allSatisfy { ($0["messageID"] as? String) == "<\($0["key"] as? String ?? "")@" + (($0["messageID"] as? String)?.split(separator: "@").last.map(String.init) ?? "") })
        // The training office's: to its address, its five appointments in the CSV, the page as the body.
        let demo = try #require(received.first { ($0["to"] as? String)?.contains("questura.demo@example.org") == true })
        let parts = try #require(demo["parts"] as? [[String: Any]])
        let csv = try #require(parts.first { $0["type"] as? String == "text/csv" })
        #expect((csv["filename"] as? String)?.hasPrefix("appuntamenti-DEMO-Q-") == true)
        let csvText = csv["text"] as? String ?? ""
        for appointment in appointments { #expect(csvText.contains(appointment), "\(appointment) in the CSV") }
        #expect(csvText.contains("#signed-head,"), "the signed head at the bottom")
        let html = parts.first { $0["type"] as? String == "text/html" }?["text"] as? String ?? ""
        #expect(html.contains(appointments[0]) && html.contains("DEMO-Q"))
        #expect((demo["subject"] as? String)?.contains("DEMO-Q") == true)
    }
}
