import CLMDB
import Events
import Foundation
import Projections

/// The answer to a command: the record that holds its outcome.
public struct Decision: Sendable {
    /// The new record, or for a repeated request id the first record that carried it.
    public let record: Record
    /// True when the request id had been seen: nothing was appended.
    public let repeated: Bool
}

/// The LMDB environment and its single writer.
///
///     callers ──submit──▶ bounded queue ──▶ writer thread
///                                            │ decide each command against the in-memory views
///                                            │ seal records into the chain, fold them into the views
///                                            │ ONE write transaction: log appends + changed view entries + head
///                                            │ commit (one fsync)
///     callers ◀──completion after commit─────┘
///
/// Readers use read-only transactions (`read`) and never block the writer.
public final class Store: @unchecked Sendable {
    /// The log, the head and one database per view: `mdb_stat -a DIR` lists them.
    public static let databaseNames = ["log", "meta"] + ViewDatabase.allCases.map(\.rawValue)
    /// The views' persisted layout; a store with another is refolded from its log on open.
    /// 2: agenda keys carry the booking record; applicants apart from the pratica's status.
    static let viewsFormat: UInt8 = 2

    public let directory: String
    /// The most commands one write transaction takes (`Limits.batchCommandsMax` unless a benchmark says otherwise).
    public let batchCommandsMax: Int
    let env: OpaquePointer
    let databases: [String: MDB_dbi]
    let resizeLock = ResizeLock()
    let clock: @Sendable () -> Instant

    private var mapBytes: Int

    private struct Pending {
        let command: Command
        let actor: Actor
        let requestID: String
        let completion: @Sendable (Result<Decision, StoreError>) -> Void
    }

    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var stopping = false
    private var closed = false
    // Between the decider and the committer, under `handoff`.
    private let handoff = NSCondition()
    private var sealedBatches: [SealedBatch] = []
    private var committing = false
    private var deciderFinished = false
    /// The epoch of the batch whose commit failed: batches decided on top of it fail too.
    private var failedEpoch: Int?
    private let committerFinished = DispatchSemaphore(value: 0)
    private var totals = WriterStatistics()

    /// What the writer has done since the store opened.
    public struct WriterStatistics: Sendable {
        /// Write transactions committed.
        public var batches = 0
        /// Commands answered by them.
        public var commands = 0
        /// Time spent deciding, sealing and folding (in memory).
        public var decideNanoseconds: UInt64 = 0
        /// Time spent writing and committing (LMDB, fsync included).
        public var commitNanoseconds: UInt64 = 0
    }

    public var statistics: WriterStatistics {
        condition.lock()
        defer { condition.unlock() }
        return totals
    }

