import Engine
import Events
import Foundation
import Projections
import Replay
import Testing

/// Crypto-shredding (issue 15, item 3): the store seals each new registration's personal data
/// with the pratica's own key; ERASE destroys the key, and then nothing readable of the person
/// is left in any file of the data directory, while the chain and the audit hold.
@Suite("Erasing an applicant's personal data")
struct ErasureTests {
    static let clock = TestClock(pilotMonday, 8)

    static func person(_ index: Int) -> Applicant {
        Applicant(pratica: PraticaID("P-TS-2026-\(index)"), visto: "VQZ\(index)X\(index)",
                  surname: "Quaglierini\(index)", name: "Ottavina\(index)",
                  birthDate: Day(year: 1977, month: 3, day: 9)!, nationality: "PER", office: "TS-S")
    }

    /// Every byte of every file under `directory` (data.mdb, lock.mdb, the keys' files).
    static func allBytes(_ directory: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let file = enumerator?.nextObject() as? String {
            let path = directory + "/" + file
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            bytes += try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        }
        return bytes
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }

    /// A query on the writer's thread, waited for.
    static func ask<T: Sendable>(_ store: Store, _ body: @escaping @Sendable (Views) -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let answer = Answer<T>()
        store.query(body) { result in
            answer.result = result
            done.signal()
        }
        done.wait()
        return try answer.result!.get()
    }

    final class Answer<T: Sendable>: @unchecked Sendable { var result: Result<T, StoreError>? }

    static func status(_ store: Store, _ applicant: Applicant, fingerprintedOn day: Day) throws -> Queries.PermitStatus {
        try Self.ask(store) { views in
            Queries.permitStatus(views, surname: applicant.surname.lowercased(), name: " \(applicant.name) ",
                                 birthDate: applicant.birthDate, fingerprintedOn: day)
        }
    }

