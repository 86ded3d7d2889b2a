import Engine
import Events
import Foundation

/// `replay proof` and `replay verify-proof`: a record's inclusion in a signed head, and one
/// signed head's history contained in a later one (docs/log-format.md, "Proofs"). A proof is a
/// JSON document that carries everything its check needs but the public key.
public enum Proofs {
    /// The head a proof is made against.
    public enum HeadChoice: Sendable, Equatable {
        /// The log's head now, signed with the node's key.
        case current
        /// The head of the first N records, signed with the node's key.
        case size(UInt64)
        /// A signed head published earlier: it must be this log's.
        case published(SignedHead)

        /// `N` or `SIZE:HASH:ROOT:SIGNATURE`.
        public init?(_ text: String) {
            if let size = UInt64(text) {
                self = .size(size)
            } else if let signed = SignedHead(text) {
                self = .published(signed)
            } else {
                return nil
            }
        }
    }

    /// The signed head `choice` names, checked against the log: a published one must have the
    /// log's hash and Merkle root at its size (the sentence says which differs).
    static func signedHead(_ choice: HeadChoice, _ txn: ReadTransaction, key: () throws -> NodeKey) throws -> SignedHead {
        switch choice {
        case .current: return try txn.signedHead(key: try key())
        case .size(let size): return try txn.signedHead(size: size, key: try key())
        case .published(let signed):
            let head = try txn.treeHead(size: signed.size)
            guard head.hash == signed.hash else {
                throw ReplayError.badArgument("the signed head says record \(signed.size) hashes to \(signed.hash), but in "
                                                  + "this log it hashes to \(head.hash): the history up to it was rewritten")
            }
            guard head.root == signed.root else {
                throw ReplayError.badArgument("the signed head's Merkle root is \(signed.root), but this log's first "
                                                  + "\(signed.size) records come to \(head.root)")
            }
            return signed
        }
    }

    /// The inclusion proof of record `sequence` in the signed head `head`.
    public static func inclusion(_ directory: DataDirectory, sequence: UInt64, head: HeadChoice,
                                 key: () throws -> NodeKey) throws -> JSON {
        try directory.environment.read { txn in
            let signed = try signedHead(head, txn, key: key)
            guard sequence >= 1, sequence <= signed.size else {
                throw ReplayError.badArgument("record \(sequence) is not in the head of \(signed.size) records; "
                                                  + "give a sequence from 1 to \(signed.size)")
            }
            let (value, path) = try txn.inclusionProof(sequence, size: signed.size)
            return .object([
                ("kind", .string("inclusion")),
                ("sequence", .unsigned(sequence)),
                ("record", .string(Hex.encode(value))),
                ("treeSize", .unsigned(signed.size)),
                ("path", .array(path.map { .string($0.description) })),
                ("signedHead", .string(signed.description)),
            ])
        }
    }

    /// The consistency proof from the signed head `old` to the signed head `new`.
    public static func consistency(_ directory: DataDirectory, old: HeadChoice, new: HeadChoice,
                                   key: () throws -> NodeKey) throws -> JSON {
        try directory.environment.read { txn in
            let newHead = try signedHead(new, txn, key: key)
            let oldHead = try signedHead(old, txn, key: key)
            guard oldHead.size >= 1, oldHead.size <= newHead.size else {
                throw ReplayError.badArgument("a consistency proof runs from a head of 1 or more records to one as large: "
                                                  + "\(oldHead.size) to \(newHead.size)")
            }
            let path = try txn.consistencyProof(old: oldHead.size, new: newHead.size)
            return .object([
                ("kind", .string("consistency")),
                ("old", .string(oldHead.description)),
                ("new", .string(newHead.description)),
                ("path", .array(path.map { .string($0.description) })),
            ])
        }
    }

    /// What `verify` concluded: a sentence either way.
    public enum Verdict: Equatable, Sendable {
        case verified(String)
        case failed(String)
    }

    /// Checks a proof document with nothing but itself and the public key (32 bytes).
    public static func verify(_ document: [UInt8], publicKey: [UInt8]) -> Verdict {
        guard let object = try? JSONSerialization.jsonObject(with: Data(document)) as? [String: Any],
              let kind = object["kind"] as? String else {
            return .failed("not a proof: a JSON object with a \"kind\" is expected (replay proof prints one)")
        }
        func hashes(_ field: String) -> [ChainHash]? {
            guard let items = object[field] as? [String] else { return nil }
            let parsed = items.compactMap { ChainHash(hex: $0) }
            return parsed.count == items.count ? parsed : nil
        }
        func signed(_ field: String) -> SignedHead? { (object[field] as? String).flatMap { SignedHead($0) } }
        let keyText = Hex.encode(publicKey)
        switch kind {
        case "inclusion":
            guard let sequence = (object["sequence"] as? NSNumber)?.uint64Value,
                  let size = (object["treeSize"] as? NSNumber)?.uint64Value,
                  let record = (object["record"] as? String).flatMap({ Hex.decode($0) }),
                  let path = hashes("path"), let head = signed("signedHead") else {
                return .failed("not an inclusion proof: sequence, record, treeSize, path and signedHead are expected")
            }
            guard head.verifies(with: publicKey) else {
                return .failed("the signed head's signature does not verify with the key \(keyText)")
            }
            guard size == head.size else {
                return .failed("the proof is for a tree of \(size) records, but its signed head is of \(head.size)")
            }
            guard sequence >= 1, sequence <= size,
                  Merkle.verifyInclusion(leaf: Merkle.leafHash(record), index: sequence - 1, size: size, path: path,
                                         root: head.root) else {
                return .failed("the record's bytes and the path do not come to the signed root \(head.root): "
                                   + "the record is not record \(sequence) of that history, or a byte was changed")
            }
            let decoded = try? RecordCodec.decode(sequence: sequence, value: record)
            if sequence == size, let decoded, decoded.hash != head.hash {
                return .failed("record \(sequence) hashes to \(decoded.hash), but the signed head names \(head.hash)")
            }
            let summary = decoded.map { " (hash \($0.hash), decided \(RecordText.romeTime($0.decidedAt)), "
                + "\(RecordText.command($0.command)))" } ?? ""
            return .verified("record \(sequence)\(summary) is record \(sequence) of the \(size) records the key "
                                 + "\(keyText) signed")
        case "consistency":
            guard let old = signed("old"), let new = signed("new"), let path = hashes("path") else {
                return .failed("not a consistency proof: old, new and path are expected")
            }
            guard old.verifies(with: publicKey) else {
                return .failed("the old head's signature does not verify with the key \(keyText)")
            }
            guard new.verifies(with: publicKey) else {
                return .failed("the new head's signature does not verify with the key \(keyText)")
            }
            guard Merkle.verifyConsistency(old: old.size, new: new.size, oldRoot: old.root, newRoot: new.root,
                                           proof: path) else {
                return .failed("the history of \(old.size) records is not the start of the history of \(new.size) "
                                   + "records: it was rewritten between the two heads, or the proof was changed")
            }
            return .verified("the \(old.size) records of the old head are the first \(old.size) of the \(new.size) "
                                 + "records of the new one, both signed by the key \(keyText)")
        default:
            return .failed("unknown proof kind \"\(kind)\" (inclusion or consistency)")
        }
    }
}
