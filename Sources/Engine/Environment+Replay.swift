import CLMDB
import Events
import Foundation
import Projections

// What `replay` needs of the environment beyond reading: the head entry's layout, and
// `rebuild --into`, which writes a fresh data directory from a log and its refolded views.
extension Environment {
    /// Decodes a `meta` `head` entry (sequence ‖ hash); no entry is the empty log's head.
    public static func decodeHead(_ entry: [UInt8]?) throws -> (sequence: UInt64, hash: ChainHash) {
        try head(entry)
    }

    /// Writes a new data directory at `directory`: records 1...`views.headSequence` copied from
    /// `source`'s log, and `views` written whole, in the layout the store writes. A node opens it
    /// like any other (it checks that the views stop where the log does). Refuses a directory
    /// that already holds data. `writingViews: false` copies only the log (no views, no head):
    /// for a scratch directory whose views are written at the end, if at all (`replay whatif`).
    public static func writeRebuilt(_ views: Views, log source: Environment, into directory: String,
                                    writingViews: Bool = true) throws {
        guard !FileManager.default.fileExists(atPath: directory + "/data.mdb") else {
            throw StoreError.cannotOpen("\(directory) already holds a data directory; give a new or empty one")
        }
        // Room for a copy of the source with its views: the map reserves address space, not disk.
        let sourceBytes = (try? FileManager.default.attributesOfItem(atPath: source.directory + "/data.mdb")[.size] as? Int) ?? 0
        let target = try Environment(directory: directory, mapBytes: max(Limits.mapBytesInitial, sourceBytes * 2))
        defer { target.close() }
        try target.copyLog(from: source, through: views.headSequence)
        guard writingViews else { return }
        try target.writeTransaction { txn in try target.writeWholeViews(views, txn) }
    }

    /// Appends records 1...`last` of `source`'s log to this environment's empty log, in steps
    /// of a transaction each, so no single transaction holds gigabytes dirty.
    public func copyLog(from source: Environment, through last: UInt64) throws {
        let recordsPerTransaction: UInt64 = 100_000
        var next: UInt64 = 1
        while next <= last {
            let end = min(last, next + recordsPerTransaction - 1)
            do {
                try source.read { txn in
                    try writeTransaction { writeTxn in
                        try txn.scan("log", from: LogKey.bytes(next)) { key, value in
                            guard try LogKey.sequence(key) <= end else { return false }
                            try put(writeTxn, "log", key, value, flags: UInt32(MDB_APPEND))
                            return true
                        }
                    }
                }
                next = end + 1
            } catch let error as LMDBError where error.isMapFull {
                grow()
            }
        }
    }
}