    @Test func afterEraseNothingOfThePersonIsInAnyFileWhileTheAuditHoldsAndOthersReadAsBefore() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = try Store(directory: directory, clock: { Self.clock.now })
        _ = try store.executeAll([.configureOffice(testOffice())] + (0..<3).map { .registerPratica(Self.person($0)) },
                                 actor: .system)
        let booked = try store.executeAll((0..<3).map { index in
            .book(BookRequest(office: "TS-Q", service: "fotosegnalamento", pratica: Self.person(index).pratica))
        }, actor: .system)
        let day = try #require(booked.first.flatMap { decision -> Day? in
            for case .appointmentBooked(let booked) in decision.record.outcome.events { return booked.day }
            return nil
        })
        // Read back in clear through the keys, and STATUS finds the person by name.
        let readBack = try Self.ask(store) { views in views.applicant(of: Self.person(1).pratica) }
        #expect(readBack?.surname == "Quaglierini1" && readBack?.visto == "VQZ1X1" && readBack?.seal?.opened == true)
        #expect(try Self.status(store, Self.person(1), fingerprintedOn: day) == .notReady)
        #expect(try Self.ask(store) { $0.pratica(forVisto: "VQZ1X1") } == Self.person(1).pratica)
        // A refused registration is a record too, and sealed as well.
        var changed = Self.person(0)
        changed.surname = "Quaglierinibis"
        let refusedAgain = try store.execute(.registerPratica(changed), actor: .system)
        #expect(refusedAgain.record.outcome == .rejected(.praticaAlreadyRegistered(changed.pratica)))
        // Sealed everywhere it is stored: no personal field of anyone in clear, in any file.
        var everything = try Self.allBytes(directory)
        #expect(!Self.contains(everything, Array("Quaglierinibis".utf8)), "a refused registration holds the name in clear")
        for index in 0..<3 {
            for field in [Self.person(index).surname, Self.person(index).name, Self.person(index).visto] {
                #expect(!Self.contains(everything, Array(field.utf8)), "\(field) is in clear in the directory")
            }
        }
        let key = try #require(store.keyRing.openingKey(for: Self.person(1).pratica)).withUnsafeBytes { Array($0) }
        #expect(Self.contains(everything, key), "the key is in the keys' file before the erasure")

        let erased = try store.execute(.erasePratica(Self.person(1).pratica, reason: "art. 17 GDPR request"), actor: .system)
        #expect(erased.record.outcome == .accepted([.praticaErased(Self.person(1).pratica, reason: "art. 17 GDPR request")]))
        let again = try store.execute(.erasePratica(Self.person(1).pratica, reason: "again"), actor: .system)
        #expect(again.record.outcome == .accepted([]), "erasing again changes nothing")
        #expect(store.keyRing.openingKey(for: Self.person(1).pratica) == nil)
        #expect(try Self.status(store, Self.person(1), fingerprintedOn: day) == .unknown)
        #expect(try Self.status(store, Self.person(2), fingerprintedOn: day) == .notReady)
        let left = try Self.ask(store) { views in views.applicant(of: Self.person(1).pratica) }
        #expect(left?.isErased == true && left?.surname == "")
        store.close()

        // The key is gone from every file (the keys' file was copied without its free pages).
        everything = try Self.allBytes(directory)
        #expect(!Self.contains(everything, key), "the destroyed key survives in a file of the directory")
        for field in [Self.person(1).surname, Self.person(1).name, Self.person(1).visto] {
            #expect(!Self.contains(everything, Array(field.utf8)))
        }
        // The chain verifies and every record is re-decided: the rules never read a sealed field.
        let report = try audit(directory)
        #expect(report.ok, "\(report.findings)")
        // Dump shows the erased fields as erased, the others' as before.
        let data = try DataDirectory(directory)
        var lines: [String] = []
        try Dump.run(data, Dump.Options()) { lines.append(String(decoding: $0, as: UTF8.self)) }
        data.close()
        let erasedLine = try #require(lines.first { $0.contains("\"type\":\"register-pratica\"") && $0.contains("P-TS-2026-1\"") })
        #expect(erasedLine.contains("\"surname\":null") && erasedLine.contains("\"erased\":true"), "\(erasedLine)")
        let otherLine = try #require(lines.first { $0.contains("\"type\":\"register-pratica\"") && $0.contains("P-TS-2026-2\"") })
        #expect(otherLine.contains("\"surname\":\"Quaglierini2\"") && otherLine.contains("\"erased\":false"), "\(otherLine)")

        // Reopened: the others are read through their keys; the erased one stays erased.
        let reopened = try Store(directory: directory, clock: { Self.clock.now })
        defer { reopened.close() }
        let after = try Self.ask(reopened) { views in
            (views.applicant(of: Self.person(2).pratica), views.applicant(of: Self.person(1).pratica))
        }
        #expect(after.0?.surname == "Quaglierini2" && after.0?.name == "Ottavina2")
        #expect(after.1?.isErased == true)
        #expect(try Self.status(reopened, Self.person(1), fingerprintedOn: day) == .unknown)
        #expect(try Self.status(reopened, Self.person(0), fingerprintedOn: day) == .notReady)
        // The visto stays registered (its keyed hash): registering it again is still refused.
        var twin = Self.person(7)
        twin.visto = Self.person(1).visto
        let refused = try reopened.execute(.registerPratica(twin), actor: .system)
        guard case .rejected(.vistoAlreadyRegistered(_, let owner)) = refused.record.outcome else {
            Issue.record("a re-used visto was \(refused.record.outcome)")
            return
        }
        #expect(owner == Self.person(1).pratica)
    }

    @Test func onlyTheDataControllerErasesAndDataInClearIsRefused() throws {
        var core = EngineCore()
        let prefettura = Actor(operator: "pref.ts", body: "TS-P")
        let questura = Actor(operator: "quest.ts", body: "TS-Q")
        _ = core.decide(.configureOffice(testOffice()), actor: .system, now: Self.clock.now)
        _ = core.decide(.createAccount(AccountSpec(name: "pref.ts", role: .prefettura, office: "TS-Q", body: "TS-P")),
                        actor: .system, now: Self.clock.now)
        _ = core.decide(.createAccount(AccountSpec(name: "quest.ts", role: .questura, office: "TS-Q", body: "TS-Q")),
                        actor: .system, now: Self.clock.now)
        // Without keys (a replay, the simulator), a registration stays in clear: it cannot be shredded.
        _ = core.decide(.registerPratica(Self.person(0)), actor: .system, now: Self.clock.now)
        #expect(core.decide(.erasePratica(Self.person(0).pratica, reason: "r"), actor: prefettura, now: Self.clock.now).outcome
                    == .rejected(.notSealed(Self.person(0).pratica)))
        #expect(core.decide(.erasePratica("P-NONE", reason: "r"), actor: prefettura, now: Self.clock.now).outcome
                    == .rejected(.unknownPratica("P-NONE")))
        guard case .rejected(.notPermitted(_, .questura, _)) =
                core.decide(.erasePratica(Self.person(0).pratica, reason: "r"), actor: questura, now: Self.clock.now).outcome
        else {
            Issue.record("a Questura account erased")
            return
        }
        // A pratica another province's SUI opened: this Prefettura may not erase it.
        var roman = Self.person(5)
        roman.office = "RM-S"
        _ = core.decide(.registerPratica(roman), actor: .system, now: Self.clock.now)
        guard case .rejected(.notPermitted(.office, .prefettura, "RM-S")) =
                core.decide(.erasePratica(roman.pratica, reason: "r"), actor: prefettura, now: Self.clock.now).outcome
        else {
            Issue.record("another province's Prefettura erased")
            return
        }
        #expect(CommandCheck.problem(.erasePratica(Self.person(0).pratica, reason: ""), actor: .system, requestID: "") != nil,
                "ERASE needs a reason")
    }
}
