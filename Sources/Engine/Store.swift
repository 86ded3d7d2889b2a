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
///     callers ──submit──▶ bounded queue ──▶ decider thread
///                                            │ decide each command against the in-memory views
///                                            │ seal records into the chain, fold them into the views
///                                            ▼ encode the changed view entries
///                                           committer thread
///                                            │ ONE write transaction: log appends + changed view entries + head
///                                            │ commit (one fsync)
///     callers ◀──completion after commit─────┘
///
/// The decider works on batch N+1 while batch N is being committed. Readers use read-only
/// transactions (`read`) and never block the writer. docs/engine.md tells the whole story.
public final class Store: @unchecked Sendable {
    /// The views' persisted layout; a store with another is refolded from its log on open.
    /// 2: agenda keys carry the booking record; applicants apart from the pratica's status.
    /// 3: a per-pratica record index (`history`) and operators' accounts (`accounts`).
    /// 4: `history` keyed by sequence first; `pratiche` holds the permit state only (a booking
    /// writes no random-keyed entry).
    static let viewsFormat: UInt8 = 5

    public let directory: String
    /// The most commands one write transaction takes (`Limits.batchCommandsMax` unless a benchmark says otherwise).
    public let batchCommandsMax: Int
    public let environment: Environment
    let clock: @Sendable () -> Instant

    private struct Pending {
        /// Nil for a query, which reads the views at its place in the queue.
        let command: Command?
        let actor: Actor
        let requestID: String
        let query: ((Views) -> Void)?
        /// Runs just before the command is decided; an error refuses it unlogged.
        let check: ((Views) -> StoreError?)?
        /// `.success(nil)` answers a query.
        let completion: @Sendable (Result<Decision?, StoreError>) -> Void
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
    /// Called on the committer thread with each committed batch's new records, before the replies.
    private var observers: [@Sendable ([Record]) -> Void] = []
    /// Held while the store is open: one writer per data directory, across processes.
    private let writerLock: WriterLock
    /// Tests make the next commits fail, to check that a failed commit loses nothing acknowledged
    /// and leaves no half-written batch. Zero outside tests.
    let failingCommits = CommitFailures()

    /// What the writer has done since the store opened.
    public struct WriterStatistics: Sendable {
        /// Write transactions committed.
        public var batches = 0
        /// Commands answered by them.
        public var commands = 0
        /// Time spent deciding, sealing and folding (in memory).
        public var decideNanoseconds: UInt64 = 0
        /// Time from decided to durable (LMDB writes and fsync, and any wait behind the batch before).
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
        environment = try Environment(directory: directory, mapBytes: mapBytes)
        do {
            writerLock = try WriterLock(directory: directory)
        } catch {
            environment.close()
            throw error
        }
        let views: Views
        do {
            try rewriteViewsIfTheirLayoutChanged()
            views = try loadViews()
        } catch {
            environment.close()
            writerLock.release()
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

    // MARK: - Submitting

    /// Queues a command; `completion` runs on the committer thread once its record is durable
    /// (or at once with `.busy` when the queue is full, or `.closed`).
    public func submit(_ command: Command, actor: Actor, requestID: String = "",
                       check: (@Sendable (Views) -> StoreError?)? = nil,
                       completion: @escaping @Sendable (Result<Decision, StoreError>) -> Void) {
        enqueue(Pending(command: command, actor: actor, requestID: requestID, query: nil, check: check) { result in
            switch result {
            case .success(let decision?): completion(.success(decision))
            case .success(nil): preconditionFailure("a command was answered as a query")
            case .failure(let error): completion(.failure(error))
            }
        })
    }

    /// Reads the views in the writer's order: `body` runs on the decider after every command
    /// queued before it, and `completion` gets its answer once those commands are durable, so a
    /// reader never sees a booking that could still be lost. `body` must be quick and must not
    /// keep `views`.
    public func query<T: Sendable>(_ body: @escaping @Sendable (Views) -> T,
                                   completion: @escaping @Sendable (Result<T, StoreError>) -> Void) {
        let answer = QueryAnswer<T>()
        enqueue(Pending(command: nil, actor: .system, requestID: "", query: { answer.value = body($0) }, check: nil) { result in
            switch result {
            case .success:
                guard let value = answer.value else { preconditionFailure("a query was answered before it ran") }
                completion(.success(value))
            case .failure(let error):
                completion(.failure(error))
            }
        })
    }

    public func query<T: Sendable>(_ body: @escaping @Sendable (Views) -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            query(body) { continuation.resume(with: $0) }
        }
    }

