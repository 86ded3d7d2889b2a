/// Every limit of the engine, named, with the reason for its number.
public enum Limits {
    /// One commit per batch: large enough to amortise the fsync, small enough to bound latency
    /// (a batch of 1,024 books is decided and written in a few milliseconds).
    public static let batchCommandsMax = 1_024
    /// Commands waiting for the writer. Sixteen batches: past that the writer is behind by
    /// tens of milliseconds and callers get `busy` instead of growing an unbounded queue.
    public static let queueCommandsMax = 16_384
    /// How many entries read from or changed in LMDB the writer's views may hold beyond the
    /// working set before it drops them (once what it decided is committed) and loads the
    /// working set anew. A booking of a pratica not yet held adds three or four (appointment,
    /// pratica, history, request id), so this is some 50,000 bookings between loads; with it a
    /// node's RssAnon stayed at 190 MB through 400,000 BOOKs (`scripts/bench-protocol.sh`;
    /// 344 MB with 500,000). Each load waits for the commits in flight, moves the history
    /// tail and reads the working set: the p99 latency shows it.
    public static let heldEntriesMax = 200_000
    /// Records a `ViewFold` (replay's checkpoints) folds between writes of what changed: each
    /// write is one transaction, and the working set loaded after it, so a fold's memory stays
    /// that of the working set plus this many records' changes.
    public static let viewFoldFlushRecords = 250_000
    /// What a `ViewFold`'s views may hold beyond the working set before it writes and reloads:
    /// five times the writer's, since replay has no latency to keep and each reload costs a
    /// scan of the working set (on the 10M-record bench history RssAnon stayed near 100 MB
    /// with the writer's 200,000).
    public static let viewFoldHeldEntriesMax = 1_000_000
    /// Records the store adds to the Merkle tree per write transaction when it builds the tree
    /// of a directory written before it (the values of one transaction are held in memory:
    /// some 40 MB of records).
    public static let treeBuildRecordsPerCommit: UInt64 = 100_000
    /// Applicants' keys a `KeyRing` keeps in memory (32 bytes each) before it drops them and
    /// reads them again from its environment: about 10 MB.
    public static let keyCacheMax = 200_000
    /// The keys environment's map: a key is some 100 bytes on disk, so room for millions.
    public static let keysMapBytes = 1 << 30
    /// The most erasures one `tick` decides: a record stays small, and the keys' compaction
    /// after its commit bounded. What is left falls to the next tick.
    public static let erasuresPerTickMax = 1_000
    /// How often the node looks whether anything falls due (a retention period that ended),
    /// and appends a `tick` when it does.
    public static let clockCheckSeconds = 60
    /// The outbox's retries (docs/outbox.md): the first after this wait, then doubling, at most
    /// `outboxRetryMaxMs` apart; after `outboxAttemptsMax` attempts an entry is parked (kept,
    /// reported in INFO and the metrics, no longer tried).
    public static let outboxRetryFirstMs: Int64 = 2_000
    public static let outboxRetryMaxMs: Int64 = 15 * 60_000
    public static let outboxAttemptsMax: UInt16 = 12
    /// A webhook receiver that refuses what it was sent (400, 401, 403, 404, 410, 413, 422) is
    /// tried this many times, not `outboxAttemptsMax`: the same bytes get the same answer, and
    /// a few tries cover a receiver being redeployed.
    public static let outboxRefusedAttemptsMax: UInt16 = 3
    /// The most records the follower files in one transaction of its own.
    public static let outboxRecordsPerStep = 2_000
    /// The most deliveries in flight at once, and per receiver one at a time.
    public static let outboxDeliveriesInFlightMax = 16
    /// How long a webhook receiver or the SMTP relay has to answer one attempt.
    public static let outboxAttemptTimeoutSeconds = 10
    /// Ids (office, service, pratica, appointment, visto, operator, body, request id): the
    /// longest real one is about 20 bytes.
    public static let idBytesMax = 64
    /// Free text (reasons, names): a sentence, not a document.
    public static let textBytesMax = 512
    /// An office's closed days: 23 years of holidays is about 300; ten times that is plenty.
    public static let closedDaysMax = 4_096
    /// Services per office: five today.
    public static let servicesMax = 32
    /// Opening intervals per service and weekday: morning and afternoon, with room for more breaks.
    public static let intervalsPerDayMax = 8
    /// Places in one slot: a counter with many windows still serves fewer.
    public static let capacityPerSlotMax: UInt16 = 1_000
    /// Places in one office's day across its services: a busy Questura sees hundreds. A
    /// close-day records one event per appointment it moves, and a record holds 65,535.
    public static let placesPerDayMax = 50_000
    /// How far ahead `close-day` looks for room for the day's appointments, beyond the horizon if need be.
    public static let closeDaySearchDaysMax = 366
    /// The booking horizon can be at most two years.
    public static let horizonDaysMax: UInt16 = 730
    /// The map starts at 1 GiB and doubles when it fills: LMDB reserves address space, not disk.
    public static let mapBytesInitial = 1 << 30
    /// Named databases: the log, meta and eight views, with room to add.
    public static let databasesMax: UInt32 = 32
}