    public static let systemClock: @Sendable () -> Instant = {
        Instant(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// Opens (creating if needed) the environment in `directory` and starts the writer.
    public init(directory: String, clock: @escaping @Sendable () -> Instant = Store.systemClock,
                mapBytes: Int = Limits.mapBytesInitial, batchCommandsMax: Int = Limits.batchCommandsMax) throws(StoreError) {
        precondition((1...Limits.batchCommandsMax).contains(batchCommandsMax), "batchCommandsMax out of range")
        self.directory = directory
        self.batchCommandsMax = batchCommandsMax
        self.clock = clock
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .invalid("cannot create the data directory \(directory): \(error.localizedDescription)")
        }
        var created: OpaquePointer?
        do {
            try LMDBError.check(mdb_env_create(&created), "env_create")
            guard let env = created else { throw LMDBError(code: -1, operation: "env_create") }
            try LMDBError.check(mdb_env_set_maxdbs(env, Limits.databasesMax), "set_maxdbs")
            try LMDBError.check(mdb_env_set_mapsize(env, mapBytes), "set_mapsize")
            // NOTLS: read transactions are not tied to a thread, so event loops may share them.
            try LMDBError.check(mdb_env_open(env, directory, UInt32(MDB_NOTLS), 0o644), "open \(directory)")
            var info = MDB_envinfo()
            mdb_env_info(env, &info)
            self.env = env
            self.mapBytes = max(mapBytes, info.me_mapsize)
            var txn: OpaquePointer?
            try LMDBError.check(mdb_txn_begin(env, nil, 0, &txn), "txn_begin")
            var handles: [String: MDB_dbi] = [:]
            for name in Store.databaseNames {
                var dbi = MDB_dbi()
                let code = mdb_dbi_open(txn, name, UInt32(MDB_CREATE), &dbi)
                if code != 0 { mdb_txn_abort(txn) }
                try LMDBError.check(code, "dbi_open \(name)")
                handles[name] = dbi
            }
            try LMDBError.check(mdb_txn_commit(txn), "commit")
            databases = handles
        } catch {
            if let created { mdb_env_close(created) }
            throw .lmdb(error as? LMDBError ?? LMDBError(code: -1, operation: "open \(directory)"))
        }
        let views: Views
        do {
            try rewriteViewsIfTheirLayoutChanged()
            views = try loadViews()
        } catch {
            mdb_env_close(env)
            throw error
        }
        // Decision times continue from the last record's, whatever the clock says after a restart.
        let lastDecidedAt = (try? read { txn in
            try txn.last("log").map { last in
                try RecordCodec.decode(sequence: last.key.withUnsafeBytes { try LogKey.sequence($0) }, value: last.value).decidedAt
            }
        }) ?? nil
        let decider = Thread { [self] in runDecider(views, lastDecidedAt: lastDecidedAt) }
        decider.name = "agenda-decider"
        decider.start()
        let committer = Thread { [self] in runCommitter() }
        committer.name = "agenda-committer"
        committer.start()
    }

    deinit {
        if !closed { close() }
    }

    // MARK: - Submitting

    /// Queues a command; `completion` runs on the writer thread once its record is durable
    /// (or at once with `.busy` when the queue is full, or `.closed`).
    public func submit(_ command: Command, actor: Actor, requestID: String = "",
                       completion: @escaping @Sendable (Result<Decision, StoreError>) -> Void) {
        condition.lock()
        if stopping {
            condition.unlock()
            completion(.failure(.closed))
            return
        }
        if queue.count >= Limits.queueCommandsMax {
            condition.unlock()
            completion(.failure(.busy))
            return
        }
        queue.append(Pending(command: command, actor: actor, requestID: requestID, completion: completion))
        condition.signal()
        condition.unlock()
    }

    /// Submits and waits for the durable answer.
    public func execute(_ command: Command, actor: Actor, requestID: String = "") throws(StoreError) -> Decision {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox()
        submit(command, actor: actor, requestID: requestID) { result in
            box.result = result
            done.signal()
        }
        done.wait()
        guard let result = box.result else { preconditionFailure("completion ran without a result") }
        return try result.get()
    }

    public func execute(_ command: Command, actor: Actor, requestID: String = "") async throws -> Decision {
        try await withCheckedThrowingContinuation { continuation in
            submit(command, actor: actor, requestID: requestID) { continuation.resume(with: $0) }
        }
    }

    /// Stops taking commands, lets the writer finish what is queued, and closes the environment.
    public func close() {
        condition.lock()
        let alreadyClosed = closed
        stopping = true
        closed = true
        condition.signal()
        condition.unlock()
        guard !alreadyClosed else { return }
        committerFinished.wait()
        mdb_env_close(env)
    }

    // MARK: - Reading

    /// Runs `body` in a read-only transaction: a consistent snapshot of the last commit.
    public func read<T>(_ body: (ReadTransaction) throws -> T) throws -> T {
        try resizeLock.shared {
            var txn: OpaquePointer?
            try LMDBError.check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "read txn_begin")
            guard let txn else { throw LMDBError(code: -1, operation: "read txn_begin") }
            defer { mdb_txn_abort(txn) }
            return try body(ReadTransaction(txn: txn, databases: databases))
        }
    }

    /// The persisted views, decoded (the writer's own copy stays on its thread).
    public func persistedViews() throws -> Views {
        try read { try Store.decodeViews($0) }
    }