    /// `handler` sees every committed record, in order, on the writer's thread, before the
    /// commands' replies leave. It must not block.
    public func observe(_ handler: @escaping @Sendable ([Record]) -> Void) {
        condition.lock()
        observers.append(handler)
        condition.unlock()
    }

    private func enqueue(_ pending: Pending) {
        let completion = pending.completion
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
        queue.append(pending)
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
        environment.close()
        writerLock.release()
    }

    // MARK: - Reading

    /// Runs `body` in a read-only transaction: a consistent snapshot of the last commit.
    public func read<T>(_ body: (ReadTransaction) throws -> T) throws -> T { try environment.read(body) }

    /// The last record's sequence number and hash (0 and the genesis hash for an empty log).
    public func head() throws -> (sequence: UInt64, hash: ChainHash) { try environment.head() }

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
        var results: [Result<Decision?, StoreError>] = []
        var completions: [@Sendable (Result<Decision?, StoreError>) -> Void] = []
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
        sealed.results = [Result<Decision?, StoreError>](repeating: .failure(.closed), count: batch.count)
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
            guard let command = item.command else {
                item.query?(state.views)
                sealed.results[index] = .success(nil)
                continue
            }
            if let problem = CommandCheck.problem(command, actor: item.actor, requestID: item.requestID) {
                sealed.results[index] = .failure(problem.isLimit ? .overLimit(problem.description) : .invalid(problem.description))
                continue
            }
            if let check = item.check, let refusal = check(state.views) {
                sealed.results[index] = .failure(refusal)
                continue
            }
            if !item.requestID.isEmpty,
               let first = state.views.requests[RequestKey(operator: item.actor.operator, requestID: item.requestID)] {
                if first > startHead, case .success(let original?) =
                    sealed.results[resultIndexBySequenceOffset[Int(first - startHead - 1)]] {
                    sealed.results[index] = .success(Decision(record: original.record, repeated: true))
                } else {
                    sealed.repeatedFromDisk.append((index, first))
                }
                continue
            }
            let sequence = state.views.headSequence + 1
            var ids = SequenceIDs(sequence: sequence)
            let outcome = Decider.decide(command, state.views, now: now, actor: item.actor, ids: &ids)
            let previous = state.views.headHash
            let hash = RecordCodec.seal(sequence: sequence, decidedAt: now, actor: item.actor, requestID: item.requestID,
                                        command: command, outcome: outcome, previousHash: previous,
                                        into: &state.sealWriter)
            sealed.spans.append((sequence, sealed.log.count, sealed.log.count + state.sealWriter.bytes.count))
            sealed.log.append(contentsOf: state.sealWriter.bytes)
            let record = Record(sequence: sequence, decidedAt: now, actor: item.actor, requestID: item.requestID,
                                command: command, outcome: outcome, previousHash: previous, hash: hash)
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
            let observers = self.observers
            condition.unlock()
            if !failed && !observers.isEmpty {
                let records = sealed.results.compactMap { result -> Record? in
                    guard case .success(let decision?) = result, !decision.repeated else { return nil }
                    return decision.record
                }
                if !records.isEmpty { for observer in observers { observer(records) } }
            }
            for (index, completion) in sealed.completions.enumerated() { completion(sealed.results[index]) }
        }
        committerFinished.signal()
    }

