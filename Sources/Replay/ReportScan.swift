import Engine
import Events
import Foundation

// The report's reading of the log: only the facts the figures need, taken straight from the
// record bytes (docs/log-format.md) without building `Record`s or string-keyed dictionaries.
// Records the fast path does not know field by field (office configurations, closures, and
// any tag newer than this file) go through the full `RecordCodec.decode` and an exhaustive
// switch, so nothing is skipped silently.

/// One thing that happened, in the compact form the report folds.
struct ReportFact {
    enum Kind: UInt8 {
        case booked, moved, cancelled, ready, delivered, attended, missed, configured, closed
        /// Taken over from the previous booking system: holds a place, is not a booking made here.
        case migrated
    }
    var kind: Kind
    /// booked: 1 when deferred; moved: the cause; delivered: bit 0 a completed appointment in
    /// `key`, bit 1 an office in `office` (from a pickup cancelled in the same record);
    /// closed: 1 when for one service.
    var flag: UInt8 = 0
    /// Index into the chunk's own office and service tables.
    var office: UInt16 = 0
    var service: UInt16 = 0
    /// The appointment's day (moved: the day it went to; closed: the day; configured: from when).
    var day: Int32 = 0
    /// moved: the day it left.
    var fromDay: Int32 = 0
    /// The office's (Rome) date of the record's decision.
    var recordDay: Int32
    /// The appointment (see `ReportScan.appointmentKey`); configured: index into `configurations`.
    var key: UInt64 = 0
    /// ready, delivered: the pratica's bytes in the chunk's arena.
    var praticaStart: UInt32 = 0
    var praticaLength: UInt16 = 0
}

/// What one range of the log yields: facts in log order, and the tables they index.
struct ReportChunk {
    var facts: [ReportFact] = []
    var offices: [String] = []
    var services: [String] = []
    var configurations: [OfficeConfiguration] = []
    /// Pratica ids, and appointment ids not made by `SequenceIDs`, back to back.
    var arena: [UInt8] = []
    var records: UInt64 = 0
    var lastDecidedAt: Int64 = .min
}

/// Reads records into a chunk. One per thread.
struct ReportScan {
    var chunk = ReportChunk()
    // The Rome day of the last decision time seen, and the UTC span it covers.
    private var dayStart: Int64 = 1
    private var dayEnd: Int64 = 0
    private var currentDay: Int32 = 0
    /// Every record through `RecordCodec.decode` (tests compare the two paths).
    var fullDecode = false

    init() {
        chunk.facts.reserveCapacity(1 << 16)
    }

    /// An appointment id as a number: `A-` + Crockford base 32 (+ `-n`), as `SequenceIDs` makes
    /// them, is (value << 8 | n); any other id is (1 << 63 | length << 32 | arena offset) and the
    /// fold resolves it by its text.
    static let arenaKeyBit: UInt64 = 1 << 63

    // MARK: - The fast path

    mutating func add(_ value: UnsafeRawBufferPointer, sequence: UInt64) throws {
        chunk.records += 1
        let mark = chunk.facts.count
        let arenaMark = chunk.arena.count
        if fullDecode || (try? fast(value)) != true {
            chunk.facts.removeSubrange(mark...)
            chunk.arena.removeSubrange(arenaMark...)
            let record: Record
            do {
                record = try RecordCodec.decode(sequence: sequence, value: value)
            } catch {
                throw ReplayError.undecodable(sequence: sequence, "\(error)")
            }
            slow(record)
        }
    }

