import Engine
import Events
import Foundation

/// `replay audit`: the chain, every outcome re-decided, the invariants, the published head.
public enum Audit {
    public struct Options: Sendable {
        /// Verify the chain from this trusted checkpoint on (records up to it are folded unchecked).
        public var from: Checkpoint?
        /// A head published earlier: that record must still be in the log with that hash.
        public var expectHead: Checkpoint?
        /// A signed head published earlier: its signature must verify, that record must still
        /// be in the log with that hash, and the Merkle root of records 1…SIZE, recomputed from
        /// the log, must be its root.
        public var signedHead: SignedHead?
        /// The key `signedHead` must verify with (64 hexadecimal digits, the one the office
        /// published); nil: the key the log itself records for that head.
        public var publicKey: String?
        /// Log records per read transaction (`ReplayLimits.readWindowRecords`).
        public var readWindowRecords: Int
        /// With `from`: the state up to it is read from the nearest checkpoint at or before it
        /// (checked against the log), and only the records after the checkpoint are folded.
        public var checkpoints: Checkpoints?
        /// Asked between chunks: true stops the audit early, its report `interrupted`.
        public var shouldStop: (@Sendable () -> Bool)?
        /// False: the chain and the re-decision on one thread, one chunk after the other (the
        /// path the tests compare the two-thread pipeline with).
        public var pipelined = true
        /// Records between two writes of the re-decision's state to its scratch directory
        /// (`Limits.viewFoldFlushRecords`; tests make it small).
        public var foldFlushRecords = Limits.viewFoldFlushRecords
        public init(from: Checkpoint? = nil, expectHead: Checkpoint? = nil,
                    readWindowRecords: Int = ReplayLimits.readWindowRecords, checkpoints: Checkpoints? = nil,
                    shouldStop: (@Sendable () -> Bool)? = nil) {
            self.from = from
            self.expectHead = expectHead
            self.readWindowRecords = readWindowRecords
            self.checkpoints = checkpoints
            self.shouldStop = shouldStop
        }
    }

    public struct Report: Sendable {
        public var records: UInt64 = 0
        /// The last record read and its stored hash: the head this audit vouches for when `ok`.
        public var head = Checkpoint(sequence: 0, hash: .genesis)
        /// The first record whose chain link was verified.
        public var chainCheckedFrom: UInt64 = 1
        public var redecided: UInt64 = 0
        /// The first `ReplayLimits.findingsKeptMax` findings, by sequence number.
        public var findings: [Finding] = []
        public var findingsTotal = 0
        public var seconds = 0.0
        /// The checkpoint the state was read from, if any: records up to it were not folded.
        public var startedFrom: Checkpoint?
        /// Stopped early (`Options.shouldStop`): `head` is the last record audited, and
        /// `--from head` resumes after it.
        public var interrupted = false
        public var ok: Bool { findingsTotal == 0 }
        public var recordsPerSecond: Double { seconds > 0 ? Double(records) / seconds : 0 }

        public var json: JSON {
            .object([
                ("ok", .bool(ok)),
                ("records", .unsigned(records)),
                ("head", .object([("sequence", .unsigned(head.sequence)), ("hash", .string(head.hash.description))])),
                ("chainCheckedFrom", .unsigned(chainCheckedFrom)),
                ("redecided", .unsigned(redecided)),
                ("findingsTotal", .int(Int64(findingsTotal))),
                ("findings", .array(findings.map(\.json))),
                ("seconds", .decimal(seconds, places: 3)),
                ("recordsPerSecond", .decimal(recordsPerSecond, places: 0)),
                ("startedFrom", .optional(startedFrom) { .string($0.description) }),
                ("interrupted", .bool(interrupted)),
            ])
        }
    }

    /// What the reading thread hands the deciding one.
    struct Item {
        var sequence: UInt64
        var record: Record?
        var trusted: Bool
        var findings: [Finding]
    }

    /// What the reading thread found at the end of its walk.
    final class WalkEnd: @unchecked Sendable {
        var findings: [Finding] = []
        var last = Checkpoint(sequence: 0, hash: .genesis)
        var records: UInt64 = 0
    }

