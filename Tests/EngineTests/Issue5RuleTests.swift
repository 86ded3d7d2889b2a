// Issue 5's rules: channel quotas (and their release), applicant accounts, migrated
// appointments and the transition window, unmarked appointments counting as missed, and the
// calendar across daylight-saving changes.

@testable import Engine
import Events
import Projections
@testable import Replay
import Testing

extension Fixture {
    static let suiActor = Actor(operator: "sui.ts", body: "TS-S")
    static let bodyActor = Actor(operator: "caf.ts", body: "CAF-TS")
    static let applicantActor = Actor(operator: "self.1", body: "P-TS-2008-000001")

    /// The fixture office with quotas on fotosegnalamento (capacity 2 per slot, two slots a day).
    static func quotaConfiguration(sui: UInt16, body: UInt16, applicant: UInt16 = 0,
                                   releaseDays: UInt16 = 0) -> OfficeConfiguration {
        var configuration = Fixture.configuration()
        configuration.services[0].quotas = ChannelQuotas(sui: sui, body: body, applicant: applicant)
        configuration.services[0].releaseDays = releaseDays
        return configuration
    }
}

extension Given {
    /// The office, `pratiche` applicants, and one account per booking channel.
    static func withChannels(pratiche: Int, configuration: OfficeConfiguration) throws -> Given {
        var given = try Given.office(pratiche: pratiche, configuration: configuration)
        try given.accept(.createAccount(AccountSpec(name: "sui.ts", role: .sui, office: "TS-Q", body: "TS-S")))
        try given.accept(.createAccount(AccountSpec(name: "caf.ts", role: .body, office: nil, body: "CAF-TS")))
        try given.accept(.createAccount(AccountSpec(name: "self.1", role: .applicant, office: nil,
                                                    body: Fixture.pratica(1).rawValue, pratica: Fixture.pratica(1))))
        return given
    }

    /// Books as `actor`.
    mutating func book(_ number: Int, as actor: Actor, on day: Day? = nil) throws -> AppointmentBooked {
        let saved = self.actor
        self.actor = actor
        defer { self.actor = saved }
        return try book(Fixture.pratica(number), on: day)
    }

    mutating func migrate(_ number: Int, _ day: Day, _ time: LocalTime, legacy: String = "") -> Outcome {
        record(.migrate(MigrateRequest(office: Fixture.office, service: Fixture.fotosegnalamento,
                                       pratica: Fixture.pratica(number), day: day, time: time, legacyID: legacy)))
    }
}

@Suite("Channel quotas")
struct QuotaTests {
    @Test("each channel fills its own quota and the open share; another channel's quota is out of reach")
    func quotasSeparateChannels() throws {
        // Capacity 2 per slot: one place for the SUI, one for bodies, none open.
        var given = try Given.withChannels(pratiche: 8, configuration: Fixture.quotaConfiguration(sui: 1, body: 1))
        let first = try given.book(2, as: Fixture.suiActor)
        let second = try given.book(3, as: Fixture.suiActor)
        #expect((first.day, first.time) == (.april22, .nine))
        #expect((second.day, second.time) == (.april22, .nineThirty))
        // The SUI's share of Tuesday is gone; the bodies' is not, so the next SUI booking moves on.
        let third = try given.book(4, as: Fixture.suiActor)
        #expect((third.day, third.time) == (.april23, .nine))
        let byBody = try given.book(5, as: Fixture.bodyActor)
        #expect((byBody.day, byBody.time) == (.april22, .nine))
        // The views count each seat under its channel.
        let nine = try #require(given.day(.april22)?.slots.first)
        #expect((nine.booked, nine.bookedSui, nine.bookedBody) == (2, 1, 1))
        // An unrestricted (staff) booking takes any free seat: the bodies' last place on Tuesday.
        let byStaff = try given.book(Fixture.pratica(6))
        #expect((byStaff.day, byStaff.time) == (.april22, .nineThirty))
        #expect(given.day(.april22)?.bookedPerSlot == [2, 2])
    }

