import CLMDB
import Engine
import Events
import Foundation
import Projections
import Testing

/// Monday 2008-04-14, 08:00 in Rome: the first week of the Questure's pilot.
let pilotMonday = Day(year: 2008, month: 4, day: 14)!
let pilotMorning = Instant(romeDay: pilotMonday, time: LocalTime(hour: 8, minute: 0)!)
let sui = Actor(operator: "sui.roma", body: "RM-S")

func temporaryDirectory(_ name: String = #function) -> String {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let path = NSTemporaryDirectory() + "agenda-test-\(safe)-\(UUID().uuidString.prefix(8))"
    try? FileManager.default.removeItem(atPath: path)
    return path
}

func removeDirectory(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

/// An office open every day 09:00–`closing`, `capacity` per 30-minute slot.
func testOffice(_ id: OfficeID = "TS-Q", capacity: UInt16 = 2, slotsPerDay: Int = 2, horizonDays: UInt16 = 30,
                leadDays: UInt16 = 0, closedDays: [Day] = []) -> OfficeConfiguration {
    let start = LocalTime(hour: 9, minute: 0)!
    let end = LocalTime(minutesSinceMidnight: start.minutesSinceMidnight + UInt16(slotsPerDay * 30))
    let everyDay = Array(repeating: [OpeningInterval(start: start, end: end)], count: 7)
    return OfficeConfiguration(
        office: id, kind: .questura, name: "Questura di prova", horizonDays: horizonDays, leadDays: leadDays,
        services: [
            ServiceConfiguration(id: "fotosegnalamento", name: "Fotosegnalamento", slotLengthMinutes: 30,
                                 capacityPerSlot: capacity, requiresReadyPermit: false, weekly: everyDay),
            ServiceConfiguration(id: "consegna-permesso", name: "Consegna permesso", slotLengthMinutes: 30,
                                 capacityPerSlot: capacity, requiresReadyPermit: true, weekly: everyDay),
        ],
        closedDays: closedDays)
}

func applicant(_ index: Int) -> Applicant {
    Applicant(pratica: PraticaID("P-TS-2008-\(index)"), visto: "ITA\(index)", surname: "Rossi", name: "Mario",
              birthDate: Day(year: 1980, month: 1, day: 1)!, nationality: "ALB", office: "TS-S")
}

func pratica(_ index: Int) -> PraticaID { applicant(index).pratica }

func book(_ index: Int, on day: Day? = nil) -> Command {
    .book(BookRequest(office: "TS-Q", service: "fotosegnalamento", pratica: pratica(index), on: day))
}

/// Every entry of every view database as stored, for byte-for-byte comparison (the history
/// tail as `history` would hold it).
func storedViewEntries(_ store: Store) throws -> [ViewDatabase: [(key: [UInt8], value: [UInt8])]] {
    try store.read { txn in
        var result: [ViewDatabase: [(key: [UInt8], value: [UInt8])]] = [:]
        for database in ViewDatabase.allCases {
            var entries: [(key: [UInt8], value: [UInt8])] = []
            try txn.scan(database.rawValue) { key, value in
                entries.append((Array(key), Array(value)))
                return true
            }
            result[database] = entries
        }
        // The history tail holds `history` entries the writer has not moved yet: as `history`
        // would hold them, so the stored views compare with a fold (which writes no tail).
        for entry in result[.historyTail] ?? [] {
            let (pratica, sequence) = try entry.key.withUnsafeBytes { try ViewCodec.decodeTailKey($0) }
            var key = ByteWriter(capacity: entry.key.count + 1)
            ViewCodec.encodeHistoryKey(pratica, sequence, &key)
            result[.history, default: []].append((key.bytes, entry.value))
        }
        result[.history]?.sort { $0.key.lexicographicallyPrecedes($1.key) }
        result[.historyTail] = []
        return result
    }
}

/// The persisted views must equal a fold of the whole log, byte for byte.
func expectViewsEqualFoldOfLog(_ store: Store, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let folded = ViewCodec.allEntries(try store.read { try Store.foldLog($0) })
    let stored = try storedViewEntries(store)
    for database in ViewDatabase.allCases {
        let left = folded[database] ?? []
        let right = stored[database] ?? []
        #expect(left.count == right.count, "\(database) entries", sourceLocation: sourceLocation)
        let same = left.count == right.count && zip(left, right).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        #expect(same, "\(database) differs from a fold of the log", sourceLocation: sourceLocation)
    }
}

/// Rewrites raw entries behind the store's back, as an attacker (or an older version) would.
func tamperWithLog(_ directory: String, database: String = "log", _ body: (OpaquePointer, MDB_dbi) throws -> Void) throws {
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

func logValue(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ sequence: UInt64) -> [UInt8] {
    var key = sequence.bigEndian
    return withUnsafeMutableBytes(of: &key) { keyBytes in
        var keyValue = MDB_val(mv_size: 8, mv_data: keyBytes.baseAddress)
        var value = MDB_val()
        #expect(mdb_get(txn, dbi, &keyValue, &value) == 0)
        return Array(UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
    }
}

func putLogValue(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ sequence: UInt64, _ bytes: [UInt8]) {
    var key = sequence.bigEndian
    var bytes = bytes
    withUnsafeMutableBytes(of: &key) { keyBytes in
        bytes.withUnsafeMutableBytes { valueBytes in
            var keyValue = MDB_val(mv_size: 8, mv_data: keyBytes.baseAddress)
            var value = MDB_val(mv_size: valueBytes.count, mv_data: valueBytes.baseAddress)
            #expect(mdb_put(txn, dbi, &keyValue, &value, 0) == 0)
        }
    }
}
