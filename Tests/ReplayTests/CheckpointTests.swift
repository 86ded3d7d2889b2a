import CLMDB
import Engine
import Events
import Foundation
import Projections
import Replay
import Testing

/// A simulated pilot with checkpoints every `every` records in its directory's `checkpoints`.
private func pilotWithCheckpoints(_ seed: UInt64, every: UInt64, _ name: String = #function) throws
    -> (directory: String, checkpoints: Checkpoints, made: [Checkpoints.Entry]) {
    let run = try simulatePilot(seed, name)
    let data = try DataDirectory(run.directory)
    defer { data.close() }
    let checkpoints = Checkpoints(Checkpoints.defaultPath(forData: run.directory))
    let made = try checkpoints.make(data, every: every).made
    return (run.directory, checkpoints, made)
}

/// Every office's agenda on each day of `days`, and every service's capacity over them: what
/// as-of shows, compared whole.
private func shown(_ views: Views, days: ClosedRange<Int>, around day: Day) throws -> [String] {
    var lines: [String] = ["through \(views.headSequence) \(views.headHash)"]
    for office in views.offices.keys.sorted() {
        for offset in days {
            let on = day.adding(days: offset)
            lines += try AsOf.agenda(views, office: office, day: on).map { "\(office) \(on) \($0)" }
        }
        for service in views.offices[office]!.configuration.services.map(\.id) {
            lines += try AsOf.capacity(views, office: office, service: service, from: day.adding(days: days.lowerBound),
                                       to: day.adding(days: days.upperBound)).map { "\(office) \(service) \($0)" }
        }
    }
    return lines
}

/// The checkpoint's view databases, entry for entry, against a fold from the first record.
private func expectEqualsTheFold(_ entry: Checkpoints.Entry, _ data: DataDirectory,
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
    let fold = try Rebuild.fold(data, through: entry.head.sequence)
    #expect(fold.headSequence == entry.head.sequence && fold.headHash == entry.head.hash, sourceLocation: sourceLocation)
    let expected = ViewCodec.allEntries(fold)
    let environment = try Environment(directory: entry.path, readOnly: true)
    defer { environment.close() }
    for database in ViewDatabase.allCases where database != .historyTail {
        var stored: [(key: [UInt8], value: [UInt8])] = []
        try environment.read { txn in
            try txn.scan(database.rawValue) { key, value in
                stored.append((Array(key), Array(value)))
                return true
            }
        }
        let wanted = expected[database] ?? []
        #expect(stored.count == wanted.count, "\(database) at \(entry.head.sequence)", sourceLocation: sourceLocation)
        #expect(zip(stored, wanted).allSatisfy { $0.key == $1.key && $0.value == $1.value },
                "\(database) at \(entry.head.sequence)", sourceLocation: sourceLocation)
    }
}

@Suite("replay checkpoint: snapshots of the folded views, bound to their record's hash")
struct CheckpointTests {
    @Test("each checkpoint holds exactly the views a fold from the first record gives at its record, entry for entry")
    func checkpointEqualsTheFold() throws {
        let pilot = try pilotWithCheckpoints(3, every: 500)
        defer { removeDirectory(pilot.directory) }
        #expect(pilot.made.count >= 2)
        #expect(pilot.checkpoints.list() == pilot.made)
        let data = try DataDirectory(pilot.directory)
        defer { data.close() }
        for entry in pilot.made { try expectEqualsTheFold(entry, data) }
    }

