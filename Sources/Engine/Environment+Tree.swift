import CLMDB
import Events
import Foundation

/// The Merkle tree over the log (`Merkle`, RFC 9162), kept beside the chain in the `tree`
/// database: every node of every perfect subtree, keyed by `Merkle.position` (u64 big-endian),
/// so the writer only ever appends. Derived from the log and nothing else: the store extends
/// it in the same write transaction as the records, and builds what is missing when it opens
/// a directory written before the tree (or whose tree was removed).
extension Environment {
    static let tree = "tree"
    /// `meta` entry: how many leaves (records) the tree holds, u64 big-endian.
    static let treeSizeKey = Array("tree-size".utf8)

    /// Appends the leaves of records `first`… (their stored values: `spans` of `log`, in
    /// order) to the tree, inside the write transaction `txn`; `first` must be the tree's size + 1.
    func appendToTree(_ txn: OpaquePointer, first: UInt64, log: UnsafeRawBufferPointer, spans: [Range<Int>]) throws {
        var size = try treeSize(txn)
        guard size + 1 == first else {
            throw StoreError.corrupt("the Merkle tree holds \(size) records, and record \(first) was to be added")
        }
        for span in spans {
            try Merkle.append(leaf: Merkle.leafHash(UnsafeRawBufferPointer(rebasing: log[span])), index: size,
                              node: { level, index in try self.treeNode(txn, level: level, index: index) },
                              write: { level, index, hash in
                                  var key = Merkle.position(level: level, index: index).bigEndian
                                  var words = (hash.words.0.bigEndian, hash.words.1.bigEndian, hash.words.2.bigEndian,
                                               hash.words.3.bigEndian)
                                  try withUnsafeBytes(of: &key) { keyBytes in
                                      try withUnsafeBytes(of: &words) { valueBytes in
                                          try put(txn, Environment.tree, keyBytes, valueBytes, flags: UInt32(MDB_APPEND))
                                      }
                                  }
                              })
            size += 1
        }
        var sizeValue = size.bigEndian
        try withUnsafeBytes(of: &sizeValue) { value in
            try Environment.treeSizeKey.withUnsafeBytes { key in try put(txn, "meta", key, value) }
        }
    }

    /// The tree's size as `txn` sees it.
    func treeSize(_ txn: OpaquePointer) throws -> UInt64 {
        guard let value = try get(txn, "meta", Environment.treeSizeKey) else { return 0 }
        guard value.count == 8 else { throw StoreError.corrupt("the tree-size entry is \(value.count) bytes, not 8") }
        return value.reduce(0) { $0 << 8 | UInt64($1) }
    }

    func treeNode(_ txn: OpaquePointer, level: Int, index: UInt64) throws -> ChainHash {
        let key = LogKey.bytes(Merkle.position(level: level, index: index))
        guard let value = try get(txn, Environment.tree, key), value.count == 32 else {
            throw StoreError.corrupt("the Merkle tree has no node \(index) at level \(level)")
        }
        return value.withUnsafeBytes { ChainHash(bytes: $0) }
    }