    @Test("FIRSTFREE answers what the caller's channel could take")
    func firstFreeRespectsTheChannel() throws {
        var given = try Given.withChannels(pratiche: 4, configuration: Fixture.quotaConfiguration(sui: 1, body: 1))
        _ = try given.book(2, as: Fixture.suiActor)
        _ = try given.book(3, as: Fixture.suiActor)
        let forSui = try Queries.firstFree(given.views, office: Fixture.office, service: Fixture.fotosegnalamento,
                                           notBefore: nil, count: 1, now: given.now, channel: .sui).get()
        #expect(forSui.map(\.day) == [.april23])
        let forBody = try Queries.firstFree(given.views, office: Fixture.office, service: Fixture.fotosegnalamento,
                                            notBefore: nil, count: 2, now: given.now, channel: .body).get()
        #expect(forBody.map(\.day) == [.april22, .april22])
        #expect(forBody.map(\.free) == [1, 1])
        // An applicant has no quota and there is no open share: it sees no place at all.
        let forApplicant = try Queries.firstFree(given.views, office: Fixture.office, service: Fixture.fotosegnalamento,
                                                 notBefore: nil, count: 1, now: given.now, channel: .applicant).get()
        #expect(forApplicant.isEmpty)
        #expect(given.decide(Fixture.book(Fixture.pratica(1))).booking != nil)  // staff could
        given.actor = Fixture.applicantActor
        #expect(given.decide(Fixture.book(Fixture.pratica(1))).rejection?.rule == "full")
    }

    @Test("unused quota is open to every channel once the day is at most releaseDays ahead")
    func quotaRelease() throws {
        // Released one day ahead: Tuesday (today + 1) is anyone's; Wednesday keeps its quotas.
        var given = try Given.withChannels(pratiche: 8, configuration: Fixture.quotaConfiguration(sui: 1, body: 1,
                                                                                                   releaseDays: 1))
        var days: [Day] = []
        for number in 2...6 { days.append(try given.book(number, as: Fixture.suiActor).day) }
        #expect(days == [.april22, .april22, .april22, .april22, .april23])
        // Wednesday is two days ahead: the SUI took its 09:00 seat, its 09:30 seat is next,
        // then the bodies' share stops it and Thursday follows.
        #expect(try given.book(7, as: Fixture.suiActor).day == .april23)
        #expect(try given.book(8, as: Fixture.suiActor).day == .april24)
        // The next day the clock moves, Wednesday is released too.
        given.setClock(.april22, .eight)
        let forSui = try Queries.firstFree(given.views, office: Fixture.office, service: Fixture.fotosegnalamento,
                                           notBefore: .april23, count: 1, now: given.now, channel: .sui).get()
        #expect(forSui.first?.day == .april23)
    }

    @Test("quotas larger than the capacity, or a release past the horizon, are refused")
    func invalidQuotas() throws {
        var given = try Given.office()
        let tooMany = given.record(.amendOffice(Fixture.office, .quotas(Fixture.fotosegnalamento,
                                                                         ChannelQuotas(sui: 2, body: 1, applicant: 0),
                                                                         releaseDays: 0)))
        #expect(tooMany.rejection?.rule == "invalid-configuration")
        let tooFar = given.record(.amendOffice(Fixture.office, .quotas(Fixture.fotosegnalamento, .none, releaseDays: 11)))
        #expect(tooFar.rejection?.rule == "invalid-configuration")
        let unknown = given.record(.amendOffice(Fixture.office, .quotas("x", .none, releaseDays: 0)))
        #expect(unknown.rejection == .unknownService(Fixture.office, "x"))
        let fine = given.record(.amendOffice(Fixture.office, .quotas(Fixture.fotosegnalamento,
                                                                      ChannelQuotas(sui: 1, body: 0, applicant: 1),
                                                                      releaseDays: 2)))
        guard case .accepted(let events) = fine, case .officeConfigured(let configuration, _)? = events.first else {
            Issue.record("the quota change was refused: \(fine)")
            return
        }
        #expect(configuration.services[0].quotas == ChannelQuotas(sui: 1, body: 0, applicant: 1))
        #expect(given.views.offices[Fixture.office]?.configuration.services[0].releaseDays == 2)
    }
}