    @Test("as-of from a checkpoint equals as-of from the first record, at instants before, at and after it")
    func asOfFromACheckpoint() throws {
        let pilot = try pilotWithCheckpoints(4, every: 400)
        defer { removeDirectory(pilot.directory) }
        let data = try DataDirectory(pilot.directory)
        defer { data.close() }
        let entry = try #require(pilot.made.dropFirst().first)
        let at = entry.latestDecision.millisecondsSinceEpoch
        let instants = [at - 3_600_000, at - 1, at, at + 1, at + 3 * 3_600_000, at + 6 * 86_400_000]
            .map { Instant(millisecondsSinceEpoch: $0) }
        var startedFromACheckpoint = 0
        for instant in instants {
            let fromFirst = try AsOf.views(data, at: instant)
            let fromCheckpoint = try AsOf.views(data, at: instant, checkpoints: pilot.checkpoints)
            if fromCheckpoint.source != nil { startedFromACheckpoint += 1 }
            #expect(fromCheckpoint.headSequence == fromFirst.headSequence, "\(instant)")
            let day = RomeTime.day(of: instant)
            #expect(try shown(fromCheckpoint, days: -3...12, around: day) == shown(fromFirst, days: -3...12, around: day),
                    "\(instant)")
        }
        // The instants from the checkpoint's own on start from it (or from a later one).
        #expect(startedFromACheckpoint >= 4)
        // An instant before every checkpoint folds from the first record.
        let early = Instant(millisecondsSinceEpoch: pilot.made[0].latestDecision.millisecondsSinceEpoch - 1)
        #expect(try AsOf.views(data, at: early, checkpoints: pilot.checkpoints).source == nil)
    }

    @Test("a checkpoint whose hash does not match the log is refused with a sentence, by as-of, audit and whatif")
    func mismatchedCheckpointRefused() throws {
        let pilot = try pilotWithCheckpoints(5, every: 500)
        let other = try pilotWithCheckpoints(6, every: 500)
        defer { [pilot.directory, other.directory].forEach(removeDirectory) }
        let data = try DataDirectory(pilot.directory)
        defer { data.close() }
        let late = Instant(millisecondsSinceEpoch: pilot.made[0].latestDecision.millisecondsSinceEpoch + 60_000)

        // Another log's checkpoints, pointed at.
        #expect { try AsOf.views(data, at: late, checkpoints: other.checkpoints) } throws: { error in
            guard case .badCheckpoint(let why) = error as? ReplayError else { return false }
            return why.contains("hashes to") && why.contains("made from another log")
        }
        // This log's own checkpoint, its head's hash changed.
        try tamper(pilot.made[0].path, database: "meta") { txn, dbi in
            var entry = try #require(getValue(txn, dbi, Array("head".utf8)))
            entry[20] ^= 0x01
            putValue(txn, dbi, Array("head".utf8), entry)
        }
        #expect { try AsOf.views(data, at: late, checkpoints: pilot.checkpoints) } throws: { error in
            (error as? ReplayError).map { "\($0)".contains("remove it and run `replay checkpoint` again") } ?? false
        }
        let first = try #require(try data.environment.read { try $0.record(pilot.made[0].head.sequence) })
        #expect(throws: ReplayError.self) {
            try Audit.run(data, options: .init(from: Checkpoint(sequence: first.sequence, hash: first.hash),
                                               checkpoints: pilot.checkpoints))
        }
        // Only the tampered checkpoint left, so it is the nearest to the period.
        for entry in pilot.made.dropFirst() { removeDirectory(entry.path) }
        let period = RomeTime.day(of: pilot.made[0].latestDecision).adding(days: 2)
        #expect(throws: ReplayError.self) {
            try WhatIf.run(data, Report.Options(from: period, to: period.adding(days: 2)), changes: [],
                           checkpoints: pilot.checkpoints)
        }
        // Making more checks the latest first.
        #expect(throws: ReplayError.self) { try other.checkpoints.make(data, every: 500) }
    }

    @Test("a checkpoint whose views another version laid out is refused with a sentence")
    func checkpointOfAnotherLayoutRefused() throws {
        let pilot = try pilotWithCheckpoints(8, every: 500)
        defer { removeDirectory(pilot.directory) }
        let data = try DataDirectory(pilot.directory)
        defer { data.close() }
        try tamper(pilot.made[0].path, database: "meta") { txn, dbi in
            putValue(txn, dbi, Array("views-format".utf8), [Store.viewsFormat - 1])
        }
        #expect { try Checkpoints.check(pilot.made[0], against: data) } throws: { error in
            guard case .badCheckpoint(let why) = error as? ReplayError else { return false }
            return why.contains("layout \(Store.viewsFormat - 1)") && why.contains("made by another version")
        }
        #expect(throws: Never.self) { try Checkpoints.check(pilot.made[1], against: data) }
    }

    @Test("audit --from reads the state from the nearest checkpoint and reports what the fold from the first record does")
    func auditFromACheckpoint() throws {
        let pilot = try pilotWithCheckpoints(7, every: 300)
        defer { removeDirectory(pilot.directory) }
        let last = try head(pilot.directory).sequence
        let entry = try #require(pilot.made.dropFirst().first)
        let trustedSequence = entry.head.sequence + 37
        let trusted = try {
            let data = try DataDirectory(pilot.directory)
            defer { data.close() }
            let record = try #require(try data.environment.read { try $0.record(trustedSequence) })
            return Checkpoint(sequence: record.sequence, hash: record.hash)
        }()
        // A record after the trusted point flipped, and one before it: the first is found both
        // ways, the second neither way (it is trusted).
        let flipped = trustedSequence + 200
        try tamper(pilot.directory) { txn, dbi in
            for sequence in [flipped, entry.head.sequence + 5] {
                var value = logValue(txn, dbi, sequence)
                value[value.count - 40] ^= 0x04
                putValue(txn, dbi, LogKey.bytes(sequence), value)
            }
        }
        let withCheckpoint = try audit(pilot.directory, .init(from: trusted, checkpoints: pilot.checkpoints))
        let withoutCheckpoint = try audit(pilot.directory, .init(from: trusted))
        #expect(withCheckpoint.startedFrom == entry.head)
        #expect(withoutCheckpoint.startedFrom == nil)
        #expect(withCheckpoint.findings == withoutCheckpoint.findings)
        #expect(withCheckpoint.findings.first?.sequence == flipped)
        #expect(withCheckpoint.redecided == last - trustedSequence && withCheckpoint.redecided == withoutCheckpoint.redecided)
        #expect(withCheckpoint.records == last && withCheckpoint.head == withoutCheckpoint.head)

        // The latest checkpoint itself as the trusted point: chain and re-decision resume there.
        let latest = try #require(pilot.made.last)
        let resumed = try audit(pilot.directory, .init(from: latest.head, checkpoints: pilot.checkpoints))
        #expect(resumed.chainCheckedFrom == latest.head.sequence + 1)
        #expect(resumed.redecided == last - latest.head.sequence)
        #expect(resumed.findings == withCheckpoint.findings.filter { $0.sequence > latest.head.sequence })
    }

    @Test("an interrupted audit stops at a record it decided; --from that record finds the rest of what one audit finds")
    func interruptedAuditResumes() throws {
        let pilot = try pilotWithCheckpoints(8, every: 400)
        defer { removeDirectory(pilot.directory) }
        let last = try head(pilot.directory).sequence
        #expect(last > UInt64(ReplayLimits.pipelineChunkRecords) + 200)
        let flipped = UInt64(ReplayLimits.pipelineChunkRecords) + 100
        try tamper(pilot.directory) { txn, dbi in
            var value = logValue(txn, dbi, flipped)
            value[value.count - 40] ^= 0x04
            putValue(txn, dbi, LogKey.bytes(flipped), value)
        }
        let whole = try audit(pilot.directory)
        final class Calls: @unchecked Sendable { var count = 0 }
        let calls = Calls()
        // Stops at the second chunk of each run (the helper runs the audit twice: pipelined and not).
        let interrupted = try audit(pilot.directory, .init(shouldStop: {
            calls.count += 1
            return calls.count % 2 == 0
        }))
        #expect(interrupted.interrupted)
        #expect(interrupted.head.sequence == UInt64(ReplayLimits.pipelineChunkRecords))
        #expect(interrupted.ok)
        let rest = try audit(pilot.directory, .init(from: interrupted.head, checkpoints: pilot.checkpoints))
        #expect(!rest.interrupted)
        #expect(rest.startedFrom == pilot.made.last { $0.head.sequence <= interrupted.head.sequence }?.head)
        #expect(interrupted.findings + rest.findings == whole.findings)
        #expect(interrupted.redecided + rest.redecided == whole.redecided)
    }

    @Test("whatif from a checkpoint, or with its state read back every few records, reports what whatif from the first record does")
    func whatIfFromACheckpoint() throws {
        let pilot = try pilotWithCheckpoints(9, every: 400)
        defer { removeDirectory(pilot.directory) }
        let data = try DataDirectory(pilot.directory)
        defer { data.close() }
        let from = RomeTime.day(of: pilot.made[1].latestDecision).adding(days: 1)
        let options = Report.Options(from: from, to: from.adding(days: 6))
        let office = try #require(try Rebuild.fold(data, through: 1).offices.keys.sorted().first
                                  ?? Checkpoints.views(pilot.made[0], of: data).offices.keys.sorted().first)
        for changes in [[], [try WhatIf.Change(parsing: "\(office) * capacity=-1")]] {
            let plain = try WhatIf.run(data, options, changes: changes)
            let checkpointed = try WhatIf.run(data, options, changes: changes, checkpoints: pilot.checkpoints)
            // And with its state written out and read back every few records.
            let flushed = try WhatIf.run(data, options, changes: changes, foldFlushRecords: 9)
            for other in [checkpointed, flushed] {
                #expect(other.redecided == plain.redecided && other.sameOutcome == plain.sameOutcome)
                #expect(other.dropped == plain.dropped && other.displaced == plain.displaced)
                #expect(other.differences.map(\.sequence) == plain.differences.map(\.sequence))
                #expect(other.whatIf.weekly == plain.whatIf.weekly && other.whatIf.daily == plain.whatIf.daily)
                #expect(other.whatIf.totals == plain.whatIf.totals)
            }
        }
    }

    @Test("checkpoint continues from the latest one as the log grows, and makes none when no multiple is reached")
    func continuesFromTheLatest() throws {
        let run = try simulatePilot(10)
        defer { removeDirectory(run.directory) }
        let data = try DataDirectory(run.directory)
        defer { data.close() }
        let checkpoints = Checkpoints(Checkpoints.defaultPath(forData: run.directory))
        let last = try data.head().sequence
        let coarse = last / 2 + 1
        let first = try checkpoints.make(data, every: coarse)
        #expect(first.made.map(\.head.sequence) == [coarse])
        #expect(first.startedFrom == nil && first.records == coarse)
        let again = try checkpoints.make(data, every: coarse)
        #expect(again.made.isEmpty && again.records == 0)
        // A finer interval continues from the latest checkpoint, folding only what follows it.
        let fine = last / 5
        let finer = try checkpoints.make(data, every: fine)
        let due = stride(from: fine, through: last, by: Int(fine)).filter { $0 > coarse }
        #expect(finer.startedFrom == first.made.last?.head)
        #expect(finer.made.map(\.head.sequence) == due)
        #expect(finer.records == (due.last ?? coarse) - coarse)
        #expect(checkpoints.list().map(\.head.sequence) == [coarse] + due)
        for entry in finer.made { try expectEqualsTheFold(entry, data) }
    }
}