    /// One write transaction for the whole batch; on a full map, grow it and write again.
    private func commit(_ sealed: inout SealedBatch) throws(StoreError) {
        while true {
            do {
                try environment.writeTransaction { txn in
                    if failingCommits.takeOne() {
                        throw LMDBError(code: MDB_PANIC, operation: "commit (failure injected by a test)")
                    }
                    try sealed.log.withUnsafeBytes { bytes in
                        for span in sealed.spans {
                            var key = span.sequence.bigEndian
                            try withUnsafeMutableBytes(of: &key) { keyBytes in
                                try environment.put(txn, "log", UnsafeRawBufferPointer(keyBytes),
                                        UnsafeRawBufferPointer(rebasing: bytes[span.start..<span.end]), flags: UInt32(MDB_APPEND))
                            }
                        }
                    }
                    try sealed.viewBytes.withUnsafeBytes { bytes in
                        for write in sealed.viewWrites {
                            let database = Store.viewDatabases[write.database]
                            let key = UnsafeRawBufferPointer(rebasing: bytes[write.keyStart..<write.keyEnd])
                            if let valueEnd = write.valueEnd {
                                try environment.put(txn, database, key, UnsafeRawBufferPointer(rebasing: bytes[write.keyEnd..<valueEnd]),
                                        flags: 0)
                            } else {
                                try environment.delete(txn, database, key)
                            }
                        }
                    }
                    try environment.put(txn, "meta", Array("head".utf8),
                                        Environment.headEntry(sequence: sealed.headSequence, hash: sealed.headHash))
                    try environment.put(txn, "meta", Array("views-format".utf8), [Store.viewsFormat])
                    let reader = ReadTransaction(txn: txn, databases: environment.databases)
                    for (index, sequence) in sealed.repeatedFromDisk {
                        guard let record = try reader.record(sequence) else {
                            throw StoreError.corrupt("request id points at missing record \(sequence)")
                        }
                        sealed.results[index] = .success(Decision(record: record, repeated: true))
                    }
                }
                return
            } catch let error as LMDBError where error.isMapFull {
                environment.grow()
            } catch let error as LMDBError {
                throw .lmdb(error)
            } catch let error as StoreError {
                throw error
            } catch {
                throw .corrupt("\(error)")
            }
        }
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
            try environment.writeTransaction { txn in
                for database in ViewDatabase.allCases { try environment.empty(txn, database.rawValue) }
                for (database, entries) in ViewCodec.allEntries(views) {
                    for entry in entries {
                        try entry.key.withUnsafeBytes { key in
                            try entry.value.withUnsafeBytes { value in try environment.put(txn, database.rawValue, key, value, flags: 0) }
                        }
                    }
                }
                try environment.put(txn, "meta", Array("head".utf8),
                                    Environment.headEntry(sequence: views.headSequence, hash: views.headHash))
                try environment.put(txn, "meta", Array("views-format".utf8), [Store.viewsFormat])
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
        let (headSequence, headHash) = try Environment.head(try txn.get("meta", Array("head".utf8)))
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

/// Written by the decider, read by the completion after the commit: the handoff orders them.
private final class QueryAnswer<T>: @unchecked Sendable {
    var value: T?
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

extension Store {
    /// Executes many commands in order and returns their decisions. Submits them in chunks of
    /// one batch, a few chunks ahead, and wakes once per chunk rather than once per command.
    public func executeAll(_ commands: [Command], actor: Actor, chunksInFlightMax: Int = 4) throws(StoreError) -> [Decision] {
        let results = DecisionList(count: commands.count)
        let chunksInFlight = DispatchSemaphore(value: chunksInFlightMax)
        let group = DispatchGroup()
        var start = 0
        while start < commands.count {
            let end = min(start + batchCommandsMax, commands.count)
            chunksInFlight.wait()
            group.enter()
            let chunk = ChunkCounter(remaining: end - start) {
                chunksInFlight.signal()
                group.leave()
            }
            for index in start..<end {
                // `busy` is answered at once, on this thread: other callers filled the queue.
                // A bulk caller waits its turn rather than failing.
                let refused = BusyFlag()
                repeat {
                    refused.value = false
                    submit(commands[index], actor: actor) { result in
                        if case .failure(.busy) = result {
                            refused.value = true
                            return
                        }
                        results.set(index, result)
                        chunk.finishOne()
                    }
                    if refused.value { usleep(1_000) }
                } while refused.value
            }
            start = end
        }
        group.wait()
        return try results.values.map { result throws(StoreError) in
            guard let result else { preconditionFailure("every completion ran before the group was left") }
            return try result.get()
        }
    }
}

/// How many of the next commits fail on purpose (tests only).
final class CommitFailures: @unchecked Sendable {
    private let lock = NSLock()
    private var remaining = 0
    func fail(next count: Int) {
        lock.lock()
        remaining = count
        lock.unlock()
    }
    func takeOne() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard remaining > 0 else { return false }
        remaining -= 1
        return true
    }
}

/// Set only by a `busy` answer, which `submit` gives synchronously on the caller's thread.
private final class BusyFlag: @unchecked Sendable {
    var value = false
}

/// Counts a chunk's outstanding commands down and runs `done` once, at zero.
private final class ChunkCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var remaining: Int
    private let done: @Sendable () -> Void
    init(remaining: Int, done: @escaping @Sendable () -> Void) {
        self.remaining = remaining
        self.done = done
    }
    func finishOne() {
        lock.lock()
        remaining -= 1
        let finished = remaining == 0
        lock.unlock()
        if finished { done() }
    }
}

private final class DecisionList: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Result<Decision, StoreError>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ result: Result<Decision, StoreError>) {
        lock.lock()
        values[index] = result
        lock.unlock()
    }
}
