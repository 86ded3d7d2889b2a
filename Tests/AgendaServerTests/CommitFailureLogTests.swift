@testable import AgendaServer
@testable import Engine
import Foundation
import Logging
import Testing

/// The node's own log when the store fails: once per distinct cause, with a count.
@Suite("Store failures in the node's log: error level, once per cause, counted", .serialized)
struct CommitFailureLogTests {
    /// ENOSPC, as LMDB returns it from a commit on a full disk.
    static let diskFull = StoreError.lmdb(LMDBError(code: 28, operation: "commit"))

    @Test("4,850 failures of one cause make four error lines, at 1, 10, 100 and 1,000, each with its count")
    func oneCause() {
        let captured = CapturedLog()
        let log = CommitFailureLog(logger: captured.logger, metrics: NodeMetrics())
        for _ in 0..<4_850 { log.record(Self.diskFull) }
        let lines = captured.entries
        #expect(lines.map(\.level) == Array(repeating: .error, count: 4))
        #expect(lines.map { $0.metadata["count"] } == ["1", "10", "100", "1000"])
        #expect(lines.allSatisfy { $0.metadata["cause"]?.contains("No space left on device") == true }, "\(lines)")
        let summary = log.summary
        #expect(summary.total == 4_850 && summary.causes.count == 1)
        #expect(summary.last?.cause.contains("No space left on device") == true)
    }

    @Test("each distinct cause is logged the first time it comes; refusals and a busy writer are not failures")
    func distinctCauses() {
        let captured = CapturedLog()
        let log = CommitFailureLog(logger: captured.logger, metrics: NodeMetrics())
        log.record(Self.diskFull)
        log.record(.corrupt("record 12 does not link"))
        log.record(Self.diskFull)
        for ignored: StoreError in [.busy, .closed, .invalid("x"), .overLimit("y"), .refused(code: "NOPERM", message: "z")] {
            log.record(ignored)
        }
        #expect(captured.entries.count == 2)
        #expect(captured.entries.last?.metadata["kind"] == "corrupt")
        #expect(log.summary.total == 3 && log.summary.causes.count == 2)
    }

    @Test("past causesMax distinct causes, the rest are counted together")
    func boundedCauses() {
        let log = CommitFailureLog(logger: CapturedLog().logger, metrics: NodeMetrics())
        for number in 0..<(CommitFailureLog.causesMax + 10) { log.record(.corrupt("record \(number)")) }
        #expect(log.summary.causes.count == CommitFailureLog.causesMax + 1)
        #expect(log.summary.causes[CommitFailureLog.otherCauses]?.count == 10)
    }

    @Test("INFO persistence, after AUTH, shows the failures' total and the last cause")
    func info() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        for _ in 0..<3 { node.context.commitFailures.record(Self.diskFull) }
        guard case .bulk(let text?) = try node.client("audit").call("INFO", "persistence") else {
            throw TestFailure("INFO persistence is not a bulk string")
        }
        #expect(text.contains("store_failures:3\r\n") && text.contains("store_failure_causes:1\r\n"), "\(text)")
        #expect(text.contains("last_store_failure:LMDB commit: No space left on device"), "\(text)")
    }
}

/// A logger whose entries a test reads back. `@unchecked Sendable`: the entries are behind a lock.
final class CapturedLog: @unchecked Sendable {
    struct Entry: Sendable, CustomStringConvertible {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
        var description: String { "\(level) \(message) \(metadata)" }
    }

    private let lock = NSLock()
    private var captured: [Entry] = []
    var entries: [Entry] { lock.withLock { captured } }

    var logger: Logger { Logger(label: "captured") { _ in Handler(log: self) } }

    func append(_ entry: Entry) { lock.withLock { captured.append(entry) } }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let flat = (event.metadata ?? [:]).mapValues { "\($0)" }
            log.append(Entry(level: event.level, message: "\(event.message)", metadata: flat))
        }
    }
}
