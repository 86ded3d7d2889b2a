/// Something the audit found wrong with the log, at one record. `kind` is a stable name
/// (docs/audit.md lists them); `detail` says what differs, in a sentence.
public struct Finding: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// The chain: a sequence number missing, a link broken, a hash that does not verify, a
        /// record that does not decode, `meta` `head` that does not name the last record.
        case missingRecord = "missing-record"
        case brokenLink = "broken-link"
        case hashMismatch = "hash-mismatch"
        case undecodable
        case headMismatch = "head-mismatch"
        /// A head published earlier (`--expect-head`) or a trusted checkpoint (`--from`) that
        /// this log no longer holds: the history was rewritten (and perhaps rehashed).
        case publishedHeadMismatch = "published-head-mismatch"
        case checkpointMismatch = "checkpoint-mismatch"
        /// A signed head (`--expect-head SIZE:HASH:ROOT:SIGNATURE`) whose signature the key does
        /// not verify, or with no key to check it with.
        case signatureInvalid = "signature-invalid"
        /// A signed head whose Merkle root is not the root of the log's first SIZE records.
        case treeRootMismatch = "tree-root-mismatch"
        /// Re-deciding the command against the state before it gives another outcome.
        case outcomeDiffers = "outcome-differs"
        /// The writer refuses this command before deciding it (a shape limit), so it cannot be in the log.
        case refusedShape = "refused-shape"
        /// A request id its operator had used before: a repeat appends nothing, so it cannot be in the log.
        case repeatedRequestID = "repeated-request-id"
        /// A booking seated where the slot was full, or on a closed day, or at a time that is not a slot.
        case overCapacity = "over-capacity"
        /// A move (defer or close-day) that landed on a closed day, a missing slot or a full one.
        case deferralNotOpen = "deferral-not-open"
        /// A permit handed over (or its pickup booked) before it was marked ready.
        case pickupWithoutReadyPermit = "pickup-without-ready-permit"
        /// An event that contradicts the state before it: an unknown appointment, an id used twice,
        /// an appointment moved from where it was not.
        case inconsistentEvent = "inconsistent-event"
        /// The state after this record is unknown (a missing record, an event that cannot be
        /// folded): later records are checked for the chain only.
        case redecisionStopped = "redecision-stopped"
    }

    public var sequence: UInt64
    public var kind: Kind
    public var detail: String

    public init(_ sequence: UInt64, _ kind: Kind, _ detail: String) {
        self.sequence = sequence
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "record \(sequence): \(kind.rawValue): \(detail)" }

    public var json: JSON {
        .object([("sequence", .unsigned(sequence)), ("kind", .string(kind.rawValue)), ("detail", .string(detail))])
    }
}
