// A deterministic simulation of the engine, the way TigerBeetle's VOPR tests theirs: a seeded
// random stream of every command kind, from every role, over a simulated clock and calendar,
// through the real store; commit failures and restarts injected at random points. After every
// step: capacity holds, a pratica has at most one live appointment per service, a pickup is
// booked only for a ready permit, a repeated request id answers as the first time, and the
// persisted views equal a fold of the log, byte for byte, and each record is what views holding
// everything in memory decide anew (the store decides against its working set and LMDB). A failure names its seed and step,
// so `AGENDA_SIM_SEED=… AGENDA_SIM_STEPS=…` reproduces it exactly.

@testable import Engine
import Events
import Foundation
import Projections
import Testing

/// SplitMix64: small, fast, and the same on every machine.
struct SimulationRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

@Suite("A deterministic simulation of the engine: every command, every role, failures and restarts")
struct EngineSimulationTests {
    /// One account per role, as the permission tests have them; the applicant's pratica is one of ours.
    static let accounts = PermissionTests.accounts.map { spec in
        var spec = spec
        if spec.role == .applicant { spec.pratica = pratica(1) }
        return spec
    }
    static let actors = accounts.map(\.actor) + [.system]
    static let offices: [OfficeID] = ["TS-Q", "RM-Q"]
    static let services: [ServiceID] = ["fotosegnalamento", "consegna-permesso"]
    static let praticheCount = 30

    static var seeds: [UInt64] {
        if let seed = ProcessInfo.processInfo.environment["AGENDA_SIM_SEED"].flatMap({ UInt64($0) }) { return [seed] }
        return [1, 2, 3]
    }
    static var steps: Int { ProcessInfo.processInfo.environment["AGENDA_SIM_STEPS"].flatMap { Int($0) } ?? 700 }

    static func office(_ id: OfficeID, kind: OfficeConfiguration.Kind = .questura) -> OfficeConfiguration {
        var configuration = testOffice(id, capacity: 2, slotsPerDay: 3, horizonDays: 12, leadDays: 0,
                                       closedDays: [pilotMonday.adding(days: 6)])
        configuration.kind = kind
        return configuration
    }

