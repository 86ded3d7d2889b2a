import Engine
import Events
import Foundation
import Projections

/// `replay rebuild`: folds the log from its first record into fresh views and compares them,
/// byte for byte, with the stored ones.
public enum Rebuild {
    public struct DatabaseComparison: Sendable {
        public var database: ViewDatabase
        public var stored = 0
        public var rebuilt = 0
        /// Stored entries the fold lacks or holds with other bytes, plus (if the counts differ) the fold's extras.
        public var differing = 0
        /// A few of them, named.
        public var examples: [String] = []
        public var equal: Bool { differing == 0 && stored == rebuilt }
    }

    public struct Report: Sendable {
        public var records: UInt64 = 0
        public var head = Checkpoint(sequence: 0, hash: .genesis)
        /// Reading, decoding and folding the log.
        public var foldSeconds = 0.0
        /// Comparing the fold with the stored views.
        public var compareSeconds = 0.0
        public var databases: [DatabaseComparison] = []
        public var equal: Bool { databases.allSatisfy(\.equal) }
        public var recordsPerSecond: Double { foldSeconds > 0 ? Double(records) / foldSeconds : 0 }
        public var into: String?

        public var json: JSON {
            .object([
                ("equal", .bool(equal)),
                ("records", .unsigned(records)),
                ("head", .object([("sequence", .unsigned(head.sequence)), ("hash", .string(head.hash.description))])),
                ("foldSeconds", .decimal(foldSeconds, places: 3)),
                ("recordsPerSecond", .decimal(recordsPerSecond, places: 0)),
                ("compareSeconds", .decimal(compareSeconds, places: 3)),
                ("databases", .array(databases.map { comparison in
                    .object([
                        ("name", .string(comparison.database.rawValue)),
                        ("equal", .bool(comparison.equal)),
                        ("stored", .int(Int64(comparison.stored))),
                        ("rebuilt", .int(Int64(comparison.rebuilt))),
                        ("differing", .int(Int64(comparison.differing))),
                        ("examples", .array(comparison.examples.map { .string($0) })),
                    ])
                })),
                ("into", .optional(into) { .string($0) }),
            ])
        }
    }

    /// Folds the whole log into a scratch directory (`into`, or one under the temporary
    /// directory, removed at the end) through a `ViewFold`, whose memory is the working set's,
    /// not the history's, and compares its view databases with the stored ones. With `into`,
    /// the log is copied there too: a data directory a node opens like any other.
    /// `foldFlushRecords`: records between the fold's writes (`Limits.viewFoldFlushRecords`).
    public static func run(_ directory: DataDirectory, into: String? = nil,
                           foldFlushRecords: Int = Limits.viewFoldFlushRecords,
                           progress: ((UInt64) -> Void)? = nil) throws -> Report {
        var report = Report()
        if let into, FileManager.default.fileExists(atPath: into + "/data.mdb") { throw ReplayError.targetExists(into) }
        let scratch = into ?? (NSTemporaryDirectory() + "agenda-rebuild-\(getpid())-\(UUID().uuidString.prefix(8))")
        if into == nil { try? FileManager.default.removeItem(atPath: scratch) }
        defer { if into == nil { try? FileManager.default.removeItem(atPath: scratch) } }
        let target = try Environment(directory: scratch)
        defer { target.close() }
        let foldStarted = DispatchTime.now().uptimeNanoseconds
        var fold = try ViewFold(target: target, log: directory.environment, flushRecords: foldFlushRecords)
        var nextProgress = ReplayLimits.progressEveryRecords
        var failure: Error?
        try directory.decodedRecords { records in
            do {
                for record in records {
                    try checkLink(record, fold.core.views)
                    try fold.fold(record)
                }
            } catch {
                failure = error
                return false
            }
            if let progress, fold.core.views.headSequence >= nextProgress {
                progress(fold.core.views.headSequence)
                nextProgress = fold.core.views.headSequence + ReplayLimits.progressEveryRecords
            }
            return true
        }
        if let failure { throw failure }
        report.foldSeconds = Double(DispatchTime.now().uptimeNanoseconds - foldStarted) / 1e9
        let compareStarted = DispatchTime.now().uptimeNanoseconds
        try directory.environment.read { txn in
            // A node may have appended since the fold's snapshot: catch up in this one, so the
            // comparison sees the log and the stored views of the same commit.
            try txn.records(from: fold.core.views.headSequence + 1) { record in
                try checkLink(record, fold.core.views)
                try fold.fold(record)
                return true
            }
            try fold.flush()
            report.records = fold.core.views.headSequence
            report.databases = try target.read { rebuilt in try compare(stored: txn, rebuilt: rebuilt) }
        }
        report.compareSeconds = Double(DispatchTime.now().uptimeNanoseconds - compareStarted) / 1e9
        report.head = Checkpoint(sequence: fold.core.views.headSequence, hash: fold.core.views.headHash)
        if let into {
            try target.copyLog(from: directory.environment, through: report.head.sequence)
            // The applicants' keys go with it (copied without free pages), or its sealed data
            // could not be read there.
            try directory.keys?.copy(toData: into)
            report.into = into
        }
        return report
    }