@Suite("Migrated appointments and the transition window")
struct MigrationTests {
    static func withWindow(pratiche: Int = 6) throws -> Given {
        var given = try Given.office(pratiche: pratiche)
        try given.accept(.amendOffice(Fixture.office, .transition(TransitionWindow(from: .april22, to: .april24))))
        return given
    }

    @Test("migrated appointments keep their day and time past capacity, flagged; new bookings see them as taken")
    func overCapacity() throws {
        var given = try Self.withWindow()
        var events: [Event] = []
        for number in 1...3 {
            guard case .accepted(let accepted) = given.migrate(number, .april22, .nine, legacy: "DED-\(number)") else {
                Issue.record("migration \(number) was refused")
                return
            }
            events += accepted
        }
        let nine = try #require(given.day(.april22)?.slots.first)
        #expect((nine.capacity, nine.booked, nine.migrated) == (2, 3, 3))
        guard case .appointmentMigrated(let third)? = events.last else { throw GivenUnexpected(what: "\(events)") }
        let view = try #require(given.views.appointments[third.appointment])
        #expect(view.migrated && view.legacyID == "DED-3" && view.state == .booked)
        #expect((view.day, view.time) == (.april22, .nine))
        // A new booking for Tuesday takes the 09:30 slot: 09:00 counts as full.
        let booked = try given.book(Fixture.pratica(4), on: .april22)
        #expect((booked.day, booked.time) == (.april22, .nineThirty))
        // The day holds as many as its capacity (4) but 09:30 still has a seat: the day is not
        // taken for full, and the next booking gets that seat.
        #expect(given.day(.april22).map { ($0.capacity, $0.booked, $0.free) } ?? (0, 0, 0) == (4, 4, 1))
        let last = try given.book(Fixture.pratica(5), on: .april22)
        #expect((last.day, last.time) == (.april22, .nineThirty))
        #expect(given.day(.april22)?.free == 0)
        #expect(try given.book(Fixture.pratica(6), on: .april22).day == .april23)
        // The office can still be reconfigured (here: an address) although a slot is over capacity,
        // but not so that a normal booking loses its place.
        try given.accept(.amendOffice(Fixture.office, .address("Via Tor Bandena 6, Trieste", phone: "")))
        #expect(given.record(.configureOffice(Fixture.configuration(fotosegnalamentoCapacity: 2))).rejection == nil)
        let smaller = given.record(.configureOffice(Fixture.configuration(fotosegnalamentoCapacity: 1)))
        #expect(smaller.rejection == .capacityBelowBookings(Fixture.office, service: Fixture.fotosegnalamento,
                                                            day: .april22, time: .nineThirty, booked: 2))
    }

    @Test("the auditor's invariant check accepts migrated seats past capacity but flags a normal booking there")
    func invariantCheck() throws {
        var given = try Self.withWindow()
        for number in 1...2 { _ = given.migrate(number, .april22, .nine) }
        let migratedAgain = Event.appointmentMigrated(AppointmentMigrated(
            appointment: "A-MIG", office: Fixture.office, service: Fixture.fotosegnalamento, pratica: Fixture.pratica(3),
            day: .april22, time: .nine, legacyID: "", bookedBy: "TS-Q"))
        #expect(InvariantCheck.check([migratedAgain], sequence: 99, against: given.views).findings.isEmpty)
        let forged = Fixture.booked("A-FORGED", Fixture.pratica(3), requested: .april22, day: .april22, time: .nine)
        let findings = InvariantCheck.check([forged], sequence: 99, against: given.views).findings
        #expect(findings.map(\.kind) == [.overCapacity])
        // Outside the window, a migration is an inconsistency too.
        let outside = Event.appointmentMigrated(AppointmentMigrated(
            appointment: "A-OUT", office: Fixture.office, service: Fixture.fotosegnalamento, pratica: Fixture.pratica(3),
            day: .april28, time: .nine, legacyID: "", bookedBy: "TS-Q"))
        #expect(InvariantCheck.check([outside], sequence: 99, against: given.views).findings.map(\.kind) == [.inconsistentEvent])
    }

    @Test("migrations are accepted only inside the transition window, on an open day's slot, from today on")
    func window() throws {
        var given = try Given.office(pratiche: 4)
        #expect(given.migrate(1, .april22, .nine).rejection == .outsideTransition(Fixture.office, day: .april22, window: nil))
        try given.accept(.amendOffice(Fixture.office, .transition(TransitionWindow(from: .april18, to: .april25))))
        let window = TransitionWindow(from: .april18, to: .april25)
        #expect(given.migrate(1, .april28, .nine).rejection == .outsideTransition(Fixture.office, day: .april28,
                                                                                  window: window))
        #expect(given.migrate(1, .april18, .nine).rejection == .dayInPast(.april18, today: .april21))
        #expect(given.migrate(1, .april25, .nine).rejection == .officeClosed(Fixture.office, day: .april25))
        #expect(given.migrate(1, .april22, .tenFive).rejection?.rule == "no-such-slot")
        #expect(given.migrate(9, .april22, .nine).rejection == .unknownPratica(Fixture.pratica(9)))
        // Today is inside the window and not before the lead time: a migration keeps its day.
        #expect(given.migrate(1, .april21, .nine).rejection == nil)
        #expect(given.migrate(1, .april22, .nine).rejection?.rule == "live-appointment-exists")
        // Closing the window stops further migrations; what came in stays.
        try given.accept(.amendOffice(Fixture.office, .transition(nil)))
        #expect(given.migrate(2, .april22, .nine).rejection?.rule == "outside-transition")
        #expect(given.views.appointments.memory.values.filter(\.migrated).count == 1)
        // A window that ends before it starts is refused.
        let backwards = given.record(.amendOffice(Fixture.office, .transition(TransitionWindow(from: .april24, to: .april22))))
        #expect(backwards.rejection?.rule == "invalid-configuration")
    }

    @Test("a migrated appointment is cancelled, deferred and closed like any other")
    func lifecycle() throws {
        var given = try Self.withWindow()
        for number in 1...3 { _ = given.migrate(number, .april22, .nine) }
        let ids = given.views.appointments.memory.values.filter(\.migrated).map(\.id).sorted()
        try given.accept(.cancel(ids[0], reason: "rinuncia"))
        try given.accept(.deferAppointment(ids[1], to: .day(.april23, at: nil), reason: ""))
        let nine = try #require(given.day(.april22)?.slots.first)
        #expect((nine.booked, nine.migrated) == (1, 1))
        #expect(given.day(.april23)?.slots.first?.migrated == 1)
        #expect(given.views.appointments[ids[1]]?.migrated == true)
    }
}

