import Crypto
import Events
import Foundation
import Projections

/// The node's Ed25519 signing key (swift-crypto). Made on the node's first start and kept in a
/// file of its own beside the data directory, mode 0600, never in the log: the log records only
/// its public half (`record-signing-key`), so anyone checks a signed head against it.
///
/// The file is one line: the 64 hexadecimal digits of the private key's 32 bytes.
public struct NodeKey: Sendable {
    public let path: String
    public let privateKey: Curve25519.Signing.PrivateKey

    /// Where a data directory's key lives unless told otherwise: `DIR.signing-key`, beside it.
    public static func defaultPath(forData directory: String) -> String {
        var trimmed = directory
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        return trimmed + ".signing-key"
    }

    /// The public key's 32 bytes as 64 hexadecimal digits, as the log records it.
    public var publicKey: String { Hex.encode(privateKey.publicKey.rawRepresentation) }

    /// Reads the key at `path`; refuses one that others may read, or that is not a key.
    public static func load(_ path: String) throws(StoreError) -> NodeKey {
        let attributes: [FileAttributeKey: Any]
        let text: String
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .cannotOpen("cannot read the signing key \(path): \(error.localizedDescription)")
        }
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            throw .cannotOpen("the signing key \(path) may be read by others (mode \(String(mode, radix: 8))): "
                                  + "chmod 600 \(path)")
        }
        let digits = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Hex.decode(digits), bytes.count == 32,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: bytes) else {
            throw .cannotOpen("\(path) is not an Agenda signing key (one line of 64 hexadecimal digits)")
        }
        return NodeKey(path: path, privateKey: key)
    }

    /// Reads the key at `path`, or makes one there (mode 0600) when there is none.
    public static func loadOrCreate(_ path: String) throws(StoreError) -> (key: NodeKey, created: Bool) {
        if FileManager.default.fileExists(atPath: path) { return (try load(path), false) }
        let key = Curve25519.Signing.PrivateKey()
        let line = Hex.encode(key.rawRepresentation) + "\n"
        // Made with mode 0600 from the start (O_EXCL: never over a key another process just wrote).
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw .cannotOpen("cannot create the signing key \(path): \(String(cString: strerror(errno)))")
        }
        let written = line.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == line.utf8.count, synced else {
            unlink(path)
            throw .cannotOpen("cannot write the signing key \(path)")
        }
        return (NodeKey(path: path, privateKey: key), true)
    }

    /// Signs a head of the log.
    public func sign(_ head: TreeHead) throws -> SignedHead {
        try SignedHead.sign(size: head.size, hash: head.hash, root: head.root, key: privateKey)
    }
}

/// The log's head with the Merkle root of its records: what a signed head signs.
public struct TreeHead: Equatable, Sendable {
    public var size: UInt64
    public var hash: ChainHash
    public var root: ChainHash

    public init(size: UInt64, hash: ChainHash, root: ChainHash) {
        self.size = size
        self.hash = hash
        self.root = root
    }
}

/// Why a head cannot be signed with a key: a sentence for the operator.
public struct SigningKeyMismatch: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let size: UInt64
    public let recorded: String?
    public var description: String {
        if let recorded {
            return "the key in \(path) is not the one the log records for a head of \(size) records (\(recorded)): "
                + "sign with that key, or start agenda-node with this one so that it records it"
        }
        return "the log records no signing key by record \(size): start agenda-node once with \(path), "
            + "so that it records its public key, then sign"
    }
}

extension ReadTransaction {
    /// The signing key the log recorded for a head of `size` records: the last key recorded in
    /// records 1…size (from the `signing-keys` view).
    public func signingKey(forHeadOf size: UInt64) throws -> SigningKeyView? {
        var found: SigningKeyView?
        try scan(ViewDatabase.signingKeys.rawValue) { key, value in
            let entry = try ViewCodec.decodeSigningKey(key, value)
            guard entry.sequence <= size else { return false }
            found = entry
            return true
        }
        return found
    }

    /// The head of the first `size` records (nil: all), signed with `key`, which must be the
    /// key the log records for it.
    public func signedHead(size: UInt64? = nil, key: NodeKey) throws -> SignedHead {
        let head = try treeHead(size: size)
        let recorded = try signingKey(forHeadOf: head.size)
        guard recorded?.publicKey == key.publicKey else {
            throw SigningKeyMismatch(path: key.path, size: head.size, recorded: recorded?.publicKey)
        }
        return try key.sign(head)
    }
}

extension ReadTransaction {
    /// The head of the first `size` records signed with `key` when the log records that key
    /// for it; nil for a head from before it (a day's list from before the node had a key).
    public func signedHeadIfRecorded(size: UInt64, key: NodeKey) throws -> SignedHead? {
        do {
            return try signedHead(size: size, key: key)
        } catch is SigningKeyMismatch {
            return nil
        }
    }
}

extension Store {
    /// Records `key`'s public half unless it is already the latest the log holds: the node
    /// calls it on every start. Returns the recording record's sequence, or nil.
    @discardableResult
    public func adoptSigningKey(_ key: NodeKey) throws -> UInt64? {
        let latest = try read { txn in try txn.signingKey(forHeadOf: .max) }
        if latest?.publicKey == key.publicKey { return nil }
        return try execute(.recordSigningKey(publicKey: key.publicKey), actor: .system).record.sequence
    }

    /// The current head, signed with `key` (DAYLIST's footer).
    public func signedHead(key: NodeKey) throws -> SignedHead {
        try read { txn in try txn.signedHead(key: key) }
    }
}
