import CLMDB
import Engine
import Events
import Foundation
import Projections
import Replay
import Testing

@Suite("replay audit: the chain, every outcome re-decided, the invariants, the published head")
struct AuditTests {
    @Test("an honest log written by the engine passes: every record re-decided, no finding")
    func honestLogPasses() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        let published = try workload.store.head()
        workload.close()
        let report = try audit(workload.directory, .init(expectHead: Checkpoint(sequence: published.sequence, hash: published.hash)))
        #expect(report.findings == [])
        #expect(report.ok)
        #expect(report.records == published.sequence)
        #expect(report.redecided == published.sequence)
        #expect(report.head == Checkpoint(sequence: published.sequence, hash: published.hash))
    }

    @Test("a directory from before a view database was added opens read-only: the audit passes, the missing view reads as empty")
    func directoryWithoutANewerViewDatabase() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        let published = try workload.store.head()
        workload.close()
        for database in ["history-tail", "applicant-index"] {
            try tamper(workload.directory, database: database) { txn, dbi in #expect(mdb_drop(txn, dbi, 1) == 0) }
        }
        let report = try audit(workload.directory)
        #expect(report.ok && report.records == published.sequence, "\(report.findings)")
        let data = try DataDirectory(workload.directory)
        defer { data.close() }
        #expect(try data.environment.read { try $0.count("applicant-index") } == 0)
    }

    @Test("a byte flipped in any record is caught at that record, and only there")
    func flippedByteInAnyRecord() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        let last = try workload.store.head().sequence
        workload.close()
        for sequence in 1...last {
            var original: [UInt8] = []
            try tamper(workload.directory) { txn, dbi in
                original = logValue(txn, dbi, sequence)
                var changed = original
                // Somewhere different in each record: the payload, the previous hash or the hash.
                changed[Int(sequence * 7) % changed.count] ^= 0x10
                putValue(txn, dbi, LogKey.bytes(sequence), changed)
            }
            let report = try audit(workload.directory)
            #expect(!report.ok, "record \(sequence)")
            #expect(report.findings.first?.sequence == sequence, "record \(sequence): \(report.findings)")
            #expect(report.findings.contains { $0.sequence == sequence && [.hashMismatch, .brokenLink].contains($0.kind) },
                    "record \(sequence): \(report.findings)")
            try tamper(workload.directory) { txn, dbi in putValue(txn, dbi, LogKey.bytes(sequence), original) }
        }
        #expect(try audit(workload.directory).ok)
    }

    @Test("a deleted record is reported missing, and re-decision stops there rather than guess")
    func deletedRecord() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        workload.close()
        try tamper(workload.directory) { txn, dbi in deleteValue(txn, dbi, LogKey.bytes(30)) }
        let report = try audit(workload.directory)
        #expect(!report.ok)
        #expect(report.findings.first == Finding(31, .missingRecord, "record 30 missing: after record 29 the next key is 31"))
        #expect(report.findings.contains { $0.sequence == 31 && $0.kind == .brokenLink })
        #expect(report.findings.contains { $0.sequence == 31 && $0.kind == .redecisionStopped })
    }

    @Test("two records swapped break the chain at both places")
    func swappedRecords() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        workload.close()
        try tamper(workload.directory) { txn, dbi in
            let twentieth = logValue(txn, dbi, 20)
            let twentyFirst = logValue(txn, dbi, 21)
            putValue(txn, dbi, LogKey.bytes(20), twentyFirst)
            putValue(txn, dbi, LogKey.bytes(21), twentieth)
        }
        let report = try audit(workload.directory)
        #expect(!report.ok)
        #expect(report.findings.first?.sequence == 20)
        #expect(report.findings.contains { $0.sequence == 20 && $0.kind == .hashMismatch })
        #expect(report.findings.contains { $0.sequence == 21 && $0.kind == .brokenLink })
    }

    @Test("an outcome changed and the whole chain rehashed after it is caught by re-decision, and by the published head")
    func rewrittenAndRehashed() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        let published = try workload.store.head()
        // The booking of record 20 moved to another slot, as if someone favoured an applicant.
        let target: UInt64 = 20
        let original = try workload.store.read { try $0.record(target) }
        workload.close()
        guard let original, case .accepted(let events) = original.outcome, events.count == 1,
              case .appointmentBooked(var booked) = events[0] else {
            Issue.record("record \(target) should be a booking")
            return
        }
        booked.day = booked.day.adding(days: 5)
        try rewriteAndRehash(workload.directory, at: target) { $0.outcome = .accepted([.appointmentBooked(booked)]) }

        // The chain itself verifies: the forger rehashed everything after the change.
        let report = try audit(workload.directory)
        #expect(!report.findings.contains { [.hashMismatch, .brokenLink, .missingRecord, .headMismatch].contains($0.kind) })
        #expect(report.findings.first?.sequence == target)
        #expect(report.findings.first?.kind == .outcomeDiffers)
        #expect(report.findings.first?.detail.contains(booked.day.description) == true)

        // The head the office published before the rewrite no longer matches.
        let against = try audit(workload.directory, .init(expectHead: Checkpoint(sequence: published.sequence, hash: published.hash)))
        #expect(against.findings.contains { $0.sequence == published.sequence && $0.kind == .publishedHeadMismatch })
    }

    @Test("a published head beyond the end of the log says records were removed")
    func truncatedLog() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        let published = try workload.store.head()
        workload.close()
        // Drop the last record and set the head back, so the chain and the head agree.
        try tamper(workload.directory) { txn, dbi in deleteValue(txn, dbi, LogKey.bytes(published.sequence)) }
        let previous = try rehashedHeadEntry(workload.directory)
        try tamper(workload.directory, database: "meta") { txn, dbi in putValue(txn, dbi, Array("head".utf8), previous) }
        #expect(try audit(workload.directory).ok)
        let report = try audit(workload.directory, .init(expectHead: Checkpoint(sequence: published.sequence, hash: published.hash)))
        #expect(report.findings.map(\.kind) == [.publishedHeadMismatch])
    }

    @Test("--from starts the chain at a trusted checkpoint and refuses one the log does not hold")
    func fromCheckpoint() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        let checkpointRecord = try workload.store.read { try $0.record(25) }
        workload.close()
        guard let checkpointRecord else { throw WorkloadFailed(what: "record 25") }
        let checkpoint = Checkpoint(sequence: 25, hash: checkpointRecord.hash)
        let report = try audit(workload.directory, .init(from: checkpoint))
        #expect(report.ok, "\(report.findings)")
        #expect(report.chainCheckedFrom == 26)
        #expect(report.redecided == report.records - 25)
        let wrong = Checkpoint(sequence: 25, hash: checkpointRecord.previousHash)
        let refused = try audit(workload.directory, .init(from: wrong))
        #expect(refused.findings.contains { $0.sequence == 25 && $0.kind == .checkpointMismatch })
        #expect(refused.findings.contains { $0.sequence == 26 && $0.kind == .brokenLink })
    }

    @Test("a forged booking into a full slot is reported over capacity, and the audit does not crash on it")
    func forgedOverbooking() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        workload.close()
        // Record 24 booked into Monday's full day was deferred; forge it onto Monday's first, full slot.
        let records = try recordsOf(workload.directory)
        guard let index = records.firstIndex(where: {
            if case .appointmentBooked(let booked) = $0.outcome.events.first { return booked.deferred }
            return false
        }), case .appointmentBooked(var booked) = records[index].outcome.events[0] else {
            Issue.record("the workload has a deferred booking")
            return
        }
        booked.day = booked.requestedDay
        booked.time = LocalTime(hour: 9, minute: 0)!
        booked.deferred = false
        let sequence = records[index].sequence
        try rewriteAndRehash(workload.directory, at: sequence) { $0.outcome = .accepted([.appointmentBooked(booked)]) }
        let report = try audit(workload.directory)
        #expect(report.findings.contains { $0.sequence == sequence && $0.kind == .outcomeDiffers })
        #expect(report.findings.contains { $0.sequence == sequence && $0.kind == .overCapacity })
        #expect(report.findings.contains { $0.sequence == sequence && $0.kind == .redecisionStopped })
    }

    @Test("a pickup forged for a permit never marked ready is caught by re-decision and by the invariant")
    func forgedPickup() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        workload.close()
        let records = try recordsOf(workload.directory)
        // The refused pickup of pratica 5 (not ready) becomes an accepted one.
        guard let index = records.firstIndex(where: {
            if case .pickup(let pratica) = $0.command, pratica == pratica5 { return true }
            return false
        }) else {
            Issue.record("the workload has a refused pickup")
            return
        }
        let sequence = records[index].sequence
        try rewriteAndRehash(workload.directory, at: sequence) {
            $0.outcome = .accepted([.permitDelivered(pratica5, completedAppointment: nil)])
        }
        let report = try audit(workload.directory)
        #expect(report.findings.contains { $0.sequence == sequence && $0.kind == .outcomeDiffers })
        #expect(report.findings.contains { $0.sequence == sequence && $0.kind == .pickupWithoutReadyPermit })
    }

    @Test("a request id logged twice is reported: the writer answers a repeat without appending")
    func repeatedRequestID() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        workload.close()
        let records = try recordsOf(workload.directory)
        // Give a later refusal the request id an earlier record carried.
        guard let first = records.first(where: { !$0.requestID.isEmpty }),
              let later = records.last(where: { $0.actor == first.actor && $0.requestID.isEmpty && $0.sequence > first.sequence })
        else {
            Issue.record("the workload has a request id")
            return
        }
        try rewriteAndRehash(workload.directory, at: later.sequence) { $0.requestID = first.requestID }
        let report = try audit(workload.directory)
        #expect(report.findings.map(\.kind) == [.repeatedRequestID])
        #expect(report.findings.first?.sequence == later.sequence)
    }
}

