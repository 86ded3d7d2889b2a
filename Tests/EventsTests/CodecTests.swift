import Events
import Foundation
import Testing

@Suite("The record codec")
struct CodecTests {
    static let monday = Day(year: 2008, month: 4, day: 14)!
    static let nine = LocalTime(hour: 9, minute: 0)!

    static let configuration = OfficeConfiguration(
        office: "RM-Q", kind: .questura, name: "Questura di Roma", horizonDays: 120, leadDays: 1,
        services: [ServiceConfiguration(
            id: "fotosegnalamento", name: "Fotosegnalamento", slotLengthMinutes: 15, capacityPerSlot: 3,
            requiresReadyPermit: false,
            weekly: [[OpeningInterval(start: nine, end: LocalTime(hour: 12, minute: 30)!),
                      OpeningInterval(start: LocalTime(hour: 14, minute: 0)!, end: LocalTime(hour: 16, minute: 0)!)],
                     [], [], [], [], [], []])],
        closedDays: [Day(year: 2008, month: 6, day: 29)!])

    /// Version 2: address, phone, a transition window and quotas.
    static let configurationV2: OfficeConfiguration = {
        var configuration = CodecTests.configuration
        configuration.address = "Ufficio Immigrazione, Questura di Roma, Roma"
        configuration.phone = "06 0000"
        configuration.transition = TransitionWindow(from: monday, to: monday.adding(days: 30))
        configuration.services[0].quotas = ChannelQuotas(sui: 1, body: 1, applicant: 1)
        configuration.services[0].releaseDays = 2
        return configuration
    }()

    static let applicantAccount = AccountSpec(name: "p.rm.123", role: .applicant, office: nil, body: "P-RM-2008-000123",
                                              pratica: "P-RM-2008-000123")

    static let applicant = Applicant(pratica: "P-RM-2008-000123", visto: "ITA0123456", surname: "Gjoni", name: "Arben",
                                     birthDate: Day(year: 1975, month: 3, day: 2)!, nationality: "ALB", office: "RM-S")

    static let commands: [Command] = [
        .configureOffice(configuration),
        .closeDay(office: "RM-Q", day: monday, service: nil, reason: "sciopero"),
        .closeDay(office: "RM-Q", day: monday, service: "fotosegnalamento", reason: "guasto"),
        .book(BookRequest(office: "RM-Q", service: "fotosegnalamento", pratica: "P-RM-2008-000123")),
        .book(BookRequest(office: "RM-Q", service: "fotosegnalamento", pratica: "P-1", notBefore: monday, on: monday,
                          at: nine)),
        .book(BookRequest(office: "RM-Q", service: "fotosegnalamento", pratica: "P-1", orExisting: true)),
        .deferAppointment("A-00001", to: .nextFree, reason: ""),
        .deferAppointment("A-00001", to: .day(monday, at: nine), reason: "richiesta"),
        .deferAppointment("A-00001", to: .day(monday, at: nil), reason: "richiesta"),
        .cancel("A-00001", reason: "rinuncia"),
        .permitReady("P-1"),
        .pickup("P-1"),
        .registerPratica(applicant),
        .createAccount(AccountSpec(name: "sui.roma", role: .sui, office: "RM-S", body: "RM-S")),
        .createAccount(AccountSpec(name: "caf.roma", role: .body, office: nil, body: "CAF-ROMA")),
        .disableAccount(name: "sui.roma", reason: "left the office"),
        .attend("A-00001"),
        .noShow("A-00001"),
        .configureOffice(configurationV2),
        .amendOffice("RM-Q", .quotas("fotosegnalamento", ChannelQuotas(sui: 2, body: 0, applicant: 1), releaseDays: 3)),
        .amendOffice("RM-Q", .address("Via Genova 2, Roma", phone: "")),
        .amendOffice("RM-Q", .transition(TransitionWindow(from: monday, to: monday))),
        .amendOffice("RM-Q", .transition(nil)),
        .amendOffice("RM-S", .retention(days: 365)),
        .amendOffice("RM-S", .retention(days: 0)),
        .tick,
        .migrate(MigrateRequest(office: "RM-Q", service: "fotosegnalamento", pratica: "P-1", day: monday, time: nine,
                                legacyID: "DED-1")),
        .migrate(MigrateRequest(office: "RM-Q", service: "fotosegnalamento", pratica: "P-1", day: monday, time: nine,
                                legacyID: "")),
        .createAccount(applicantAccount),
    ]