@Suite("Applicant accounts, and unmarked appointments counting as missed")
struct ApplicantAndMissedTests {
    @Test("an applicant account names one registered pratica; no other role may")
    func applicantAccounts() throws {
        var given = try Given.office(pratiche: 1)
        let noPratica = given.record(.createAccount(AccountSpec(name: "self.x", role: .applicant, office: nil, body: "x")))
        #expect(noPratica.rejection?.rule == "invalid-configuration")
        let unknown = given.record(.createAccount(AccountSpec(name: "self.y", role: .applicant, office: nil, body: "y",
                                                              pratica: "P-NONE")))
        #expect(unknown.rejection == .unknownPratica("P-NONE"))
        let staffWithPratica = given.record(.createAccount(AccountSpec(name: "q.z", role: .questura, office: "TS-Q",
                                                                       body: "TS-Q", pratica: Fixture.pratica(1))))
        #expect(staffWithPratica.rejection?.rule == "invalid-configuration")
        try given.accept(.createAccount(AccountSpec(name: "self.1", role: .applicant, office: nil,
                                                    body: Fixture.pratica(1).rawValue, pratica: Fixture.pratica(1))))
        #expect(given.views.accounts["self.1"]?.spec.pratica == Fixture.pratica(1))
        #expect(given.views.channel(of: Fixture.applicantActor) == .applicant)
    }

