import Engine
import Foundation
import Logging
import NIOConcurrencyHelpers

/// The store failing under the protocol (a full disk, LMDB's map full, a damaged directory):
/// each client gets `-INTERNAL` for its command, and this puts the failure in the node's own log
/// for the operator, at error level, once per distinct cause with a count. A cause is logged the
/// first time it happens, and again at its 10th, 100th, 1,000th … time, so a disk full for an
/// afternoon (4,850 refused commands) makes four lines, not 4,850, and still shows it went on.
/// INFO's Persistence section and `agenda_store_failures_total{kind}` carry the totals.
///
/// Where a `StoreError` reaches the protocol (Call.submit's and Call.query's failure branches),
/// one call: `node.commitFailures.record(error)`. It ignores the errors that are not failures
/// of the store (busy, closed, a refused or malformed command).
final class CommitFailureLog: Sendable {
    struct Cause: Sendable {
        var count = 0
    }

    struct Summary: Sendable {
        /// Every failure since the node started.
        var total = 0
        var causes: [String: Cause] = [:]
        var last: (cause: String, at: Date)?
    }

    /// Distinct causes remembered; the sentences come from LMDB and the store, a handful in
    /// practice, and past this many the rest are counted together so the table cannot grow.
    static let causesMax = 64
    static let otherCauses = "other causes (more than \(causesMax) distinct ones)"

    private let logger: Logger
    private let metrics: NodeMetrics
    private let state = NIOLockedValueBox(Summary())

    init(logger: Logger, metrics: NodeMetrics) {
        self.logger = logger
        self.metrics = metrics
    }

    /// From any thread: one command's failure.
    func record(_ error: StoreError, at now: Date = Date()) {
        let kind: String
        switch error {
        case .lmdb: kind = "lmdb"
        case .corrupt: kind = "corrupt"
        case .cannotOpen: kind = "cannot-open"
        // Not a cause of its own: the failed commit before it was counted.
        case .busy, .invalid, .overLimit, .refused, .closed, .notCommitted: return
        }
        metrics.storeFailed(kind)
        let (cause, count, total) = state.withLockedValue { summary -> (String, Int, Int) in
            var cause = error.description
            if summary.causes[cause] == nil, summary.causes.count >= Self.causesMax { cause = Self.otherCauses }
            summary.total += 1
            summary.causes[cause, default: Cause()].count += 1
            summary.last = (cause, now)
            return (cause, summary.causes[cause]?.count ?? 0, summary.total)
        }
        guard Self.isPowerOfTen(count) else { return }
        logger.error("the store failed; clients get -INTERNAL and nothing is recorded", metadata: [
            "cause": "\(cause)", "kind": "\(kind)", "count": "\(count)", "failuresTotal": "\(total)",
            "next": "logged again at \(count * 10) of this cause; docs/engine.md, When the disk is full"])
    }

    var summary: Summary { state.withLockedValue { $0 } }

    static func isPowerOfTen(_ count: Int) -> Bool {
        var rest = count
        while rest >= 10, rest % 10 == 0 { rest /= 10 }
        return rest == 1
    }
}
