import CLMDB
@testable import Engine
import Events
import Foundation
import Projections
import Testing

@Suite("The store: hash-chained log, views in the same transaction, one writer")
struct StoreTests {
    /// A store with the test office and `pratiche` registered.
    func seededStore(_ directory: String, pratiche: Int = 20, office: OfficeConfiguration = testOffice(),
                     mapBytes: Int = Limits.mapBytesInitial) throws -> Store {
        let store = try Store(directory: directory, clock: { pilotMorning }, mapBytes: mapBytes)
        _ = try store.executeAll([.configureOffice(office)] + (0..<pratiche).map { .registerPratica(applicant($0)) },
                                 actor: .system)
        return store
    }

    @Test("every record links to the one before it, and the head is the last record's hash")
    func chainLinks() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = try seededStore(directory)
        defer { store.close() }
        let decisions = try store.executeAll((0..<10).map { book($0) }, actor: sui)
        var previous = ChainHash.genesis
        try store.read { txn in
            try txn.records { record in
                #expect(record.previousHash == previous)
                previous = record.hash
                return true
            }
        }
        let head = try store.head()
        #expect(head.sequence == 31)
        #expect(head.hash == previous)
        #expect(decisions.last?.record.hash == head.hash)
        #expect(try store.verifyChain() == head)
    }

    @Test("a changed byte anywhere in any record is detected at that record")
    func changedByteIsDetected() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = try seededStore(directory, pratiche: 4)
        _ = try store.executeAll((0..<4).map { book($0) } + [.cancel("A-00006", reason: "test")], actor: sui)
        var log: [(UInt64, [UInt8])] = []
        try store.read { txn in
            try txn.scan("log") { key, value in
                log.append((try LogKey.sequence(key), Array(value)))
                return true
            }
        }
        store.close()

        func firstFinding(_ entries: [(UInt64, [UInt8])]) -> ChainWalker.Finding? {
            var walker = ChainWalker()
            for (sequence, value) in entries {
                if let finding = value.withUnsafeBytes({ walker.check(sequence: sequence, value: $0) }) { return finding }
            }
            return nil
        }
        #expect(firstFinding(log) == nil)
        var checked = 0
        for recordIndex in log.indices {
            for byteIndex in log[recordIndex].1.indices {
                var tampered = log
                tampered[recordIndex].1[byteIndex] ^= 0x01
                let finding = firstFinding(tampered)
                #expect(finding?.sequence == log[recordIndex].0, "byte \(byteIndex) of record \(log[recordIndex].0)")
                checked += 1
            }
        }
        #expect(checked > 1_000)

        // And on disk: a byte changed in the LMDB file is caught when the chain is walked.
        try tamperWithLog(directory) { txn, dbi in
            var value = logValue(txn, dbi, 7)
            value[20] ^= 0x80
            putLogValue(txn, dbi, 7, value)
        }
        let reopened = try Store(directory: directory, clock: { pilotMorning })
        defer { reopened.close() }
        #expect(throws: ChainWalker.Finding.self) { try reopened.verifyChain() }
        do {
            _ = try reopened.verifyChain()
        } catch let finding as ChainWalker.Finding {
            #expect(finding.sequence == 7)
        }
    }

    @Test("a deleted or swapped record breaks the chain at that place")
    func deletedAndSwappedRecords() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = try seededStore(directory, pratiche: 4)
        _ = try store.executeAll((0..<4).map { book($0) }, actor: sui)
        store.close()
        try tamperWithLog(directory) { txn, dbi in
            let fifth = logValue(txn, dbi, 5)
            let sixth = logValue(txn, dbi, 6)
            putLogValue(txn, dbi, 5, sixth)
            putLogValue(txn, dbi, 6, fifth)
        }
        let swapped = try Store(directory: directory, clock: { pilotMorning })
        do {
            _ = try swapped.verifyChain()
            Issue.record("a swap went unnoticed")
        } catch let finding as ChainWalker.Finding {
            #expect(finding.sequence == 5)
        }
        swapped.close()
        try tamperWithLog(directory) { txn, dbi in
            var key = UInt64(3).bigEndian
            withUnsafeMutableBytes(of: &key) { keyBytes in
                var keyValue = MDB_val(mv_size: 8, mv_data: keyBytes.baseAddress)
                #expect(mdb_del(txn, dbi, &keyValue, nil) == 0)
            }
        }
        let deleted = try Store(directory: directory, clock: { pilotMorning })
        defer { deleted.close() }
        do {
            _ = try deleted.verifyChain()
            Issue.record("a deletion went unnoticed")
        } catch let finding as ChainWalker.Finding {
            #expect(finding == .gap(expected: 3, found: 4))
        }
    }

    @Test("closing and reopening after many batches gives the same state, and the log goes on from its head")
    func reopenGivesSameState() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = try seededStore(directory, pratiche: 400, office: testOffice(capacity: 4, slotsPerDay: 4))
        var toCancel: [Command] = []
        for batch in 0..<40 {
            let first = batch * 10
            let decisions = try store.executeAll(toCancel + (first..<(first + 10)).map { book($0) }, actor: sui)
            guard case .appointmentBooked(let booked) = decisions.last?.record.outcome.events.first else {
                Issue.record("booking \(first + 9) was refused")
                return
            }
            toCancel = [.cancel(booked.appointment, reason: "changed plans")]
        }
        let before = try storedViewEntries(store)
        let head = try store.head()
        store.close()

        let reopened = try Store(directory: directory, clock: { pilotMorning })
        defer { reopened.close() }
        let after = try storedViewEntries(reopened)
        for database in ViewDatabase.allCases {
            #expect(before[database]?.map(\.key) == after[database]?.map(\.key))
            #expect(before[database]?.map(\.value) == after[database]?.map(\.value))
        }
        #expect(try reopened.head() == head)
        #expect(try reopened.persistedViews().appointments.memory.count == 400)
        let next = try reopened.execute(book(0), actor: sui)
        #expect(next.record.sequence == head.sequence + 1)
        #expect(next.record.previousHash == head.hash)
        try expectViewsEqualFoldOfLog(reopened)
    }

    @Test("the persisted views equal a fold of the whole log after every kind of command")
    func persistedViewsEqualFold() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = try seededStore(directory, pratiche: 60, office: testOffice(capacity: 2, slotsPerDay: 3))
        defer { store.close() }
        let booked = try store.executeAll((0..<40).map { book($0) }, actor: sui)
        let ids = booked.compactMap { decision -> AppointmentID? in
            if case .appointmentBooked(let event) = decision.record.outcome.events.first { return event.appointment }
            return nil
        }
        #expect(ids.count == 40)
        let tomorrow = pilotMonday.adding(days: 1)
        var commands: [Command] = [
            .deferAppointment(ids[0], to: .nextFree, reason: "applicant asked"),
            .deferAppointment(ids[1], to: .day(pilotMonday.adding(days: 9), at: nil), reason: "applicant asked"),
            .cancel(ids[2], reason: "applicant left Italy"),
            .cancel(ids[2], reason: "twice"),
            .permitReady(pratica(3)),
            .book(BookRequest(office: "TS-Q", service: "consegna-permesso", pratica: pratica(3))),
            .pickup(pratica(3)),
            .closeDay(office: "TS-Q", day: tomorrow, service: nil, reason: "sciopero"),
            .book(BookRequest(office: "TS-Q", service: "fotosegnalamento", pratica: pratica(50), on: tomorrow)),
            .configureOffice(testOffice(capacity: 4, slotsPerDay: 3)),
            .book(BookRequest(office: "TS-Q", service: "fotosegnalamento", pratica: pratica(51), on: pilotMonday)),
        ]
        commands += (52..<60).map { book($0) }
        let decisions = try store.executeAll(commands, actor: sui)
        #expect(decisions.count == commands.count)
        if case .rejected(let rejection) = decisions[8].record.outcome {
            #expect(rejection == .officeClosed("TS-Q", day: tomorrow))
        } else {
            Issue.record("booking a closed day was accepted")
        }
        // Today's appointments end, attended or missed; accounts come and go.
        let today = decisions.compactMap { decision -> AppointmentID? in
            guard case .appointmentBooked(let event) = decision.record.outcome.events.first,
                  event.day == pilotMonday, event.service == "fotosegnalamento" else { return nil }
            return event.appointment
        }
        #expect(!today.isEmpty)
        let closing: [Command] = [
            .attend(today[0]), .noShow(today[0]), .noShow(ids[5]),
            .createAccount(AccountSpec(name: "sui.trieste", role: .sui, office: "TS-Q", body: "TS-Q")),
            .createAccount(AccountSpec(name: "caf.trieste", role: .body, office: nil, body: "CAF-TS")),
            .disableAccount(name: "caf.trieste", reason: "convention ended"),
        ]
        let closed = try store.executeAll(closing, actor: sui)
        #expect(closed[0].record.outcome.rejection == nil)
        #expect(closed[1].record.outcome.rejection?.rule == "appointment-not-live")
        try expectViewsEqualFoldOfLog(store)
        let persisted = try store.persistedViews()
        #expect(persisted.appointments[today[0]]?.state == .attended)
        #expect(persisted.accounts["caf.trieste"]?.enabled == false)
        #expect(persisted.history[pratica(3)]?.count ?? 0 >= 4)
    }

    @Test("8 threads racing 10,000 bookings for 1,000 slots end with exactly 1,000 booked, none over capacity")
    func racingBookings() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        // 10 days (today and 9 more) × 10 slots × 10 places = 1,000.
        let office = testOffice(capacity: 10, slotsPerDay: 10, horizonDays: 9)
        let store = try seededStore(directory, pratiche: 10_000, office: office)
        defer { store.close() }
        let accepted = Counter()
        let rejected = Counter()
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            let group = DispatchGroup()
            for index in stride(from: thread, to: 10_000, by: 8) {
                group.enter()
                // A third ask for a given day: those move on by themselves once it is full.
                let on = index % 3 == 0 ? pilotMonday.adding(days: index % 10) : nil
                store.submit(book(index, on: on), actor: sui) { result in
                    if case .success(let decision) = result {
                        if case .accepted = decision.record.outcome { accepted.add() } else { rejected.add() }
                    }
                    group.leave()
                }
            }
            group.wait()
        }
        #expect(accepted.value == 1_000)
        #expect(rejected.value == 9_000)
        let views = try store.persistedViews()
        #expect(views.appointments.memory.count == 1_000)
        var seated = 0
        for offset in 0..<10 {
            let day = try #require(views.day(DayKey("TS-Q", "fotosegnalamento", pilotMonday.adding(days: offset))))
            #expect(day.slots.allSatisfy { $0.booked <= $0.capacity })
            #expect(day.booked == 100)
            seated += day.booked
        }
        #expect(seated == 1_000)
        try expectViewsEqualFoldOfLog(store)
    }

    @Test("a full queue answers busy at once, and bulk callers wait their turn instead of failing")
    func busyQueue() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = try seededStore(directory, pratiche: 24_000, office: testOffice(capacity: 100, slotsPerDay: 20))
        defer { store.close() }
        // Six bulk callers at once put far more in flight than the queue holds.
        let failures = Counter()
        DispatchQueue.concurrentPerform(iterations: 6) { caller in
            let commands = (0..<4_000).map { book(caller * 4_000 + $0) }
            do {
                let decisions = try store.executeAll(commands, actor: sui, chunksInFlightMax: 16)
                if decisions.count != commands.count { failures.add() }
            } catch {
                failures.add()
            }
        }
        #expect(failures.value == 0)
        #expect(try store.persistedViews().appointments.memory.count == 24_000)
        // A plain submit past the limit is answered busy at once.
        let answers = Answers()
        for index in 0..<(Limits.queueCommandsMax * 2) {
            store.submit(.permitReady(pratica(index % 24_000)), actor: sui) { answers.append($0) }
        }
        store.close()
        let busy = answers.values.filter { if case .failure(.busy) = $0 { true } else { false } }.count
        #expect(busy > 0)
        #expect(answers.values.count == Limits.queueCommandsMax * 2)
    }

    @Test("a failed commit answers its batch (and any decided on top of it) with the error, writes none of it, and the store goes on")
    func failedCommit() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = try seededStore(directory, pratiche: 3_000, office: testOffice(capacity: 50, slotsPerDay: 10))
        defer { store.close() }
        let head = try store.head()
        store.failingCommits.fail(next: 1)
        let answers = Answers()
        let group = DispatchGroup()
        for index in 0..<2_000 {
            group.enter()
            store.submit(book(index), actor: sui) { result in
                answers.append(result)
                group.leave()
            }
        }
        group.wait()
        let failed = answers.values.filter { if case .failure = $0 { true } else { false } }
        let succeeded = answers.values.compactMap { try? $0.get() }
        #expect(!failed.isEmpty)
        #expect(failed.count + succeeded.count == 2_000)
        // What succeeded is in the log, contiguous after the old head; what failed is nowhere.
        let newHead = try store.verifyChain()
        #expect(newHead.sequence == head.sequence + UInt64(succeeded.count))
        for decision in succeeded {
            #expect(try store.read { try $0.record(decision.record.sequence) } == decision.record)
        }
        try expectViewsEqualFoldOfLog(store)
        // The failed ones can simply be sent again.
        let failedIndexes = (0..<2_000).filter { index in
            !succeeded.contains { decision in
                if case .book(let request) = decision.record.command { return request.pratica == pratica(index) }
                return false
            }
        }
        #expect(failedIndexes.count == failed.count)
        let retried = try store.executeAll(failedIndexes.map { book($0) }, actor: sui)
        #expect(retried.allSatisfy { if case .accepted = $0.record.outcome { true } else { false } })
        #expect(try store.persistedViews().appointments.memory.count == 2_000)
        try expectViewsEqualFoldOfLog(store)
    }

    @Test("a repeated request id returns the first outcome and appends nothing, in one batch, across batches and after reopening")
    func repeatedRequestID() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        var store = try seededStore(directory)
        let first = try store.execute(book(1), actor: sui, requestID: "req-1")
        let head = try store.head()
        let again = try store.execute(book(1), actor: sui, requestID: "req-1")
        #expect(again.repeated)
        #expect(again.record == first.record)
        #expect(try store.head() == head)

        // Twice in the same batch: the second answer is the first record.
        let both = try store.executeAll([book(2), book(2)], actor: sui)  // no request id: two records
        #expect(both[1].record.outcome != both[0].record.outcome)
        let sameBatch = DispatchGroup()
        let answers = Answers()
        for _ in 0..<2 {
            sameBatch.enter()
            store.submit(book(3), actor: sui, requestID: "req-3") { result in
                answers.append(result)
                sameBatch.leave()
            }
        }
        sameBatch.wait()
        let records = answers.values.compactMap { try? $0.get().record }
        #expect(records.count == 2 && records[0] == records[1])

        // Another operator's "req-1" is a different request.
        let other = try store.execute(book(4), actor: Actor(operator: "sui.latina", body: "LT-S"), requestID: "req-1")
        #expect(!other.repeated)
        let headBeforeClose = try store.head()
        store.close()
        store = try Store(directory: directory, clock: { pilotMorning })
        defer { store.close() }
        let afterReopen = try store.execute(book(1), actor: sui, requestID: "req-1")
        #expect(afterReopen.repeated)
        #expect(afterReopen.record == first.record)
        #expect(try store.head() == headBeforeClose)
    }

    @Test("a command past a named limit is refused with a reason and nothing is appended")
    func shapeLimits() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = try seededStore(directory)
        defer { store.close() }
        let head = try store.head()
        let longID = String(repeating: "x", count: Limits.idBytesMax + 1)
        #expect(throws: StoreError.self) {
            try store.execute(.book(BookRequest(office: "TS-Q", service: "fotosegnalamento", pratica: PraticaID(longID))),
                              actor: sui)
        }
        #expect(throws: StoreError.self) {
            try store.execute(.cancel("A-00001", reason: String(repeating: "y", count: Limits.textBytesMax + 1)), actor: sui)
        }
        #expect(throws: StoreError.self) { try store.execute(book(1), actor: Actor(operator: "", body: "RM-S")) }
        #expect(throws: StoreError.self) { try store.execute(book(1), actor: sui, requestID: "a\u{0}b") }
        var sixDays = testOffice()
        sixDays.services[0].weekly.removeLast()
        #expect(throws: StoreError.self) { try store.execute(.configureOffice(sixDays), actor: sui) }
        var pastMidnight = testOffice()
        pastMidnight.services[0].weekly[0] = [OpeningInterval(start: LocalTime(hour: 22, minute: 0)!,
                                                              end: LocalTime(minutesSinceMidnight: 1440))]
        #expect(throws: StoreError.self) { try store.execute(.configureOffice(pastMidnight), actor: sui) }
        #expect(try store.head() == head)
    }

    @Test("views written in an older layout are refolded from the log and rewritten on open")
    func olderViewsAreRewritten() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = try seededStore(directory)
        _ = try store.executeAll((0..<10).map { book($0) }, actor: sui)
        store.close()
        // An older version's views: another format byte and an agenda that no longer matches.
        try tamperWithLog(directory, database: "meta") { txn, dbi in
            var key = Array("views-format".utf8)
            var value: [UInt8] = [1]
            key.withUnsafeMutableBytes { keyBytes in
                value.withUnsafeMutableBytes { valueBytes in
                    var keyValue = MDB_val(mv_size: keyBytes.count, mv_data: keyBytes.baseAddress)
                    var dataValue = MDB_val(mv_size: 1, mv_data: valueBytes.baseAddress)
                    #expect(mdb_put(txn, dbi, &keyValue, &dataValue, 0) == 0)
                }
            }
        }
        try tamperWithLog(directory, database: "agenda") { txn, dbi in #expect(mdb_drop(txn, dbi, 0) == 0) }
        let reopened = try Store(directory: directory, clock: { pilotMorning })
        defer { reopened.close() }
        try expectViewsEqualFoldOfLog(reopened)
        #expect(try reopened.read { try $0.count("agenda") } == 10)
    }

    @Test("when the map fills it grows instead of failing")
    func mapGrows() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = try seededStore(directory, pratiche: 3_000, office: testOffice(capacity: 50, slotsPerDay: 10),
                                    mapBytes: 1 << 20)
        defer { store.close() }
        let decisions = try store.executeAll((0..<3_000).map { book($0) }, actor: sui)
        #expect(decisions.count == 3_000)
        #expect(try store.head().sequence == 6_001)
        try expectViewsEqualFoldOfLog(store)
        let size = try FileManager.default.attributesOfItem(atPath: directory + "/data.mdb")[.size] as? Int ?? 0
        #expect(size > 1 << 20)
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() {
        lock.lock()
        count += 1
        lock.unlock()
    }
    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}

final class Answers: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<Decision, StoreError>] = []
    func append(_ result: Result<Decision, StoreError>) {
        lock.lock()
        results.append(result)
        lock.unlock()
    }
    var values: [Result<Decision, StoreError>] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
