// The replay benchmark: a log of AGENDA_BENCH_REPLAY_RECORDS records (10 million unless set)
// written by the engine, cached under .build/ so reruns reuse it; then rebuild and audit, each
// in a fresh process of this program so its peak memory is its own.
import Engine
import Events
import Foundation
import Replay

enum ReplayBench {
    static var recordsWanted: Int {
        ProcessInfo.processInfo.environment["AGENDA_BENCH_REPLAY_RECORDS"].flatMap { Int($0) } ?? 10_000_000
    }

    /// AGENDA_BENCH_DIRECTORY points a measurement at another data directory (the analysts'
    /// benchmark measures report and whatif over its simulated history this way).
    static var directory: String {
        ProcessInfo.processInfo.environment["AGENDA_BENCH_DIRECTORY"] ?? ".build/agenda-bench-replay-\(recordsWanted)"
    }

    /// Twenty Questure, each with a fingerprinting and a pickup service: 40 slots a day of 50
    /// places, every day of the week, a year ahead.
    static let offices: [OfficeConfiguration] = (0..<20).map { index in
        let open = Array(repeating: [OpeningInterval(start: LocalTime(hour: 8, minute: 0)!, end: LocalTime(hour: 18, minute: 0)!)],
                         count: 7)
        return OfficeConfiguration(
            office: OfficeID("B\(Character(Unicode.Scalar(UInt8(65 + index))))-Q"), kind: .questura, name: "Questura di prova",
            horizonDays: 365, leadDays: 0,
            services: [
                ServiceConfiguration(id: "fotosegnalamento", name: "Fotosegnalamento", slotLengthMinutes: 15,
                                     capacityPerSlot: 50, requiresReadyPermit: false, weekly: open),
                ServiceConfiguration(id: "consegna-permesso", name: "Consegna permesso", slotLengthMinutes: 15,
                                     capacityPerSlot: 50, requiresReadyPermit: true, weekly: open),
            ],
            closedDays: [])
    }

    /// The engine writes the log: per group of 10,000 pratiche and one day of the clock, each
    /// pratica registered, booked for fingerprinting, one in ten deferred, one in twenty
    /// cancelled, its permit marked ready, its pickup booked and the permit handed over.
    static func generate() throws {
        if let done = try? String(contentsOfFile: directory + "/complete", encoding: .utf8), Int(done) != nil {
            return
        }
        try? FileManager.default.removeItem(atPath: directory)
        let clock = BenchClock()
        let store = try Store(directory: directory, clock: { clock.now }, mapBytes: 16 << 30)
        defer { store.close() }
        let sui = Actor(operator: "sui.bench", body: "BN-S")
        let questura = Actor(operator: "questura.bench", body: "BN-Q")
        _ = try store.executeAll(offices.map { .configureOffice($0) }, actor: .system)
        let group = 10_000
        var written = offices.count
        var next = 0
        let started = Date()
        while written < recordsWanted {
            let pratiche = (next..<(next + group)).map { PraticaID("P-BN-2008-\($0)") }
            let office = { (index: Int) in offices[index % offices.count].office }
            var commands: [(Command, Actor)] = []
            commands += pratiche.enumerated().map { index, pratica in
                (.registerPratica(Applicant(pratica: pratica, visto: "V\(next + index)", surname: "Rossi", name: "Mario",
                                            birthDate: Day(year: 1980, month: 1, day: 1)!, nationality: "ALB",
                                            office: "BN-S")), .system)
            }
            written += try run(commands, store)
            let booked = try store.executeAll(pratiche.enumerated().map { index, pratica in
                .book(BookRequest(office: office(index), service: "fotosegnalamento", pratica: pratica))
            }, actor: sui)
            written += booked.count
            let appointments = booked.compactMap { decision -> AppointmentID? in
                guard case .appointmentBooked(let event) = decision.record.outcome.events.first else { return nil }
                return event.appointment
            }
            commands = stride(from: 0, to: appointments.count, by: 10).map {
                (.deferAppointment(appointments[$0], to: .nextFree, reason: "asked by the applicant"), sui)
            }
            commands += stride(from: 5, to: appointments.count, by: 20).map {
                (.cancel(appointments[$0], reason: "no longer needed"), sui)
            }
            commands += pratiche.map { (.permitReady($0), questura) }
            written += try run(commands, store)
            written += try store.executeAll(pratiche.enumerated().map { index, pratica in
                .book(BookRequest(office: office(index), service: "consegna-permesso", pratica: pratica))
            }, actor: sui).count
            written += try store.executeAll(pratiche.map { .pickup($0) }, actor: questura).count
            next += group
            clock.advanceOneDay()
            let seconds = Date().timeIntervalSince(started)
            FileHandle.standardError.write(Data(
                "\r  generating: \(written) records, \(Int(Double(written) / seconds)) records/s   ".utf8))
        }
        FileHandle.standardError.write(Data("\n".utf8))
        try String(written).write(toFile: directory + "/complete", atomically: true, encoding: .utf8)
    }