    /// True when the record was read in full here; false (or a throw) sends it to `slow`.
    private mutating func fast(_ value: UnsafeRawBufferPointer) throws(CodecError) -> Bool {
        guard value.count > RecordCodec.trailerBytes else { return false }
        var r = FastReader(UnsafeRawBufferPointer(rebasing: value[..<(value.count - RecordCodec.trailerBytes)]))
        guard try r.u8() == RecordCodec.formatVersion else { return false }
        let decidedAt = try r.i64()
        let recordDay = romeDay(decidedAt)
        try skipString(&r)  // operator
        try skipString(&r)  // body
        try skipString(&r)  // request id
        switch try r.u8() {
        case 3, 13:  // book
            try skipString(&r); try skipString(&r); try skipString(&r)
            if try r.bool() { _ = try r.i32() }
            if try r.bool() { _ = try r.i32() }
            if try r.bool() { _ = try r.u16() }
        case 4:  // defer
            try skipString(&r)
            switch try r.u8() {
            case 1: break
            case 2:
                _ = try r.i32()
                if try r.bool() { _ = try r.u16() }
            default: return false
            }
            try skipString(&r)
        case 5, 10:  // cancel, disable-account
            try skipString(&r); try skipString(&r)
        case 6, 7, 11, 12:  // permit-ready, pickup, attend, no-show
            try skipString(&r)
        case 8:
            try skipApplicant(&r)
        case 9:
            try skipAccount(&r)
        default:  // configure-office, close-day, and anything newer
            return false
        }
        switch try r.u8() {
        case 1: break
        case 2:
            // Refused: no facts. The rejection's bytes are left unread.
            noteTime(decidedAt)
            return true
        default: return false
        }
        let count = Int(try r.u16())
        var cancelledOffice: UInt16?
        for _ in 0..<count {
            switch try r.u8() {
            case 3:
                let appointment = try appointmentKey(&r)
                let office = try intern(&r, offices: true)
                let service = try intern(&r, offices: false)
                try skipString(&r)  // pratica
                _ = try r.i32()  // requested day
                let day = try r.i32()
                _ = try r.u16()
                let deferred = try r.bool()
                try skipString(&r)  // booked by
                chunk.facts.append(ReportFact(kind: .booked, flag: deferred ? 1 : 0, office: office, service: service,
                                              day: day, recordDay: recordDay, key: appointment))
            case 4:
                let appointment = try appointmentKey(&r)
                let office = try intern(&r, offices: true)
                let service = try intern(&r, offices: false)
                let fromDay = try r.i32()
                _ = try r.u16()
                let toDay = try r.i32()
                _ = try r.u16()
                let cause = try r.u8()
                try skipString(&r)
                chunk.facts.append(ReportFact(kind: .moved, flag: cause, office: office, service: service, day: toDay,
                                              fromDay: fromDay, recordDay: recordDay, key: appointment))
            case 5:
                let appointment = try appointmentKey(&r)
                let office = try intern(&r, offices: true)
                let service = try intern(&r, offices: false)
                try skipString(&r)
                let day = try r.i32()
                _ = try r.u16()
                try skipString(&r)
                cancelledOffice = office
                chunk.facts.append(ReportFact(kind: .cancelled, office: office, service: service, day: day,
                                              recordDay: recordDay, key: appointment))
            case 6:
                var fact = ReportFact(kind: .ready, recordDay: recordDay)
                try pratica(&r, into: &fact)
                chunk.facts.append(fact)
            case 7:
                var fact = ReportFact(kind: .delivered, recordDay: recordDay)
                try pratica(&r, into: &fact)
                if try r.bool() {
                    fact.key = try appointmentKey(&r)
                    fact.flag = 1
                } else if let cancelledOffice {
                    fact.office = cancelledOffice
                    fact.flag = 2
                }
                chunk.facts.append(fact)
            case 8:
                try skipApplicant(&r)
            case 9:
                try skipAccount(&r)
            case 10:
                try skipString(&r); try skipString(&r)
            case let tag where tag == 11 || tag == 12:
                let appointment = try appointmentKey(&r)
                let office = try intern(&r, offices: true)
                let service = try intern(&r, offices: false)
                try skipString(&r)
                let day = try r.i32()
                _ = try r.u16()
                chunk.facts.append(ReportFact(kind: tag == 11 ? .attended : .missed, office: office, service: service,
                                              day: day, recordDay: recordDay, key: appointment))
            default:
                return false
            }
        }
        guard r.offset == r.count else { return false }
        noteTime(decidedAt)
        return true
    }

    @inline(__always) private func skipString(_ r: inout FastReader) throws(CodecError) {
        _ = try r.bytes(Int(try r.u16()))
    }

    private func skipApplicant(_ r: inout FastReader) throws(CodecError) {
        for _ in 0..<4 { try skipString(&r) }
        _ = try r.i32()
        try skipString(&r); try skipString(&r)
    }