    static let events: [Event] = [
        .officeConfigured(configuration, effectiveFrom: monday),
        .dayClosed(office: "RM-Q", day: monday, service: "fotosegnalamento", reason: "sciopero"),
        .appointmentBooked(AppointmentBooked(appointment: "A-00001", office: "RM-Q", service: "fotosegnalamento",
                                             pratica: "P-1", requestedDay: monday, day: monday.adding(days: 1),
                                             time: nine, deferred: true, bookedBy: "RM-S")),
        .appointmentMoved(AppointmentMoved(appointment: "A-00001", office: "RM-Q", service: "fotosegnalamento",
                                           fromDay: monday, fromTime: nine, toDay: monday.adding(days: 2), toTime: nine,
                                           cause: .dayClosed, reason: "sciopero")),
        .appointmentCancelled(appointment: "A-00001", office: "RM-Q", service: "fotosegnalamento", pratica: "P-1",
                              day: monday, time: nine, reason: "rinuncia"),
        .permitMarkedReady("P-1"),
        .permitDelivered("P-1", completedAppointment: "A-00002"),
        .permitDelivered("P-1", completedAppointment: nil),
        .praticaRegistered(applicant),
        .accountCreated(AccountSpec(name: "questura.roma", role: .questura, office: "RM-Q", body: "RM-Q")),
        .accountDisabled(name: "questura.roma", reason: "left"),
        .appointmentAttended(AppointmentClosed(appointment: "A-00001", office: "RM-Q", service: "fotosegnalamento",
                                               pratica: "P-1", day: monday, time: nine)),
        .appointmentMissed(AppointmentClosed(appointment: "A-00002", office: "RM-Q", service: "fotosegnalamento",
                                             pratica: "P-2", day: monday, time: nine)),
        .officeConfigured(configurationV2, effectiveFrom: monday),
        .appointmentMigrated(AppointmentMigrated(appointment: "A-00003", office: "RM-Q", service: "fotosegnalamento",
                                                 pratica: "P-3", day: monday, time: nine, legacyID: "DED-9",
                                                 bookedBy: "RM-Q")),
        .accountCreated(applicantAccount),
    ]

    static let rejections: [Rejection] = [
        .unknownOffice("XX-Q"), .unknownService("RM-Q", "x"), .unknownPratica("P"), .unknownAppointment("A"),
        .full(office: "RM-Q", service: "s", searchedThrough: monday), .permitNotReady("P"), .permitAlreadyDelivered("P"),
        .liveAppointmentExists("P", service: "s", appointment: "A"), .appointmentNotLive("A", state: "cancelled"),
        .officeClosed("RM-Q", day: monday), .beforeLeadTime(requested: monday, earliest: monday.adding(days: 1)),
        .beyondHorizon(requested: monday, last: monday), .noSuchSlot("RM-Q", service: "s", day: monday, time: nine),
        .dayInPast(monday, today: monday.adding(days: 1)), .invalidConfiguration("why"),
        .capacityBelowBookings("RM-Q", service: "s", day: monday, time: nine, booked: 3),
        .praticaAlreadyRegistered("P"), .cannotRehouse("A", searchedThrough: monday),
        .vistoAlreadyRegistered(visto: "V", pratica: "P"), .accountExists("sui.roma"), .unknownAccount("nobody"),
        .notYetDue("A", day: monday.adding(days: 1), today: monday),
        .outsideTransition("RM-Q", day: monday, window: TransitionWindow(from: monday, to: monday.adding(days: 3))),
        .outsideTransition("RM-Q", day: monday, window: nil),
    ]

