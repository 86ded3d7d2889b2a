import Foundation

/// Two stages on two threads: a producer (reading LMDB, hashing, decoding) hands chunks of
/// items to a consumer (folding, re-deciding) on the calling thread. The machine has two
/// cores; a replay that did both on one would leave the other idle.
///
///     producer thread ──chunk──▶ [ up to `Limits.pipelineChunksMax` chunks ] ──chunk──▶ consumer (caller)
///
/// The producer reads the log as it stood when it began, in windows of read transactions
/// (`Environment.scanInWindows`). If the consumer stops early (returns false or throws) the
/// producer is told to stop and is waited for, so its transaction is closed before this returns.
enum Pipeline {
    /// `pipelined: false` runs both stages on the calling thread, one chunk after the other:
    /// the single-thread path the tests hold the pipeline's findings to.
    static func run<Item>(produce: @escaping @Sendable (_ emit: ([Item]) -> Bool) throws -> Void,
                          consume: ([Item]) throws -> Bool, pipelined: Bool = true) throws {
        if !pipelined {
            var failure: Error?
            var stopped = false
            try produce { chunk in
                guard !stopped else { return false }
                do {
                    stopped = try !consume(chunk)
                } catch {
                    failure = error
                    stopped = true
                }
                return !stopped
            }
            if let failure { throw failure }
            return
        }
        let handoff = Handoff<Item>(chunksMax: ReplayLimits.pipelineChunksMax)
        let producer = Thread {
            do {
                try produce { chunk in handoff.put(chunk) }
                handoff.finish(nil)
            } catch {
                handoff.finish(error)
            }
        }
        producer.name = "replay-producer"
        producer.stackSize = 8 << 20
        producer.start()
        do {
            while let chunk = handoff.take() {
                guard try consume(chunk) else { break }
            }
        } catch {
            handoff.cancelAndWait()
            throw error
        }
        handoff.cancelAndWait()
        if let failure = handoff.failure { throw failure }
    }
}

/// A producer's items gathered into chunks of `ReplayLimits.pipelineChunkRecords`, each full
/// one handed to `emit` (the pipeline's), which says whether to go on.
struct Chunks<Item> {
    private var items: [Item] = []
    /// The consumer stopped: the producer stops too.
    private(set) var stopped = false

    init() { items.reserveCapacity(ReplayLimits.pipelineChunkRecords) }

    /// Adds an item; false once the consumer has stopped.
    mutating func add(_ item: Item, _ emit: ([Item]) -> Bool) -> Bool {
        items.append(item)
        guard items.count == ReplayLimits.pipelineChunkRecords else { return true }
        guard emit(items) else {
            stopped = true
            return false
        }
        items.removeAll(keepingCapacity: true)
        return true
    }

    /// Hands over the last, partial chunk, unless the consumer stopped.
    mutating func flush(_ emit: ([Item]) -> Bool) {
        if !stopped && !items.isEmpty { _ = emit(items) }
        items.removeAll()
    }
}

/// The chunks between the two threads, under one condition variable.
private final class Handoff<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [[Item]] = []
    private var finished = false
    private var cancelled = false
    private(set) var failure: Error?
    private let chunksMax: Int

    init(chunksMax: Int) { self.chunksMax = chunksMax }

    /// False when the consumer has stopped: the producer should stop too.
    func put(_ chunk: [Item]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= chunksMax && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        chunks.append(chunk)
        condition.broadcast()
        return true
    }

    /// The next chunk, or nil when the producer is done.
    func take() -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty && !finished { condition.wait() }
        guard !chunks.isEmpty else { return nil }
        let chunk = chunks.removeFirst()
        condition.broadcast()
        return chunk
    }

    func finish(_ error: Error?) {
        condition.lock()
        failure = error
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    func cancelAndWait() {
        condition.lock()
        cancelled = true
        chunks.removeAll()
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }
}

/// The replay tool's own limits, each with the reason for its number.
public enum ReplayLimits {
    /// Records per chunk handed between threads: enough to make the hand-off's lock cheap per
    /// record, few enough that a chunk's records stay in the cache.
    public static let pipelineChunkRecords = 1_024
    /// Chunks waiting between the threads: the producer runs a little ahead, never the whole log.
    public static let pipelineChunksMax = 8
    /// Findings an audit keeps to print; past this it only counts them (a log rewritten from the
    /// start could otherwise fill memory with millions of the same finding).
    public static let findingsKeptMax = 1_000
    /// Differences `rebuild` names per view database before it only counts them.
    public static let differencesShownMax = 10
    /// Log records one read transaction of a long read takes (about 20 MB of log): a rebuild,
    /// audit or dump renews its snapshot after each window, so a node writing beside it can
    /// reuse the pages it frees instead of growing its file (docs/audit.md).
    public static let readWindowRecords = 100_000
    /// Records between two checkpoints unless `--every` says otherwise: each is the whole
    /// folded state (0.2 GB per million records of the bench history), and a query from one
    /// folds at most this many records (seconds at replay's fold speed; docs/audit.md).
    public static let checkpointEveryRecords: UInt64 = 1_000_000
    /// How often (in records) the long runs report progress.
    public static let progressEveryRecords: UInt64 = 1 << 16
}
