import Engine
import Events
import Projections

/// Re-decides records one by one against the state just before each, as the writer decided
/// them (`Store`'s decider thread): the same shape checks, the same request-id rule, the same
/// decision (`EngineCore.outcome`) with the record's own decision time, actor and
/// sequence-derived ids. Then it checks the recorded outcome's invariants and folds the
/// recorded outcome through the engine's fold, so the next record is judged against the state
/// the node really had. No clock; LMDB only through a `ViewFold`, if given one: then the state
/// is the working set, written to its scratch directory and read back every so many records,
/// so an audit's memory is the working set's, not the history's.
public struct Auditor {
    private var core = EngineCore()
    private var viewFold: ViewFold?
    public var views: Views { viewFold?.core.views ?? core.views }
    /// Records folded since `changes` was last emptied: nothing reads it, so it is emptied
    /// now and then rather than after every record.
    private var foldedSinceClearing = 0
    /// False once the state is unknown (a record missing, an event that cannot be folded).
    public private(set) var following = true
    /// How many records were re-decided.
    public private(set) var redecided: UInt64 = 0

    public init() {}

    /// Continues from views folded through some record (a checkpoint's).
    public init(views: Views) { core = EngineCore(views: views) }

    /// Folds through `fold`, continuing from what its directory holds.
    public init(fold: ViewFold) { viewFold = fold }

    /// Folds a record before a trusted checkpoint, unchecked: `--from` vouches for it.
    public mutating func trust(_ record: Record, findings: inout [Finding]) throws {
        guard following else { return }
        guard record.sequence == views.headSequence + 1 else {
            stop(at: record.sequence, "record \(views.headSequence + 1) is missing before the checkpoint", &findings)
            return
        }
        try fold(record)
    }

    /// Re-decides `record`, checks its outcome's invariants, and folds it. `shapeChecked`: the
    /// caller has already run `CommandCheck` on it (on another thread) and reported what it found.
    public mutating func audit(_ record: Record, shapeChecked: Bool = false, findings: inout [Finding]) throws {
        guard following else { return }
        guard record.sequence == views.headSequence + 1 else {
            stop(at: record.sequence, "record \(views.headSequence + 1) is missing, so the state before this one is unknown",
                 &findings)
            return
        }
        // What the writer does before deciding: a command that fails these never becomes a record.
        if !shapeChecked, let finding = Auditor.shapeFinding(record) { findings.append(finding) }
        if !record.requestID.isEmpty,
           let first = views.requests[RequestKey(operator: record.actor.operator, requestID: record.requestID)] {
            findings.append(Finding(record.sequence, .repeatedRequestID,
                                    "request id \"\(record.requestID)\" of \(record.actor.operator) was first carried by "
                                        + "record \(first); a repeat is answered from that record and appends nothing"))
        }
        let expected = viewFold?.core.outcome(of: record.command, actor: record.actor, now: record.decidedAt)
            ?? core.outcome(of: record.command, actor: record.actor, now: record.decidedAt)
        redecided += 1
        if expected != record.outcome {
            findings.append(Finding(record.sequence, .outcomeDiffers, Auditor.difference(record.outcome, expected)))
        }
        let events = record.outcome.events
        if !events.isEmpty {
            let check = InvariantCheck.check(events, sequence: record.sequence, against: views)
            findings.append(contentsOf: check.findings)
            guard check.foldable else {
                stop(at: record.sequence, "its recorded outcome cannot be applied to the state before it", &findings)
                return
            }
        }
        try fold(record)
    }

    /// A record that did not decode: nothing after it can be re-decided.
    public mutating func lose(_ sequence: UInt64, findings: inout [Finding]) {
        guard following else { return }
        stop(at: sequence, "the record does not decode, so the state after it is unknown", &findings)
    }

    /// What the writer does before deciding: a command that fails these never becomes a record.
    public static func shapeFinding(_ record: Record) -> Finding? {
        guard let problem = CommandCheck.problem(record.command, actor: record.actor, requestID: record.requestID) else {
            return nil
        }
        return Finding(record.sequence, .refusedShape,
                       "the writer refuses this command before deciding it (\(problem)), yet it was logged")
    }

    private mutating func stop(at sequence: UInt64, _ why: String, _ findings: inout [Finding]) {
        following = false
        findings.append(Finding(sequence, .redecisionStopped,
                                "\(why); later records are checked for the chain only"))
    }

    private mutating func fold(_ record: Record) throws {
        // Chain findings are reported by the chain check; the fold only needs the state to follow.
        var linked = record
        linked.previousHash = views.headHash
        if viewFold != nil {
            try viewFold!.fold(linked)
            return
        }
        core.fold(linked)
        foldedSinceClearing += 1
        if foldedSinceClearing == ReplayLimits.pipelineChunkRecords {
            core.discardChanges()
            foldedSinceClearing = 0
        }
    }

    /// "recorded: …; re-decided: …", in words when they differ in words, else in JSON.
    static func difference(_ recorded: Outcome, _ expected: Outcome) -> String {
        let recordedText = RecordText.outcome(recorded)
        let expectedText = RecordText.outcome(expected)
        if recordedText != expectedText { return "recorded: \(recordedText) — re-decided: \(expectedText)" }
        return "recorded: \(RecordJSON.outcome(recorded).text) — re-decided: \(RecordJSON.outcome(expected).text)"
    }
}