    func roundTrip(_ command: Command, _ outcome: Outcome, sequence: UInt64 = 42) throws {
        var writer = ByteWriter()
        let actor = Actor(operator: "sui.roma", body: "RM-S")
        let previous = ChainHash(hex: String(repeating: "ab", count: 32))!
        let at = Instant(millisecondsSinceEpoch: 1_208_160_000_123)
        let hash = RecordCodec.seal(sequence: sequence, decidedAt: at, actor: actor, requestID: "req-7", command: command,
                                    outcome: outcome, previousHash: previous, into: &writer)
        let record = try RecordCodec.decode(sequence: sequence, value: writer.bytes)
        #expect(record == Record(sequence: sequence, decidedAt: at, actor: actor, requestID: "req-7", command: command,
                                 outcome: outcome, previousHash: previous, hash: hash))
        #expect(try writer.bytes.withUnsafeBytes { try RecordCodec.recomputedHash(sequence: sequence, value: $0) } == hash)
    }

    @Test("every command, event and rejection decodes to what was encoded")
    func everyCaseRoundTrips() throws {
        for command in Self.commands { try roundTrip(command, .accepted([])) }
        for event in Self.events { try roundTrip(Self.commands[3], .accepted([event])) }
        try roundTrip(Self.commands[1], .accepted(Self.events))
        for rejection in Self.rejections { try roundTrip(Self.commands[3], .rejected(rejection)) }
    }

    @Test("version-2 configurations and accounts take their own tags; version-1 ones encode byte for byte as before")
    func versionTwoTags() throws {
        func commandTag(_ command: Command) -> UInt8 {
            var writer = ByteWriter()
            _ = RecordCodec.seal(sequence: 1, decidedAt: Instant(millisecondsSinceEpoch: 0), actor: .system,
                                 requestID: "", command: command, outcome: .accepted([]), previousHash: .genesis,
                                 into: &writer)
            return writer.bytes[27]  // after version, time, "system", "agenda", "" (see below)
        }
        #expect(commandTag(.configureOffice(Self.configuration)) == 1)
        #expect(commandTag(.configureOffice(Self.configurationV2)) == 14)
        #expect(commandTag(.createAccount(AccountSpec(name: "a", role: .sui, office: "RM-S", body: "RM-S"))) == 9)
        #expect(commandTag(.createAccount(Self.applicantAccount)) == 17)
        #expect(Self.configuration.isVersion1 && !Self.configurationV2.isVersion1)
        // Each version-2 field alone makes a version-2 configuration.
        var onlyQuota = Self.configuration
        onlyQuota.services[0].quotas.applicant = 1
        #expect(commandTag(.configureOffice(onlyQuota)) == 14)
        var onlyRelease = Self.configuration
        onlyRelease.services[0].releaseDays = 1
        #expect(!onlyRelease.isVersion1)
    }

    @Test("a version-2 configuration that sets nothing of version 2 is refused: it would be a second encoding")
    func emptyVersion2ConfigurationIsRefused() throws {
        var onlyRelease = Self.configuration
        onlyRelease.services[0].releaseDays = 1
        var writer = ByteWriter()
        RecordCodec.encode(onlyRelease, &writer)
        var bytes = writer.bytes
        func decode(_ bytes: [UInt8]) throws(CodecError) -> OfficeConfiguration {
            let result = bytes.withUnsafeBytes { buffer in
                Result { () throws(CodecError) -> OfficeConfiguration in
                    var reader = ByteReader(buffer)
                    return try RecordCodec.decodeConfiguration(&reader, version: 2)
                }
            }
            return try result.get()
        }
        #expect(try decode(bytes) == onlyRelease)
        // The extension: address, phone (empty: 2 bytes each), no transition (1), then per
        // service sui, body, applicant, releaseDays (u16 each). Clear service 0's releaseDays.
        let extensionStart = bytes.count - (5 + 8 * onlyRelease.services.count)
        bytes[extensionStart + 11] = 0
        bytes[extensionStart + 12] = 0
        #expect(throws: CodecError.invalidValue(kind: "version-2 office configuration that sets nothing of version 2",
                                                offset: 0)) {
            try decode(bytes)
        }
    }

    @Test("a configuration naming a province takes tags 18 and 16 (version 3), round-trips, and without one is refused under them")
    func versionThreeConfiguration() throws {
        var withProvince = Self.configuration
        withProvince.province = "TS"
        #expect(withProvince.version == 3 && Self.configuration.version == 1 && Self.configurationV2.version == 2)
        var both = Self.configurationV2
        both.province = "TS"
        for configuration in [withProvince, both] {
            try roundTrip(.configureOffice(configuration), .accepted([.officeConfigured(configuration, effectiveFrom: Day(daysSinceEpoch: 1))]))
            var writer = ByteWriter()
            _ = RecordCodec.seal(sequence: 1, decidedAt: Instant(millisecondsSinceEpoch: 0), actor: .system,
                                 requestID: "", command: .configureOffice(configuration), outcome: .accepted([]),
                                 previousHash: .genesis, into: &writer)
            #expect(writer.bytes[27] == 18)
        }
        // The same bytes with the province emptied: a second encoding of a version-1 configuration.
        var writer = ByteWriter()
        RecordCodec.encode(withProvince, &writer)
        var bytes = Array(writer.bytes.dropLast(2))  // the province's "TS"
        bytes[bytes.count - 1] = 0  // its length, now 0
        _ = bytes.withUnsafeBytes { buffer in
            #expect(throws: CodecError.invalidValue(kind: "version-3 office configuration that sets nothing of version 3",
                                                    offset: 0)) {
                var reader = ByteReader(buffer)
                _ = try RecordCodec.decodeConfiguration(&reader, version: 3)
            }
        }
    }

    @Test("a configuration with a retention period takes tags 22 and 20 (version 4), with or without a province, and without one is refused under them")
    func versionFourConfiguration() throws {
        var retained = Self.configuration
        retained.retentionDays = 30
        var all = Self.configurationV2
        all.province = "RM"
        all.retentionDays = 3650
        #expect(retained.version == 4 && all.version == 4)
        for configuration in [retained, all] {
            try roundTrip(.configureOffice(configuration), .accepted([.officeConfigured(configuration, effectiveFrom: Day(daysSinceEpoch: 1))]))
            var writer = ByteWriter()
            _ = RecordCodec.seal(sequence: 1, decidedAt: Instant(millisecondsSinceEpoch: 0), actor: .system,
                                 requestID: "", command: .configureOffice(configuration),
                                 outcome: .accepted([.officeConfigured(configuration, effectiveFrom: Day(daysSinceEpoch: 1))]),
                                 previousHash: .genesis, into: &writer)
            #expect(writer.bytes[27] == 22)
        }
        // The same bytes with the period zeroed: a second encoding of a version-1 configuration.
        var writer = ByteWriter()
        RecordCodec.encode(retained, &writer)
        var bytes = writer.bytes
        bytes[bytes.count - 1] = 0
        bytes[bytes.count - 2] = 0
        _ = bytes.withUnsafeBytes { buffer in
            #expect(throws: CodecError.invalidValue(kind: "version-4 office configuration that sets nothing of version 4",
                                                    offset: 0)) {
                var reader = ByteReader(buffer)
                _ = try RecordCodec.decodeConfiguration(&reader, version: 4)
            }
        }
    }

    @Test("a record cut short or carrying an unknown tag or version is refused, not guessed")
    func damagedRecordsAreRefused() throws {
        var writer = ByteWriter()
        _ = RecordCodec.seal(sequence: 1, decidedAt: Instant(millisecondsSinceEpoch: 0), actor: .system, requestID: "",
                             command: Self.commands[3], outcome: .accepted([]), previousHash: .genesis, into: &writer)
        let bytes = writer.bytes
        for length in 0..<(bytes.count - 1) {
            #expect(throws: CodecError.self) { try RecordCodec.decode(sequence: 1, value: Array(bytes[0..<length])) }
        }
        var newer = bytes
        newer[0] = 2
        #expect(throws: CodecError.unknownVersion(2)) { try RecordCodec.decode(sequence: 1, value: newer) }
        var unknownCommand = bytes
        // version (1) + time (8) + "system" (2+6) + "agenda" (2+6) + "" (2) = 27: the command tag.
        unknownCommand[27] = 200
        #expect(throws: CodecError.unknownTag(kind: "command", tag: 200, offset: 27)) {
            try RecordCodec.decode(sequence: 1, value: unknownCommand)
        }
    }

    @Test("the hash binds the sequence number: the same bytes under another key do not verify")
    func hashBindsSequence() throws {
        var writer = ByteWriter()
        let hash = RecordCodec.seal(sequence: 5, decidedAt: Instant(millisecondsSinceEpoch: 0), actor: .system,
                                    requestID: "", command: .permitReady("P"), outcome: .accepted([]),
                                    previousHash: .genesis, into: &writer)
        let recomputed = try writer.bytes.withUnsafeBytes { try RecordCodec.recomputedHash(sequence: 6, value: $0) }
        #expect(recomputed != hash)
    }

    @Test("a chain hash prints as 64 hex digits and parses back")
    func chainHashHex() {
        let hash = ChainHash(hex: "00ff" + String(repeating: "1a", count: 30))
        #expect(hash?.description == "00ff" + String(repeating: "1a", count: 30))
        #expect(ChainHash(hex: "xyz") == nil)
        #expect(ChainHash.genesis.description == String(repeating: "0", count: 64))
    }
}

