import CLMDB
import Events
import Foundation
import Projections

/// A fold of log records into an environment that holds views only (`replay checkpoint`'s
/// checkpoints): the writer's way of keeping memory bounded, without deciding anything. The
/// records are folded through `EngineCore` into views that hold the working set and read the
/// rest from `target`; every `Limits.viewFoldFlushRecords` records (or once they hold
/// `Limits.viewFoldHeldEntriesMax` entries) the changed entries and the head are written in one
/// transaction and the working set is loaded anew from what was written.
///
/// `target` holds no log: each reload is checked against the folded record's bytes, which
/// the caller's log gives (`log`).
public struct ViewFold {
    public let target: Environment
    private let log: Environment
    public private(set) var core: EngineCore
    private var foldedSinceFlush = 0
    /// Records between two writes (`Limits.viewFoldFlushRecords`; tests make it small).
    public let flushRecords: Int
    /// The latest decision time among the records folded into `target`, this fold's and before.
    public private(set) var latestDecision: Instant

    /// Continues from what `target` holds (nothing, or the views at some record of `log`).
    public init(target: Environment, log: Environment, flushRecords: Int = Limits.viewFoldFlushRecords) throws {
        precondition(flushRecords > 0, "a fold writes after at least one record")
        self.target = target
        self.log = log
        self.flushRecords = flushRecords
        let head = try target.head()
        latestDecision = try target.read { txn in try ViewFold.latestDecision(txn) }
        core = EngineCore()
        if head.sequence > 0 { core = EngineCore(views: try ViewFold.workingSet(target, log: log, at: head.sequence)) }
    }

    /// Folds the next record.
    public mutating func fold(_ record: Record) throws {
        core.fold(record)
        if record.decidedAt > latestDecision { latestDecision = record.decidedAt }
        foldedSinceFlush += 1
        if isDue { try flush() }
    }

    /// Decides the next command through the engine's one path (`EngineCore.decide`) and folds
    /// it: what-if deciding a period again. The caller appends the sealed bytes
    /// (`core.sealed`) to `target`'s log before the next `flush`.
    public mutating func decide(_ command: Command, actor: Actor, requestID: String, now: Instant) -> Record {
        let record = core.decide(command, actor: actor, requestID: requestID, now: now)
        if now > latestDecision { latestDecision = now }
        foldedSinceFlush += 1
        return record
    }

    /// Whether `decide`'s caller should flush now.
    public var isDue: Bool { foldedSinceFlush >= flushRecords || core.views.heldEntries > Limits.viewFoldHeldEntriesMax }

    /// Writes what changed since the last flush, with the head, and loads the working set anew.
    public mutating func flush() throws {
        guard foldedSinceFlush > 0 else { return }
        let views = core.views
        var failure: Error?
        while true {
            do {
                try target.writeTransaction { txn in
                    ViewCodec.write(views, core.changes) { database, key, value in
                        guard failure == nil else { return }
                        do {
                            if let value {
                                try target.put(txn, database.rawValue, key, value)
                            } else {
                                try target.delete(txn, database.rawValue, key)
                            }
                        } catch {
                            failure = error
                        }
                    }
                    if let failure { throw failure }
                    try target.put(txn, "meta", Array("head".utf8),
                                   Environment.headEntry(sequence: views.headSequence, hash: views.headHash))
                    try target.put(txn, "meta", Array("views-format".utf8), [Store.viewsFormat])
                    var latest = ByteWriter(capacity: 8)
                    latest.u64(UInt64(bitPattern: latestDecision.millisecondsSinceEpoch))
                    try target.put(txn, "meta", Array(ViewFold.latestDecisionKey.utf8), latest.bytes)
                }
                break
            } catch let error as LMDBError where error.isMapFull {
                failure = nil
                target.grow()
            }
        }
        foldedSinceFlush = 0
        core = EngineCore(views: try ViewFold.workingSet(target, log: log, at: views.headSequence))
    }

    /// `meta` key of a fold's latest decision time (milliseconds since the epoch, u64 big-endian).
    public static let latestDecisionKey = "latest-decision"

    /// The latest decision time a fold wrote into `txn`'s environment (the epoch's first instant if none).
    public static func latestDecision(_ txn: ReadTransaction) throws -> Instant {
        guard let bytes = try txn.get("meta", Array(latestDecisionKey.utf8)) else {
            return Instant(millisecondsSinceEpoch: .min)
        }
        guard bytes.count == 8 else { throw StoreError.corrupt("the latest decision entry is \(bytes.count) bytes, not 8") }
        return Instant(millisecondsSinceEpoch: Int64(bitPattern: bytes.reduce(0) { $0 << 8 | UInt64($1) }))
    }

    /// The working set of views written into `target` by a fold through record `sequence` of
    /// `log`, checked against that record's bytes (the views' head must be its hash).
    public static func workingSet(_ target: Environment, log: Environment, at sequence: UInt64) throws -> Views {
        let key = LogKey.bytes(sequence)
        guard let value = try log.read({ txn in try txn.get("log", key) }) else {
            throw StoreError.corrupt("the log holds no record \(sequence)")
        }
        return try target.workingSetViews(last: (key: key, value: value))
    }

    /// Copies `source` (an environment folded into) to the empty directory `path`, compacted:
    /// a checkpoint of it. The copy is synced before it returns.
    public static func copy(_ source: Environment, to path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try LMDBError.check(mdb_env_copy2(source.env, path, UInt32(MDB_CP_COMPACT)), "copy to \(path)")
    }
}
