// Opening a data directory reads its head and its views, never the log from the first record:
// a node over years of history opens in the time it takes to read what deciding needs.

@testable import Engine
import Events
import Foundation
import Projections
import Testing

@Suite("Opening a store over a long log")
struct OpeningTests {
    /// Records `1...count` written straight through the engine's one path into `directory`:
    /// an office, then refused bookings (cheap to decide, each a record like any other).
    static func writeLog(_ directory: String, count: Int) throws -> (sequence: UInt64, hash: ChainHash) {
        let environment = try Environment(directory: directory, mapBytes: 1 << 30)
        defer { environment.close() }
        var core = EngineCore()
        var values: [UInt8] = []
        var spans: [(sequence: UInt64, start: Int, end: Int)] = []
        func flush() throws {
            try environment.appendLog(values, spans: spans)
            values.removeAll(keepingCapacity: true)
            spans.removeAll(keepingCapacity: true)
        }
        let refused = Command.book(BookRequest(office: "TS-Q", service: "fotosegnalamento", pratica: "P-NONE"))
        for index in 0..<count {
            let record = core.decide(index == 0 ? .configureOffice(testOffice()) : refused, actor: sui, now: pilotMorning)
            spans.append((record.sequence, values.count, values.count + core.sealed.bytes.count))
            values.append(contentsOf: core.sealed.bytes)
            core.discardChanges()
            if spans.count == 50_000 { try flush() }
        }
        try flush()
        try environment.replaceViews(core.views)
        return (core.views.headSequence, core.views.headHash)
    }

    @Test("a store over a million records opens reading one log record (the last), and its views are the log's")
    func opensWithoutRefolding() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let records = ProcessInfo.processInfo.environment["AGENDA_OPEN_RECORDS"].flatMap { Int($0) } ?? 1_000_000
        let head = try Self.writeLog(directory, count: records)
        #expect(head.sequence == UInt64(records))
        let store = try Store(directory: directory, clock: { pilotMorning })
        defer { store.close() }
        // The last record (its decision time, so time never goes back) and nothing else.
        #expect(store.environment.reads.logEntriesRead == 1, "opening read \(store.environment.reads.logEntriesRead) log entries")
        #expect(try store.head() == head)
        // And it decides on from there.
        let next = try store.execute(book(0), actor: sui)
        #expect(next.record.sequence == UInt64(records) + 1 && next.record.previousHash == head.hash)
    }
}
