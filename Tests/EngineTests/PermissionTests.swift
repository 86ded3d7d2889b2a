// Who may act, decided by the engine: for each role and each state-changing command, on its own
// resource and on another's, the outcome; a refusal is a record of the log with its rule, and
// `replay audit` flags a forged record its actor could not have made.

@testable import Engine
import Events
import Projections
import Replay
import Testing

@Suite("Who may act: the engine's permission rules")
struct PermissionTests {
    /// TS-Q (the fixture Questura), RM-Q (another province's), TS-S and TS-P, and one account per
    /// role. Appointments: `a` booked by caf.a for pratica 1 at TS-Q, `b` by caf.b for pratica 2
    /// at TS-Q, `c` by the admin for pratica 3 at RM-Q, `s` by sui.ts for pratica 4 at TS-Q.
    struct World {
        var given: Given
        var a: AppointmentID, b: AppointmentID, c: AppointmentID, s: AppointmentID
    }

    static let accounts = [
        AccountSpec(name: "sui.ts", role: .sui, office: "TS-S", body: "TS-S"),
        AccountSpec(name: "questura.ts", role: .questura, office: "TS-Q", body: "TS-Q"),
        AccountSpec(name: "questura.rm", role: .questura, office: "RM-Q", body: "RM-Q"),
        AccountSpec(name: "prefettura.ts", role: .prefettura, office: "TS-P", body: "TS-P"),
        AccountSpec(name: "caf.a", role: .body, office: nil, body: "CAF-A"),
        AccountSpec(name: "caf.b", role: .body, office: nil, body: "CAF-B"),
        AccountSpec(name: "self.1", role: .applicant, office: nil, body: "self", pratica: Fixture.pratica(1)),
        AccountSpec(name: "audit", role: .audit, office: nil, body: "audit"),
        AccountSpec(name: "admin", role: .admin, office: nil, body: "admin"),
    ]

    static func world() throws -> World {
        var given = try Given.office(pratiche: 6)
        for (office, kind) in [("RM-Q", OfficeConfiguration.Kind.questura), ("TS-S", .sui), ("TS-P", .prefettura)] {
            var configuration = Fixture.configuration()
            configuration.office = OfficeID(office)
            configuration.kind = kind
            try given.accept(.configureOffice(configuration))
        }
        for spec in accounts { try given.accept(.createAccount(spec)) }
        func book(_ account: String, _ pratica: Int, at office: OfficeID = Fixture.office) throws -> AppointmentID {
            given.actor = actor(account)
            let events = try given.accept(.book(BookRequest(office: office, service: Fixture.fotosegnalamento,
                                                            pratica: Fixture.pratica(pratica))))
            guard case .appointmentBooked(let booked)? = events.first else { throw GivenUnexpected(what: "\(events)") }
            return booked.appointment
        }
        let a = try book("caf.a", 1)
        let b = try book("caf.b", 2)
        let c = try book("admin", 3, at: "RM-Q")
        let s = try book("sui.ts", 4)
        given.actor = .system
        try given.accept(.permitReady(Fixture.pratica(5)))
        return World(given: given, a: a, b: b, c: c, s: s)
    }

    static func actor(_ name: String) -> Actor {
        Actor(operator: name, body: accounts.first { $0.name == name }?.body ?? "agenda")
    }

    /// What the rules say of `command` from `account`: nil when who may act lets it through (the
    /// booking rules may still refuse it), or the permission that refused it.
    static func permission(_ world: World, _ account: String, _ command: Command) -> Permission? {
        var given = world.given
        given.actor = actor(account)
        if case .notPermitted(let permission, _, _)? = given.decide(command).rejection { return permission }
        return nil
    }

    enum Case: String, CaseIterable {
        case bookOwnPratica, bookOtherPratica, deferOwn, deferOther, deferUnknown, cancelOwn, cancelOther,
             attendHere, attendElsewhere, ready, closeOwnOffice, closeOtherOffice, amendOwnOffice, amendOtherOffice,
             migrateOwnOffice, registerOwnOffice, registerOtherOffice, createAccount
    }

