import Engine
import Events
import Foundation
import Projections

/// `replay checkpoint`'s snapshots of the folded views, every N records, kept beside the log
/// (by default in `DIR/checkpoints`), never in it: time travel (`as-of`), `whatif` and
/// `audit --from` start from the nearest one instead of the first record. Each is a directory
/// named by its record's sequence, holding the view databases as the store lays them out and,
/// in `meta`, the head (that record's sequence and hash) and the latest decision time folded.
/// A checkpoint is used only if its record is still in the log with that hash: one made from
/// another log, or before the log was rewritten, is refused with a sentence.
///
/// A checkpoint is derived: deleting the directory loses nothing (docs/audit.md).
public struct Checkpoints: Sendable {
    public let path: String

    public init(_ path: String) { self.path = path }

    /// Where a data directory's checkpoints go unless told otherwise.
    public static func defaultPath(forData data: String) -> String {
        (data.hasSuffix("/") ? String(data.dropLast()) : data) + "/checkpoints"
    }

    /// One checkpoint, as its `meta` states it.
    public struct Entry: Equatable, Sendable {
        public var head: Checkpoint
        /// The latest decision time among records 1...head.sequence.
        public var latestDecision: Instant
        public var path: String
    }

    /// The checkpoints present, by sequence; an unreadable or unfinished one is skipped.
    public func list() -> [Entry] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [] }
        return names.compactMap { name -> Entry? in
            guard let sequence = UInt64(name), sequence > 0 else { return nil }
            let directory = path + "/" + name
            guard let environment = try? Environment(directory: directory, readOnly: true) else { return nil }
            defer { environment.close() }
            guard let (head, latest) = try? environment.read({ txn in
                (try Environment.decodeHead(try txn.get("meta", Array("head".utf8))), try ViewFold.latestDecision(txn))
            }), head.sequence == sequence else { return nil }
            return Entry(head: Checkpoint(sequence: head.sequence, hash: head.hash), latestDecision: latest, path: directory)
        }.sorted { $0.head.sequence < $1.head.sequence }
    }

    /// The latest checkpoint at or before record `sequence`.
    public func nearest(through sequence: UInt64) -> Entry? { list().last { $0.head.sequence <= sequence } }

    /// The latest checkpoint whose records were all decided at or before `instant`.
    public func nearest(decidedBy instant: Instant) -> Entry? { list().last { $0.latestDecision <= instant } }

    /// The views a checkpoint holds, read through its environment (kept open for them), after
    /// checking that its record is in `directory`'s log with the checkpoint's hash.
    public static func views(_ entry: Entry, of directory: DataDirectory) throws -> Views {
        try check(entry, against: directory)
        let environment = try Environment(directory: entry.path, readOnly: true)
        do {
            return try ViewFold.workingSet(environment, log: directory.environment, at: entry.head.sequence)
        } catch {
            environment.close()
            throw ReplayError.badCheckpoint("the checkpoint at \(entry.path) does not read back (\(error)); "
                                            + "remove it and run `replay checkpoint` again")
        }
    }

    /// Copies a checkpoint (checked against `directory`'s log first) to the empty directory
    /// `scratch`, for a fold that goes on from it (`audit`, `whatif`).
    public static func copy(_ entry: Entry, of directory: DataDirectory, to scratch: String) throws {
        try check(entry, against: directory)
        let environment = try Environment(directory: entry.path, readOnly: true)
        defer { environment.close() }
        try ViewFold.copy(environment, to: scratch)
    }

    /// Refuses a checkpoint whose record the log does not hold with its hash, or whose views
    /// are laid out as another version laid them (`views-format`).
    public static func check(_ entry: Entry, against directory: DataDirectory) throws {
        let environment = try Environment(directory: entry.path, readOnly: true)
        let format = try environment.read { try $0.get("meta", Array("views-format".utf8)) }
        environment.close()
        guard format == [Store.viewsFormat] else {
            throw ReplayError.badCheckpoint("the checkpoint at \(entry.path) holds views in layout "
                                            + "\(format.map { String($0.first ?? 0) } ?? "none"), this replay reads layout "
                                            + "\(Store.viewsFormat): it was made by another version; remove it and run "
                                            + "`replay checkpoint` again")
        }
        let stored = try directory.environment.read { txn -> ChainHash? in
            guard let value = try txn.get("log", LogKey.bytes(entry.head.sequence)) else { return nil }
            return try value.withUnsafeBytes { try RecordCodec.hashes(of: $0).hash }
        }
        guard let stored else {
            throw ReplayError.badCheckpoint("the checkpoint at \(entry.path) is of record \(entry.head.sequence), which "
                                            + "this log does not hold: it was made from another data directory; "
                                            + "remove it, or point --checkpoints elsewhere")
        }
        guard stored == entry.head.hash else {
            throw ReplayError.badCheckpoint("the checkpoint at \(entry.path) says record \(entry.head.sequence) hashes "
                                            + "to \(entry.head.hash), but the log's record \(entry.head.sequence) hashes "
                                            + "to \(stored): it was made from another log, or the log was rewritten "
                                            + "since; remove it and run `replay checkpoint` again")
        }
    }

    /// What `make` did.
    public struct Made: Sendable {
        public var made: [Entry] = []
        /// The checkpoint it started from, if any.
        public var startedFrom: Checkpoint?
        public var records: UInt64 = 0
        public var seconds = 0.0
        public var recordsPerSecond: Double { seconds > 0 ? Double(records) / seconds : 0 }

        public var json: JSON {
            .object([
                ("made", .array(made.map(Checkpoints.json))),
                ("startedFrom", .optional(startedFrom) { .string($0.description) }),
                ("records", .unsigned(records)),
                ("seconds", .decimal(seconds, places: 3)),
                ("recordsPerSecond", .decimal(recordsPerSecond, places: 0)),
            ])
        }
    }

    /// Makes the missing checkpoints: one at every multiple of `every` records up to the log's
    /// head, continuing from the latest one already made (checked against the log first).
    public func make(_ directory: DataDirectory, every: UInt64, progress: ((UInt64) -> Void)? = nil) throws -> Made {
        precondition(every > 0, "checkpoints every at least one record")
        let started = DispatchTime.now().uptimeNanoseconds
        var result = Made()
        let head = try directory.head().sequence
        let existing = list().filter { $0.head.sequence <= head }
        // Checked even when nothing is due: a stale checkpoint is reported, not kept quietly.
        if let latest = existing.last { try Checkpoints.check(latest, against: directory) }
        let from = existing.last?.head.sequence ?? 0
        let lastBoundary = head / every * every
        guard lastBoundary > from else { return result }
        result.startedFrom = existing.last?.head
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        // The fold's own directory, under the checkpoints: a copy of the latest one, or empty.
        let working = path + "/.folding-\(getpid())"
        try? FileManager.default.removeItem(atPath: working)
        defer { try? FileManager.default.removeItem(atPath: working) }
        if let latest = existing.last {
            let source = try Environment(directory: latest.path, readOnly: true)
            defer { source.close() }
            try ViewFold.copy(source, to: working)
        }
        let target = try Environment(directory: working)
        defer { target.close() }
        var fold = try ViewFold(target: target, log: directory.environment)
        var next = (from / every + 1) * every
        var failure: Error?
        try directory.decodedRecords(from: from + 1, through: lastBoundary) { records in
            do {
                for record in records {
                    try Rebuild.checkLink(record, fold.core.views)
                    try fold.fold(record)
                    result.records += 1
                    if record.sequence == next {
                        try fold.flush()
                        let final = path + "/" + Checkpoints.name(next)
                        let partial = path + "/.partial-\(getpid())"
                        try? FileManager.default.removeItem(atPath: partial)
                        try ViewFold.copy(target, to: partial)
                        try? FileManager.default.removeItem(atPath: final)
                        try FileManager.default.moveItem(atPath: partial, toPath: final)
                        result.made.append(Entry(head: Checkpoint(sequence: next, hash: record.hash),
                                                 latestDecision: fold.latestDecision, path: final))
                        next += every
                    }
                }
                if let progress { progress(fold.core.views.headSequence) }
                return true
            } catch {
                failure = error
                return false
            }
        }
        if let failure { throw failure }
        result.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return result
    }

    /// `{"sequence", "hash", "latestDecision", "path"}`, as `replay checkpoint --json` prints it.
    public static func json(_ entry: Entry) -> JSON {
        .object([
            ("sequence", .unsigned(entry.head.sequence)), ("hash", .string(entry.head.hash.description)),
            ("latestDecision", RecordJSON.instant(entry.latestDecision)), ("path", .string(entry.path)),
        ])
    }

    /// A checkpoint's directory name: its sequence, zero-padded so names sort as numbers.
    static func name(_ sequence: UInt64) -> String { String(sequence).leftPadded(20) }
}
