import Engine
import Events
import Foundation
import Testing

/// docs/log-format.md is a public contract: `tools/verify_log.py` was written from that page
/// alone, with Python's LMDB binding. If it walks and decodes a log the engine wrote, and
/// agrees with the Swift decoder field by field, the page says enough.
@Suite("The published log format")
struct LogFormatTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func verifier(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.repository.appendingPathComponent("tools/verify_log.py").path] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("a verifier written only from docs/log-format.md decodes every record the engine wrote, as the engine does")
    func independentVerifierAgrees() throws {
        let probe = try verifier(["--help"])
        try #require(probe.status == 0, "python3 with the lmdb package is needed: make test installs it")
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = try Store(directory: directory, clock: { pilotMorning })
        var commands: [Command] = [.configureOffice(testOffice(capacity: 1, slotsPerDay: 2, horizonDays: 3))]
        commands += (0..<12).map { .registerPratica(applicant($0)) }
        commands += (0..<10).map { book($0) }  // the last ones find no room: recorded rejections
        commands += [
            .deferAppointment("A-0000E", to: .nextFree, reason: "asked"),
            .deferAppointment("A-0000F", to: .day(pilotMonday.adding(days: 2), at: nil), reason: "asked"),
            .cancel("A-0000G", reason: "left"), .cancel("A-0000G", reason: "again"),
            .permitReady(pratica(11)), .permitReady(pratica(11)),
            .book(BookRequest(office: "TS-Q", service: "consegna-permesso", pratica: pratica(11))),
            .pickup(pratica(11)), .pickup(pratica(11)),
            .closeDay(office: "TS-Q", day: pilotMonday.adding(days: 1), service: nil, reason: "sciopero"),
            .registerPratica(applicant(3)),
        ]
        _ = try store.executeAll(commands, actor: sui)
        var records: [Record] = []
        try store.read { txn in
            try txn.records { records.append($0); return true }
        }
        let head = try store.head()
        store.close()

        let summary = try verifier([directory])
        #expect(summary.status == 0)
        #expect(summary.output.contains("\(records.count) records, head \(head.sequence) \(head.hash), chain ok"))

        let lines = try verifier(["--json", directory]).output.split(separator: "\n")
        #expect(lines.count == records.count)
        var outcomeKinds: Set<String> = []
        for (line, record) in zip(lines, records) {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(json["sequence"] as? Int == Int(record.sequence))
            #expect(json["hash"] as? String == record.hash.description)
            #expect(json["previousHash"] as? String == record.previousHash.description)
            #expect((json["decidedAtMs"] as? NSNumber)?.int64Value == record.decidedAt.millisecondsSinceEpoch)
            #expect(json["operator"] as? String == record.actor.operator)
            #expect(json["body"] as? String == record.actor.body)
            #expect(json["requestID"] as? String == record.requestID)
            #expect((json["command"] as? [String: Any])?["type"] as? String == record.command.name)
            let outcome = try #require(json["outcome"] as? [String: Any])
            switch record.outcome {
            case .accepted(let events):
                #expect(outcome["type"] as? String == "accepted")
                #expect((outcome["events"] as? [Any])?.count == events.count)
                outcomeKinds.insert(events.isEmpty ? "no events" : "events")
            case .rejected(let rejection):
                #expect(outcome["type"] as? String == "rejected")
                #expect((outcome["rejection"] as? [String: Any])?["type"] as? String == rejection.rule)
                outcomeKinds.insert("rejected")
            }
        }
        #expect(outcomeKinds == ["events", "no events", "rejected"])

        // And it catches a changed byte, naming the record.
        try tamperWithLog(directory) { txn, dbi in
            var value = logValue(txn, dbi, 20)
            value[30] ^= 0x04
            putLogValue(txn, dbi, 20, value)
        }
        let tampered = try verifier([directory])
        #expect(tampered.status == 1)
    }
}