    /// One run: the seed decides everything; `record` names the seed and step of a failure.
    func run(seed: UInt64, steps: Int) throws {
        var random = SimulationRandom(state: seed)
        let directory = temporaryDirectory("simulation-\(seed)")
        defer { removeDirectory(directory) }
        let clock = SettableClock(pilotMorning)
        // Few held entries: the writer drops them and loads its working set anew every few
        // dozen commands, so deciding against LMDB is what most steps exercise.
        var store = try Store(directory: directory, clock: { clock.now }, heldEntriesMax: 40)
        defer { store.close() }
        var loads = 0
        var setup: [Command] = Self.offices.map { .configureOffice(Self.office($0)) }
            + [.configureOffice(Self.office("TS-S", kind: .sui)), .configureOffice(Self.office("TS-P", kind: .prefettura))]
        setup += (0..<Self.praticheCount).map { .registerPratica(applicant($0)) }
        setup += Self.accounts.map { .createAccount($0) }
        for decision in try store.executeAll(setup, actor: .system) {
            if case .rejected(let rejection) = decision.record.outcome {
                Issue.record("seed \(seed): setup \(decision.record.command.name) was refused: \(rejection)")
            }
        }

        var fold = EngineCore()
        var folded: UInt64 = 0
        var appointments: [AppointmentID] = []
        var answered: [String: Decision] = [:]
        var failed = 0
        var restarts = 0
        for step in 0..<steps {
            let where_ = "seed \(seed) step \(step)"
            // The clock moves on: minutes within a day, sometimes to the next morning.
            let minutes = random.chance(10) ? 24 * 60 - 60 + random.below(120) : random.below(90)
            clock.now = Instant(millisecondsSinceEpoch: clock.now.millisecondsSinceEpoch + Int64(minutes) * 60_000)
            let actor = random.pick(Self.actors)
            let command = Self.command(&random, appointments)
            // Some requests carry an id; a few repeat one already answered.
            var requestID = ""
            if random.chance(30) {
                requestID = random.chance(30) && !answered.isEmpty
                    ? random.pick(answered.keys.sorted()).split(separator: "|").last.map(String.init) ?? ""
                    : "r\(step)"
            }
            let injectFailure = random.chance(3)
            if injectFailure { store.failingCommits.fail(next: 1) }
            let result = Result { try store.execute(command, actor: actor, requestID: requestID) }
            switch result {
            case .failure:
                #expect(injectFailure, "\(where_): \(command.name) failed without an injected failure: \(result)")
                failed += 1
            case .success(let decision):
                #expect(!injectFailure || decision.repeated, "\(where_): an injected commit failure was acknowledged")
                for event in decision.record.outcome.events {
                    if case .appointmentBooked(let booked) = event { appointments.append(booked.appointment) }
                    if case .appointmentMigrated(let migrated) = event { appointments.append(migrated.appointment) }
                }
                if !requestID.isEmpty {
                    let key = actor.operator + "|" + requestID
                    if let first = answered[key] {
                        #expect(decision.repeated && decision.record == first.record
                                    && decision.subjects.appointments == first.subjects.appointments
                                    && decision.subjects.pratica == first.subjects.pratica,
                                "\(where_): request id \(requestID) of \(actor.operator) answered differently the second time: first \(first.record.sequence) \(first.subjects), again repeated \(decision.repeated) \(decision.record.sequence) \(decision.subjects)")
                    } else if !decision.repeated {
                        answered[key] = decision
                    }
                }
            }
            if injectFailure { store.failingCommits.fail(next: 0) }
            // A restart now and then: everything acknowledged must come back from the disk.
            if random.chance(2) {
                loads += store.statistics.workingSetLoads
                store.close()
                store = try Store(directory: directory, clock: { clock.now }, heldEntriesMax: 40)
                restarts += 1
            }
            try Self.check(store, &fold, &folded, today: RomeTime.day(of: clock.now), where_)
        }
        #expect(failed > 0 && restarts > 0, "seed \(seed): the run injected no failure or no restart")
        loads += store.statistics.workingSetLoads
        #expect(loads > 0, "seed \(seed): the writer never dropped what it held")
        #expect(appointments.count > 20, "seed \(seed): only \(appointments.count) appointments were made")
    }

    /// A random command of any kind, about the known appointments, pratiche and offices, or
    /// about ids nobody has.
    static func command(_ random: inout SimulationRandom, _ appointments: [AppointmentID]) -> Command {
        let office = random.pick(offices)
        let service = random.chance(75) ? services[0] : services[1]
        let pratica = random.chance(95) ? pratica(random.below(praticheCount)) : PraticaID("P-NONE")
        let appointment = appointments.isEmpty || random.chance(5) ? AppointmentID("A-ZZZZZ") : random.pick(appointments)
        let day = pilotMonday.adding(days: random.below(16))
        let time = LocalTime(minutesSinceMidnight: UInt16(9 * 60 + 30 * random.below(4)))
        switch random.below(14) {
        case 0, 1, 2:
            return .book(BookRequest(office: office, service: service, pratica: pratica,
                                     on: random.chance(30) ? day : nil, at: random.chance(20) ? time : nil,
                                     orExisting: random.chance(20)))
        case 3: return .deferAppointment(appointment, to: random.chance(50) ? .nextFree : .day(day, at: nil), reason: "")
        case 4: return .cancel(appointment, reason: "")
        case 5: return .permitReady(pratica)
        case 6: return .pickup(pratica)
        case 7: return .attend(appointment)
        case 8: return .noShow(appointment)
        case 9: return .closeDay(office: office, day: day, service: random.chance(50) ? service : nil, reason: "sciopero")
        case 10:
            return .amendOffice(office, .quotas(services[0], ChannelQuotas(sui: UInt16(random.below(2)), body: 0,
                                                                           applicant: UInt16(random.below(2))),
                                                releaseDays: UInt16(random.below(3))))
        case 11:
            return .amendOffice(office, .transition(random.chance(70) ? TransitionWindow(from: pilotMonday, to: day) : nil))
        case 12:
            return .migrate(MigrateRequest(office: office, service: services[0], pratica: pratica, day: day, time: time,
                                           legacyID: "OLD-\(random.below(1000))"))
        default:
            return .registerPratica(applicant(praticheCount + random.below(20)))
        }
    }

    /// The invariants, and the persisted views against a fold of the log that this test keeps
    /// itself, record by record, through the engine's fold.
    static func check(_ store: Store, _ fold: inout EngineCore, _ folded: inout UInt64, today: Day,
                      _ where_: String) throws {
        try store.read { txn in
            try txn.records(from: folded + 1) { record in
                // Decided anew against views that hold everything in memory: the store decided
                // against its working set, reading the rest from LMDB, and must agree exactly.
                let again = fold.decide(record.command, actor: record.actor, requestID: record.requestID,
                                        now: record.decidedAt)
                #expect(again == record, "\(where_): record \(record.sequence) decided anew differs: stored \(record.outcome), anew \(again.outcome)")
                folded = record.sequence
                return true
            }
        }
        fold.discardChanges()
        let persisted = try store.persistedViews()
        #expect(persisted.headSequence == folded, "\(where_): the views stop at \(persisted.headSequence), the log at \(folded)")
        let stored = ViewCodec.allEntries(persisted)
        let refolded = ViewCodec.allEntries(fold.views)
        for database in ViewDatabase.allCases {
            let same = stored[database]?.map { $0.key + [0xFF] + $0.value } == refolded[database]?.map { $0.key + [0xFF] + $0.value }
            #expect(same, "\(where_): the persisted \(database) view differs from a fold of the log")
        }
        let views = fold.views
        for (key, load) in views.loads {
            for (day, dayLoad) in load.materialised {
                for slot in dayLoad.slots {
                    #expect(slot.normallyBooked <= slot.capacity,
                            "\(where_): \(key.office) \(key.service) \(day) \(slot.time) holds \(slot.booked) of \(slot.capacity)")
                }
            }
        }
        // At most one live appointment per pratica and service: booked, from today on (an
        // unmarked one whose day is over counts as missed and no longer stands in the way).
        var live: [String: [AppointmentID]] = [:]
        for appointment in views.appointments.memory.values where appointment.state == .booked && appointment.day >= today {
            live[appointment.pratica.rawValue + " " + appointment.service.rawValue, default: []].append(appointment.id)
            if appointment.service == "consegna-permesso", !appointment.migrated {
                #expect(views.pratiche[appointment.pratica]?.permitReady == true,
                        "\(where_): a pickup \(appointment.id) is booked for a permit not ready")
            }
        }
        for (key, ids) in live where ids.count > 1 {
            Issue.record("\(where_): \(key) has \(ids.count) live appointments: \(ids)")
        }
        for (pratica, praticaView) in views.pratiche.memory where praticaView.permitDelivered {
            #expect(praticaView.permitReady, "\(where_): \(pratica)'s permit was delivered but never marked ready")
        }
    }

    @Test("seeded streams of every command from every role keep every invariant, with failures and restarts",
          arguments: EngineSimulationTests.seeds)
    func simulate(seed: UInt64) throws {
        try run(seed: seed, steps: Self.steps)
    }
}
