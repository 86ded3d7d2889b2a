import Events
import Projections
#if canImport(Glibc)
import Glibc
#endif

/// The one path from a command to a record: "this command, from this actor, with this request
/// id, at this instant, against this state → the sealed record, its outcome, and the state
/// change". The writer, `replay` (audit, what-if, simulate), the benchmarks and the tests all
/// step through it; nothing else decides, seals or folds.
///
///     step ─▶ CommandCheck (shape)          a failure is refused, not logged
///          ─▶ request id seen?              the first record answers; nothing is appended
///          ─▶ Decider.decide                who may act, then the rules        (pure)
///          ─▶ RecordCodec.seal              the record's bytes and its SHA-256 link
///          ─▶ Views.apply                   the fold, noting what changed
public struct EngineCore: Sendable {
    public private(set) var views: Views
    /// What the steps since the last `takeChanges` changed, for the views' persistence.
    public private(set) var changes = Changes()
    /// The last decided record's stored bytes, valid until the next step.
    public private(set) var sealed = ByteWriter(capacity: 512)
    /// When set, each step adds the time of its three phases (the benchmark's breakdown).
    public var timings: StepTimings?

    /// The applicants' keys: with them, each new registration's personal data is sealed
    /// before it is decided (the writer's; nil in replay, which re-decides recorded commands, and
    /// in the simulator and the tests, which write data in clear).
    public var keys: (any ApplicantKeys)?

    public init(views: Views = Views(), keys: (any ApplicantKeys)? = nil) {
        self.views = views
        self.keys = keys
    }

    /// The command as it will be recorded: a registration in clear, with keys at hand, gets
    /// its keyed hashes and its box (sealed in this record), even one the rules will refuse: a
    /// refusal is a record too, and must hold no personal data in clear.
    func sealing(_ command: Command) -> Command {
        guard let keys, case .registerPratica(let applicant) = command, applicant.seal == nil,
              let key = keys.sealingKey(for: applicant.pratica) else { return command }
        var tagged = ApplicantSealing.tagged(applicant, indexKey: keys.indexKey)
        let box = ApplicantSealing.box(tagged, key: key, sequence: views.headSequence + 1)
        tagged.seal?.box = box
        return .registerPratica(tagged)
    }

    /// What a step came to.
    public enum Step: Sendable {
        /// Refused before deciding: a named limit passed or a malformed value. Nothing logged.
        case refused(CommandProblem)
        /// The request id was seen: the first record, `sequence`, is the answer. Nothing logged.
        case repeated(sequence: UInt64)
        /// A new record, sealed onto the chain and folded; `sealed` holds its bytes.
        case decided(Record)
    }

    /// Decides, seals and folds one command.
    public mutating func step(_ command: Command, actor: Actor, requestID: String = "", now: Instant) -> Step {
        if let problem = CommandCheck.problem(command, actor: actor, requestID: requestID) { return .refused(problem) }
        if !requestID.isEmpty, let first = views.requests[RequestKey(operator: actor.operator, requestID: requestID)] {
            return .repeated(sequence: first)
        }
        return .decided(decide(command, actor: actor, requestID: requestID, now: now))
    }

    /// Decides, seals and folds one command, whatever its request id: replay re-running a log
    /// where ids repeat across operators, and the tests.
    public mutating func decide(_ command: Command, actor: Actor, requestID: String = "", now: Instant) -> Record {
        let command = sealing(command)
        let started = timings == nil ? 0 : StepTimings.now()
        let sequence = views.headSequence + 1
        let outcome = self.outcome(of: command, actor: actor, now: now)
        let decided = timings == nil ? 0 : StepTimings.now()
        let previous = views.headHash
        let hash = RecordCodec.seal(sequence: sequence, decidedAt: now, actor: actor, requestID: requestID,
                                    command: command, outcome: outcome, previousHash: previous, into: &sealed)
        let record = Record(sequence: sequence, decidedAt: now, actor: actor, requestID: requestID, command: command,
                            outcome: outcome, previousHash: previous, hash: hash)
        let sealedAt = timings == nil ? 0 : StepTimings.now()
        views.apply(record, changes: &changes)
        if timings != nil {
            let folded = StepTimings.now()
            timings?.decideNanoseconds += decided - started
            timings?.sealNanoseconds += sealedAt - decided
            timings?.foldNanoseconds += folded - sealedAt
        }
        return record
    }

    /// What deciding `command` as the next record comes to against the current state, without
    /// sealing or folding it: `replay audit` compares it with the recorded outcome, and
    /// what-if asks whether a proposed configuration would be accepted.
    public func outcome(of command: Command, actor: Actor, now: Instant) -> Outcome {
        var ids = SequenceIDs(sequence: views.headSequence + 1)
        return Decider.decide(command, views, now: now, actor: actor, ids: &ids)
    }

    /// Folds a record already in a log (rebuild, as-of, the store's refold, the audit).
    public mutating func fold(_ record: Record) {
        views.apply(record, changes: &changes)
    }

    /// Hands the changes over to be written, and starts collecting anew.
    public mutating func takeChanges(_ body: (Views, Changes) throws -> Void) rethrows {
        try body(views, changes)
        changes.removeAll()
    }

    /// Forgets what changed without writing it (a fold whose views are not persisted).
    public mutating func discardChanges() { changes.removeAll() }
}

/// Where a step's time went (`EngineCore.timings`).
public struct StepTimings: Sendable {
    public var decideNanoseconds: UInt64 = 0
    public var sealNanoseconds: UInt64 = 0
    public var foldNanoseconds: UInt64 = 0
    public init() {}

    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