    @Test("an appointment left unmarked once its day is over reads missed, frees the pratica, and stays put")
    func unmarkedCountsAsMissed() throws {
        var given = try Given.office(pratiche: 1)
        let first = try given.book(Fixture.pratica(1))
        #expect(first.day == .april22)
        let view = try #require(given.views.appointments[first.appointment])
        #expect(view.displayState(today: .april22) == .booked)
        #expect(view.displayState(today: .april23) == .missed && view.isUnmarkedPast(today: .april23))
        given.setClock(.april23, .eight)
        // It can no longer be moved or cancelled; a new booking is allowed.
        #expect(given.decide(.cancel(first.appointment, reason: "")).rejection
                    == .appointmentNotLive(first.appointment, state: "missed"))
        #expect(given.decide(.deferAppointment(first.appointment, to: .nextFree, reason: "")).rejection?.rule
                    == "appointment-not-live")
        let second = try given.book(Fixture.pratica(1))
        #expect(given.views.pratiche[Fixture.pratica(1)]?.live[Fixture.fotosegnalamento] == second.appointment)
        // ATTEND and NOSHOW keep working on it.
        try given.accept(.noShow(first.appointment))
        #expect(given.views.appointments[first.appointment]?.state == .missed)
        #expect(given.views.pratiche[Fixture.pratica(1)]?.live[Fixture.fotosegnalamento] == second.appointment)
    }
}

@Suite("The calendar across daylight-saving changes")
struct DaylightSavingTests {
    /// An office open every weekday 08:00-12:00 in half-hour slots, in 2026, no holidays.
    static func office() -> OfficeConfiguration {
        let open = [OpeningInterval(start: .eight, end: LocalTime(hour: 12, minute: 0)!)]
        return OfficeConfiguration(
            office: Fixture.office, kind: .questura, name: "Questura di Trieste", horizonDays: 30, leadDays: 1,
            services: [ServiceConfiguration(id: Fixture.fotosegnalamento, name: "F", slotLengthMinutes: 30,
                                            capacityPerSlot: 1, requiresReadyPermit: false,
                                            weekly: [open, open, open, open, open, [], []])],
            closedDays: [])
    }

    @Test("appointments booked before a change keep their local time after it, in March and in October")
    func localTimeNeverMoves() throws {
        for (before, after) in [(Day(year: 2026, month: 3, day: 27)!, Day(year: 2026, month: 3, day: 30)!),
                                (Day(year: 2026, month: 10, day: 23)!, Day(year: 2026, month: 10, day: 26)!)] {
            var given = Given(now: Instant(romeDay: before.adding(days: -1), time: .eight))
            try given.accept(.configureOffice(Self.office()))
            for number in 1...2 { try given.accept(.registerPratica(Fixture.applicant(number))) }
            let friday = try given.book(Fixture.pratica(1), on: before, at: .nine)
            let monday = try given.book(Fixture.pratica(2), on: after, at: .nine)
            // Move the clock across the change: the views and their instants still say 09:00 local.
            given.setClock(after, .eight)
            for booked in [friday, monday] {
                let view = try #require(given.views.appointments[booked.appointment])
                #expect(view.time == .nine)
                let instant = Instant(romeDay: view.day, time: view.time)
                #expect(RomeTime.time(of: instant) == .nine && RomeTime.day(of: instant) == view.day)
            }
            // The UTC instant moves by the offset, as it must: 08:00Z in winter, 07:00Z in summer.
            let winterDay = before.civil.month == 3 ? before : after
            let summerDay = before.civil.month == 3 ? after : before
            #expect(Instant(romeDay: winterDay, time: .nine).description.hasSuffix("T08:00:00.000Z"))
            #expect(Instant(romeDay: summerDay, time: .nine).description.hasSuffix("T07:00:00.000Z"))
        }
    }

