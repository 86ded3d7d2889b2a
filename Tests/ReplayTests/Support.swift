// What the replay tests stand on: a real data directory written by the engine's Store with a
// clock the test moves, a workload that uses every command, and raw LMDB access to tamper
// with the log behind the store's back (as in EngineTests/StoreSupport.swift).

import CLMDB
import Engine
import Events
import Foundation
import Projections
import Replay
import Testing

/// Monday 2008-04-14, 08:00 in Rome.
let pilotMonday = Day(year: 2008, month: 4, day: 14)!
let sui = Actor(operator: "sui.roma", body: "RM-S")
let questura = Actor(operator: "mrossi", body: "TS-Q")

func temporaryDirectory(_ name: String = #function) -> String {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let path = NSTemporaryDirectory() + "agenda-replay-\(safe)-\(UUID().uuidString.prefix(8))"
    try? FileManager.default.removeItem(atPath: path)
    return path
}

func removeDirectory(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

/// A clock the test sets; the store reads it for each batch.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Instant
    init(_ day: Day, _ hour: Int, _ minute: Int = 0) { current = Instant(romeDay: day, time: LocalTime(hour: hour, minute: minute)!) }
    var now: Instant {
        lock.lock()
        defer { lock.unlock() }
        return current
    }
    func set(_ day: Day, _ hour: Int, _ minute: Int = 0) {
        lock.lock()
        current = Instant(romeDay: day, time: LocalTime(hour: hour, minute: minute)!)
        lock.unlock()
    }
}

/// An office open every day 09:00–10:00, `capacity` per 30-minute slot, with a pickup service.
func testOffice(_ id: OfficeID = "TS-Q", capacity: UInt16 = 2, horizonDays: UInt16 = 30) -> OfficeConfiguration {
    let everyDay = Array(repeating: [OpeningInterval(start: LocalTime(hour: 9, minute: 0)!, end: LocalTime(hour: 10, minute: 0)!)],
                         count: 7)
    return OfficeConfiguration(
        office: id, kind: .questura, name: "Questura di prova", horizonDays: horizonDays, leadDays: 0,
        services: [
            ServiceConfiguration(id: "fotosegnalamento", name: "Fotosegnalamento", slotLengthMinutes: 30,
                                 capacityPerSlot: capacity, requiresReadyPermit: false, weekly: everyDay),
            ServiceConfiguration(id: "consegna-permesso", name: "Consegna permesso", slotLengthMinutes: 30,
                                 capacityPerSlot: capacity, requiresReadyPermit: true, weekly: everyDay),
        ],
        closedDays: [Day(year: 2008, month: 4, day: 25)!])
}

func applicant(_ index: Int) -> Applicant {
    Applicant(pratica: PraticaID("P-TS-2008-\(index)"), visto: "ITA\(index)", surname: "Rossi", name: "Mario \(index)",
              birthDate: Day(year: 1980, month: 1, day: 1)!, nationality: "ALB", office: "TS-S")
}

func pratica(_ index: Int) -> PraticaID { applicant(index).pratica }

func book(_ index: Int, _ service: ServiceID = "fotosegnalamento", notBefore: Day? = nil, on day: Day? = nil,
          at time: LocalTime? = nil) -> Command {
    .book(BookRequest(office: "TS-Q", service: service, pratica: pratica(index), notBefore: notBefore, on: day, at: time))
}

extension Decision {
    /// The appointment a booking decision made.
    var bookedAppointment: AppointmentID? {
        for event in record.outcome.events {
            if case .appointmentBooked(let booked) = event { return booked.appointment }
        }
        return nil
    }
}

/// A data directory holding a workload that uses every command — accepted and rejected, a
/// repeated request id, a close-day that moves appointments, pickups on and before their day —
/// over several days of the clock. Returns the directory's path and the store, still open.
struct Workload {
    let directory: String
    let store: Store
    let clock: TestClock
    /// The record and instant just before and after which the test's as-of looks.
    var markedSequence: UInt64 = 0
    var markedAppointment: AppointmentID = "A-00000"
    var markedDay = pilotMonday

    static func write(_ name: String = #function) throws -> Workload {
        let directory = temporaryDirectory(name)
        let clock = TestClock(pilotMonday, 8)
        let store = try Store(directory: directory, clock: { clock.now })
        var workload = Workload(directory: directory, store: store, clock: clock)
        try workload.run()
        return workload
    }