    /// The fold: one thread reads and decodes, this one applies. Checks each record's sequence
    /// and link (cheap: no hashing) so a damaged log is reported, not folded; `audit` checks the rest.
    public static func fold(_ directory: DataDirectory, through last: UInt64 = .max,
                            progress: ((UInt64) -> Void)? = nil) throws -> Views {
        var views = Views()
        var changes = Changes()
        var nextProgress = ReplayLimits.progressEveryRecords
        try directory.decodedRecords(through: last) { records in
            for record in records {
                try checkLink(record, views)
                views.apply(record, changes: &changes)
            }
            // Nothing reads the changes: emptied once a chunk, not after every record.
            changes.removeAll()
            if let progress, views.headSequence >= nextProgress {
                progress(views.headSequence)
                nextProgress = views.headSequence + ReplayLimits.progressEveryRecords
            }
            return true
        }
        return views
    }

    static func checkLink(_ record: Record, _ views: Views) throws {
        guard record.sequence == views.headSequence + 1 else {
            throw ReplayError.brokenLog(sequence: record.sequence, "record \(views.headSequence + 1) is missing")
        }
        guard record.previousHash == views.headHash else {
            throw ReplayError.brokenLog(sequence: record.sequence, "it does not link to the record before it")
        }
    }

    /// Every stored view database against the rebuilt one, entry by entry: each stored key
    /// looked up in the rebuilt database, and the rebuilt entries no stored key met counted.
    static func compare(stored: ReadTransaction, rebuilt: ReadTransaction) throws -> [DatabaseComparison] {
        var historyKey = ByteWriter(capacity: 96)
        // The history tail's entries are the rebuilt `history` entries the writer has not moved
        // yet: they count as met there.
        var metInTail = 0
        let order = [ViewDatabase.historyTail] + ViewDatabase.allCases.filter { $0 != .historyTail }
        let comparisons = try order.map { database in
            var comparison = DatabaseComparison(database: database)
            let rebuiltName = database == .historyTail ? ViewDatabase.history.rawValue : database.rawValue
            comparison.rebuilt = try rebuilt.count(rebuiltName)
            var metInFold = 0
            try stored.scan(database.rawValue) { key, value in
                comparison.stored += 1
                var found: UnsafeRawBufferPointer?
                if database == .historyTail {
                    let (pratica, sequence) = try ViewCodec.decodeTailKey(key)
                    historyKey.bytes.removeAll(keepingCapacity: true)
                    ViewCodec.encodeHistoryKey(pratica, sequence, &historyKey)
                    found = try historyKey.bytes.withUnsafeBytes { try rebuilt.get(rebuiltName, $0) }
                } else {
                    found = try rebuilt.get(rebuiltName, key)
                }
                if found != nil { metInFold += 1 }
                if found.map({ !$0.elementsEqual(value) }) ?? true {
                    comparison.differing += 1
                    if comparison.examples.count < ReplayLimits.differencesShownMax {
                        comparison.examples.append(
                            (found != nil ? "stored value differs at key " : "stored key the fold lacks: ") + describe(key))
                    }
                }
                return true
            }
            // A tail entry stands for one of the rebuilt `history` entries: the fold holds as
            // many tail entries as it meets, and as many `history` entries as the tail did not hold.
            if database == .historyTail {
                metInTail = metInFold
                comparison.rebuilt = metInFold
            }
            if database == .history { comparison.rebuilt -= metInTail }
            let missing = comparison.rebuilt - metInFold
            if missing > 0 {
                comparison.differing += missing
                comparison.examples.append("\(missing) entries of the fold are not stored")
            }
            return comparison
        }
        return ViewDatabase.allCases.compactMap { database in comparisons.first { $0.database == database } }
    }

    /// A key for a person to read: its printable bytes, the rest as hex.
    static func describe(_ key: UnsafeRawBufferPointer) -> String {
        var text = ""
        for byte in key {
            if (0x21...0x7e).contains(byte) {
                text.append(Character(Unicode.Scalar(byte)))
            } else {
                text += "\\x" + String(byte, radix: 16).leftPadded(2)
            }
        }
        return text
    }
}

extension String {
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
