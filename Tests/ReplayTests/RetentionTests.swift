import Engine
import Events
import Foundation
import Projections
import Replay
import Testing

/// Retention (issue 15, item 3): an office sets how many days after the pickup the sealed data
/// of the pratiche it opened is kept; then the node's clock command, `tick`, erases it, and
/// `replay audit` re-decides the tick from the log alone.
@Suite("Erasing applicants' data when the retention period ends")
struct RetentionTests {
    static let start = Day(year: 2026, month: 3, day: 2)!

    /// The Sportello that opens the pratiche, keeping their data `days` after the pickup.
    static func sportello(retention days: UInt16) -> OfficeConfiguration {
        var office = testOffice("TS-S")
        office.kind = .sui
        office.name = "Sportello Unico di prova"
        office.retentionDays = days
        return office
    }

    static func person(_ index: Int) -> Applicant {
        Applicant(pratica: PraticaID("P-RT-\(index)"), visto: "VRT\(index)Z", surname: "Zanfagnini\(index)",
                  name: "Ersilia\(index)", birthDate: Day(year: 1984, month: 6, day: 3)!, nationality: "MAR",
                  office: "TS-S")
    }

    static func pickUp(_ store: Store, _ indices: [Int]) throws {
        for index in indices {
            _ = try store.execute(.permitReady(Self.person(index).pratica), actor: .system)
            let picked = try store.execute(.pickup(Self.person(index).pratica), actor: .system)
            guard case .accepted = picked.record.outcome else {
                Issue.record("pickup of \(index): \(picked.record.outcome)")
                return
            }
        }
    }

    static func tick(_ store: Store) async throws -> Decision? { try await store.tickIfDue() }

    static func erased(_ decision: Decision?) -> [PraticaID] {
        (decision?.record.outcome.events ?? []).compactMap { if case .praticaErased(let id, _) = $0 { id } else { nil } }
    }

    @Test func theClockErasesWhatThePeriodEndedForAndTheAuditReDecidesIt() async throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let clock = TestClock(Self.start, 9)
        var store = try Store(directory: directory, clock: { clock.now })
        _ = try store.executeAll([.configureOffice(testOffice()), .configureOffice(Self.sportello(retention: 30))]
                                 + (0..<6).map { .registerPratica(Self.person($0)) }, actor: .system)
        try Self.pickUp(store, [1, 0])
        clock.set(Self.start.adding(days: 5), 11)
        try Self.pickUp(store, [2])
        // Nothing is due yet: the clock appends nothing at all.
        clock.set(Self.start.adding(days: 29), 23, 59)
        let headBefore = try store.head()
        #expect(try await Self.tick(store) == nil)
        #expect(try store.head() == headBefore)