    // MARK: - The writer: a decider and a committer
    //
    // Deciding is CPU work on in-memory views; committing is mostly waiting for the disk. Two
    // threads overlap them: while batch N is being written and fsynced, batch N+1 is decided on
    // top of N's views. Replies still leave only after their own commit. If a commit fails,
    // every batch decided on top of it is failed too and the decider refolds from the disk.

    /// The decider's own state, kept in a local so its accesses need no exclusivity checks.
    private struct DeciderState {
        var views: Views
        var changes = Changes()
        var sealWriter = ByteWriter(capacity: 512)
        var lastDecidedAt = Instant(millisecondsSinceEpoch: 0)
        /// Bumped each time the views are refolded after a failed commit.
        var epoch = 0
    }

    /// A decided batch on its way to the disk.
    private struct SealedBatch {
        var epoch: Int
        var started: UInt64
        var decided: UInt64 = 0
        /// The records' stored values, back to back.
        var log: [UInt8] = []
        var spans: [(sequence: UInt64, start: Int, end: Int)] = []
        /// The changed view entries: keys and values back to back in `viewBytes`.
        var viewBytes: [UInt8] = []
        var viewWrites: [(database: Int, keyStart: Int, keyEnd: Int, valueEnd: Int?)] = []
        var headSequence: UInt64 = 0
        var headHash = ChainHash.genesis
        var repeatedFromDisk: [(index: Int, sequence: UInt64)] = []
        var results: [Result<Decision, StoreError>] = []
        var completions: [@Sendable (Result<Decision, StoreError>) -> Void] = []
    }

    private static let viewDatabases = ViewDatabase.allCases.map(\.rawValue)

