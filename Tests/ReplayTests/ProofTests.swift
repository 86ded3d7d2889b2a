import CLMDB
import Crypto
import Engine
import Events
import Foundation
import Replay
import Testing

/// Signed heads, the Merkle tree the store keeps, inclusion and consistency proofs on a crafted
/// log, and a directory written before the tree (issue 15, parts 1 and 2).
@Suite("Signed heads and proofs")
struct ProofTests {
    /// The workload's log with the node's key recorded after it, and the key.
    static func signedLog(_ name: String = #function) throws -> (Workload, NodeKey) {
        let workload = try Workload.write(name)
        let (key, created) = try NodeKey.loadOrCreate(workload.directory + ".signing-key")
        #expect(created)
        #expect(try workload.store.adoptSigningKey(key) != nil)
        // Adopting the same key again records nothing.
        #expect(try workload.store.adoptSigningKey(key) == nil)
        return (workload, key)
    }

    static func publicKey(_ key: NodeKey) -> [UInt8] { Array(key.privateKey.publicKey.rawRepresentation) }

    static func logValues(_ directory: String) throws -> [[UInt8]] {
        let data = try DataDirectory(directory)
        defer { data.close() }
        var values: [[UInt8]] = []
        try data.environment.read { txn in
            try txn.scan("log") { _, value in
                values.append(Array(value))
                return true
            }
        }
        return values
    }

    @Test func theStoresTreeHasTheRootOfTheLogsRecordsAtEverySize() throws {
        let (workload, key) = try Self.signedLog()
        let directory = workload.directory
        defer {
            workload.close()
            removeDirectory(directory)
            removeDirectory(directory + ".signing-key")
        }
        let values = try Self.logValues(directory)
        #expect(values.count > 50)
        var frontier = MerkleFrontier()
        let (treeSize, roots) = try workload.store.environment.read { txn in
            (try txn.treeSize(), try (1...UInt64(values.count)).map { try txn.treeHead(size: $0).root })
        }
        #expect(treeSize == UInt64(values.count))
        for (index, value) in values.enumerated() {
            frontier.append(leaf: Merkle.leafHash(value))
            #expect(roots[index] == frontier.root, "the root of \(index + 1) records")
        }
        let signed = try workload.store.signedHead(key: key)
        #expect(signed.size == UInt64(values.count) && signed.root == frontier.root)
        #expect(signed.verifies(with: Self.publicKey(key)))
    }

