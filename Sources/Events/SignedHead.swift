import Crypto
import Foundation

/// A head the node signed: the log's size, the last record's chain hash, the Merkle root of
/// its records, and an Ed25519 signature over them (docs/log-format.md, "Signed heads").
///
///     message = "agenda signed head v1" (21 bytes of ASCII) ‖ 0x00 ‖ size (u64 big-endian)
///               ‖ chain hash (32) ‖ tree root (32)
///
/// Printed as one token, `SIZE:CHAINHASH:ROOT:SIGNATURE` (hexadecimal, lower case), so a head
/// published on paper or a web page is pasted back whole into `replay audit --expect-head`.
public struct SignedHead: Equatable, Sendable, CustomStringConvertible {
    public var size: UInt64
    public var hash: ChainHash
    public var root: ChainHash
    /// 64 bytes.
    public var signature: [UInt8]

    public static let domain = Array("agenda signed head v1".utf8) + [0]

    public init(size: UInt64, hash: ChainHash, root: ChainHash, signature: [UInt8]) {
        self.size = size
        self.hash = hash
        self.root = root
        self.signature = signature
    }

    /// The bytes the signature covers.
    public static func message(size: UInt64, hash: ChainHash, root: ChainHash) -> [UInt8] {
        var writer = ByteWriter(capacity: domain.count + 72)
        for byte in domain { writer.u8(byte) }
        writer.u64(size)
        for byte in hash.bytes { writer.u8(byte) }
        for byte in root.bytes { writer.u8(byte) }
        return writer.bytes
    }

    public var message: [UInt8] { SignedHead.message(size: size, hash: hash, root: root) }

    /// Signs a head with the node's key.
    public static func sign(size: UInt64, hash: ChainHash, root: ChainHash,
                            key: Curve25519.Signing.PrivateKey) throws -> SignedHead {
        let signature = try key.signature(for: message(size: size, hash: hash, root: root))
        return SignedHead(size: size, hash: hash, root: root, signature: Array(signature))
    }

    /// True when the signature is `publicKey`'s (32 raw bytes) over this head.
    public func verifies(with publicKey: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: message)
    }

    /// The unsigned head this one signs, as `replay head` prints it.
    public var head: String { "\(size):\(hash)" }

    public var description: String { "\(size):\(hash):\(root):\(Hex.encode(signature))" }

    /// Parses `SIZE:CHAINHASH:ROOT:SIGNATURE`; nil for anything else.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, let size = UInt64(parts[0]), let hash = ChainHash(hex: parts[1]),
              let root = ChainHash(hex: parts[2]), let signature = Hex.decode(parts[3]), signature.count == 64
        else { return nil }
        self.init(size: size, hash: hash, root: root, signature: signature)
    }
}

/// Lower-case hexadecimal, both ways.
public enum Hex {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let alphabet = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        for byte in bytes {
            text.append(alphabet[Int(byte >> 4)])
            text.append(alphabet[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// nil unless an even number of hexadecimal digits.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = ChainHash.nibble(digits[index]), let low = ChainHash.nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
