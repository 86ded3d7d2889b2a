import Crypto
import Events
import Foundation
import Testing

/// The Merkle tree and both proofs, against RFC 6962's test vectors and, for every leaf of
/// every tree up to 40 leaves, against the recursive definition.
@Suite("The Merkle tree and its proofs")
struct MerkleTests {
    /// The eight leaves of RFC 6962's (and CT's) test vectors, and the roots of their prefixes.
    static let vectorLeaves: [[UInt8]] = [[], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
                                          Array(0x50...0x57), Array(0x60...0x6f)]
    static let vectorRoots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    /// MTH by the definition (RFC 9162 §2.1.1), with no stored nodes.
    static func definition(_ leaves: ArraySlice<[UInt8]>) -> ChainHash {
        if leaves.isEmpty { return Merkle.emptyRoot }
        if leaves.count == 1 { return Merkle.leafHash(leaves.first!) }
        var split = 1
        while split * 2 < leaves.count { split *= 2 }
        let middle = leaves.startIndex + split
        return Merkle.nodeHash(definition(leaves[..<middle]), definition(leaves[middle...]))
    }

    /// A tree as the node keeps it: every node `Merkle.append` writes, by position.
    struct StoredTree {
        var nodes: [UInt64: ChainHash] = [:]
        var size: UInt64 = 0
        var lastPosition: UInt64?

        mutating func append(_ leaf: [UInt8]) throws {
            try Merkle.append(leaf: Merkle.leafHash(leaf), index: size, node: node) { level, index, hash in
                let position = Merkle.position(level: level, index: index)
                // Every write is an append: the positions only grow, one at a time.
                #expect(position == (lastPosition.map { $0 + 1 } ?? 0))
                lastPosition = position
                nodes[position] = hash
            }
            size += 1
        }

        func node(_ level: Int, _ index: UInt64) throws -> ChainHash {
            guard let hash = nodes[Merkle.position(level: level, index: index)] else { throw Missing() }
            return hash
        }
        struct Missing: Error {}
    }

    static func leaves(_ count: Int) -> [[UInt8]] {
        (0..<count).map { Array("record \($0) of a crafted log".utf8) }
    }

    @Test func theRootsOfRFC6962sTestVectors() throws {
        var stored = StoredTree()
        var frontier = MerkleFrontier()
        for (index, leaf) in Self.vectorLeaves.enumerated() {
            try stored.append(leaf)
            frontier.append(leaf: Merkle.leafHash(leaf))
            let expected = Self.vectorRoots[index]
            #expect(frontier.root.description == expected)
            #expect(try Merkle.root(count: UInt64(index + 1), node: stored.node).description == expected)
            #expect(Self.definition(Self.vectorLeaves[...index]).description == expected)
        }
        #expect(Merkle.emptyRoot.description == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(MerkleFrontier().root == Merkle.emptyRoot)
    }

    @Test func everyPrefixOfTheStoredTreeHasTheDefinitionsRoot() throws {
        let leaves = Self.leaves(70)
        var stored = StoredTree()
        for leaf in leaves { try stored.append(leaf) }
        // 2n − popcount(n) nodes: every perfect subtree, once.
        #expect(stored.nodes.count == 2 * 70 - 70.nonzeroBitCount)
        for size in 0...70 {
            #expect(try Merkle.root(count: UInt64(size), node: stored.node) == Self.definition(leaves[..<size]))
        }
    }