@Suite("Days, times and Rome's clock")
struct CalendarTests {
    @Test("dates print and parse as YYYY-MM-DD, and impossible dates are refused")
    func datesRoundTrip() {
        for text in ["1970-01-01", "2008-02-29", "2008-04-14", "2030-12-31", "1950-07-04"] {
            #expect(Day(text)?.description == text)
        }
        #expect(Day("2009-02-29") == nil)
        #expect(Day("2008-13-01") == nil)
        #expect(Day("2008-4-14") == nil)
        #expect(Day(year: 2008, month: 4, day: 14)?.weekday == .monday)
        #expect(Day(year: 1970, month: 1, day: 1)?.weekday == .thursday)
        #expect(LocalTime("09:15")?.description == "09:15")
        #expect(LocalTime("24:00") == nil)
    }

    @Test("Rome's local day and time follow CET and CEST, switching on the last Sundays of March and October")
    func romeTime() {
        // 2008-03-30 01:00 UTC: summer time starts (02:00 CET becomes 03:00 CEST).
        let beforeSpring = Instant(millisecondsSinceEpoch: 1_206_838_800_000 - 1)
        let afterSpring = Instant(millisecondsSinceEpoch: 1_206_838_800_000)
        #expect(RomeTime.offsetMinutes(at: beforeSpring) == 60)
        #expect(RomeTime.offsetMinutes(at: afterSpring) == 120)
        #expect(RomeTime.time(of: afterSpring).description == "03:00")
        // 2008-10-26 01:00 UTC: back to winter time.
        let autumn = Instant(millisecondsSinceEpoch: 1_224_982_800_000)
        #expect(RomeTime.offsetMinutes(at: Instant(millisecondsSinceEpoch: autumn.millisecondsSinceEpoch - 1)) == 120)
        #expect(RomeTime.offsetMinutes(at: autumn) == 60)
        // 23:30 UTC on 2008-07-01 is already 2 July in Rome.
        let lateJuly = Instant(millisecondsSinceEpoch: 1_214_955_000_000)
        #expect(RomeTime.day(of: lateJuly).description == "2008-07-02")
        // Local 09:00 round-trips on both sides of a change.
        for day in [Day(year: 2008, month: 3, day: 29)!, Day(year: 2008, month: 3, day: 31)!,
                    Day(year: 2008, month: 10, day: 25)!, Day(year: 2008, month: 10, day: 27)!] {
            let instant = Instant(romeDay: day, time: LocalTime(hour: 9, minute: 0)!)
            #expect(RomeTime.day(of: instant) == day)
            #expect(RomeTime.time(of: instant).description == "09:00")
        }
    }
}