let pratica5 = pratica(5)

/// Every record of a directory, decoded.
func recordsOf(_ directory: String) throws -> [Record] {
    let data = try DataDirectory(directory)
    defer { data.close() }
    var records: [Record] = []
    try data.environment.read { txn in
        try txn.records { record in
            records.append(record)
            return true
        }
    }
    // As `dump` reads them: sealed applicants opened with the directory's keys.
    return records.map(data.opening)
}

/// What a forger with write access does: change record `sequence`, re-seal it and every record
/// after it into a chain that verifies, and move `meta` `head` to the new last hash.
func rewriteAndRehash(_ directory: String, at sequence: UInt64, _ change: (inout Record) -> Void) throws {
    let records = try recordsOf(directory)
    var previous = records[Int(sequence) - 2].hash
    var writer = ByteWriter()
    var resealed: [(UInt64, [UInt8])] = []
    for var record in records[(Int(sequence) - 1)...] {
        if record.sequence == sequence { change(&record) }
        previous = RecordCodec.seal(sequence: record.sequence, decidedAt: record.decidedAt, actor: record.actor,
                                    requestID: record.requestID, command: record.command, outcome: record.outcome,
                                    previousHash: previous, into: &writer)
        resealed.append((record.sequence, writer.bytes))
    }
    try tamper(directory) { txn, dbi in
        for (sequence, value) in resealed { putValue(txn, dbi, LogKey.bytes(sequence), value) }
    }
    var head = ByteWriter()
    head.u64(records.last?.sequence ?? 0)
    for byte in previous.bytes { head.u8(byte) }
    try tamper(directory, database: "meta") { txn, dbi in putValue(txn, dbi, Array("head".utf8), head.bytes) }
}

/// The head entry naming the log's last record as it now stands.
func rehashedHeadEntry(_ directory: String) throws -> [UInt8] {
    let last = try recordsOf(directory).last
    var head = ByteWriter()
    head.u64(last?.sequence ?? 0)
    for byte in (last?.hash ?? .genesis).bytes { head.u8(byte) }
    return head.bytes
}
