import Events

/// Walks the chain and, unlike `ChainWalker`, goes on past a finding: an auditor wants every
/// damaged place, not the first. After each record it takes the record's stored hash as the
/// next link, so one changed record is reported once (and a broken link once, at the record
/// after a changed hash), not at every record behind it.
public struct ChainCheck: Sendable {
    public private(set) var expectedSequence: UInt64
    public private(set) var previousHash: ChainHash

    /// From the first record, or from a trusted checkpoint: the record after `sequence`, whose hash was `hash`.
    public init(after sequence: UInt64 = 0, hash: ChainHash = .genesis) {
        expectedSequence = sequence + 1
        previousHash = hash
    }

    /// Checks one stored value; appends what it finds.
    public mutating func check(sequence: UInt64, value: UnsafeRawBufferPointer, into findings: inout [Finding]) {
        if sequence != expectedSequence {
            let missing = sequence == expectedSequence + 1 ? "\(expectedSequence)" : "\(expectedSequence) to \(sequence - 1)"
            findings.append(Finding(sequence, .missingRecord,
                                    "record \(missing) missing: after record \(expectedSequence - 1) the next key is \(sequence)"))
        }
        expectedSequence = sequence + 1
        guard value.count > RecordCodec.trailerBytes else {
            findings.append(Finding(sequence, .undecodable, "the value is \(value.count) bytes, shorter than its two hashes"))
            return
        }
        let start = value.count - RecordCodec.trailerBytes
        let stated = ChainHash(bytes: UnsafeRawBufferPointer(rebasing: value[start..<(start + 32)]))
        let stored = ChainHash(bytes: UnsafeRawBufferPointer(rebasing: value[(start + 32)...]))
        if stated != previousHash {
            findings.append(Finding(sequence, .brokenLink,
                                    "links to \(stated), but the record before it hashes to \(previousHash)"))
        }
        let recomputed = ChainHash.link(previous: stated, sequence: sequence,
                                        payload: UnsafeRawBufferPointer(rebasing: value[..<start]))
        if recomputed != stored {
            findings.append(Finding(sequence, .hashMismatch,
                                    "stores hash \(stored) but its bytes hash to \(recomputed): the record was changed"))
        }
        previousHash = stored
    }
}

/// A sequence number and a hash, as `replay head` prints them (`3321:3ecb…`): a published
/// head, or a trusted checkpoint.
public struct Checkpoint: Equatable, Sendable, CustomStringConvertible {
    public var sequence: UInt64
    public var hash: ChainHash

    public init(sequence: UInt64, hash: ChainHash) {
        self.sequence = sequence
        self.hash = hash
    }

    /// Parses `SEQ:HASH` (64 hex digits).
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let sequence = UInt64(parts[0]), sequence > 0, let hash = ChainHash(hex: parts[1]) else {
            return nil
        }
        self.init(sequence: sequence, hash: hash)
    }

    public var description: String { "\(sequence):\(hash)" }
}
