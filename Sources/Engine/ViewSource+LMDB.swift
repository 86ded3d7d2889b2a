import Events
import Projections

/// The views' source over the store's databases: each miss is one read transaction of the
/// last commit, a few B-tree walks in the memory map (docs/engine.md, "The working set").
/// A database that cannot be read here is a store that cannot go on: it stops the process
/// with what failed, as a failed precondition does, rather than decide against a guess.
final class LMDBViewSource: ViewSource, @unchecked Sendable {
    let environment: Environment

    init(_ environment: Environment) { self.environment = environment }

    private func reading<T>(_ what: @autoclosure () -> String, _ body: (ReadTransaction) throws -> T) -> T {
        do {
            return try environment.read(body)
        } catch {
            preconditionFailure("the store cannot read \(what()) from \(environment.directory): \(error)")
        }
    }

    func appointment(_ id: AppointmentID) -> AppointmentView? {
        reading("appointment \(id)") { txn in try LMDBViewSource.appointment(id, txn) }
    }

    static func appointment(_ id: AppointmentID, _ txn: ReadTransaction) throws -> AppointmentView? {
        try Array(id.rawValue.utf8).withUnsafeBytes { key in
            guard let value = try txn.get(ViewDatabase.appointments.rawValue, key) else { return nil }
            var reader = ByteReader(value)
            return try ViewCodec.decodeAppointment(id, &reader)
        }
    }

    func hasPratica(_ id: PraticaID) -> Bool {
        reading("pratica \(id)") { txn in
            try Array(id.rawValue.utf8).withUnsafeBytes { try txn.get(ViewDatabase.pratiche.rawValue, $0) != nil }
        }
    }

    func pratica(_ id: PraticaID) -> PraticaView? {
        reading("pratica \(id)") { txn in
            try Array(id.rawValue.utf8).withUnsafeBytes { key -> PraticaView? in
                guard let status = try txn.get(ViewDatabase.pratiche.rawValue, key),
                      let applicant = try txn.get(ViewDatabase.applicants.rawValue, key) else { return nil }
                var booked: [AppointmentID] = []
                try LMDBViewSource.history(id, txn) { _, value in
                    if !value.isEmpty { booked.append(AppointmentID(String(decoding: value, as: UTF8.self))) }
                }
                return try ViewCodec.pratica(applicant: applicant, status: status, booked: booked) { appointment in
                    try? LMDBViewSource.appointment(appointment, txn)
                }
            }
        }
    }

    func visto(_ visto: String) -> PraticaID? {
        reading("visto \(visto)") { txn in
            try Array(visto.utf8).withUnsafeBytes { key in
                try txn.get(ViewDatabase.visti.rawValue, key).map { PraticaID(String(decoding: $0, as: UTF8.self)) }
            }
        }
    }

    func request(_ key: RequestKey) -> UInt64? {
        var writer = ByteWriter(capacity: 64)
        writer.raw(key.operator)
        writer.u8(0)
        writer.raw(key.requestID)
        return reading("request id \(key.requestID)") { txn in
            try writer.bytes.withUnsafeBytes { bytes in
                guard let value = try txn.get(ViewDatabase.requests.rawValue, bytes) else { return nil }
                var reader = ByteReader(value)
                return try reader.u64()
            }
        }
    }

    func history(_ pratica: PraticaID) -> [UInt64] {
        reading("the history of \(pratica)") { txn in
            var sequences: [UInt64] = []
            try LMDBViewSource.history(pratica, txn) { sequence, _ in sequences.append(sequence) }
            return sequences
        }
    }

    /// Each history entry of the pratica, in order: its record's sequence and the appointment it booked (or no bytes).
    static func history(_ pratica: PraticaID, _ txn: ReadTransaction,
                        _ body: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws {
        var prefix = ByteWriter(capacity: 32)
        ViewCodec.encodeHistoryPrefix(pratica, &prefix)
        let start = prefix.bytes
        try txn.scan(ViewDatabase.history.rawValue, from: start) { key, value in
            guard key.starts(with: start) else { return false }
            try body(try ViewCodec.decodeHistoryKey(key).1, value)
            return true
        }
    }

    func day(_ key: DayKey) -> DayLoad? {
        var writer = ByteWriter(capacity: 48)
        ViewCodec.encodeKey(key, &writer)
        return reading("day \(key.day) of \(key.office)") { txn in
            try writer.bytes.withUnsafeBytes { bytes -> DayLoad? in
                guard let value = try txn.get(ViewDatabase.days.rawValue, bytes) else { return nil }
                return try ViewCodec.day(key, value: value) { start, body in
                    try txn.scan(ViewDatabase.agenda.rawValue, from: start) { key, _ in try body(key) }
                }
            }
        }
    }

    func pratiche(of applicant: ApplicantKey) -> [PraticaID] {
        var prefix = ByteWriter(capacity: 96)
        ViewCodec.encodeApplicantKey(applicant, &prefix)
        let start = prefix.bytes
        return reading("the applicant index") { txn in
            var found: [PraticaID] = []
            try txn.scan(ViewDatabase.applicantIndex.rawValue, from: start) { key, _ in
                guard key.starts(with: start) else { return false }
                found.append(PraticaID(String(decoding: UnsafeRawBufferPointer(rebasing: key[start.count...]), as: UTF8.self)))
                return true
            }
            return found
        }
    }

    func retained(_ office: OfficeID, through day: Day, limit: Int) -> (entries: [Delivery], complete: Bool) {
        var prefix = ByteWriter(capacity: 48)
        prefix.raw(office.rawValue)
        prefix.u8(0)
        let start = prefix.bytes
        return reading("the retention index of \(office)") { txn in
            var found: [Delivery] = []
            var complete = true
            try txn.scan(ViewDatabase.retention.rawValue, from: start) { key, _ in
                guard key.starts(with: start) else { return false }
                let (_, pickedUp, pratica) = try ViewCodec.decodeRetentionKey(key)
                guard pickedUp <= day else { return false }
                // Whole days: the caller orders and cuts a day's entries itself.
                if found.count >= limit, found.last?.day != pickedUp {
                    complete = false
                    return false
                }
                found.append(Delivery(day: pickedUp, pratica: pratica))
                return true
            }
            return (found, complete)
        }
    }
}
