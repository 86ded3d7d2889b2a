import Crypto

/// A SHA-256 digest, kept as four big-endian words so it costs no allocation.
public struct ChainHash: Hashable, Sendable, CustomStringConvertible {
    public var words: (UInt64, UInt64, UInt64, UInt64)

    public init(words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }

    /// The hash before the first record: 32 zero bytes.
    public static let genesis = ChainHash(words: (0, 0, 0, 0))

    public init(bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == 32, "a chain hash is 32 bytes")
        func word(_ index: Int) -> UInt64 {
            var value: UInt64 = 0
            for offset in 0..<8 { value = value << 8 | UInt64(bytes[index * 8 + offset]) }
            return value
        }
        words = (word(0), word(1), word(2), word(3))
    }

    /// Parses 64 hexadecimal digits.
    public init?(hex: some StringProtocol) {
        guard hex.utf8.count == 64, let bytes = Hex.decode(hex) else { return nil }
        self = bytes.withUnsafeBytes { ChainHash(bytes: $0) }
    }

    public var bytes: [UInt8] {
        var writer = ByteWriter(capacity: 32)
        writer.u64(words.0)
        writer.u64(words.1)
        writer.u64(words.2)
        writer.u64(words.3)
        return writer.bytes
    }

    public var description: String { Hex.encode(bytes) }

    public static func == (lhs: ChainHash, rhs: ChainHash) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    /// SHA-256( previous hash (32 bytes) ‖ sequence (8 bytes, big-endian) ‖ payload ).
    /// Binding the sequence number in means a record moved to another key no longer verifies.
    public static func link(previous: ChainHash, sequence: UInt64, payload: UnsafeRawBufferPointer) -> ChainHash {
        var hasher = SHA256()
        // On the stack: five big-endian words, no allocation per record.
        var prefix = (previous.words.0.bigEndian, previous.words.1.bigEndian, previous.words.2.bigEndian,
                      previous.words.3.bigEndian, sequence.bigEndian)
        withUnsafeBytes(of: &prefix) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: payload)
        return hasher.finalize().withUnsafeBytes { ChainHash(bytes: $0) }
    }

    static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
