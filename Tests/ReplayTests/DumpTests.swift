import Engine
import Events
import Foundation
import Projections
import Replay
import Testing

@Suite("replay dump and history: every field decoded, a pratica's whole story")
struct DumpTests {
    @Test("dump round-trips: every field in the JSON equals the decoded record")
    func dumpRoundTrips() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        workload.close()
        let records = try recordsOf(workload.directory)
        let lines = try dumpLines(workload.directory)
        #expect(lines.count == records.count)
        for (line, record) in zip(lines, records) {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            #expect(try RecordFromJSON.record(object) == record, "record \(record.sequence): \(line)")
        }
    }

    @Test("dump prints what tools/verify_log.py --json prints, field for field")
    func dumpAgreesWithTheIndependentVerifier() throws {
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import lmdb"]
        try python.run()
        python.waitUntilExit()
        guard python.terminationStatus == 0 else {
            // `make test` installs the binding; a bare `swift test` without it checks the rest.
            return
        }
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        workload.close()
        let verifier = Process()
        verifier.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        verifier.arguments = ["python3", projectRoot() + "/tools/verify_log.py", "--json", workload.directory]
        let output = Pipe()
        verifier.standardOutput = output
        verifier.standardError = FileHandle.nullDevice
        try verifier.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        verifier.waitUntilExit()
        #expect(verifier.terminationStatus == 0)
        let theirs = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        // The verifier holds no keys: dump compares as it prints a copy of the log without them
        // (sealed applicants' personal fields null).
        let keys = workload.directory + "/keys"
        try FileManager.default.moveItem(atPath: keys, toPath: keys + ".away")
        let ours = try dumpLines(workload.directory)
        try FileManager.default.moveItem(atPath: keys + ".away", toPath: keys)
        #expect(theirs.count == ours.count)
        for (their, our) in zip(theirs, ours) {
            let left = try JSONSerialization.jsonObject(with: Data(their.utf8)) as? NSDictionary
            let right = try JSONSerialization.jsonObject(with: Data(our.utf8)) as? NSDictionary
            #expect(left == right, "verify_log: \(their)\nreplay:     \(our)")
        }
    }

    @Test("dump selects a sequence range, an office, a pratica")
    func dumpFilters() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        workload.close()
        let range = try dumpLines(workload.directory, .init(fromSequence: 10, toSequence: 12))
        #expect(try range.map { try sequence(of: $0) } == [10, 11, 12])
        let office = try dumpLines(workload.directory, .init(office: "TS-P"))
        #expect(office.count == 1)
        let records = try recordsOf(workload.directory)
        let aboutPratica0 = try dumpLines(workload.directory, .init(pratica: pratica(0)))
        // Its registration, the refused second one, two bookings, a refused booking, the defer and
        // the permit's two records — the defer names only the appointment.
        let expected = records.filter { record in
            var filter = RecordFilter(pratica: pratica(0))
            return records.prefix(Int(record.sequence)).map { filter.matches($0) }.last ?? false
        }.map(\.sequence)
        #expect(try aboutPratica0.map { try sequence(of: $0) } == expected)
        #expect(try aboutPratica0.contains { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return (object?["command"] as? [String: Any])?["type"] as? String == "defer"
        })
    }

    @Test("history tells a pratica's story in order: registered, booked, deferred, permit, pickup")
    func historyOfAPratica() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        workload.close()
        let data = try DataDirectory(workload.directory)
        defer { data.close() }
        let entries = try History.entries(data, pratica: pratica(0))
        let commands = entries.map(\.record.command.name)
        #expect(commands == ["register-pratica", "register-pratica", "book", "book", "defer", "permit-ready", "book",
                             "pickup"])
        #expect(entries.map(\.record.sequence) == entries.map(\.record.sequence).sorted())
        #expect(entries[1].outcome.hasPrefix("rejected (pratica-already-registered)"))
        #expect(entries[4].who == "sui.roma@RM-S")
        let table = History.table(pratica: pratica(0), entries)
        #expect(table.split(separator: "\n").count == entries.count + 2)
        #expect(table.contains("permit of P-TS-2008-0 delivered"))
        let json = History.json(pratica: pratica(0), entries).text
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect((object?["entries"] as? [Any])?.count == entries.count)
        #expect(try History.entries(data, pratica: "P-NOBODY").isEmpty)
    }
}

func dumpLines(_ directory: String, _ options: Dump.Options = Dump.Options()) throws -> [String] {
    let data = try DataDirectory(directory)
    defer { data.close() }
    var bytes: [UInt8] = []
    try Dump.run(data, options) { bytes.append(contentsOf: $0) }
    return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
}

func sequence(of line: String) throws -> UInt64 {
    let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    return (object?["sequence"] as? NSNumber)?.uint64Value ?? 0
}

func projectRoot(_ file: String = #filePath) -> String {
    URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}