    /// Each case's command for an account: "own" is what that account booked or serves.
    static func command(_ test: Case, _ world: World, own: AppointmentID, office: OfficeID) -> Command {
        let other: AppointmentID = own == world.b ? world.a : world.b
        switch test {
        case .bookOwnPratica: return .book(BookRequest(office: Fixture.office, service: Fixture.fotosegnalamento,
                                                       pratica: Fixture.pratica(1)))
        case .bookOtherPratica: return .book(BookRequest(office: Fixture.office, service: Fixture.fotosegnalamento,
                                                         pratica: Fixture.pratica(6)))
        case .deferOwn: return .deferAppointment(own, to: .nextFree, reason: "")
        case .deferOther: return .deferAppointment(own == world.c ? world.a : world.c, to: .nextFree, reason: "")
        case .deferUnknown: return .deferAppointment("A-NONE", to: .nextFree, reason: "")
        case .cancelOwn: return .cancel(own, reason: "")
        case .cancelOther: return .cancel(own == world.c ? world.a : (own == world.a ? world.c : other), reason: "")
        case .attendHere: return .attend(world.a)
        case .attendElsewhere: return .attend(world.c)
        case .ready: return .permitReady(Fixture.pratica(6))
        case .closeOwnOffice: return .closeDay(office: office, day: .april29, service: nil, reason: "sciopero")
        case .closeOtherOffice: return .closeDay(office: "RM-Q", day: .april29, service: nil, reason: "sciopero")
        case .amendOwnOffice: return .amendOffice(office, .address("Via del Coroneo 27", phone: ""))
        case .amendOtherOffice: return .amendOffice("RM-Q", .address("Via di San Vitale 15", phone: ""))
        case .migrateOwnOffice: return .migrate(MigrateRequest(office: office, service: Fixture.fotosegnalamento,
                                                               pratica: Fixture.pratica(6), day: .april22, time: .nine, legacyID: ""))
        case .registerOwnOffice, .registerOtherOffice:
            var applicant = Fixture.applicant(40)
            applicant.office = test == .registerOwnOffice ? "TS-S" : "RM-S"
            return .registerPratica(applicant)
        case .createAccount: return .createAccount(AccountSpec(name: "new.one", role: .body, office: nil, body: "NEW"))
        }
    }

    @Test("each role may change only what the rules give it; everything else is refused naming the rule")
    func matrix() throws {
        let world = try Self.world()
        // nil: let through; otherwise the permission that refuses. Columns follow `Case`.
        let permitted: Permission? = nil
        let expected: [(String, AppointmentID, OfficeID, [Case: Permission?])] = [
            ("sui.ts", world.s, "TS-S", [
                .bookOwnPratica: permitted, .bookOtherPratica: permitted, .deferOwn: permitted, .deferOther: .appointment,
                .deferUnknown: .appointment, .cancelOwn: permitted, .cancelOther: .appointment, .attendHere: .appointment,
                .attendElsewhere: .appointment, .ready: .role, .closeOwnOffice: permitted, .closeOtherOffice: .office,
                .amendOwnOffice: .role, .amendOtherOffice: .role, .migrateOwnOffice: permitted,
                .registerOwnOffice: permitted, .registerOtherOffice: .office, .createAccount: .role]),
            ("questura.ts", world.a, "TS-Q", [
                .bookOwnPratica: permitted, .bookOtherPratica: permitted, .deferOwn: permitted, .deferOther: .appointment,
                .deferUnknown: .appointment, .cancelOwn: permitted, .cancelOther: .appointment, .attendHere: permitted,
                .attendElsewhere: .appointment, .ready: permitted, .closeOwnOffice: permitted, .closeOtherOffice: .office,
                .amendOwnOffice: permitted, .amendOtherOffice: .office, .migrateOwnOffice: permitted,
                .registerOwnOffice: .role, .registerOtherOffice: .role, .createAccount: .role]),
            ("prefettura.ts", world.a, "TS-Q", [
                .bookOwnPratica: .role, .bookOtherPratica: .role, .deferOwn: .role, .deferOther: .role,
                .deferUnknown: .role, .cancelOwn: .role, .cancelOther: .role, .attendHere: permitted,
                .attendElsewhere: .appointment, .ready: .role, .closeOwnOffice: permitted, .closeOtherOffice: .office,
                .amendOwnOffice: permitted, .amendOtherOffice: .office, .migrateOwnOffice: permitted,
                .registerOwnOffice: .role, .registerOtherOffice: .role, .createAccount: .role]),
            ("caf.a", world.a, "TS-Q", [
                .bookOwnPratica: permitted, .bookOtherPratica: permitted, .deferOwn: permitted, .deferOther: .appointment,
                .deferUnknown: .appointment, .cancelOwn: permitted, .cancelOther: .appointment, .attendHere: .role,
                .attendElsewhere: .role, .ready: .role, .closeOwnOffice: .role, .closeOtherOffice: .role,
                .amendOwnOffice: .role, .amendOtherOffice: .role, .migrateOwnOffice: .role,
                .registerOwnOffice: permitted, .registerOtherOffice: permitted, .createAccount: .role]),
            ("self.1", world.a, "TS-Q", [
                .bookOwnPratica: permitted, .bookOtherPratica: .pratica, .deferOwn: permitted, .deferOther: .appointment,
                .deferUnknown: .appointment, .cancelOwn: permitted, .cancelOther: .appointment, .attendHere: .role,
                .attendElsewhere: .role, .ready: .role, .closeOwnOffice: .role, .closeOtherOffice: .role,
                .amendOwnOffice: .role, .amendOtherOffice: .role, .migrateOwnOffice: .role,
                .registerOwnOffice: .role, .registerOtherOffice: .role, .createAccount: .role]),
            ("audit", world.a, "TS-Q", Dictionary(uniqueKeysWithValues: Case.allCases.map { ($0, Permission.role) })),
            ("admin", world.a, "TS-Q", Dictionary(uniqueKeysWithValues: Case.allCases.map { ($0, permitted) })),
        ]
        for (account, own, office, row) in expected {
            for test in Case.allCases {
                let command = Self.command(test, world, own: own, office: office)
                let got = Self.permission(world, account, command)
                #expect(got == row[test] ?? nil, "\(account) \(test.rawValue): \(got.map(\.name) ?? "let through")")
            }
        }
    }