    private func skipAccount(_ r: inout FastReader) throws(CodecError) {
        try skipString(&r)
        _ = try r.u8()
        if try r.bool() { try skipString(&r) }
        try skipString(&r)
    }

    private mutating func noteTime(_ decidedAt: Int64) {
        if decidedAt > chunk.lastDecidedAt { chunk.lastDecidedAt = decidedAt }
    }

    /// The Rome date of a decision time; records come in time order, so one day's span is
    /// computed once and reused.
    private mutating func romeDay(_ milliseconds: Int64) -> Int32 {
        if milliseconds >= dayStart && milliseconds < dayEnd { return currentDay }
        let day = RomeTime.day(of: Instant(millisecondsSinceEpoch: milliseconds))
        currentDay = day.daysSinceEpoch
        dayStart = Instant(romeDay: day, time: .midnight).millisecondsSinceEpoch
        dayEnd = Instant(romeDay: day.adding(days: 1), time: .midnight).millisecondsSinceEpoch
        return currentDay
    }

    private mutating func pratica(_ r: inout FastReader, into fact: inout ReportFact) throws(CodecError) {
        let bytes = try r.bytes(Int(try r.u16()))
        fact.praticaStart = UInt32(chunk.arena.count)
        fact.praticaLength = UInt16(bytes.count)
        chunk.arena.append(contentsOf: bytes)
    }

    private mutating func appointmentKey(_ r: inout FastReader) throws(CodecError) -> UInt64 {
        let bytes = try r.bytes(Int(try r.u16()))
        if let key = ReportScan.sequenceKey(bytes) { return key }
        let start = UInt64(chunk.arena.count)
        chunk.arena.append(contentsOf: bytes)
        return ReportScan.arenaKeyBit | UInt64(bytes.count) << 32 | start
    }