    @Test func anInclusionProofOfEveryRecordVerifiesAndFailsForAChangedByte() throws {
        let (workload, key) = try Self.signedLog()
        let directory = workload.directory
        workload.close()
        defer {
            removeDirectory(directory)
            removeDirectory(directory + ".signing-key")
        }
        let data = try DataDirectory(directory)
        defer { data.close() }
        let size = try data.head().sequence
        let publicKey = Self.publicKey(key)
        for sequence in 1...size {
            let proof = try Proofs.inclusion(data, sequence: sequence, head: .current, key: { key })
            let verdict = Proofs.verify(Array(proof.text.utf8), publicKey: publicKey)
            guard case .verified(let what) = verdict else {
                Issue.record("record \(sequence): \(verdict)")
                continue
            }
            #expect(what.hasPrefix("record \(sequence) (hash "))
            // One changed byte of the record (a hex digit of its stored value) fails it.
            var text = proof.text
            let recordStart = text.range(of: "\"record\":\"")!.upperBound
            let at = text.index(recordStart, offsetBy: 40)
            text.replaceSubrange(at...at, with: text[at] == "0" ? "1" : "0")
            guard case .failed(let why) = Proofs.verify(Array(text.utf8), publicKey: publicKey) else {
                Issue.record("record \(sequence) with a changed byte verified")
                continue
            }
            #expect(why.contains("a byte was changed"))
        }
        // Another key refuses the signed head.
        let other = Array(Curve25519.Signing.PrivateKey().publicKey.rawRepresentation)
        let proof = try Proofs.inclusion(data, sequence: 1, head: .current, key: { key })
        #expect(Proofs.verify(Array(proof.text.utf8), publicKey: other)
                    == .failed("the signed head's signature does not verify with the key \(Hex.encode(other))"))
    }

    @Test func consistencyProofsBetweenSignedHeadsVerifyAndARewrittenHistoryIsCaught() throws {
        var (workload, key) = try Self.signedLog()
        let directory = workload.directory
        defer {
            removeDirectory(directory)
            removeDirectory(directory + ".signing-key")
        }
        let first = try workload.store.signedHead(key: key)
        // More records after the key: each later head must begin with the first one's history.
        try workload.runIssue5(from: pilotMonday.adding(days: 9))
        let later = try workload.store.signedHead(key: key)
        workload.close()
        #expect(later.size > first.size + 10)
        let data = try DataDirectory(directory)
        let publicKey = Self.publicKey(key)
        for old in first.size...later.size {
            let proof = try Proofs.consistency(data, old: .size(old), new: .published(later), key: { key })
            guard case .verified = Proofs.verify(Array(proof.text.utf8), publicKey: publicKey) else {
                Issue.record("\(old) to \(later.size) does not verify")
                continue
            }
        }
        let proof = try Proofs.consistency(data, old: .published(first), new: .current, key: { key })
        #expect(Proofs.verify(Array(proof.text.utf8), publicKey: publicKey)
                    == .verified("the \(first.size) records of the old head are the first \(first.size) of the "
                                     + "\(later.size) records of the new one, both signed by the key \(Hex.encode(publicKey))"))
        // A head that could not be signed: records before the key was recorded.
        #expect(throws: SigningKeyMismatch.self) { try Proofs.consistency(data, old: .size(3), new: .current, key: { key }) }
        data.close()

        // Rewrite record 5 and rehash the chain and the tree after it: the first signed head no
        // longer matches the log, and its old proof no longer verifies against the new tree.
        try rewriteRecord(5, of: directory)
        let rewritten = try DataDirectory(directory)
        defer { rewritten.close() }
        #expect(throws: ReplayError.self) {
            try Proofs.consistency(rewritten, old: .published(first), new: .current, key: { key })
        }
        let forged = try rewritten.environment.read { txn in try txn.treeHead() }
        let forgedNew = try key.sign(forged)
        let path = try rewritten.environment.read { txn in try txn.consistencyProof(old: first.size, new: forged.size) }
        #expect(!Merkle.verifyConsistency(old: first.size, new: forged.size, oldRoot: first.root, newRoot: forgedNew.root,
                                          proof: path))
    }

    @Test func theAuditChecksASignedHeadsSignatureAndRoot() throws {
        let (workload, key) = try Self.signedLog()
        let directory = workload.directory
        let signed = try workload.store.signedHead(key: key)
        workload.close()
        defer {
            removeDirectory(directory)
            removeDirectory(directory + ".signing-key")
        }
        var options = Audit.Options()
        options.signedHead = signed
        #expect(try audit(directory, options).ok)
        options.publicKey = key.publicKey
        #expect(try audit(directory, options).ok)

        var badSignature = signed
        badSignature.signature[10] ^= 0x40
        options.signedHead = badSignature
        let refused = try audit(directory, options)
        #expect(refused.findings.map(\.kind) == [.signatureInvalid])
        #expect(refused.findings.first?.detail.hasPrefix("the signed head's signature does not verify with the key \(key.publicKey)") == true)

        let otherKey = Curve25519.Signing.PrivateKey()
        options.signedHead = signed
        options.publicKey = Hex.encode(otherKey.publicKey.rawRepresentation)
        #expect(try audit(directory, options).findings.map(\.kind) == [.signatureInvalid])

        // A root that is not the log's, signed all the same (a node's key used to sign a forgery).
        let wrongRoot = try SignedHead.sign(size: signed.size, hash: signed.hash, root: Merkle.leafHash([1]), key: key.privateKey)
        options.signedHead = wrongRoot
        options.publicKey = nil
        let mismatch = try audit(directory, options)
        #expect(mismatch.findings.map(\.kind) == [.treeRootMismatch])
        #expect(mismatch.findings.first?.sequence == signed.size)
    }

    @Test func aDirectoryWrittenBeforeTheTreeOpensAuditsAndDumpsUnchangedThenGetsItsTree() throws {
        let workload = try Workload.write()
        let directory = workload.directory
        workload.close()
        defer { removeDirectory(directory) }
        let before = try dumpLines(directory)
        // What the previous version wrote: no tree, no tree size, no signing-keys view.
        try tamper(directory, database: "tree") { txn, dbi in #expect(mdb_drop(txn, dbi, 1) == 0) }
        try tamper(directory, database: "signing-keys") { txn, dbi in #expect(mdb_drop(txn, dbi, 1) == 0) }
        try tamper(directory, database: "meta") { txn, dbi in deleteValue(txn, dbi, Array("tree-size".utf8)) }

        #expect(try audit(directory).ok)
        #expect(try dumpLines(directory) == before)
        let data = try DataDirectory(directory)
        let size = try data.head().sequence
        do {
            _ = try data.environment.read { txn in try txn.treeHead() }
            Issue.record("a directory without its tree gave a tree head")
        } catch let error as TreeError {
            #expect(error.description == TreeError.behind(holds: 0, needs: size).description)
            #expect(error.description.contains("start agenda-node on it once"))
        }
        data.close()

        // The store builds the tree from the log when it opens the directory.
        var reported: [(UInt64, UInt64)] = []
        let store = try Store(directory: directory, treeProgress: { reported.append(($0, $1)) })
        var frontier = MerkleFrontier()
        for value in try Self.logValues(directory) { frontier.append(leaf: Merkle.leafHash(value)) }
        let built = try store.environment.read { try $0.treeHead() }
        #expect(built == TreeHead(size: size, hash: try store.head().hash, root: frontier.root))
        #expect(reported.last.map { $0 == (size, size) } == true)
        store.close()
        #expect(try audit(directory).ok)
        #expect(try dumpLines(directory) == before)
    }

    func dumpLines(_ directory: String) throws -> [String] {
        let data = try DataDirectory(directory)
        defer { data.close() }
        var lines: [String] = []
        try Dump.run(data, Dump.Options()) { lines.append(String(decoding: $0, as: UTF8.self)) }
        return lines
    }
}

/// Rewrites record `sequence` (a changed reason byte in its payload) and rehashes the chain
/// after it, as a forger holding the disk would: the `meta` head follows. The tree is rebuilt
/// by the store on its next open, from the forged log.
func rewriteRecord(_ sequence: UInt64, of directory: String) throws {
    try tamper(directory) { txn, dbi in
        var previous = ChainHash.genesis
        var number: UInt64 = 1
        while let value = getValue(txn, dbi, LogKey.bytes(number)) {
            var payload = Array(value[..<(value.count - RecordCodec.trailerBytes)])
            if number == sequence { payload[payload.count - 1] ^= 0x01 }
            let hash = payload.withUnsafeBytes { ChainHash.link(previous: previous, sequence: number, payload: $0) }
            putValue(txn, dbi, LogKey.bytes(number), payload + previous.bytes + hash.bytes)
            previous = hash
            number += 1
        }
        var meta = MDB_dbi()
        #expect(mdb_dbi_open(txn, "meta", 0, &meta) == 0)
        putValue(txn, meta, Array("head".utf8), LogKey.bytes(number - 1) + previous.bytes)
        var tree = MDB_dbi()
        #expect(mdb_dbi_open(txn, "tree", 0, &tree) == 0)
        #expect(mdb_drop(txn, tree, 0) == 0)
        deleteValue(txn, meta, Array("tree-size".utf8))
    }
    // The store rebuilds the tree from the forged log.
    let store = try Store(directory: directory)
    store.close()
}

/// `replay export --redact`: shared without the applicants' personal data, still checked
/// against the signed head from the file alone.
@Suite("Exporting the log to share it")
struct ExportTests {
    static func export(_ data: DataDirectory, _ key: NodeKey, redact: Bool) throws -> String {
        var bytes: [UInt8] = []
        try Export.run(data, head: .current, key: { key }, redact: redact) { bytes += $0 }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func aRedactedExportHoldsNoApplicantsDataAndVerifiesAgainstTheSignedHead() throws {
        let (workload, key) = try ProofTests.signedLog()
        let directory = workload.directory
        workload.close()
        defer {
            removeDirectory(directory)
            removeDirectory(directory + ".signing-key")
        }
        let data = try DataDirectory(directory)
        defer { data.close() }
        let publicKey = ProofTests.publicKey(key)
        let redacted = try Self.export(data, key, redact: true)
        // Not one applicant's surname, name, visto or nationality, anywhere in the file.
        for needle in ["Rossi", "Mario", "ITA1", "ALB", "1980-01-01"] {
            #expect(!redacted.contains(needle), "the redacted export holds \(needle)")
        }
        let size = try data.head().sequence
        guard case .verified(let what) = Export.verify(redacted, publicKey: publicKey) else {
            Issue.record("the redacted export does not verify: \(Export.verify(redacted, publicKey: publicKey))")
            return
        }
        #expect(what.hasPrefix("the \(size) records of the head"))
        #expect(what.contains(" redacted") && !what.hasSuffix(" 0 redacted"))

        // Whole, it holds every record's bytes (sealed data as stored: the box, never the names),
        // and verifies with no record redacted.
        let whole = try Self.export(data, key, redact: false)
        #expect(whole.contains("\"sealed\":{\"vistoTag\"") && !whole.contains("Rossi"))
        #expect(Export.verify(whole, publicKey: publicKey) == .verified(
            "the \(size) records of the head the key \(key.publicKey) signed, \(size) of them byte for byte and 0 redacted"))

        var lines = redacted.split(separator: "\n").map(String.init)
        // A record left out, a leaf changed, an unredacted record's JSON changed, another key: refused.
        var dropped = lines
        dropped.remove(at: 5)
        #expect(Export.verify(dropped.joined(separator: "\n"), publicKey: publicKey)
                    == .failed("line 6 is not record 5 of an export"))
        let redactedLine = try #require(lines.firstIndex { $0.contains("\"bytes\":null") })
        var changedLeaf = lines
        changedLeaf[redactedLine] = Self.flippingLeaf(lines[redactedLine])
        guard case .failed(let why) = Export.verify(changedLeaf.joined(separator: "\n"), publicKey: publicKey) else {
            Issue.record("a changed leaf verified")
            return
        }
        #expect(why.contains("a record was changed, added or left out"))
        let plainLine = try #require(lines.firstIndex { $0.contains("\"type\":\"configure-office\"") })
        lines[plainLine] = lines[plainLine].replacingOccurrences(of: "\"office\":\"TS-Q\"", with: "\"office\":\"TS-X\"")
        guard case .failed(let changed) = Export.verify(lines.joined(separator: "\n"), publicKey: publicKey) else {
            Issue.record("a changed record verified")
            return
        }
        #expect(changed.contains("the export was changed"))
        let other = Array(Curve25519.Signing.PrivateKey().publicKey.rawRepresentation)
        #expect(Export.verify(redacted, publicKey: other)
                    == .failed("the export's signed head does not verify with the key \(Hex.encode(other))"))
    }

    /// The line with its leaf hash's first digit changed.
    static func flippingLeaf(_ line: String) -> String {
        let start = line.range(of: "\"leaf\":\"")!.upperBound
        var changed = line
        changed.replaceSubrange(start...start, with: line[start] == "0" ? "1" : "0")
        return changed
    }
}
