import Crypto

/// The Merkle tree over the log's records in the shape of RFC 9162 (Certificate Transparency
/// 2.0), §2.1: leaf i is record i + 1's stored value, whole (payload, previous hash, hash).
///
///     leaf hash = SHA-256(0x00 ‖ stored value)
///     node hash = SHA-256(0x01 ‖ left ‖ right)
///     MTH({})   = SHA-256()                      (the empty tree)
///
/// A tree of n leaves splits at k, the largest power of two below n: MTH(D[0:n]) =
/// node(MTH(D[0:k]), MTH(D[k:n])). docs/log-format.md ("The Merkle tree") says it in full, with
/// both proofs, for a verifier in another language. Everything here is pure: the nodes come
/// from a `node` function (the node's `tree` database, or leaves hashed in memory).
public enum Merkle {
    /// The hash of one leaf: its bytes behind the 0x00 prefix.
    public static func leafHash(_ value: UnsafeRawBufferPointer) -> ChainHash {
        var hasher = SHA256()
        var prefix: UInt8 = 0
        withUnsafeBytes(of: &prefix) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: value)
        return hasher.finalize().withUnsafeBytes { ChainHash(bytes: $0) }
    }

    public static func leafHash(_ value: [UInt8]) -> ChainHash { value.withUnsafeBytes { leafHash($0) } }

    /// The hash of an inner node: its children behind the 0x01 prefix.
    public static func nodeHash(_ left: ChainHash, _ right: ChainHash) -> ChainHash {
        var hasher = SHA256()
        // On the stack: 0x01 then the two digests' words, big-endian (65 bytes, no allocation).
        var prefix: UInt8 = 1
        withUnsafeBytes(of: &prefix) { hasher.update(bufferPointer: $0) }
        var words = (left.words.0.bigEndian, left.words.1.bigEndian, left.words.2.bigEndian, left.words.3.bigEndian,
                     right.words.0.bigEndian, right.words.1.bigEndian, right.words.2.bigEndian, right.words.3.bigEndian)
        withUnsafeBytes(of: &words) { hasher.update(bufferPointer: $0) }
        return hasher.finalize().withUnsafeBytes { ChainHash(bytes: $0) }
    }

    /// The root of the empty tree: SHA-256 of no bytes.
    public static let emptyRoot: ChainHash = SHA256.hash(data: [UInt8]()).withUnsafeBytes { ChainHash(bytes: $0) }

    /// The stored node at `level` (0 = leaves) and `index` (from the left, at that level): the
    /// root of the perfect subtree over leaves index·2^level ..< (index + 1)·2^level.
    public typealias NodeSource = (_ level: Int, _ index: UInt64) throws -> ChainHash

    /// Where node (level, index) sits when the nodes are numbered in the order an appending
    /// writer completes them (each leaf, then the nodes it completes, lowest first): the key of
    /// the `tree` database, so every write is an append. With j = (index + 1)·2^level − 1, the
    /// last leaf under the node, it is 2j − popcount(j) + level.
    public static func position(level: Int, index: UInt64) -> UInt64 {
        let lastLeaf = (index + 1) << UInt64(level) - 1
        return 2 * lastLeaf - UInt64(lastLeaf.nonzeroBitCount) + UInt64(level)
    }

    /// The nodes an appended leaf completes: leaf j at level 0, then while j's bit at the level
    /// is set, the node over it and its left neighbour (whose hash `node` gives).
    public static func append(leaf: ChainHash, index j: UInt64, node: NodeSource,
                              write: (_ level: Int, _ index: UInt64, _ hash: ChainHash) throws -> Void) throws {
        var hash = leaf
        var level = 0
        try write(0, j, hash)
        while (j >> UInt64(level)) & 1 == 1 {
            let left = try node(level, (j >> UInt64(level)) - 1)
            hash = nodeHash(left, hash)
            level += 1
            try write(level, j >> UInt64(level), hash)
        }
    }

    /// MTH(D[start ..< start + count]) from the stored perfect subtrees: O(log count) nodes.
    public static func root(start: UInt64 = 0, count: UInt64, node: NodeSource) throws -> ChainHash {
        if count == 0 { return emptyRoot }
        if count & (count - 1) == 0, start % count == 0 {
            return try node(count.trailingZeroBitCount, start / count)
        }
        let split = largestPowerOfTwo(below: count)
        return nodeHash(try root(start: start, count: split, node: node),
                        try root(start: start + split, count: count - split, node: node))
    }

    /// The audit path of leaf `index` in the tree of the first `size` leaves (RFC 9162 §2.1.3.1),
    /// from the leaf's sibling up.
    public static func inclusionPath(index: UInt64, size: UInt64, node: NodeSource) throws -> [ChainHash] {
        precondition(index < size, "the leaf is in the tree")
        return try path(index, start: 0, count: size, node: node)
    }

    private static func path(_ index: UInt64, start: UInt64, count: UInt64, node: NodeSource) throws -> [ChainHash] {
        if count == 1 { return [] }
        let split = largestPowerOfTwo(below: count)
        if index < split {
            return try path(index, start: start, count: split, node: node)
                + [root(start: start + split, count: count - split, node: node)]
        }
        return try path(index - split, start: start + split, count: count - split, node: node)
            + [root(start: start, count: split, node: node)]
    }

    /// Checks an audit path (RFC 9162 §2.1.3.2): true when `leaf` at `index` and `path` come to
    /// `root` for a tree of `size` leaves.
    public static func verifyInclusion(leaf: ChainHash, index: UInt64, size: UInt64, path: [ChainHash],
                                       root: ChainHash) -> Bool {
        guard index < size else { return false }
        var fn = index
        var sn = size - 1
        var hash = leaf
        for sibling in path {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                hash = nodeHash(sibling, hash)
                climbRightEdge(&fn, &sn)
            } else {
                hash = nodeHash(hash, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && hash == root
    }

    /// The consistency proof between the trees of the first `old` and `new` leaves (RFC 9162
    /// §2.1.4.1); empty when the sizes are equal.
    public static func consistencyProof(old: UInt64, new: UInt64, node: NodeSource) throws -> [ChainHash] {
        precondition(old >= 1 && old <= new, "a consistency proof runs from a non-empty tree to one as large")
        if old == new { return [] }
        return try subproof(old, start: 0, count: new, whole: true, node: node)
    }

    private static func subproof(_ old: UInt64, start: UInt64, count: UInt64, whole: Bool,
                                 node: NodeSource) throws -> [ChainHash] {
        if old == count { return whole ? [] : [try root(start: start, count: count, node: node)] }
        let split = largestPowerOfTwo(below: count)
        if old <= split {
            return try subproof(old, start: start, count: split, whole: whole, node: node)
                + [root(start: start + split, count: count - split, node: node)]
        }
        return try subproof(old - split, start: start + split, count: count - split, whole: false, node: node)
            + [root(start: start, count: split, node: node)]
    }

    /// Checks a consistency proof (RFC 9162 §2.1.4.2): true when the tree of `old` leaves with
    /// root `oldRoot` is a prefix of the tree of `new` leaves with root `newRoot`.
    public static func verifyConsistency(old: UInt64, new: UInt64, oldRoot: ChainHash, newRoot: ChainHash,
                                         proof: [ChainHash]) -> Bool {
        guard old >= 1, old <= new else { return false }
        if old == new { return proof.isEmpty && oldRoot == newRoot }
        guard !proof.isEmpty else { return false }
        var path = proof
        if old & (old - 1) == 0 { path.insert(oldRoot, at: 0) }
        var fn = old - 1
        var sn = new - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for hash in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(hash, fr)
                sr = nodeHash(hash, sr)
                climbRightEdge(&fn, &sn)
            } else {
                sr = nodeHash(sr, hash)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }

    /// Both proofs' step on the tree's right edge (RFC 9162 §2.1.3.2 and §2.1.4.2): when `fn`
    /// is even, shift `fn` and `sn` right until `fn` is odd or 0.
    static func climbRightEdge(_ fn: inout UInt64, _ sn: inout UInt64) {
        guard fn & 1 == 0 else { return }
        repeat {
            fn >>= 1
            sn >>= 1
        } while fn & 1 == 0 && fn != 0
    }

    /// The largest power of two strictly below `count` (count ≥ 2).
    static func largestPowerOfTwo(below count: UInt64) -> UInt64 {
        precondition(count >= 2, "only a tree of two or more leaves splits")
        return UInt64(1) << UInt64(63 - (count - 1).leadingZeroBitCount)
    }
}

/// The right edge of a growing tree: the roots of its perfect subtrees, largest first (at most
/// 64). Enough to give the root after every append in O(log n) memory: the audit recomputes a
/// signed head's root from the log alone with it.
public struct MerkleFrontier: Sendable {
    public private(set) var size: UInt64 = 0
    private var stack: [(level: Int, hash: ChainHash)] = []
    public init() {}

    public mutating func append(leaf: ChainHash) {
        var hash = leaf
        var level = 0
        while let last = stack.last, last.level == level {
            stack.removeLast()
            hash = Merkle.nodeHash(last.hash, hash)
            level += 1
        }
        stack.append((level, hash))
        size += 1
    }

    /// MTH of the leaves appended so far.
    public var root: ChainHash {
        guard var hash = stack.last?.hash else { return Merkle.emptyRoot }
        for entry in stack.dropLast().reversed() { hash = Merkle.nodeHash(entry.hash, hash) }
        return hash
    }
}