    static let crockfordValues: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (index, byte) in "0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8.enumerated() { table[Int(byte)] = Int8(index) }
        return table
    }()

    /// `A-XXXXX` or `A-XXXXX-n` as (value << 8 | n), or nil for any other shape.
    static func sequenceKey(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard bytes.count >= 7, bytes[0] == UInt8(ascii: "A"), bytes[1] == UInt8(ascii: "-") else { return nil }
        var value: UInt64 = 0
        var index = 2
        while index < bytes.count, bytes[index] != UInt8(ascii: "-") {
            let digit = crockfordValues[Int(bytes[index])]
            guard digit >= 0, value < (1 << 50) else { return nil }
            value = value << 5 | UInt64(digit)
            index += 1
        }
        let digits = index - 2
        // SequenceIDs writes at least five digits and no needless leading zeros past five.
        guard digits >= 5, digits == 5 || crockfordValues[Int(bytes[2])] != 0 else { return nil }
        var suffix: UInt64 = 0
        if index < bytes.count {
            index += 1
            guard index < bytes.count, bytes[index] != UInt8(ascii: "0") || index == bytes.count - 1 else { return nil }
            while index < bytes.count {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), suffix < 1000 else { return nil }
                suffix = suffix * 10 + UInt64(byte - UInt8(ascii: "0"))
                index += 1
            }
            // `-0` is never written: the first id has no suffix.
            guard suffix > 0, suffix < 256 else { return nil }
        }
        return value << 8 | suffix
    }

    /// The chunk's index of an office or service id, read from the bytes: the last one seen
    /// first (runs of one office are common), then by hash, each match confirmed byte for byte.
    private mutating func intern(_ r: inout FastReader, offices: Bool) throws(CodecError) -> UInt16 {
        let bytes = try r.bytes(Int(try r.u16()))
        if let found = offices ? ReportScan.find(&officeTable, bytes) : ReportScan.find(&serviceTable, bytes) {
            return found
        }
        guard let text = String(validating: bytes.assumingMemoryBound(to: UInt8.self), as: UTF8.self) else {
            throw .invalidUTF8(offset: r.offset - bytes.count)
        }
        return internText(text, offices: offices)
    }

    static func find(_ table: inout InternTable, _ bytes: UnsafeRawBufferPointer) -> UInt16? {
        if let last = table.last, same(table.bytes[Int(last)], bytes) { return last }
        if let index = table.byHash[hash(bytes)], same(table.bytes[Int(index)], bytes) {
            table.last = index
            return index
        }
        return nil
    }

    @inline(__always) static func same(_ known: [UInt8], _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard known.count == bytes.count else { return false }
        guard let base = bytes.baseAddress, !known.isEmpty else { return true }
        return known.withUnsafeBytes { memcmp($0.baseAddress!, base, bytes.count) == 0 }
    }

    /// The ids of one kind a chunk has met, and how to find them.
    struct InternTable {
        var bytes: [[UInt8]] = []
        var byHash: [UInt64: UInt16] = [:]
        var last: UInt16?
    }
    private var officeTable = InternTable()
    private var serviceTable = InternTable()

    private mutating func internText(_ text: String, offices: Bool) -> UInt16 {
        let utf8 = Array(text.utf8)
        let hash = utf8.withUnsafeBytes { ReportScan.hash($0) }
        var table = offices ? officeTable : serviceTable
        defer { if offices { officeTable = table } else { serviceTable = table } }
        if let index = table.byHash[hash], table.bytes[Int(index)] == utf8 {
            table.last = index
            return index
        }
        // A second id with the same hash (or a new one): a linear look, then a new entry.
        if let index = table.bytes.firstIndex(of: utf8) {
            table.last = UInt16(index)
            return UInt16(index)
        }
        let index = UInt16(table.bytes.count)
        table.bytes.append(utf8)
        if table.byHash[hash] == nil { table.byHash[hash] = index }
        table.last = index
        if offices { chunk.offices.append(text) } else { chunk.services.append(text) }
        return index
    }

    /// FNV-1a, 64 bits: ids are short.
    @inline(__always) static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }

    // MARK: - The slow path: a decoded record

    private mutating func textKey(_ id: AppointmentID) -> UInt64 {
        var id = id.rawValue
        return id.withUTF8 { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            if let key = ReportScan.sequenceKey(raw) { return key }
            let start = UInt64(chunk.arena.count)
            chunk.arena.append(contentsOf: raw)
            return ReportScan.arenaKeyBit | UInt64(raw.count) << 32 | start
        }
    }

    private mutating func praticaFact(_ kind: ReportFact.Kind, _ pratica: PraticaID, recordDay: Int32) -> ReportFact {
        var fact = ReportFact(kind: kind, recordDay: recordDay)
        fact.praticaStart = UInt32(chunk.arena.count)
        fact.praticaLength = UInt16(pratica.rawValue.utf8.count)
        chunk.arena.append(contentsOf: pratica.rawValue.utf8)
        return fact
    }

    mutating func slow(_ record: Record) {
        let recordDay = romeDay(record.decidedAt.millisecondsSinceEpoch)
        noteTime(record.decidedAt.millisecondsSinceEpoch)
        var cancelledOffice: UInt16?
        for event in record.outcome.events {
            switch event {
            case .officeConfigured(let configuration, let effectiveFrom):
                let office = internText(configuration.office.rawValue, offices: true)
                for service in configuration.services { _ = internText(service.id.rawValue, offices: false) }
                chunk.facts.append(ReportFact(kind: .configured, office: office, day: effectiveFrom.daysSinceEpoch,
                                              recordDay: recordDay, key: UInt64(chunk.configurations.count)))
                chunk.configurations.append(configuration)
            case .dayClosed(let office, let day, let service, _):
                chunk.facts.append(ReportFact(
                    kind: .closed, flag: service == nil ? 0 : 1, office: internText(office.rawValue, offices: true),
                    service: service.map { internText($0.rawValue, offices: false) } ?? 0, day: day.daysSinceEpoch,
                    recordDay: recordDay))
            case .appointmentBooked(let booked):
                chunk.facts.append(ReportFact(
                    kind: .booked, flag: booked.deferred ? 1 : 0, office: internText(booked.office.rawValue, offices: true),
                    service: internText(booked.service.rawValue, offices: false), day: booked.day.daysSinceEpoch,
                    recordDay: recordDay, key: textKey(booked.appointment)))
            case .appointmentMigrated(let migrated):
                chunk.facts.append(ReportFact(
                    kind: .migrated, office: internText(migrated.office.rawValue, offices: true),
                    service: internText(migrated.service.rawValue, offices: false), day: migrated.day.daysSinceEpoch,
                    recordDay: recordDay, key: textKey(migrated.appointment)))
            case .appointmentMoved(let moved):
                chunk.facts.append(ReportFact(
                    kind: .moved, flag: moved.cause.rawValue, office: internText(moved.office.rawValue, offices: true),
                    service: internText(moved.service.rawValue, offices: false), day: moved.toDay.daysSinceEpoch,
                    fromDay: moved.fromDay.daysSinceEpoch, recordDay: recordDay, key: textKey(moved.appointment)))
            case .appointmentCancelled(let appointment, let office, let service, _, let day, _, _):
                let officeIndex = internText(office.rawValue, offices: true)
                cancelledOffice = officeIndex
                chunk.facts.append(ReportFact(
                    kind: .cancelled, office: officeIndex, service: internText(service.rawValue, offices: false),
                    day: day.daysSinceEpoch, recordDay: recordDay, key: textKey(appointment)))
            case .permitMarkedReady(let pratica):
                chunk.facts.append(praticaFact(.ready, pratica, recordDay: recordDay))
            case .permitDelivered(let pratica, let completed):
                var fact = praticaFact(.delivered, pratica, recordDay: recordDay)
                if let completed {
                    fact.key = textKey(completed)
                    fact.flag = 1
                } else if let cancelledOffice {
                    fact.office = cancelledOffice
                    fact.flag = 2
                }
                chunk.facts.append(fact)
            case .appointmentAttended(let closed), .appointmentMissed(let closed):
                let attended = if case .appointmentAttended = event { true } else { false }
                chunk.facts.append(ReportFact(
                    kind: attended ? .attended : .missed, office: internText(closed.office.rawValue, offices: true),
                    service: internText(closed.service.rawValue, offices: false), day: closed.day.daysSinceEpoch,
                    recordDay: recordDay, key: textKey(closed.appointment)))
            case .praticaRegistered, .accountCreated, .accountDisabled, .signingKeyRecorded, .praticaErased, .webhookAdded,
                 .webhookRemoved:
                break
            }
        }
    }
}