    private func runDecider(_ views: Views, lastDecidedAt: Instant?) {
        var state = DeciderState(views: views)
        if let lastDecidedAt { state.lastDecidedAt = lastDecidedAt }
        var batch: [Pending] = []
        batch.reserveCapacity(batchCommandsMax)
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty {
                condition.unlock()
                break
            }
            let count = min(queue.count, batchCommandsMax)
            batch.append(contentsOf: queue[0..<count])
            queue.removeFirst(count)
            condition.unlock()
            recoverIfACommitFailed(&state)
            let sealed = decide(batch, &state)
            handoff.lock()
            // One batch written, one waiting: deciding further ahead would only hold replies back.
            while !sealedBatches.isEmpty { handoff.wait() }
            sealedBatches.append(sealed)
            handoff.broadcast()
            handoff.unlock()
            batch.removeAll(keepingCapacity: true)
        }
        handoff.lock()
        deciderFinished = true
        handoff.broadcast()
        handoff.unlock()
    }

    /// After a failed commit the views are ahead of the disk: wait for the committer to fail
    /// what was decided on top, then refold from the last commit.
    private func recoverIfACommitFailed(_ state: inout DeciderState) {
        handoff.lock()
        guard failedEpoch == state.epoch else {
            handoff.unlock()
            return
        }
        while !sealedBatches.isEmpty || committing { handoff.wait() }
        handoff.unlock()
        do {
            state.views = try loadViews()
        } catch {
            preconditionFailure("the store cannot re-read its own last commit: \(error)")
        }
        state.epoch += 1
    }

    private func decide(_ batch: [Pending], _ state: inout DeciderState) -> SealedBatch {
        var sealed = SealedBatch(epoch: state.epoch, started: DispatchTime.now().uptimeNanoseconds)
        sealed.results = [Result<Decision, StoreError>](repeating: .failure(.closed), count: batch.count)
        sealed.completions = batch.map(\.completion)
        sealed.log.reserveCapacity(batch.count * 200)
        sealed.spans.reserveCapacity(batch.count)
        // Where each new record's answer sits in `results`, for a repeat within the batch.
        var resultIndexBySequenceOffset: [Int] = []
        resultIndexBySequenceOffset.reserveCapacity(batch.count)
        state.changes.removeAll()
        let startHead = state.views.headSequence
        // Decision time never goes backwards, even if the system clock does.
        let now = max(clock(), state.lastDecidedAt)
        state.lastDecidedAt = now

        for (index, item) in batch.enumerated() {
            if let problem = CommandCheck.problem(item.command, actor: item.actor, requestID: item.requestID) {
                sealed.results[index] = .failure(.invalid(problem))
                continue
            }
            if !item.requestID.isEmpty,
               let first = state.views.requests[RequestKey(operator: item.actor.operator, requestID: item.requestID)] {
                if first > startHead, case .success(let original) =
                    sealed.results[resultIndexBySequenceOffset[Int(first - startHead - 1)]] {
                    sealed.results[index] = .success(Decision(record: original.record, repeated: true))
                } else {
                    sealed.repeatedFromDisk.append((index, first))
                }
                continue
            }
            let sequence = state.views.headSequence + 1
            var ids = SequenceIDs(sequence: sequence)
            let outcome = Decider.decide(item.command, state.views, now: now, actor: item.actor, ids: &ids)
            let previous = state.views.headHash
            let hash = RecordCodec.seal(sequence: sequence, decidedAt: now, actor: item.actor, requestID: item.requestID,
                                        command: item.command, outcome: outcome, previousHash: previous,
                                        into: &state.sealWriter)
            sealed.spans.append((sequence, sealed.log.count, sealed.log.count + state.sealWriter.bytes.count))
            sealed.log.append(contentsOf: state.sealWriter.bytes)
            let record = Record(sequence: sequence, decidedAt: now, actor: item.actor, requestID: item.requestID,
                                command: item.command, outcome: outcome, previousHash: previous, hash: hash)
            state.views.apply(record, changes: &state.changes)
            resultIndexBySequenceOffset.append(index)
            sealed.results[index] = .success(Decision(record: record, repeated: false))
        }
        ViewCodec.write(state.views, state.changes) { database, key, value in
            let keyStart = sealed.viewBytes.count
            sealed.viewBytes.append(contentsOf: key)
            let keyEnd = sealed.viewBytes.count
            if let value { sealed.viewBytes.append(contentsOf: value) }
            sealed.viewWrites.append((Store.viewDatabaseIndex(database), keyStart, keyEnd,
                                      value == nil ? nil : sealed.viewBytes.count))
        }
        sealed.headSequence = state.views.headSequence
        sealed.headHash = state.views.headHash
        sealed.decided = DispatchTime.now().uptimeNanoseconds
        return sealed
    }

    private static func viewDatabaseIndex(_ database: ViewDatabase) -> Int {
        guard let index = ViewDatabase.allCases.firstIndex(of: database) else { preconditionFailure("every case is in allCases") }
        return index
    }

    private func runCommitter() {
        while true {
            handoff.lock()
            while sealedBatches.isEmpty && !deciderFinished { handoff.wait() }
            if sealedBatches.isEmpty {
                handoff.unlock()
                break
            }
            var sealed = sealedBatches.removeFirst()
            committing = true
            let doomed = failedEpoch == sealed.epoch
            handoff.unlock()

            var failed = doomed
            if doomed {
                for index in sealed.results.indices {
                    sealed.results[index] = .failure(.corrupt("an earlier batch failed to commit; send the command again"))
                }
            } else {
                do {
                    try commit(&sealed)
                } catch {
                    failed = true
                    for index in sealed.results.indices { sealed.results[index] = .failure(error) }
                }
            }
            let committed = DispatchTime.now().uptimeNanoseconds
            handoff.lock()
            if failed { failedEpoch = sealed.epoch }
            committing = false
            handoff.broadcast()
            handoff.unlock()
            condition.lock()
            totals.batches += 1
            totals.commands += sealed.results.count
            totals.decideNanoseconds += sealed.decided - sealed.started
            totals.commitNanoseconds += committed - sealed.decided
            condition.unlock()
            for (index, completion) in sealed.completions.enumerated() { completion(sealed.results[index]) }
        }
        committerFinished.signal()
    }

    /// One write transaction for the whole batch; on a full map, grow it and write again.
    private func commit(_ sealed: inout SealedBatch) throws(StoreError) {
        while true {
            do {
                try writeTransaction { txn in
                    try sealed.log.withUnsafeBytes { bytes in
                        for span in sealed.spans {
                            var key = span.sequence.bigEndian
                            try withUnsafeMutableBytes(of: &key) { keyBytes in
                                try put(txn, "log", UnsafeRawBufferPointer(keyBytes),
                                        UnsafeRawBufferPointer(rebasing: bytes[span.start..<span.end]), flags: UInt32(MDB_APPEND))
                            }
                        }
                    }
                    try sealed.viewBytes.withUnsafeBytes { bytes in
                        for write in sealed.viewWrites {
                            let database = Store.viewDatabases[write.database]
                            let key = UnsafeRawBufferPointer(rebasing: bytes[write.keyStart..<write.keyEnd])
                            if let valueEnd = write.valueEnd {
                                try put(txn, database, key, UnsafeRawBufferPointer(rebasing: bytes[write.keyEnd..<valueEnd]),
                                        flags: 0)
                            } else {
                                try delete(txn, database, key)
                            }
                        }
                    }
                    var head = ByteWriter(capacity: 40)
                    head.u64(sealed.headSequence)
                    for byte in sealed.headHash.bytes { head.u8(byte) }
                    try put(txn, "meta", Array("head".utf8), head.bytes)
                    try put(txn, "meta", Array("views-format".utf8), [Store.viewsFormat])
                    let reader = ReadTransaction(txn: txn, databases: databases)
                    for (index, sequence) in sealed.repeatedFromDisk {
                        guard let record = try reader.record(sequence) else {
                            throw StoreError.corrupt("request id points at missing record \(sequence)")
                        }
                        sealed.results[index] = .success(Decision(record: record, repeated: true))
                    }
                }
                return
            } catch let error as LMDBError where error.isMapFull {
                grow()
            } catch let error as LMDBError {
                throw .lmdb(error)
            } catch let error as StoreError {
                throw error
            } catch {
                throw .corrupt("\(error)")
            }
        }
    }

    private func writeTransaction(_ body: (OpaquePointer) throws -> Void) throws {
        var txn: OpaquePointer?
        try LMDBError.check(mdb_txn_begin(env, nil, 0, &txn), "txn_begin")
        guard let txn else { throw LMDBError(code: -1, operation: "txn_begin") }
        do {
            try body(txn)
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        // Commit frees the transaction whether it succeeds or not.
        try LMDBError.check(mdb_txn_commit(txn), "commit")
    }

    private func grow() {
        resizeLock.exclusive {
            mapBytes *= 2
            let code = mdb_env_set_mapsize(env, mapBytes)
            precondition(code == 0, "growing the map to \(mapBytes) bytes failed: \(code)")
        }
    }

    private func put(_ txn: OpaquePointer, _ database: String, _ key: UnsafeRawBufferPointer,
                     _ value: UnsafeRawBufferPointer, flags: UInt32) throws(LMDBError) {
        guard let dbi = databases[database] else { preconditionFailure("no database \(database)") }
        var keyValue = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var dataValue = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try LMDBError.check(mdb_put(txn, dbi, &keyValue, &dataValue, flags), "put \(database)")
    }

    private func put(_ txn: OpaquePointer, _ database: String, _ key: [UInt8], _ value: [UInt8]) throws {
        try key.withUnsafeBytes { keyBytes in
            try value.withUnsafeBytes { valueBytes in try put(txn, database, keyBytes, valueBytes, flags: 0) }
        }
    }

    private func delete(_ txn: OpaquePointer, _ database: String, _ key: UnsafeRawBufferPointer) throws(LMDBError) {
        guard let dbi = databases[database] else { preconditionFailure("no database \(database)") }
        var keyValue = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        let code = mdb_del(txn, dbi, &keyValue, nil)
        if code != MDB_NOTFOUND { try LMDBError.check(code, "del \(database)") }
    }

    // MARK: - Loading

    private func loadViews() throws(StoreError) -> Views {
        do {
            return try read { txn in
                let lastLog = try txn.last("log")
                let views = try Store.decodeViews(txn)
                let logHead = try lastLog.map { last in try last.key.withUnsafeBytes { try LogKey.sequence($0) } } ?? 0
                guard views.headSequence == logHead else {
                    throw StoreError.corrupt("the views stop at record \(views.headSequence) but the log at \(logHead)")
                }
                if let lastLog {
                    let stored = try lastLog.value.withUnsafeBytes { try RecordCodec.hashes(of: $0).hash }
                    guard stored == views.headHash else {
                        throw StoreError.corrupt("the head hash does not match the last record's hash")
                    }
                }
                return views
            }
        } catch let error as StoreError {
            throw error
        } catch let error as LMDBError {
            throw .lmdb(error)
        } catch {
            throw .corrupt("\(error)")
        }
    }

    /// Views written by an older layout are refolded from the log and written anew, all of
    /// them, in one transaction: the log is the truth, the views its cache.
    private func rewriteViewsIfTheirLayoutChanged() throws(StoreError) {
        do {
            let stale = try read { txn in
                try txn.last("log") != nil && txn.get("meta", Array("views-format".utf8)) != [Store.viewsFormat]
            }
            guard stale else { return }
            let views = try read { try Store.foldLog($0) }
            try writeTransaction { txn in
                for database in ViewDatabase.allCases {
                    guard let dbi = databases[database.rawValue] else { preconditionFailure("opened above") }
                    try LMDBError.check(mdb_drop(txn, dbi, 0), "empty \(database.rawValue)")
                }
                for (database, entries) in ViewCodec.allEntries(views) {
                    for entry in entries {
                        try entry.key.withUnsafeBytes { key in
                            try entry.value.withUnsafeBytes { value in try put(txn, database.rawValue, key, value, flags: 0) }
                        }
                    }
                }
                var head = ByteWriter(capacity: 40)
                head.u64(views.headSequence)
                for byte in views.headHash.bytes { head.u8(byte) }
                try put(txn, "meta", Array("head".utf8), head.bytes)
                try put(txn, "meta", Array("views-format".utf8), [Store.viewsFormat])
            }
        } catch let error as StoreError {
            throw error
        } catch let error as LMDBError {
            throw .lmdb(error)
        } catch {
            throw .corrupt("\(error)")
        }
    }

    /// Decodes the persisted views.
    public static func decodeViews(_ txn: ReadTransaction) throws -> Views {
        var headSequence: UInt64 = 0
        var headHash = ChainHash.genesis
        if let head = try txn.get("meta", Array("head".utf8)) {
            guard head.count == 40 else { throw StoreError.corrupt("the head entry is \(head.count) bytes, not 40") }
            headSequence = head[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
            headHash = head[8...].withUnsafeBytes { ChainHash(bytes: $0) }
        }
        return try ViewCodec.load(headSequence: headSequence, headHash: headHash) { database, body in
            try txn.scan(database.rawValue) { key, value in
                try body(key, value)
                return true
            }
        }
    }

    /// Folds the whole log from the first record into fresh views.
    public static func foldLog(_ txn: ReadTransaction) throws -> Views {
        var views = Views()
        var changes = Changes()
        try txn.records { record in
            views.apply(record, changes: &changes)
            changes.removeAll()
            return true
        }
        return views
    }
}

private final class ResultBox: @unchecked Sendable {
    var result: Result<Decision, StoreError>?
}

extension Store {
    /// Walks the whole log and checks the chain; returns the head, or throws the first finding.
    public func verifyChain() throws -> (sequence: UInt64, hash: ChainHash) {
        try read { txn in
            var walker = ChainWalker()
            try txn.scan("log") { key, value in
                if let finding = walker.check(sequence: try LogKey.sequence(key), value: value) { throw finding }
                return true
            }
            return (walker.expectedSequence - 1, walker.previousHash)
        }
    }
}