    /// A value inside a write transaction (copied out).
    func get(_ txn: OpaquePointer, _ database: String, _ key: [UInt8]) throws -> [UInt8]? {
        guard let dbi = databases[database] else { preconditionFailure("no database \(database)") }
        return try key.withUnsafeBytes { keyBytes in
            var keyValue = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            var value = MDB_val()
            let code = mdb_get(txn, dbi, &keyValue, &value)
            if code == MDB_NOTFOUND { return nil }
            try LMDBError.check(code, "get \(database)")
            return Array(UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
        }
    }

    /// Extends the tree over every record it does not hold yet, `Limits.treeBuildRecordsPerCommit`
    /// records per write transaction; `progress` is told (done, total) after each. Reads the log
    /// only from the tree's end: nothing at all when the tree is whole.
    public func buildTree(progress: (UInt64, UInt64) -> Void = { _, _ in }) throws {
        var (size, head) = try read { txn in
            (try txn.treeSize(), try Environment.head(try txn.get("meta", Array("head".utf8))).sequence)
        }
        guard size < head else { return }
        let total = head - size
        var done: UInt64 = 0
        while size < head {
            let through = min(head, size + Limits.treeBuildRecordsPerCommit)
            var log: [UInt8] = []
            var spans: [Range<Int>] = []
            spans.reserveCapacity(Int(through - size))
            try read { txn in
                try txn.scan("log", from: LogKey.bytes(size + 1)) { key, value in
                    let sequence = try LogKey.sequence(key)
                    guard sequence <= through else { return false }
                    guard sequence == size + 1 + UInt64(spans.count) else {
                        throw StoreError.corrupt("the log skips from \(size + UInt64(spans.count)) to \(sequence)")
                    }
                    spans.append(log.count..<(log.count + value.count))
                    log.append(contentsOf: value)
                    return true
                }
            }
            try writeTransaction { txn in
                try log.withUnsafeBytes { bytes in try appendToTree(txn, first: size + 1, log: bytes, spans: spans) }
            }
            done += UInt64(spans.count)
            size = through
            progress(done, total)
        }
    }
}

extension ReadTransaction {
    /// How many records the Merkle tree holds (0 in a directory written before it).
    public func treeSize() throws -> UInt64 {
        guard let value = try get("meta", Environment.treeSizeKey) else { return 0 }
        guard value.count == 8 else { throw StoreError.corrupt("the tree-size entry is \(value.count) bytes, not 8") }
        return value.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A stored node of the tree (`Merkle.NodeSource`).
    public func treeNode(level: Int, index: UInt64) throws -> ChainHash {
        guard let value = try get(Environment.tree, LogKey.bytes(Merkle.position(level: level, index: index))),
              value.count == 32 else {
            throw StoreError.corrupt("the Merkle tree has no node \(index) at level \(level)")
        }
        return value.withUnsafeBytes { ChainHash(bytes: $0) }
    }
}

/// Why the tree cannot answer: a sentence for the operator.
public enum TreeError: Error, CustomStringConvertible, Sendable {
    /// The tree holds fewer records than asked (a directory written before it, read before a
    /// node has opened it).
    case behind(holds: UInt64, needs: UInt64)
    /// A size or a sequence past the log's last record (or 0).
    case outsideLog(UInt64, head: UInt64)

    public var description: String {
        switch self {
        case .behind(let holds, let needs):
            "the Merkle tree of this directory holds \(holds) of the \(needs) records needed: start agenda-node "
                + "on it once (it builds the tree from the log), then ask again"
        case .outsideLog(let asked, let head):
            "\(asked) is not a record of this log, which holds records 1 to \(head)"
        }
    }
}

extension ReadTransaction {
    /// The head of the first `size` records (nil: all of them) with their Merkle root.
    public func treeHead(size: UInt64? = nil) throws -> TreeHead {
        let head = try Environment.head(try get("meta", Array("head".utf8)))
        let size = size ?? head.sequence
        guard size <= head.sequence else { throw TreeError.outsideLog(size, head: head.sequence) }
        let hash: ChainHash
        if size == head.sequence {
            hash = head.hash
        } else if size == 0 {
            hash = .genesis
        } else {
            guard let value = try get("log", LogKey.bytes(size)) else { throw StoreError.corrupt("record \(size) is missing") }
            hash = try StoreError.typed { try value.withUnsafeBytes { try RecordCodec.hashes(of: $0).hash } }
        }
        let treeSize = try treeSize()
        guard treeSize >= size else { throw TreeError.behind(holds: treeSize, needs: size) }
        return TreeHead(size: size, hash: hash, root: try Merkle.root(count: size, node: treeNode))
    }

    /// Record `sequence`'s stored value and its audit path in the tree of the first `size` records.
    public func inclusionProof(_ sequence: UInt64, size: UInt64) throws -> (value: [UInt8], path: [ChainHash]) {
        guard sequence >= 1, sequence <= size else { throw TreeError.outsideLog(sequence, head: size) }
        let treeSize = try treeSize()
        guard treeSize >= size else { throw TreeError.behind(holds: treeSize, needs: size) }
        guard let value = try get("log", LogKey.bytes(sequence)) else { throw StoreError.corrupt("record \(sequence) is missing") }
        return (value, try Merkle.inclusionPath(index: sequence - 1, size: size, node: treeNode))
    }

    /// The consistency proof from the tree of the first `old` records to that of the first `new`.
    public func consistencyProof(old: UInt64, new: UInt64) throws -> [ChainHash] {
        guard old >= 1, old <= new else { throw TreeError.outsideLog(old, head: new) }
        let treeSize = try treeSize()
        guard treeSize >= new else { throw TreeError.behind(holds: treeSize, needs: new) }
        return try Merkle.consistencyProof(old: old, new: new, node: treeNode)
    }
}