/// `ByteReader`'s reads, inlined here: the reader in `Events` is another module's, and its
/// calls (not inlined across modules) were a sixth of the scan's time.
struct FastReader {
    let base: UnsafeRawPointer
    let count: Int
    private(set) var offset = 0

    init(_ buffer: UnsafeRawBufferPointer) {
        base = buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        count = buffer.baseAddress == nil ? 0 : buffer.count
    }

    @inline(__always) mutating func take(_ length: Int) throws(CodecError) -> Int {
        guard length <= count - offset else { throw .truncated(offset: offset) }
        defer { offset += length }
        return offset
    }
    @inline(__always) mutating func u8() throws(CodecError) -> UInt8 { base.load(fromByteOffset: try take(1), as: UInt8.self) }
    @inline(__always) mutating func bool() throws(CodecError) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        default: throw .invalidValue(kind: "boolean", offset: offset - 1)
        }
    }
    @inline(__always) mutating func u16() throws(CodecError) -> UInt16 {
        UInt16(bigEndian: base.loadUnaligned(fromByteOffset: try take(2), as: UInt16.self))
    }
    @inline(__always) mutating func i32() throws(CodecError) -> Int32 {
        Int32(bitPattern: UInt32(bigEndian: base.loadUnaligned(fromByteOffset: try take(4), as: UInt32.self)))
    }
    @inline(__always) mutating func i64() throws(CodecError) -> Int64 {
        Int64(bitPattern: UInt64(bigEndian: base.loadUnaligned(fromByteOffset: try take(8), as: UInt64.self)))
    }
    @inline(__always) mutating func bytes(_ length: Int) throws(CodecError) -> UnsafeRawBufferPointer {
        let at = try take(length)
        return UnsafeRawBufferPointer(start: base + at, count: length)
    }
}