    @Test func anInclusionProofChecksForEveryLeafOfEveryTreeAndFailsForAChangedByte() throws {
        let leaves = Self.leaves(40)
        var stored = StoredTree()
        for leaf in leaves { try stored.append(leaf) }
        for size in 1...UInt64(40) {
            let root = try Merkle.root(count: size, node: stored.node)
            for index in 0..<size {
                let path = try Merkle.inclusionPath(index: index, size: size, node: stored.node)
                let leaf = Merkle.leafHash(leaves[Int(index)])
                #expect(Merkle.verifyInclusion(leaf: leaf, index: index, size: size, path: path, root: root),
                        "leaf \(index) of \(size)")
                var changed = leaves[Int(index)]
                changed[changed.count / 2] ^= 0x01
                #expect(!Merkle.verifyInclusion(leaf: Merkle.leafHash(changed), index: index, size: size, path: path, root: root))
                if size > 1 {
                    #expect(!Merkle.verifyInclusion(leaf: leaf, index: (index + 1) % size, size: size, path: path, root: root))
                    var forged = path
                    forged[forged.count - 1] = Merkle.leafHash([0xff])
                    #expect(!Merkle.verifyInclusion(leaf: leaf, index: index, size: size, path: forged, root: root))
                }
                // The size is the signed head's: a path never proves a leaf into another root.
                if size < 40 {
                    let larger = try Merkle.root(count: size + 1, node: stored.node)
                    #expect(!Merkle.verifyInclusion(leaf: leaf, index: index, size: size + 1, path: path, root: larger))
                }
            }
        }
    }

    @Test func aConsistencyProofChecksBetweenEveryPairOfSizesAndFailsForARewrittenHistory() throws {
        let leaves = Self.leaves(40)
        var stored = StoredTree()
        for leaf in leaves { try stored.append(leaf) }
        var rewritten = leaves
        rewritten[4][0] ^= 0x80
        for new in 1...UInt64(40) {
            let newRoot = try Merkle.root(count: new, node: stored.node)
            for old in 1...new {
                let oldRoot = try Merkle.root(count: old, node: stored.node)
                let proof = try Merkle.consistencyProof(old: old, new: new, node: stored.node)
                #expect(Merkle.verifyConsistency(old: old, new: new, oldRoot: oldRoot, newRoot: newRoot, proof: proof),
                        "\(old) to \(new)")
                // The old head as it stood before leaf 4 was rewritten: its history is not the new one's start.
                if old > 4 {
                    let forgedOld = Self.definition(rewritten[..<Int(old)])
                    #expect(!Merkle.verifyConsistency(old: old, new: new, oldRoot: forgedOld, newRoot: newRoot, proof: proof))
                }
                if !proof.isEmpty {
                    var changed = proof
                    changed[0] = Merkle.leafHash([0xee])
                    #expect(!Merkle.verifyConsistency(old: old, new: new, oldRoot: oldRoot, newRoot: newRoot, proof: changed))
                }
            }
        }
    }

    @Test func aSignedHeadVerifiesWithItsKeyOnly() throws {
        let key = Curve25519.Signing.PrivateKey()
        let other = Curve25519.Signing.PrivateKey()
        let hash = Merkle.leafHash([1, 2, 3])
        let root = Merkle.leafHash([4, 5, 6])
        let signed = try SignedHead.sign(size: 42, hash: hash, root: root, key: key)
        let publicKey = Array(key.publicKey.rawRepresentation)
        #expect(signed.verifies(with: publicKey))
        #expect(!signed.verifies(with: Array(other.publicKey.rawRepresentation)))
        #expect(SignedHead(signed.description) == signed)
        #expect(signed.head == "42:\(hash)")
        var changedSignature = signed
        changedSignature.signature[7] ^= 0x01
        #expect(!changedSignature.verifies(with: publicKey))
        var changedSize = signed
        changedSize.size = 43
        #expect(!changedSize.verifies(with: publicKey))
        var changedRoot = signed
        changedRoot.root = hash
        #expect(!changedRoot.verifies(with: publicKey))
        // The message is the documented bytes.
        #expect(signed.message == Array("agenda signed head v1".utf8) + [0] + [0, 0, 0, 0, 0, 0, 0, 42] + hash.bytes + root.bytes)
        #expect(SignedHead("42:\(hash)") == nil)
        #expect(SignedHead("42:\(hash):\(root):abcd") == nil)
    }
}
