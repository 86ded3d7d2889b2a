import CLMDB
import Events
import Foundation
import Projections

// What `replay whatif` needs to write its scratch data directory: records it sealed itself
// appended to a log `writeRebuilt` started, then the views written whole. Never a live node's
// directory: `whatif` makes a fresh one under the temporary directory.
extension Environment {
    /// Appends sealed record values (as `RecordCodec.seal` wrote them) under their sequence
    /// numbers, in one write transaction. The caller keeps them in order and linked.
    public func appendLog(_ values: [UInt8], spans: [(sequence: UInt64, start: Int, end: Int)]) throws {
        try growingWhenFull { try appendLogOnce(values, spans: spans) }
    }

    private func appendLogOnce(_ values: [UInt8], spans: [(sequence: UInt64, start: Int, end: Int)]) throws {
        try writeTransaction { txn in
            try values.withUnsafeBytes { bytes in
                for span in spans {
                    var key = span.sequence.bigEndian
                    try withUnsafeMutableBytes(of: &key) { keyBytes in
                        try put(txn, "log", UnsafeRawBufferPointer(keyBytes),
                                UnsafeRawBufferPointer(rebasing: bytes[span.start..<span.end]), flags: UInt32(MDB_APPEND))
                    }
                }
            }
        }
    }

    /// Replaces every view database with `views`, and the head with theirs: after `appendLog`,
    /// the directory opens like any other (a node, `replay audit`, `replay rebuild`).
    public func replaceViews(_ views: Views) throws {
        try growingWhenFull { try replaceViewsOnce(views) }
    }

    /// Runs `body` (one write transaction) again after growing the map, until it fits.
    private func growingWhenFull(_ body: () throws -> Void) throws {
        while true {
            do {
                try body()
                return
            } catch let error as LMDBError where error.isMapFull {
                grow()
            }
        }
    }

    private func replaceViewsOnce(_ views: Views) throws {
        try writeTransaction { txn in try writeWholeViews(views, txn) }
    }
}