    @Test("questura.ts may not cancel another province's appointment, nor a SUI defer another office's")
    func staffStayInTheirOffice() throws {
        let world = try Self.world()
        #expect(Self.permission(world, "questura.rm", .cancel(world.a, reason: "")) == .appointment)
        #expect(Self.permission(world, "questura.rm", .cancel(world.c, reason: "")) == nil)
        #expect(Self.permission(world, "sui.ts", .deferAppointment(world.c, to: .nextFree, reason: "")) == .appointment)
    }

    @Test("a body or an applicant gets the same refusal for another's appointment as for an unknown id")
    func nothingLeaks() throws {
        let world = try Self.world()
        for account in ["caf.b", "self.1", "questura.rm"] {
            var given = world.given
            given.actor = Self.actor(account)
            let other = account == "questura.rm" ? world.a : (account == "caf.b" ? world.a : world.b)
            for (known, unknown) in [(Command.cancel(other, reason: ""), Command.cancel("A-ZZZZZ", reason: "")),
                                     (.deferAppointment(other, to: .nextFree, reason: ""),
                                      .deferAppointment("A-ZZZZZ", to: .nextFree, reason: ""))] {
                let first = given.decide(known).rejection
                let second = given.decide(unknown).rejection
                #expect(first?.code == "NOPERM" && second?.code == "NOPERM")
                #expect(first?.description.replacingOccurrences(of: other.rawValue, with: "X")
                            == second?.description.replacingOccurrences(of: "A-ZZZZZ", with: "X"), "\(account)")
            }
            for read in [Permissions.Read.appointment(other, verb: "appt"), .appointment("A-ZZZZZ", verb: "appt")]
            where account != "questura.rm" {
                #expect(Permissions.refusal(reading: read, actor: Self.actor(account), given.views)?.code == "NOPERM")
            }
        }
    }

    @Test("a refusal is a record with its rule, in the pratica's history; a disabled account is refused")
    func refusalsAreRecorded() throws {
        var world = try Self.world()
        let head = world.given.views.headSequence
        world.given.actor = Self.actor("caf.b")
        let outcome = world.given.record(.cancel(world.a, reason: "not mine"))
        #expect(outcome.rejection == .notPermitted(.appointment, role: .body, subject: world.a.rawValue))
        #expect(outcome.rejection?.rule == "not-permitted")
        #expect(outcome.rejection?.code == "NOPERM")
        #expect(world.given.views.headSequence == head + 1)
        #expect(world.given.views.history[Fixture.pratica(1)]?.last == head + 1)
        #expect(world.given.views.appointments[world.a]?.state == .booked)
        // The record's bytes carry it: decode what was sealed.
        let record = try #require(world.given.records.last)
        var writer = ByteWriter()
        _ = RecordCodec.seal(sequence: record.sequence, decidedAt: record.decidedAt, actor: record.actor,
                             requestID: record.requestID, command: record.command, outcome: record.outcome,
                             previousHash: record.previousHash, into: &writer)
        #expect(try RecordCodec.decode(sequence: record.sequence, value: writer.bytes).outcome == outcome)
        world.given.actor = .system
        try world.given.accept(.disableAccount(name: "caf.a", reason: "left"))
        world.given.actor = Self.actor("caf.a")
        #expect(world.given.decide(.cancel(world.a, reason: "")).rejection
                    == .notPermitted(.disabled, role: .body, subject: "caf.a"))
    }

    @Test("replay audit flags a forged record its actor could not have made")
    func auditRedecidesPermissions() throws {
        let world = try Self.world()
        var auditor = Auditor()
        var findings: [Finding] = []
        for record in world.given.records { try auditor.audit(record, findings: &findings) }
        #expect(findings.isEmpty, "\(findings)")
        // caf.b "cancelled" caf.a's appointment: the engine would have refused it.
        guard let appointment = world.given.views.appointments[world.a] else { throw GivenUnexpected(what: "no a") }
        let forged = Record(
            sequence: world.given.views.headSequence + 1, decidedAt: world.given.now, actor: Self.actor("caf.b"),
            requestID: "", command: .cancel(world.a, reason: "forged"),
            outcome: .accepted([.appointmentCancelled(appointment: world.a, office: appointment.office,
                                                      service: appointment.service, pratica: appointment.pratica,
                                                      day: appointment.day, time: appointment.time, reason: "forged")]),
            previousHash: world.given.views.headHash, hash: world.given.views.headHash)
        try auditor.audit(forged, findings: &findings)
        #expect(findings.map(\.kind) == [.outcomeDiffers])
        #expect(findings.first?.detail.contains("not-permitted") == true, "\(findings)")
    }

    @Test("a prefettura covers the offices of the province their configurations name, whatever their ids say")
    func provinceComesFromTheConfiguration() throws {
        var given = try Given.office(pratiche: 1)
        // TS-Q names no province: its id's TS counts. X1-Q is in Trieste by its configuration,
        // RM-Q2 in Rome though its id shares nothing with Trieste's prefettura's.
        for (office, province) in [("X1-Q", "TS"), ("TS-Q2", "RM")] {
            var configuration = Fixture.configuration()
            configuration.office = OfficeID(office)
            configuration.province = province
            try given.accept(.configureOffice(configuration))
        }
        var prefettura = Fixture.configuration()
        prefettura.office = "TS-P"
        prefettura.kind = .prefettura
        prefettura.province = "TS"
        try given.accept(.configureOffice(prefettura))
        try given.accept(.createAccount(AccountSpec(name: "prefettura.ts", role: .prefettura, office: "TS-P", body: "TS-P")))
        given.actor = Actor(operator: "prefettura.ts", body: "TS-P")
        let closing = { (office: OfficeID) in Command.closeDay(office: office, day: Day.april21.adding(days: 3),
                                                               service: nil, reason: "sciopero") }
        for office: OfficeID in ["TS-Q", "X1-Q"] {
            if case .rejected(let rejection) = given.decide(closing(office)) {
                Issue.record("prefettura.ts was refused \(office) of its province: \(rejection)")
            }
        }
        #expect(given.decide(closing("TS-Q2")) == .rejected(.notPermitted(.office, role: .prefettura, subject: "TS-Q2")))
        // A province that is not a sigla is refused.
        var lower = Fixture.configuration()
        lower.office = "X2-Q"
        lower.province = "ts"
        given.actor = .system
        guard case .rejected(.invalidConfiguration(let why)) = given.decide(.configureOffice(lower)) else {
            Issue.record("a province \"ts\" was accepted")
            return
        }
        #expect(why.contains("province"))
    }
}
