// Long reads renew their snapshot (issue 13): rebuild, audit, dump and as-of read the log in
// windows of read transactions, and find exactly what one snapshot finds; a node writing beside
// a long read reuses the pages it frees, where one held snapshot makes its file grow.

@testable import Engine
import Events
import Foundation
import Projections
@testable import Replay
import Testing

@Suite("Long reads renew their snapshot")
struct ReadWindowTests {
    @Test("audit, rebuild and dump read in windows of a few records and report exactly what one snapshot reports")
    func windowsChangeNothing() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        workload.store.close()
        let whole = try DataDirectory(workload.directory, readWindowRecords: Int.max)
        defer { whole.close() }
        let windowed = try DataDirectory(workload.directory, readWindowRecords: 7)
        defer { windowed.close() }
        let records = try whole.recordCount()
        try #require(records > 50, "the workload writes a log of some length")

        let auditWhole = try Audit.run(whole)
        let auditWindowed = try Audit.run(windowed, options: Audit.Options(readWindowRecords: 7))
        #expect(auditWhole.ok && auditWindowed.ok)
        #expect(auditWindowed.records == auditWhole.records && auditWindowed.head == auditWhole.head
                    && auditWindowed.redecided == auditWhole.redecided)

        let rebuiltWhole = try Rebuild.run(whole)
        let rebuiltWindowed = try Rebuild.run(windowed)
        #expect(rebuiltWhole.equal && rebuiltWindowed.equal)
        #expect(rebuiltWindowed.head == rebuiltWhole.head)

        var sequences: [UInt64] = []
        try windowed.decodedRecords(from: 3) { chunk in
            sequences += chunk.map(\.sequence)
            return true
        }
        #expect(sequences == Array(3...records))
        // The windowed reads began a transaction per window: an audit's, a rebuild's fold and
        // this dump's, each about records / 7.
        #expect(windowed.environment.reads.readTransactions >= 3 * Int(records) / 7)
    }

    @Test("a node writing beside a long read grows its file when the read holds one snapshot, and not when it renews it")
    func longReadsDoNotPinTheWriter() throws {
        let pratiche = 300
        // One fresh store per way of reading; the log is read while the node books and cancels:
        // each commit rewrites days, agenda and appointments, freeing the pages it replaced.
        func growth(window: Int) throws -> Int {
            let directory = temporaryDirectory("readWindow\(window)")
            defer { removeDirectory(directory) }
            let store = try Store(directory: directory,
                                  clock: { Instant(romeDay: pilotMonday, time: LocalTime(hour: 8, minute: 0)!) })
            defer { store.close() }
            _ = try store.executeAll([.configureOffice(testOffice(capacity: 50, horizonDays: 60))]
                                     + (0..<pratiche).map { .registerPratica(applicant($0)) }, actor: .system)
            let file = directory + "/data.mdb"
            func size() throws -> Int {
                (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue ?? 0
            }
            let before = try size()
            var visited = 0
            try store.environment.scanInWindows("log", window: window) { _, _ in
                visited += 1
                if visited <= pratiche {
                    let booked = try store.execute(book(visited - 1), actor: sui)
                    if case .appointmentBooked(let event)? = booked.record.outcome.events.first {
                        _ = try store.execute(.cancel(event.appointment, reason: "churn"), actor: sui)
                    }
                }
                return true
            }
            #expect(visited == pratiche + 1, "the read saw the log as it was when it began")
            return try size() - before
        }
        let pinned = try growth(window: Int.max)
        let renewed = try growth(window: 10)
        print("read windows: beside one snapshot the file grew by \(pinned) bytes, beside windows of 10 records by \(renewed)")
        #expect(renewed * 2 < pinned, "the file grew by \(renewed) bytes beside windowed reads, \(pinned) beside one snapshot")
    }
}
