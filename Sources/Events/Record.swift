/// One entry of the log: a command, who sent it and when it was decided, its outcome, and the
/// hash chain. The LMDB key is the sequence number (big-endian UInt64, from 1).
public struct Record: Equatable, Sendable {
    public var sequence: UInt64
    public var decidedAt: Instant
    public var actor: Actor
    /// The client's request id; empty when the client sent none.
    public var requestID: String
    public var command: Command
    public var outcome: Outcome
    public var previousHash: ChainHash
    public var hash: ChainHash

    public init(sequence: UInt64, decidedAt: Instant, actor: Actor, requestID: String, command: Command,
                outcome: Outcome, previousHash: ChainHash, hash: ChainHash) {
        self.sequence = sequence
        self.decidedAt = decidedAt
        self.actor = actor
        self.requestID = requestID
        self.command = command
        self.outcome = outcome
        self.previousHash = previousHash
        self.hash = hash
    }
}
