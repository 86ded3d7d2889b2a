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
    /// What the reply shows, as it stood right after `record` (the same for a repeat).
    public let subjects: Subjects

    public init(record: Record, repeated: Bool, subjects: Subjects = Subjects()) {
        self.record = record
        self.repeated = repeated
        self.subjects = subjects
    }
}

/// The LMDB environment and its single writer. This file holds what callers use; the writer's
/// two threads are in Store+Decider.swift and Store+Committer.swift, opening and the views'
/// persistence in Store+Views.swift, bulk submission in Store+ExecuteAll.swift.
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
    /// 5: channels, migrated seats and applicant accounts in the appointments and days.
    /// 6: `history` keyed by pratica, its value the appointment a booking made (a pratica is
    /// read back from it), written through `history-tail`; `applicant-index` for STATUS. The
    /// views load their working set only.
    /// 7: `applicants` values say whether the data is in clear, sealed or erased; sealed data is
    /// indexed by its keyed hashes (`visti`, `applicant-index`).
    /// 8: `pratiche` values carry the pickup day; `retention` indexes the sealed pratiche
    /// picked up, for the clock.
    public static let viewsFormat: UInt8 = 8

    public let directory: String
    /// The most commands one write transaction takes (`Limits.batchCommandsMax` unless a benchmark says otherwise).
    public let batchCommandsMax: Int
    /// What the writer's views may hold beyond the working set (`Limits.heldEntriesMax` unless a test says otherwise).
    public let heldEntriesMax: Int
    public let environment: Environment
    /// The applicants' keys (`DIR/keys`): new registrations are sealed with them.
    public let keyRing: KeyRing
    /// False: registrations are recorded in clear (the simulator's synthetic applicants, whose
    /// log must be the same byte for byte from one run to the next).
    public let sealsApplicants: Bool
    let clock: @Sendable () -> Instant

    struct Pending {
        /// Nil for a query, which reads the views at its place in the queue.
        let command: Command?
        let actor: Actor
        let requestID: String
        let query: ((Views) -> Void)?
        /// Runs just before the command is decided; an error answers it unlogged. Not for who may
        /// act (that is the engine's, and logged): REGISTER's "these very data are already in".
        let check: ((Views) -> StoreError?)?
        /// `.success(nil)` answers a query.
        let completion: @Sendable (Result<Decision?, StoreError>) -> Void
    }

    let condition = NSCondition()
    var queue: [Pending] = []
    var stopping = false
    private var closed = false
    // Between the decider and the committer, under `handoff`.
    let handoff = NSCondition()
    var sealedBatches: [SealedBatch] = []
    var committing = false
    var deciderFinished = false
    /// The epoch of the batch whose commit failed: batches decided on top of it fail too.
    var failedEpoch: Int?
    let committerFinished = DispatchSemaphore(value: 0)
    var totals = WriterStatistics()
    /// Called on the committer thread with each committed batch's new records, before the replies.
    var observers: [@Sendable ([Record]) -> Void] = []
    /// Held while the store is open: one writer per data directory, across processes.
    private let writerLock: WriterLock
    /// The offices' configurations in force, as the decider last folded them: for the
    /// permission checks a front-end makes before it reads (`Permissions.refusal(reading:)`),
    /// which need an office's province. Under `officesLock`.
    private var publishedOffices: [OfficeID: OfficeView] = [:]
    private let officesLock = NSLock()
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
        /// Times the views dropped what they held beyond the working set and loaded it anew.
        public var workingSetLoads = 0
    }

    public var offices: [OfficeID: OfficeView] { officesLock.withLock { publishedOffices } }

    func publish(_ offices: [OfficeID: OfficeView]) { officesLock.withLock { publishedOffices = offices } }

    public var statistics: WriterStatistics {
        condition.lock()
        defer { condition.unlock() }
        return totals
    }

    public static let systemClock: @Sendable () -> Instant = {
        Instant(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// Opens (creating if needed) the environment in `directory` and starts the writer.
    /// `treeProgress` hears of the Merkle tree being built, in a directory written before it.
    public init(directory: String, clock: @escaping @Sendable () -> Instant = Store.systemClock,
                mapBytes: Int = Limits.mapBytesInitial, batchCommandsMax: Int = Limits.batchCommandsMax,
                heldEntriesMax: Int = Limits.heldEntriesMax, sealsApplicants: Bool = true,
                treeProgress: (UInt64, UInt64) -> Void = { _, _ in }) throws(StoreError) {
        precondition((1...Limits.batchCommandsMax).contains(batchCommandsMax), "batchCommandsMax out of range")
        self.directory = directory
        self.batchCommandsMax = batchCommandsMax
        self.heldEntriesMax = heldEntriesMax
        self.clock = clock
        self.sealsApplicants = sealsApplicants
        environment = try Environment(directory: directory, mapBytes: mapBytes)
        do {
            writerLock = try WriterLock(directory: directory)
        } catch {
            environment.close()
            throw error
        }
        do throws(StoreError) {
            guard let keys = try KeyRing.open(dataDirectory: directory, readOnly: false) else {
                throw StoreError.cannotOpen("cannot open the applicants' keys in \(directory)")
            }
            keyRing = keys
        } catch {
            environment.close()
            writerLock.release()
            throw error
        }
        // Opening reads the log's last entry, once, and the views: never the log from its first
        // record (OpeningTests counts it), so a node over years of history opens as fast as its
        // views load.
        let views: Views
        let lastDecidedAt: Instant?
        do throws(StoreError) {
            let last = try StoreError.typed { try read { try $0.last("log") } }
            try rewriteViewsIfTheirLayoutChanged(logIsEmpty: last == nil)
            indexHistoryTail()
            // A directory written before the Merkle tree (or whose tree was removed) gets it
            // now, from the log; a whole tree costs one read of its size.
            try StoreError.typed { try environment.buildTree(progress: treeProgress) }
            views = try loadViews(last: last)
            try finishErasures(views)
            // Decision times continue from the last record's, whatever the clock says after a restart.
            lastDecidedAt = try StoreError.typed {
                try last.map { last in
                    try RecordCodec.decode(sequence: last.key.withUnsafeBytes { try LogKey.sequence($0) },
                                           value: last.value).decidedAt
                }
            }
        } catch {
            keyRing.close()
            environment.close()
            writerLock.release()
            throw error
        }
        publish(views.offices)
        let decider = Thread { [self] in runDecider(views, lastDecidedAt: lastDecidedAt) }
        decider.name = "agenda-decider"
        decider.start()
        let committer = Thread { [self] in runCommitter() }
        committer.name = "agenda-committer"
        committer.start()
    }

    /// Erasures committed whose keys a crash left behind are finished; marks of erasures that
    /// never committed are dropped.
    private func finishErasures(_ views: Views) throws(StoreError) {
        try StoreError.typed {
            let marked = try keyRing.markedErasures()
            guard !marked.isEmpty else { return }
            try keyRing.destroy(marked.filter { views.pratiche[$0]?.applicant.isErased == true })
            try keyRing.unmark(marked.filter { views.pratiche[$0]?.applicant.isErased != true })
        }
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
        keyRing.close()
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
}

/// Written by the decider, read by the completion after the commit: the handoff orders them.
private final class QueryAnswer<T>: @unchecked Sendable {
    var value: T?
}

private final class ResultBox: @unchecked Sendable {
    var result: Result<Decision, StoreError>?
}
