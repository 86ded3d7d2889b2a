// Opening a data directory reads its head and its views, never the log from the first record:
// a node over years of history opens in the time it takes to read what deciding needs.

@testable import Engine
import Events
import Foundation
import Projections
import Testing

@Suite("Opening a store over a long log")
struct OpeningTests {
    /// Records `1...count` written straight through the engine's one path into `directory`:
    /// an office, then refused bookings (cheap to decide, each a record like any other).
    static func writeLog(_ directory: String, count: Int) throws -> (sequence: UInt64, hash: ChainHash) {
        let environment = try Environment(directory: directory, mapBytes: 1 << 30)
        defer { environment.close() }
        var core = EngineCore()
        var values: [UInt8] = []
        var spans: [(sequence: UInt64, start: Int, end: Int)] = []
        func flush() throws {
            try environment.appendLog(values, spans: spans)
            values.removeAll(keepingCapacity: true)
            spans.removeAll(keepingCapacity: true)
        }
        let refused = Command.book(BookRequest(office: "TS-Q", service: "fotosegnalamento", pratica: "P-NONE"))
        for index in 0..<count {
            let record = core.decide(index == 0 ? .configureOffice(testOffice()) : refused, actor: sui, now: pilotMorning)
            spans.append((record.sequence, values.count, values.count + core.sealed.bytes.count))
            values.append(contentsOf: core.sealed.bytes)
            core.discardChanges()
            if spans.count == 50_000 { try flush() }
        }
        try flush()
        try environment.replaceViews(core.views)
        // The tree a node keeps beside its log, as its committer would have written it.
        try environment.buildTree()
        return (core.views.headSequence, core.views.headHash)
    }

    @Test("a store over a million records opens reading one log record (the last), and its views are the log's")
    func opensWithoutRefolding() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let records = ProcessInfo.processInfo.environment["AGENDA_OPEN_RECORDS"].flatMap { Int($0) } ?? 1_000_000
        let head = try Self.writeLog(directory, count: records)
        #expect(head.sequence == UInt64(records))
        let store = try Store(directory: directory, clock: { pilotMorning })
        defer { store.close() }
        // The last record (its decision time, so time never goes back) and nothing else.
        #expect(store.environment.reads.logEntriesRead == 1, "opening read \(store.environment.reads.logEntriesRead) log entries")
        #expect(try store.head() == head)
        // And it decides on from there.
        let next = try store.execute(book(0), actor: sui)
        #expect(next.record.sequence == UInt64(records) + 1 && next.record.previousHash == head.hash)
    }

    /// What the reads answer about every pratica and appointment of a store, through the same
    /// engine queries the protocol asks.
    static func answers(_ views: Views, pratiche: Int, appointments: [AppointmentID], days: [Day]) -> [String] {
        var lines: [String] = []
        for index in 0..<pratiche {
            let view = views.pratiche[pratica(index)]
            lines.append("\(index) \(view.map { "\($0.stateName) \($0.appointments) \($0.live.entries.map(\.appointment))" } ?? "none")"
                         + " history \(views.history(of: pratica(index)))")
        }
        for id in appointments {
            let appointment = views.appointments[id]
            lines.append("\(id) \(appointment.map { "\($0.day) \($0.time) \($0.state) \($0.updatedSequence)" } ?? "none")")
        }
        for day in days {
            let agenda = (try? Queries.agenda(views, office: "TS-Q", day: day, service: nil).get()) ?? []
            let load = views.day(DayKey("TS-Q", "fotosegnalamento", day))
            lines.append("\(day) \(agenda.map(\.id)) \(load.map { "\($0.booked)/\($0.capacity)" } ?? "-")")
        }
        lines.append("visto \(views.visti["ITA3"].map(\.rawValue) ?? "none")")
        lines.append("status \(Queries.permitStatus(views, surname: " rossi ", name: "MARIO", birthDate: Day(year: 1980, month: 1, day: 1)!, fingerprintedOn: days[0]))")
        lines.append("counts \(views.praticaCount) \(views.appointmentCount)")
        return lines
    }

    @Test("a reopened store holds only its working set, reads the rest from LMDB, and answers and decides as before")
    func reopenedStoreReadsThrough() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let clock = SettableClock(pilotMorning)
        var store = try Store(directory: directory, clock: { clock.now })
        let pratiche = 40
        _ = try store.executeAll([.configureOffice(testOffice(capacity: 2, slotsPerDay: 4))]
                                 + (0..<pratiche).map { .registerPratica(applicant($0)) }, actor: .system)
        var appointments: [AppointmentID] = []
        for index in 0..<pratiche {
            let decision = try store.execute(book(index), actor: sui, requestID: "r\(index)")
            if case .appointmentBooked(let booked)? = decision.record.outcome.events.first { appointments.append(booked.appointment) }
        }
        _ = try store.execute(.cancel(appointments[1], reason: "test"), actor: sui)
        _ = try store.execute(.permitReady(pratica(3)), actor: .system)
        _ = try store.execute(.attend(appointments[0]), actor: sui)
        let days = (0..<8).map { pilotMonday.adding(days: $0) }
        // A month on, one more record, so the days booked above are past when the store reopens.
        clock.now = Instant(romeDay: pilotMonday.adding(days: 30), time: LocalTime(hour: 8, minute: 0)!)
        _ = try store.execute(.registerPratica(applicant(pratiche)), actor: .system)
        let booked = appointments
        let before = try RepeatedRequestTests().awaitQuery(store) { Self.answers($0, pratiche: pratiche, appointments: booked, days: days) }
        store.close()

        store = try Store(directory: directory, clock: { clock.now })
        defer { store.close() }
        let held = try RepeatedRequestTests().awaitQuery(store) { views in
            [views.appointments.memory.count, views.pratiche.memory.count, views.visti.memory.count,
             views.requests.memory.count, views.history.count, views.praticheByApplicant.count,
             views.loads.values.reduce(0) { $0 + $1.materialised.count }]
        }
        #expect(held == [0, 0, 0, 0, 0, 0, 0], "the reopened views hold \(held) (appointments, pratiche, visti, request ids, histories, applicants, days)")
        let after = try RepeatedRequestTests().awaitQuery(store) { Self.answers($0, pratiche: pratiche, appointments: booked, days: days) }
        #expect(after == before)
        // A repeated request id is found in LMDB; a cancel reads its past appointment and day.
        let repeated = try store.execute(book(5), actor: sui, requestID: "r5")
        #expect(repeated.repeated)
        _ = try store.execute(.cancel(appointments[7], reason: "test"), actor: sui)
        // Deciding on: the next booking of a pratica registered before the restart.
        let next = try store.execute(book(1), actor: sui)
        #expect(!next.record.outcome.events.isEmpty, "\(next.record.outcome)")
        // And what was written is what a fold of the whole log writes, byte for byte.
        let fold = try store.read { try Store.foldLog($0) }
        let stored = try storedViewEntries(store)
        let folded = ViewCodec.allEntries(fold)
        for database in ViewDatabase.allCases {
            #expect(stored[database]?.map { $0.key + [0xFF] + $0.value } == folded[database]?.map { $0.key + [0xFF] + $0.value },
                    "the stored \(database) view differs from a fold of the log")
        }
    }
}