        // Closed and reopened: the pickups are read from the stored retention index.
        store.close()
        store = try Store(directory: directory, clock: { clock.now })
        clock.set(Self.start.adding(days: 30), 0, 1)
        let first = try #require(try await Self.tick(store))
        #expect(first.record.command == .tick && first.record.actor == .system)
        #expect(Self.erased(first) == [Self.person(0).pratica, Self.person(1).pratica], "in pickup-day then id order")
        #expect(first.record.outcome.events.first == .praticaErased(
            Self.person(0).pratica, reason: "retention: 30 days after the pickup on \(Self.start) (TS-S)"))
        #expect(store.keyRing.openingKey(for: Self.person(0).pratica) == nil)
        #expect(store.keyRing.openingKey(for: Self.person(2).pratica) != nil, "picked up later: kept")
        #expect(try await Self.tick(store) == nil, "what was erased is not due again")

        // One erased by hand before its period ends is not erased again; one picked up after
        // the reopening (held in memory) falls due with the rest.
        _ = try await store.execute(.erasePratica(Self.person(2).pratica, reason: "art. 17 GDPR request"), actor: .system)
        clock.set(Self.start.adding(days: 31), 10)
        try Self.pickUp(store, [3])
        clock.set(Self.start.adding(days: 35), 10)
        #expect(try await Self.tick(store) == nil)
        clock.set(Self.start.adding(days: 61), 10)
        let second = try #require(try await Self.tick(store))
        #expect(Self.erased(second) == [Self.person(3).pratica])
        // Never picked up: kept, whatever the date.
        #expect(store.keyRing.openingKey(for: Self.person(4).pratica) != nil)
        store.close()

        // The erased data is gone from every file; the audit re-decides both ticks; the stored
        // views, the retention index among them, are the fold's byte for byte.
        let everything = try ErasureTests.allBytes(directory)
        for index in [0, 1, 3] {
            #expect(!ErasureTests.contains(everything, Array(Self.person(index).surname.utf8)))
        }
        let report = try audit(directory)
        #expect(report.ok, "\(report.findings)")
        let data = try DataDirectory(directory)
        defer { data.close() }
        let rebuilt = try Rebuild.run(data)
        #expect(rebuilt.equal, "\(rebuilt.databases.filter { !$0.equal })")
        let index = try #require(rebuilt.databases.first { $0.database == .retention })
        #expect(index.stored == 0, "every pickup's data was erased")
    }

    @Test func aTickForgedToEraseTooMuchOrTooLittleIsAnAuditFinding() async throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let clock = TestClock(Self.start, 9)
        let store = try Store(directory: directory, clock: { clock.now })
        _ = try store.executeAll([.configureOffice(testOffice()), .configureOffice(Self.sportello(retention: 10))]
                                 + (0..<3).map { .registerPratica(Self.person($0)) }, actor: .system)
        try Self.pickUp(store, [0, 1])
        clock.set(Self.start.adding(days: 3), 9)
        try Self.pickUp(store, [2])
        clock.set(Self.start.adding(days: 10), 9)
        let tick = try #require(try await Self.tick(store))
        #expect(Self.erased(tick) == [Self.person(0).pratica, Self.person(1).pratica])
        store.close()
        #expect(try audit(directory).ok)
        let reason = { (index: Int, day: Day) in "retention: 10 days after the pickup on \(day) (TS-S)" }
        // One more erased than was due (pratica 2's period ends three days later), then one fewer.
        for events: [Event] in [
            [.praticaErased(Self.person(0).pratica, reason: reason(0, Self.start)),
             .praticaErased(Self.person(1).pratica, reason: reason(1, Self.start)),
             .praticaErased(Self.person(2).pratica, reason: reason(2, Self.start.adding(days: 3)))],
            [.praticaErased(Self.person(1).pratica, reason: reason(1, Self.start))],
        ] {
            try rewriteAndRehash(directory, at: tick.record.sequence) { $0.outcome = .accepted(events) }
            let report = try audit(directory)
            #expect(report.findings.contains { $0.sequence == tick.record.sequence && $0.kind == .outcomeDiffers },
                    "\(report.findings)")
        }
    }

    @Test func aChangedPeriodCountsForEveryPickupAndOffKeepsTheData() async throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let clock = TestClock(Self.start, 9)
        let store = try Store(directory: directory, clock: { clock.now })
        defer { store.close() }
        _ = try store.executeAll([.configureOffice(testOffice()), .configureOffice(Self.sportello(retention: 0))]
                                 + (0..<3).map { .registerPratica(Self.person($0)) }, actor: .system)
        try Self.pickUp(store, [0, 1, 2])
        clock.set(Self.start.adding(days: 400), 9)
        #expect(try await Self.tick(store) == nil, "no period: kept until erased by hand")
        let amended = try await store.execute(.amendOffice("TS-S", .retention(days: 365)), actor: .system)
        guard case .officeConfigured(let configuration, _)? = amended.record.outcome.events.first else {
            Issue.record("RETENTION was \(amended.record.outcome)")
            return
        }
        #expect(configuration.retentionDays == 365 && configuration.version == 4)
        // At most `limit` a look, whole days read from the index, the rest left for the next.
        let firstTwo = try ErasureTests.ask(store) { $0.retentionDue(today: Self.start.adding(days: 400), limit: 2) }
        #expect(firstTwo.map(\.pratica) == [Self.person(0).pratica, Self.person(1).pratica])
        #expect(Self.erased(try await Self.tick(store)) == (0..<3).map { Self.person($0).pratica })
    }

    @Test func dataInClearIsNeverDueAndOnlyTheDataControllerSetsThePeriod() throws {
        var core = EngineCore()
        let now = Instant(romeDay: Self.start, time: LocalTime(hour: 9, minute: 0)!)
        _ = core.decide(.configureOffice(testOffice()), actor: .system, now: now)
        _ = core.decide(.configureOffice(Self.sportello(retention: 1)), actor: .system, now: now)
        // Without keys the registration stays in clear: it cannot be shredded, so it is never due.
        _ = core.decide(.registerPratica(Self.person(0)), actor: .system, now: now)
        _ = core.decide(.permitReady(Self.person(0).pratica), actor: .system, now: now)
        _ = core.decide(.pickup(Self.person(0).pratica), actor: .system, now: now)
        let later = Instant(romeDay: Self.start.adding(days: 10), time: LocalTime(hour: 9, minute: 0)!)
        #expect(Decider.due(core.views, now: later).isEmpty)
        #expect(core.decide(.tick, actor: .system, now: later).outcome == .accepted([]))

        _ = core.decide(.createAccount(AccountSpec(name: "quest.ts", role: .questura, office: "TS-S", body: "TS-S")),
                        actor: .system, now: now)
        _ = core.decide(.createAccount(AccountSpec(name: "pref.ts", role: .prefettura, office: "TS-Q", body: "TS-P")),
                        actor: .system, now: now)
        let questura = Actor(operator: "quest.ts", body: "TS-S")
        guard case .rejected(.notPermitted(.role, .questura, "retention")) =
                core.decide(.amendOffice("TS-S", .retention(days: 10)), actor: questura, now: now).outcome else {
            Issue.record("a Questura account set a retention period")
            return
        }
        guard case .rejected(.notPermitted(.role, .questura, "tick")) = core.decide(.tick, actor: questura, now: now).outcome
        else {
            Issue.record("a Questura account sent the node's clock")
            return
        }
        let prefettura = Actor(operator: "pref.ts", body: "TS-P")
        guard case .accepted = core.decide(.amendOffice("TS-S", .retention(days: 10)), actor: prefettura, now: now).outcome
        else {
            Issue.record("the province's Prefettura could not set the period")
            return
        }
        #expect(core.views.offices["TS-S"]?.configuration.retentionDays == 10)
    }
}