    public static func run(_ directory: DataDirectory, options: Options = Options(),
                           progress: ((UInt64) -> Void)? = nil) throws -> Report {
        let started = DispatchTime.now().uptimeNanoseconds
        var report = Report()
        report.chainCheckedFrom = (options.from?.sequence ?? 0) + 1
        var kept: [Finding] = []
        var total = 0
        func note(_ new: [Finding]) {
            total += new.count
            for finding in new where kept.count < ReplayLimits.findingsKeptMax { kept.append(finding) }
        }
        let end = WalkEnd()
        var given = options
        if let signed = given.signedHead {
            given.expectHead = Checkpoint(sequence: signed.size, hash: signed.hash)
            note(try checkSignature(signed, publicKey: given.publicKey, directory))
        }
        let options = given
        // The state the records are re-decided against lives in a scratch directory, its
        // working set in memory: a copy of the checkpoint the audit starts from, or empty.
        let scratch = NSTemporaryDirectory() + "agenda-audit-\(getpid())-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.removeItem(atPath: scratch)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        if let from = options.from, let entry = options.checkpoints?.nearest(through: from.sequence) {
            try Checkpoints.copy(entry, of: directory, to: scratch)
            report.startedFrom = entry.head
        }
        let target = try Environment(directory: scratch)
        defer { target.close() }
        var auditor = Auditor(fold: try ViewFold(target: target, log: directory.environment,
                                                 flushRecords: options.foldFlushRecords))
        let skipThrough = report.startedFrom?.sequence ?? 0
        end.records = skipThrough
        var nextProgress = skipThrough + ReplayLimits.progressEveryRecords
        var findings: [Finding] = []
        try Pipeline.run(produce: { emit in
            try walk(directory.environment, options, skipThrough: skipThrough, end, emit)
        }, consume: { items in
            if let shouldStop = options.shouldStop, shouldStop() {
                report.interrupted = true
                return false
            }
            for item in items {
                if !item.findings.isEmpty { findings.append(contentsOf: item.findings) }
                if let record = item.record {
                    if item.trusted {
                        try auditor.trust(record, findings: &findings)
                    } else {
                        try auditor.audit(record, shapeChecked: true, findings: &findings)
                    }
                } else {
                    auditor.lose(item.sequence, findings: &findings)
                }
                if !findings.isEmpty {
                    note(findings)
                    findings.removeAll(keepingCapacity: true)
                }
                if item.sequence >= nextProgress, let progress {
                    progress(item.sequence)
                    nextProgress = item.sequence + ReplayLimits.progressEveryRecords
                }
            }
            return true
        }, pipelined: options.pipelined)
        if report.interrupted {
            // The walk ran ahead of the decisions: what the audit vouches for ends at the last
            // record decided, and the chain's end-of-log checks did not run.
            report.records = auditor.views.headSequence
            report.head = Checkpoint(sequence: auditor.views.headSequence, hash: auditor.views.headHash)
        } else {
            note(end.findings)
            report.records = end.records
            report.head = end.last
        }
        report.redecided = auditor.redecided
        // Stable: the chain's finding comes before the re-decision's at the same record.
        report.findings = kept.enumerated().sorted { ($0.element.sequence, $0.offset) < ($1.element.sequence, $1.offset) }
            .map(\.element)
        report.findingsTotal = total
        report.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return report
    }

    /// The reading thread: the chain, the checkpoint, the published head, and decoding, in read
    /// transactions of `options.readWindowRecords` records each, through the last record when
    /// the audit began. SHA-256 runs here, beside the deciding thread.
    /// Records through `skipThrough` (a checkpoint's) are read for the checkpoint's and the
    /// published head's checks only: neither decoded nor handed on.
    static func walk(_ environment: Environment, _ options: Options, skipThrough: UInt64, _ end: WalkEnd,
                     _ emit: ([Item]) -> Bool) throws {
        var metaHead = (sequence: UInt64(0), hash: ChainHash.genesis)
        var chain = ChainCheck(after: options.from?.sequence ?? 0, hash: options.from?.hash ?? .genesis)
        let checkpointSequence = options.from?.sequence ?? 0
        var sawCheckpoint = options.from == nil
        var sawPublished = options.expectHead == nil
        var chunks = Chunks<Item>()
        // A signed head's root, recomputed from the log: every record up to it is a leaf.
        var tree = options.signedHead.map { _ in MerkleFrontier() }
        // From the first record another check needs, when a checkpoint covers the start.
        let start = skipThrough == 0 || tree != nil ? nil
            : LogKey.bytes(min(skipThrough, options.from?.sequence ?? .max, options.expectHead?.sequence ?? .max))
        try environment.scanInWindows("log", from: start, window: options.readWindowRecords, atStart: { txn in
            metaHead = try Environment.decodeHead(try txn.get("meta", Array("head".utf8)))
        }) { key, value in
            guard key.count == 8 else {
                end.findings.append(Finding(end.last.sequence + 1, .undecodable,
                                            "a log key of \(key.count) bytes (log keys are 8)"))
                return true
            }
            let sequence = try LogKey.sequence(key)
            var findings: [Finding] = []
            let trusted = sequence <= checkpointSequence
            if trusted {
                if sequence == checkpointSequence, let from = options.from {
                    sawCheckpoint = true
                    checkCheckpoint(from, value: value, &findings)
                }
            } else {
                chain.check(sequence: sequence, value: value, into: &findings)
            }
            let stored = value.count > RecordCodec.trailerBytes
                ? try RecordCodec.hashes(of: value).hash : ChainHash.genesis
            if let signed = options.signedHead, sequence <= signed.size, tree != nil {
                tree?.append(leaf: Merkle.leafHash(value))
                if sequence == signed.size, let root = tree?.root {
                    if tree?.size != signed.size {
                        findings.append(Finding(sequence, .treeRootMismatch,
                                                "the log does not hold records 1 to \(signed.size) without a gap, so the "
                                                    + "signed head's Merkle root cannot be recomputed"))
                    } else if root != signed.root {
                        findings.append(Finding(sequence, .treeRootMismatch,
                                                "the signed head's Merkle root is \(signed.root), but records 1 to "
                                                    + "\(signed.size) come to \(root): the history up to it was rewritten"))
                    }
                    tree = nil
                }
            }
            if let published = options.expectHead, sequence == published.sequence {
                sawPublished = true
                if stored != published.hash {
                    findings.append(Finding(sequence, .publishedHeadMismatch,
                                            "the published head says record \(sequence) hashes to \(published.hash), "
                                                + "but it now hashes to \(stored): the history up to it was rewritten"))
                }
            }
            if sequence <= skipThrough {
                end.findings.append(contentsOf: findings)
                end.last = Checkpoint(sequence: sequence, hash: stored)
                return true
            }
            var record: Record?
            do {
                let decoded = try RecordCodec.decode(sequence: sequence, value: value)
                // The writer's shape checks need no state: they run here, beside the decider.
                if !trusted, let finding = Auditor.shapeFinding(decoded) { findings.append(finding) }
                record = decoded
            } catch {
                findings.append(Finding(sequence, .undecodable, "\(error)"))
            }
            end.records += 1
            end.last = Checkpoint(sequence: sequence, hash: stored)
            return chunks.add(Item(sequence: sequence, record: record, trusted: trusted, findings: findings), emit)
        }
        chunks.flush(emit)
        if metaHead.sequence != end.last.sequence || metaHead.hash != end.last.hash {
            end.findings.append(Finding(max(metaHead.sequence, end.last.sequence), .headMismatch,
                                        "meta head names record \(metaHead.sequence) (\(metaHead.hash)) but the log "
                                            + "ends at record \(end.last.sequence) (\(end.last.hash))"))
        }
        if let from = options.from, !sawCheckpoint {
            end.findings.append(Finding(from.sequence, .checkpointMismatch,
                                        "the checkpoint names record \(from.sequence), which this log does not hold"))
        }
        if let published = options.expectHead, !sawPublished {
            end.findings.append(Finding(published.sequence, .publishedHeadMismatch,
                                        "the published head names record \(published.sequence), but the log ends at "
                                            + "record \(end.last.sequence): records were removed"))
        }
    }

    /// A signed head's signature, checked with `publicKey` or else with the key the log
    /// records for a head of that size.
    static func checkSignature(_ signed: SignedHead, publicKey: String?, _ directory: DataDirectory) throws -> [Finding] {
        let recorded = try directory.environment.read { txn in try txn.signingKey(forHeadOf: signed.size) }
        guard let key = publicKey ?? recorded?.publicKey else {
            return [Finding(signed.size, .signatureInvalid,
                            "the log records no signing key by record \(signed.size): pass the key the office "
                                + "published with --public-key")]
        }
        guard let bytes = Hex.decode(key), signed.verifies(with: bytes) else {
            return [Finding(signed.size, .signatureInvalid,
                            "the signed head's signature does not verify with the key \(key)"
                                + (publicKey == nil ? " (the one the log records for it)" : "")
                                + ": it was not signed with that key, or the head was changed after signing")]
        }
        return []
    }

    /// The checkpoint record must still hash, from its own bytes, to the trusted hash.
    static func checkCheckpoint(_ checkpoint: Checkpoint, value: UnsafeRawBufferPointer, _ findings: inout [Finding]) {
        guard let (_, stored) = try? RecordCodec.hashes(of: value),
              let recomputed = try? RecordCodec.recomputedHash(sequence: checkpoint.sequence, value: value) else {
            findings.append(Finding(checkpoint.sequence, .checkpointMismatch, "the checkpoint record is too short to hold its hashes"))
            return
        }
        if stored != checkpoint.hash || recomputed != checkpoint.hash {
            findings.append(Finding(checkpoint.sequence, .checkpointMismatch,
                                    "the trusted checkpoint says \(checkpoint.hash); the record stores \(stored) "
                                        + "and its bytes hash to \(recomputed)"))
        }
    }
}
