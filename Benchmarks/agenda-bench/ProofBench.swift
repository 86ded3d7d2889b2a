import Engine
import Events
import Foundation
import Replay

/// Signed heads and proofs (issue 15): what signing a head, making a proof and checking one
/// cost, in µs, over a log of `records` records written through the store (its tree with it),
/// and what building the tree of a directory written before it costs.
enum ProofBench {
    static let records = ProcessInfo.processInfo.environment["AGENDA_BENCH_PROOF_RECORDS"].flatMap { Int($0) } ?? 200_000
    static let repeats = 2_000

    static func microseconds(_ count: Int, _ body: (Int) throws -> Void) rethrows -> Double {
        let elapsed = try seconds { for index in 0..<count { try body(index) } }
        return elapsed * 1e6 / Double(count)
    }

    /// REGISTER and then BOOK, `count` each, through the store, sealing or writing in clear.
    static func registerAndBook(count: Int, sealing: Bool) throws -> (register: Double, book: Double) {
        let directory = scratch("sealing-\(sealing)")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(directory: directory, clock: { now }, mapBytes: 4 << 30, sealsApplicants: sealing)
        defer { store.close() }
        _ = try store.execute(.configureOffice(office), actor: .system)
        let pratiche = (0..<count).map { PraticaID("P-BN-\($0)") }
        let registering = try seconds {
            _ = try store.executeAll(pratiche.enumerated().map { index, pratica in
                .registerPratica(Applicant(pratica: pratica, visto: "V\(index)", surname: "Rossi", name: "Mario \(index)",
                                           birthDate: Day(year: 1980, month: 1, day: 1)!, nationality: "ALB", office: "BN-S"))
            }, actor: .system)
        }
        let booking = try seconds {
            _ = try store.executeAll(pratiche.map { .book(BookRequest(office: "BN-Q", service: "fotosegnalamento", pratica: $0)) },
                                     actor: operatorActor)
        }
        return (Double(count) / registering, Double(count) / booking)
    }

    static func runAll() throws {
        print("the cost of sealing personal data on the writer (REGISTER, then BOOK, 100,000 each; alternating runs)")
        for round in 1...2 {
            for sealing in [false, true] {
                let rates = try registerAndBook(count: 100_000, sealing: sealing)
                print("  round \(round), \(sealing ? "sealed  " : "in clear"): REGISTER \(grouped(rates.register))/s, "
                      + "BOOK \(grouped(rates.book))/s")
            }
        }
        let directory = scratch("proofs")
        let keyPath = directory + ".signing-key"
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: keyPath)
        }
        let store = try Store(directory: directory, clock: { now }, mapBytes: 4 << 30)
        let pratiche = (0..<(records / 2)).map { PraticaID("P-BN-\($0)") }
        _ = try store.executeAll(
            [.configureOffice(office)] + pratiche.enumerated().map { index, pratica in
                .registerPratica(Applicant(pratica: pratica, visto: "V\(index)", surname: "Rossi", name: "Mario",
                                           birthDate: Day(year: 1980, month: 1, day: 1)!, nationality: "ALB", office: "BN-S"))
            } + pratiche.map { .book(BookRequest(office: "BN-Q", service: "fotosegnalamento", pratica: $0)) },
            actor: .system)
        let (key, _) = try NodeKey.loadOrCreate(keyPath)
        try store.adoptSigningKey(key)
        let size = try store.head().sequence
        print("signed heads and proofs over \(grouped(Double(size))) records written through the store")

        let head = try store.read { try $0.treeHead() }
        let signed = try key.sign(head)
        let publicKey = Array(key.privateKey.publicKey.rawRepresentation)
        let rootMicros = try microseconds(repeats) { _ in _ = try store.read { try $0.treeHead() } }
        let signMicros = try microseconds(repeats) { _ in _ = try key.sign(head) }
        let headMicros = try microseconds(repeats) { _ in _ = try store.signedHead(key: key) }
        var verified = 0
        let verifyMicros = microseconds(repeats) { _ in if signed.verifies(with: publicKey) { verified += 1 } }
        precondition(verified == repeats, "a signed head did not verify")
        print("  head with its Merkle root read: \(String(format: "%.1f", rootMicros)) µs; Ed25519 signature: "
              + "\(String(format: "%.1f", signMicros)) µs; `replay head --sign`'s work (both, one read transaction): "
              + "\(String(format: "%.1f", headMicros)) µs; checking a signature: \(String(format: "%.1f", verifyMicros)) µs")

        let data = try DataDirectory(directory)
        defer { data.close() }
        var generator = SystemRandomNumberGenerator()
        let sequences = (0..<repeats).map { _ in UInt64.random(in: 1...size, using: &generator) }
        var documents: [[UInt8]] = []
        documents.reserveCapacity(repeats)
        let makeMicros = try microseconds(repeats) { index in
            documents.append(Array(try Proofs.inclusion(data, sequence: sequences[index], head: .published(signed),
                                                       key: { key }).text.utf8))
        }
        var good = 0
        let checkMicros = microseconds(repeats) { index in
            if case .verified = Proofs.verify(documents[index], publicKey: publicKey) { good += 1 }
        }
        precondition(good == repeats, "an inclusion proof did not verify")
        let pathLength = try data.environment.read { try $0.inclusionProof(size / 3, size: size).path.count }
        print("  inclusion proof of a random record (\(pathLength) hashes, \(documents[0].count) bytes of JSON): making "
              + "\(String(format: "%.1f", makeMicros)) µs, checking \(String(format: "%.1f", checkMicros)) µs "
              + "(the signature, the record's leaf, the path, decoding the record)")
        let old = try key.sign(try data.environment.read { try $0.treeHead(size: size / 2 + 1) })
        let consistency = Array(try Proofs.consistency(data, old: .published(old), new: .published(signed), key: { key }).text.utf8)
        let consistencyMicros = try microseconds(200) { _ in
            _ = try Proofs.consistency(data, old: .published(old), new: .published(signed), key: { key })
        }
        let consistencyCheck = microseconds(200) { _ in _ = Proofs.verify(consistency, publicKey: publicKey) }
        print("  consistency proof (head of \(grouped(Double(old.size))) to \(grouped(Double(size))) records): making "
              + "\(String(format: "%.1f", consistencyMicros)) µs, checking \(String(format: "%.1f", consistencyCheck)) µs")
        store.close()

        // A directory written before the tree: the log alone, the tree built when the store opens it.
        let old2 = scratch("proofs-untreed")
        defer { try? FileManager.default.removeItem(atPath: old2) }
        try Environment.writeRebuilt(try Rebuild.fold(data), log: data.environment, into: old2)
        var built: UInt64 = 0
        let buildSeconds = try seconds {
            let reopened = try Store(directory: old2, clock: { now }, treeProgress: { done, _ in built = done })
            reopened.close()
        }
        print("  the tree of a directory written before it, built when the node opens it: \(grouped(Double(built))) records "
              + "in \(String(format: "%.2f", buildSeconds)) s (\(grouped(Double(built) / buildSeconds)) records/s)")
    }
}
