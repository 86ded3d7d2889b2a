/// Walks a log in key order and checks every link: sequence numbers contiguous from the
/// start, each record's stated previous hash equal to the hash before it, its own hash equal
/// to the SHA-256 recomputed from its bytes, and the record decodable.
public struct ChainWalker: Sendable {
    public enum Finding: Error, Equatable, Sendable, CustomStringConvertible {
        case gap(expected: UInt64, found: UInt64)
        case brokenLink(sequence: UInt64, stated: ChainHash, expected: ChainHash)
        case hashMismatch(sequence: UInt64, stored: ChainHash, recomputed: ChainHash)
        case undecodable(sequence: UInt64, CodecError)

        public var sequence: UInt64 {
            switch self {
            case .gap(let expected, _): expected
            case .brokenLink(let sequence, _, _), .hashMismatch(let sequence, _, _), .undecodable(let sequence, _): sequence
            }
        }

        public var description: String {
            switch self {
            case .gap(let expected, let found): "record \(expected) is missing (the next key is \(found))"
            case .brokenLink(let sequence, let stated, let expected):
                "record \(sequence) links to \(stated), but the record before it hashes to \(expected)"
            case .hashMismatch(let sequence, let stored, let recomputed):
                "record \(sequence) stores hash \(stored) but its bytes hash to \(recomputed): it was changed"
            case .undecodable(let sequence, let error): "record \(sequence) does not decode: \(error)"
            }
        }
    }

    public private(set) var expectedSequence: UInt64
    public private(set) var previousHash: ChainHash

    /// From the first record, or from a trusted checkpoint (the record after `sequence`, whose
    /// hash was `hash`).
    public init(after sequence: UInt64 = 0, hash: ChainHash = .genesis) {
        expectedSequence = sequence + 1
        previousHash = hash
    }

    /// Checks the next record; on success the walker moves past it.
    public mutating func check(sequence: UInt64, value: UnsafeRawBufferPointer, decode: Bool = true) -> Finding? {
        guard sequence == expectedSequence else { return .gap(expected: expectedSequence, found: sequence) }
        let stated: ChainHash
        let stored: ChainHash
        let recomputed: ChainHash
        do {
            (stated, stored) = try RecordCodec.hashes(of: value)
            recomputed = try RecordCodec.recomputedHash(sequence: sequence, value: value)
            if decode { _ = try RecordCodec.decode(sequence: sequence, value: value) }
        } catch {
            return .undecodable(sequence: sequence, error)
        }
        guard stated == previousHash else { return .brokenLink(sequence: sequence, stated: stated, expected: previousHash) }
        guard recomputed == stored else { return .hashMismatch(sequence: sequence, stored: stored, recomputed: recomputed) }
        expectedSequence += 1
        previousHash = stored
        return nil
    }
}