    @Test("today, for the lead time, is the date in Rome, not in UTC, on both nights of a change")
    func todayIsRomeTime() throws {
        // 23:30 UTC on Saturday 28 March 2026 is 00:30 on Sunday 29 March in Rome (still CET);
        // 22:30 UTC on Saturday 24 October 2026 is 00:30 on Sunday 25 October (still CEST).
        for (utc, romeToday) in [(Int64(1_774_740_600_000), Day(year: 2026, month: 3, day: 29)!),
                                 (Int64(1_792_881_000_000), Day(year: 2026, month: 10, day: 25)!)] {
            let now = Instant(millisecondsSinceEpoch: utc)
            #expect(RomeTime.day(of: now) == romeToday)
            var given = Given(now: Instant(romeDay: romeToday.adding(days: -5), time: .eight))
            try given.accept(.configureOffice(Self.office()))
            try given.accept(.registerPratica(Fixture.applicant(1)))
            given.now = now
            // The lead time counts from Rome's today: Monday is the first bookable day, and
            // asking for Sunday (Rome's today) is too soon, with the earliest day named.
            let tooSoon = given.decide(Fixture.book(Fixture.pratica(1), on: romeToday))
            #expect(tooSoon.rejection == .beforeLeadTime(requested: romeToday, earliest: romeToday.adding(days: 1)))
            #expect(given.decide(Fixture.book(Fixture.pratica(1))).booking?.day == romeToday.adding(days: 1))
        }
    }
}

@Suite("Opening hours with a break")
struct OpeningHoursTests {
    /// 09:00-10:15 and 14:00-15:00 on weekdays, half-hour slots of one place: 09:00, 09:30,
    /// then (after the lunch break, and with 10:00-10:15 too short for a slot) 14:00, 14:30.
    static func office() -> OfficeConfiguration {
        let day = [OpeningInterval(start: .nine, end: LocalTime(hour: 10, minute: 15)!),
                   OpeningInterval(start: LocalTime(hour: 14, minute: 0)!, end: LocalTime(hour: 15, minute: 0)!)]
        var configuration = Fixture.configuration()
        configuration.services[0] = ServiceConfiguration(
            id: Fixture.fotosegnalamento, name: "Fotosegnalamento", slotLengthMinutes: 30, capacityPerSlot: 1,
            requiresReadyPermit: false, weekly: [day, day, day, day, day, [], []])
        return configuration
    }

    @Test("slots run in each interval, none in the break or in a tail shorter than a slot; a full morning moves on to the afternoon")
    func breaks() throws {
        let times = Self.office().services[0].slotTimes(on: .tuesday).map(\.description)
        #expect(times == ["09:00", "09:30", "14:00", "14:30"])
        var given = try Given.office(pratiche: 6, configuration: Self.office())
        for time in [LocalTime(hour: 12, minute: 0)!, .ten, LocalTime(hour: 15, minute: 0)!] {
            #expect(given.decide(Fixture.book(Fixture.pratica(1), on: .april22, at: time)).rejection?.rule == "no-such-slot")
        }
        let booked = try (1...5).map { try given.book(Fixture.pratica($0), on: .april22) }
        #expect(booked.map { "\($0.day) \($0.time)" } == ["2008-04-22 09:00", "2008-04-22 09:30", "2008-04-22 14:00",
                                                          "2008-04-22 14:30", "2008-04-23 09:00"])
        #expect(booked.map(\.deferred) == [false, false, false, false, true])
    }
}