    mutating func run() throws {
        let tuesday = pilotMonday.adding(days: 1)
        let wednesday = pilotMonday.adding(days: 2)
        _ = try store.executeAll([.configureOffice(testOffice())] + (0..<14).map { .registerPratica(applicant($0)) },
                                 actor: .system)
        // Refusals are records too.
        _ = try store.execute(.registerPratica(applicant(0)), actor: .system)
        var invalid = testOffice()
        invalid.horizonDays = 0
        _ = try store.execute(.configureOffice(invalid), actor: .system)
        _ = try store.execute(.configureOffice(testOffice("TS-P")), actor: .system)
        // Eight bookings fill Monday and Tuesday; the ninth, asked for Monday, is deferred.
        let first = try store.executeAll((0..<8).map { book($0) }, actor: sui)
        _ = try store.execute(book(8, on: pilotMonday), actor: sui)
        let atHalfPast = try store.execute(book(9, on: pilotMonday.adding(days: 6), at: LocalTime(hour: 9, minute: 30)!),
                                           actor: sui)
        _ = try store.execute(book(10, notBefore: pilotMonday.adding(days: 3)), actor: sui)
        _ = try store.execute(book(11, on: Day(year: 2008, month: 4, day: 25)!), actor: sui)  // a holiday: refused
        _ = try store.execute(book(0), actor: sui)  // a live appointment exists: refused
        // A request id sent twice: the second appends nothing.
        let once = try store.execute(book(12), actor: sui, requestID: "req-12")
        let twice = try store.execute(book(12), actor: sui, requestID: "req-12")
        precondition(twice.repeated && twice.record == once.record)
        // Defers, a cancellation, a close-day that moves Tuesday's bookings on.
        guard let mondayFirst = first[0].bookedAppointment, let mondayLast = first[3].bookedAppointment,
              let halfPast = atHalfPast.bookedAppointment else { throw WorkloadFailed(what: "bookings") }
        _ = try store.execute(.deferAppointment(mondayFirst, to: .nextFree, reason: "asked by the applicant"), actor: sui)
        _ = try store.execute(.deferAppointment(halfPast, to: .day(pilotMonday.adding(days: 7), at: nil), reason: ""), actor: sui)
        _ = try store.execute(.cancel(mondayLast, reason: "duplicate"), actor: sui)
        _ = try store.execute(.cancel(mondayLast, reason: "again"), actor: sui)  // not live: refused
        _ = try store.execute(.closeDay(office: "TS-Q", day: tuesday, service: nil, reason: "sciopero"), actor: questura)
        _ = try store.execute(.closeDay(office: "TS-Q", day: pilotMonday.adding(days: -1), service: nil, reason: ""),
                              actor: questura)  // in the past: refused
        // Permits: ready, a pickup booked for today and one for later, both handed over.
        _ = try store.execute(.pickup(pratica(5)), actor: questura)  // not ready: refused
        _ = try store.executeAll([.permitReady(pratica(0)), .permitReady(pratica(1)), .permitReady(pratica(1))],
                                 actor: questura)
        _ = try store.execute(book(0, "consegna-permesso"), actor: sui)
        let laterPickup = try store.execute(book(1, "consegna-permesso", on: pilotMonday.adding(days: 9)), actor: sui)
        _ = try store.execute(.pickup(pratica(0)), actor: questura)
        _ = try store.execute(.pickup(pratica(1)), actor: questura)
        _ = try store.execute(.pickup(pratica(1)), actor: questura)  // delivered already: refused
        _ = try store.execute(.configureOffice(testOffice(capacity: 3)), actor: .system)
        // The next day: a booking the as-of test looks either side of.
        clock.set(wednesday, 9, 15)
        _ = try store.execute(book(13, on: wednesday), actor: sui)
        clock.set(wednesday, 11)
        let marked = try store.execute(book(11, on: wednesday.adding(days: 1)), actor: sui)
        markedSequence = marked.record.sequence
        markedDay = wednesday.adding(days: 1)
        guard let appointment = marked.bookedAppointment, laterPickup.bookedAppointment != nil else {
            throw WorkloadFailed(what: "the marked booking")
        }
        markedAppointment = appointment
        clock.set(wednesday, 12)
        _ = try store.execute(.deferAppointment(appointment, to: .nextFree, reason: "later"), actor: sui)
        try runIssue5(from: wednesday)
    }