    /// Commands of several actors, each run of one actor in one `executeAll`.
    static func run(_ commands: [(Command, Actor)], _ store: Store) throws -> Int {
        var written = 0
        var start = 0
        while start < commands.count {
            let actor = commands[start].1
            var end = start
            while end < commands.count && commands[end].1 == actor { end += 1 }
            written += try store.executeAll(commands[start..<end].map(\.0), actor: actor).count
            start = end
        }
        return written
    }

    /// The largest RssAnon (/proc/self/status) seen by a thread sampling it every 50 ms: the
    /// process's own memory, without the pages of the memory-mapped log that peak RSS counts.
    final class AnonymousPeak: @unchecked Sendable {
        private let lock = NSLock()
        private var peakKilobytes = 0
        init() {
            let thread = Thread { [self] in
                while true {
                    sample()
                    usleep(50_000)
                }
            }
            thread.stackSize = 1 << 16
            thread.start()
        }
        func sample() {
            guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("RssAnon:") }),
                  let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return }
            lock.withLock { peakKilobytes = max(peakKilobytes, kilobytes) }
        }
        var megabytes: Double {
            sample()
            return lock.withLock { Double(peakKilobytes) / 1024 }
        }
    }
    nonisolated(unsafe) static var anonymousPeak: AnonymousPeak?

    static func peakMemoryMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
    }

    /// One measurement, in this process (called in a child: AGENDA_BENCH_ONLY=replay-<what>).
    static func measure(_ what: String) throws {
        anonymousPeak = AnonymousPeak()
        let data = try DataDirectory(directory)
        defer { data.close() }
        let records = try data.recordCount()
        switch what {
        case "replay-scan":
            let elapsed = try seconds {
                var count = 0
                try data.environment.read { txn in
                    try txn.scan("log") { _, value in
                        count += value.count > 0 ? 1 : 0
                        return true
                    }
                }
                precondition(UInt64(count) == records)
            }
            report("bare LMDB cursor scan", records, elapsed)
        case "replay-hash":
            let elapsed = try seconds {
                var chain = ChainCheck()
                var findings: [Finding] = []
                try data.environment.read { txn in
                    try txn.scan("log") { key, value in
                        chain.check(sequence: try LogKey.sequence(key), value: value, into: &findings)
                        return true
                    }
                }
                precondition(findings.isEmpty)
            }
            report("scan + SHA-256 chain check", records, elapsed)
        case "replay-fold":
            let elapsed = try seconds { _ = try Rebuild.fold(data) }
            report("fold, the whole history in memory (Rebuild.fold)", records, elapsed)
        case "replay-rebuild":
            var result: Rebuild.Report?
            let elapsed = try seconds { result = try Rebuild.run(data) }
            guard let result else { preconditionFailure("rebuild returned") }
            precondition(result.equal, "the stored views differ from the fold")
            report("rebuild + byte-for-byte compare (fold \(String(format: "%.2f", result.foldSeconds)) s, "
                   + "compare \(String(format: "%.2f", result.compareSeconds)) s)", records, elapsed)
        case "replay-audit":
            var result: Audit.Report?
            let elapsed = try seconds { result = try Audit.run(data) }
            guard let result else { preconditionFailure("audit returned") }
            precondition(result.ok, "the audit found \(result.findingsTotal) findings: \(result.findings.prefix(3))")
            report("audit (chain + re-decision + invariants)", records, elapsed)
        case "replay-checkpoint":
            // Every million records, into a directory of the benchmark's own (made anew each run).
            let store = Checkpoints(directory + "-checkpoints")
            try? FileManager.default.removeItem(atPath: store.path)
            var made: Checkpoints.Made?
            let elapsed = try seconds { made = try store.make(data, every: ReplayLimits.checkpointEveryRecords) }
            report("checkpoint every 1,000,000 records (\(made?.made.count ?? 0) made)", records, elapsed)
        case "replay-asof-first", "replay-asof-checkpoint":
            // An instant late in the history: an hour before the last record's decision.
            let last = try data.environment.read { txn -> Instant in
                guard let entry = try txn.last("log") else { preconditionFailure("the benchmark's log is empty") }
                return try RecordCodec.decode(sequence: try entry.key.withUnsafeBytes { try LogKey.sequence($0) },
                                              value: entry.value).decidedAt
            }
            let instant = Instant(millisecondsSinceEpoch: last.millisecondsSinceEpoch - 3_600_000)
            let checkpoints = what == "replay-asof-checkpoint" ? Checkpoints(directory + "-checkpoints") : nil
            var folded: UInt64 = 0
            let elapsed = try seconds {
                let views = try AsOf.views(data, at: instant, checkpoints: checkpoints)
                folded = views.headSequence
                _ = try AsOf.capacity(views, office: offices[0].office, service: "fotosegnalamento",
                                      from: RomeTime.day(of: instant), to: RomeTime.day(of: instant).adding(days: 6))
            }
            let start = checkpoints?.nearest(decidedBy: instant)?.head.sequence ?? 0
            report("as-of late in the history, " + (checkpoints == nil ? "from the first record" : "from checkpoint \(start)"),
                   folded, elapsed)
        case "replay-report":
            // The whole log as one period: every record read, every figure computed.
            let (first, last) = try periodOfLog(data)
            var result: Report.Result?
            let elapsed = try seconds { result = try Report.run(data, Report.Options(from: first, to: last)) }
            guard let result else { preconditionFailure("report returned") }
            precondition(result.records == records, "the report read \(result.records) of \(records) records")
            let all = result.totals.last
            report("report (whole log, \(result.offices.count) offices)", records, elapsed)
            print("    report \(first)…\(last): \(all?.booked ?? 0) booked, \(all?.noShows ?? 0) no-shows, "
                  + "utilisation \(all?.utilisation.map { String(format: "%.1f%%", $0 * 100) } ?? "-")")
            print("    report total: \(String(format: "%.2f", elapsed)) s (target: under 10 s)")
        case "replay-whatif":
            // Every record after the first day decided again with more places per slot at one office.
            let (first, last) = try periodOfLog(data)
            let office = ProcessInfo.processInfo.environment["AGENDA_BENCH_WHATIF_OFFICE"].map { OfficeID($0) } ?? offices[0].office
            let more = ProcessInfo.processInfo.environment["AGENDA_BENCH_WHATIF_PLACES"].flatMap { Int($0) } ?? 10
            var result: WhatIf.Result?
            let elapsed = try seconds {
                result = try WhatIf.run(data, Report.Options(from: first.adding(days: 1), to: last),
                                        changes: [WhatIf.Change(office: office, service: nil, edits: [.capacityBy(more)])])
            }
            guard let result else { preconditionFailure("whatif returned") }
            report("whatif (\(office) +\(more) a slot, re-decided)", UInt64(result.redecided), elapsed)
            print("    whatif: \(result.redecided) records decided again (\(result.sameOutcome) with the recorded outcome, "
                  + "\(result.dropped) dropped); fold before the period \(String(format: "%.2f", result.foldSeconds)) s, "
                  + "decide and write \(String(format: "%.2f", result.decideSeconds)) s, "
                  + "both reports \(String(format: "%.2f", result.reportSeconds)) s")
        default:
            preconditionFailure("no replay measurement \(what)")
        }
    }

    /// The days of the log's first and last records.
    static func periodOfLog(_ data: DataDirectory) throws -> (Day, Day) {
        try data.environment.read { txn in
            guard let first = try txn.record(1), let last = try txn.last("log") else {
                preconditionFailure("the benchmark's log is empty")
            }
            let lastRecord = try RecordCodec.decode(sequence: try last.key.withUnsafeBytes { try LogKey.sequence($0) },
                                                    value: last.value)
            return (RomeTime.day(of: first.decidedAt), RomeTime.day(of: lastRecord.decidedAt))
        }
    }

    /// User and system CPU seconds of this process so far: on a machine others share, the wall
    /// clock says how busy it was; CPU time says what the work cost.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func report(_ what: String, _ records: UInt64, _ elapsed: Double) {
        let cpu = cpuSeconds()
        print("  \(what.padding(toLength: 44, withPad: " ", startingAt: 0)) \(grouped(Double(records))) records in "
              + "\(String(format: "%.2f", elapsed)) s: \(grouped(Double(records) / elapsed)) records/s "
              + "(CPU \(String(format: "%.2f", cpu)) s on both cores), peak memory \(grouped(peakMemoryMegabytes())) MB, "
              + "peak RssAnon \(grouped(anonymousPeak?.megabytes ?? 0)) MB")
    }

    /// Generates (or reuses) the log, then measures each step in a child process.
    /// `only`: one measurement (AGENDA_BENCH_REPLAY_STEP=replay-report, say) instead of all.
    static func runAll(only: String? = ProcessInfo.processInfo.environment["AGENDA_BENCH_REPLAY_STEP"]) throws {
        print("replay over a log of \(grouped(Double(recordsWanted))) records written by the engine (\(directory))")
        try generate()
        fflush(nil)  // the children print on the same stdout: ours first
        // report and whatif are measured over a simulated history instead (AnalystsBench.swift).
        for what in ["replay-scan", "replay-hash", "replay-fold", "replay-rebuild", "replay-audit", "replay-checkpoint",
                     "replay-asof-first", "replay-asof-checkpoint"]
        where only.map({ $0 == what }) ?? true {
            try child(what, [:])
        }
        print("  targets: rebuild ≥ 3,000,000 records/s, audit ≥ 1,000,000 records/s, RssAnon under 1 GB, "
              + "as-of under 1 s anywhere")
    }

    /// Runs one measurement in a fresh process of this program, so its peak memory is its own.
    static func child(_ what: String, _ extra: [String: String]) throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        var environment = ProcessInfo.processInfo.environment
        environment["AGENDA_BENCH_ONLY"] = what
        environment.merge(extra) { _, new in new }
        child.environment = environment
        try child.run()
        child.waitUntilExit()
        precondition(child.terminationStatus == 0, "\(what) failed")
    }
}

/// The generator's clock: a day further for each group of pratiche.
final class BenchClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Instant(romeDay: Day(year: 2008, month: 4, day: 14)!, time: LocalTime(hour: 8, minute: 0)!)
    var now: Instant {
        lock.lock()
        defer { lock.unlock() }
        return current
    }
    func advanceOneDay() {
        lock.lock()
        current = Instant(millisecondsSinceEpoch: current.millisecondsSinceEpoch + 86_400_000)
        lock.unlock()
    }
}