    /// Quotas, an applicant account booking through its channel, an address, the transition
    /// window, and migrated appointments, one of them past a slot's capacity.
    mutating func runIssue5(from wednesday: Day) throws {
        let migrationDay = wednesday.adding(days: 8)
        _ = try store.executeAll((20..<26).map { .registerPratica(applicant($0)) }, actor: .system)
        // A whole configuration of version 2 (command tag 14), with an address.
        var withAddress = testOffice(capacity: 3)
        withAddress.address = "Ufficio Immigrazione, Questura di prova, Trieste"
        _ = try store.execute(.configureOffice(withAddress), actor: .system)
        _ = try store.executeAll([
            .createAccount(AccountSpec(name: "self.20", role: .applicant, office: nil, body: pratica(20).rawValue,
                                       pratica: pratica(20))),
            .createAccount(AccountSpec(name: "self.none", role: .applicant, office: nil, body: "x")),  // refused
            .createAccount(AccountSpec(name: sui.operator, role: .sui, office: "TS-Q", body: sui.body)),
        ], actor: .system)
        _ = try store.executeAll([
            .amendOffice("TS-Q", .quotas("fotosegnalamento", ChannelQuotas(sui: 1, body: 1, applicant: 1), releaseDays: 2)),
            .amendOffice("TS-Q", .address("Via Tor Bandena 6, Trieste", phone: "040 0000")),
            .amendOffice("TS-Q", .quotas("fotosegnalamento", ChannelQuotas(sui: 9, body: 0, applicant: 0), releaseDays: 0)),
            .migrate(MigrateRequest(office: "TS-Q", service: "fotosegnalamento", pratica: pratica(21), day: migrationDay,
                                    time: LocalTime(hour: 9, minute: 0)!, legacyID: "DED-0")),  // no window: refused
            .amendOffice("TS-Q", .transition(TransitionWindow(from: wednesday, to: migrationDay))),
        ], actor: questura)
        // Four into a slot of three: all kept, one past capacity.
        _ = try store.executeAll((21..<25).map { number in
            .migrate(MigrateRequest(office: "TS-Q", service: "fotosegnalamento", pratica: pratica(number), day: migrationDay,
                                    time: LocalTime(hour: 9, minute: 0)!, legacyID: "DED-\(number)"))
        }, actor: questura)
        _ = try store.execute(book(25, on: migrationDay), actor: sui)  // through the SUI's quota, at 09:30
        _ = try store.execute(book(20), actor: Actor(operator: "self.20", body: pratica(20).rawValue))
    }

    func close() { store.close() }
}

struct WorkloadFailed: Error, CustomStringConvertible {
    let what: String
    var description: String { "the workload went wrong at \(what)" }
}

// MARK: - Tampering with the log behind the store's back

func tamper(_ directory: String, database: String = "log", _ body: (OpaquePointer, MDB_dbi) throws -> Void) throws {
    var env: OpaquePointer?
    #expect(mdb_env_create(&env) == 0)
    mdb_env_set_maxdbs(env, 32)
    #expect(mdb_env_open(env, directory, UInt32(MDB_NOTLS), 0o644) == 0)
    defer { mdb_env_close(env) }
    var txn: OpaquePointer?
    #expect(mdb_txn_begin(env, nil, 0, &txn) == 0)
    var dbi = MDB_dbi()
    #expect(mdb_dbi_open(txn, database, 0, &dbi) == 0)
    try body(txn!, dbi)
    #expect(mdb_txn_commit(txn) == 0)
}

func getValue(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ key: [UInt8]) -> [UInt8]? {
    var key = key
    return key.withUnsafeMutableBytes { keyBytes in
        var keyValue = MDB_val(mv_size: keyBytes.count, mv_data: keyBytes.baseAddress)
        var value = MDB_val()
        guard mdb_get(txn, dbi, &keyValue, &value) == 0 else { return nil }
        return Array(UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
    }
}

func putValue(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ key: [UInt8], _ bytes: [UInt8]) {
    var key = key
    var bytes = bytes
    key.withUnsafeMutableBytes { keyBytes in
        bytes.withUnsafeMutableBytes { valueBytes in
            var keyValue = MDB_val(mv_size: keyBytes.count, mv_data: keyBytes.baseAddress)
            var value = MDB_val(mv_size: valueBytes.count, mv_data: valueBytes.baseAddress)
            #expect(mdb_put(txn, dbi, &keyValue, &value, 0) == 0)
        }
    }
}

func deleteValue(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ key: [UInt8]) {
    var key = key
    key.withUnsafeMutableBytes { keyBytes in
        var keyValue = MDB_val(mv_size: keyBytes.count, mv_data: keyBytes.baseAddress)
        #expect(mdb_del(txn, dbi, &keyValue, nil) == 0)
    }
}

func logValue(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ sequence: UInt64) -> [UInt8] {
    getValue(txn, dbi, LogKey.bytes(sequence)) ?? []
}

/// The audit through its two-thread pipeline, held to the single-thread path whose state is
/// written and read back every few records: both must report the same findings, in the same
/// order, with the same words.
func audit(_ directory: String, _ options: Audit.Options = Audit.Options(),
           sourceLocation: SourceLocation = #_sourceLocation) throws -> Audit.Report {
    let data = try DataDirectory(directory)
    defer { data.close() }
    let pipelined = try Audit.run(data, options: options)
    var single = options
    single.pipelined = false
    // And its state written out and read back as a working set every few records.
    single.foldFlushRecords = 11
    let sequential = try Audit.run(data, options: single)
    #expect(pipelined.findings == sequential.findings, "the pipeline and the single thread disagree",
            sourceLocation: sourceLocation)
    #expect(pipelined.findingsTotal == sequential.findingsTotal && pipelined.head == sequential.head
                && pipelined.redecided == sequential.redecided, sourceLocation: sourceLocation)
    return pipelined
}

func head(_ directory: String) throws -> Checkpoint {
    let data = try DataDirectory(directory)
    defer { data.close() }
    return try data.head()
}
