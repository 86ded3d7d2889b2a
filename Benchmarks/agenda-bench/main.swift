// `make bench`: prints numbers, asserts no timing. Compare the ratios within one run: the
// machine is shared and noisy, so absolute figures move between runs.
import CLMDB
import Engine
import Events
import Foundation

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func scratch(_ name: String) -> String {
    let path = NSTemporaryDirectory() + "agenda-bench-\(name)-\(getpid())"
    try? FileManager.default.removeItem(atPath: path)
    return path
}

func grouped(_ value: Double) -> String {
    let digits = String(Int(value.rounded()))
    var result = ""
    for (index, character) in digits.reversed().enumerated() {
        if index > 0 && index % 3 == 0 { result.append(",") }
        result.append(character)
    }
    return String(result.reversed())
}

func check(_ code: Int32, _ what: String) {
    precondition(code == 0, "\(what): \(String(cString: mdb_strerror(code)))")
}

/// The floor: durable LMDB appends of 200-byte records, `batch` per commit.
func rawAppend(records: Int, batch: Int) -> Double {
    let directory = scratch("raw-\(batch)")
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var env: OpaquePointer?
    check(mdb_env_create(&env), "env_create")
    check(mdb_env_set_maxdbs(env, 4), "maxdbs")
    check(mdb_env_set_mapsize(env, 4 << 30), "mapsize")
    check(mdb_env_open(env, directory, UInt32(MDB_NOTLS), 0o644), "open")
    defer { mdb_env_close(env) }
    var dbi = MDB_dbi()
    var txn: OpaquePointer?
    check(mdb_txn_begin(env, nil, 0, &txn), "begin")
    check(mdb_dbi_open(txn, "log", UInt32(MDB_CREATE), &dbi), "dbi")
    check(mdb_txn_commit(txn), "commit")
    var payload = [UInt8](repeating: 0x5a, count: 200)
    var sequence: UInt64 = 0
    return seconds {
        var written = 0
        while written < records {
            check(mdb_txn_begin(env, nil, 0, &txn), "begin")
            for _ in 0..<min(batch, records - written) {
                sequence += 1
                var key = sequence.bigEndian
                withUnsafeMutableBytes(of: &key) { keyBytes in
                    payload.withUnsafeMutableBytes { valueBytes in
                        var keyValue = MDB_val(mv_size: 8, mv_data: keyBytes.baseAddress)
                        var value = MDB_val(mv_size: 200, mv_data: valueBytes.baseAddress)
                        check(mdb_put(txn, dbi, &keyValue, &value, UInt32(MDB_APPEND)), "put")
                    }
                }
                written += 1
            }
            check(mdb_txn_commit(txn), "commit")
        }
    }
}

// Monday 2008-04-14 08:00 in Rome.
let now = Instant(romeDay: Day(year: 2008, month: 4, day: 14)!, time: LocalTime(hour: 8, minute: 0)!)
let openAllDay = Array(repeating: [OpeningInterval(start: LocalTime(hour: 8, minute: 0)!,
                                                   end: LocalTime(hour: 18, minute: 0)!)], count: 7)
/// A large Questura: 40 slots a day, 1,000 places each, so a booking rarely scans past a full day.
let office = OfficeConfiguration(
    office: "BN-Q", kind: .questura, name: "Questura di prova", horizonDays: 365, leadDays: 0,
    services: [ServiceConfiguration(id: "fotosegnalamento", name: "Fotosegnalamento", slotLengthMinutes: 15,
                                    capacityPerSlot: 1_000, requiresReadyPermit: false, weekly: openAllDay)],
    closedDays: [])
let operatorActor = Actor(operator: "sui.bench", body: "BN-S")

/// Bytes this process has caused to be written to storage (`write_bytes` of /proc/self/io):
/// divided by the commits, the pages a commit writes, the cost that sets a durable commit's pace.
func storageBytesWritten() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("write_bytes:") {
        return Int(line.dropFirst("write_bytes:".count).trimmingCharacters(in: .whitespaces)) ?? 0
    }
    return 0
}

struct EngineRun {
    let commands: Int
    let seconds: Double
    let batches: Int
    let decideSeconds: Double
    let commitSeconds: Double
    let bytesWritten: Int
    /// Times the writer dropped what it held and loaded its working set (moving the history tail).
    var workingSetLoads = 0
    var perSecond: Double { Double(commands) / seconds }
}

/// `count` book commands through the single writer with durable commits, the queue kept full.
func engineBooks(count: Int, batch: Int) throws -> EngineRun {
    let directory = scratch("engine-\(batch)")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store = try Store(directory: directory, clock: { now }, mapBytes: 4 << 30, batchCommandsMax: batch)
    defer { store.close() }
    let pratiche = (0..<count).map { PraticaID("P-BN-\($0)") }
    _ = try store.executeAll(
        [.configureOffice(office)] + pratiche.enumerated().map { index, pratica in
            .registerPratica(Applicant(pratica: pratica, visto: "V\(index)", surname: "Rossi", name: "Mario",
                                       birthDate: Day(year: 1980, month: 1, day: 1)!, nationality: "ALB", office: "BN-S"))
        },
        actor: .system)
    let commands = pratiche.map { Command.book(BookRequest(office: "BN-Q", service: "fotosegnalamento", pratica: $0)) }
    let before = store.statistics
    let bytesBefore = storageBytesWritten()
    var decisions: [Decision] = []
    let elapsed = try seconds {
        decisions = try store.executeAll(commands, actor: operatorActor)
    }
    let after = store.statistics
    let booked = decisions.filter { if case .accepted = $0.record.outcome { true } else { false } }.count
    precondition(booked == count, "only \(booked) of \(count) bookings were accepted")
    return EngineRun(commands: count, seconds: elapsed, batches: after.batches - before.batches,
                     decideSeconds: Double(after.decideNanoseconds - before.decideNanoseconds) / 1e9,
                     commitSeconds: Double(after.commitNanoseconds - before.commitNanoseconds) / 1e9,
                     bytesWritten: storageBytesWritten() - bytesBefore,
                     workingSetLoads: after.workingSetLoads - before.workingSetLoads)
}

// AGENDA_BENCH_ONLY=engine runs only the engine at batch 1,024 (for a profiler); =replay only
// the replay benchmark (ReplayBench.swift); =replay-<step> one of its steps, in this process;
// =analysts only simulate, report and whatif (AnalystsBench.swift); =writer the raw append and
// the writer only; =instructions the book loop scripts/bench-instructions.sh counts.
let only = ProcessInfo.processInfo.environment["AGENDA_BENCH_ONLY"] ?? ""
if only == "replay" {
    try ReplayBench.runAll()
    exit(0)
}
if only == "proofs" {
    try ProofBench.runAll()
    exit(0)
}
if only == "analysts" {
    try AnalystsBench.runAll()
    exit(0)
}
if only.hasPrefix("replay-") {
    try ReplayBench.measure(only)
    exit(0)
}
if ProcessInfo.processInfo.environment["AGENDA_BENCH_ONLY"] == "breakdown" {
    let (decide, seal, fold) = inMemoryBreakdown(count: 400_000)
    print(String(format: "per book: decide %.2f µs, seal %.2f µs, fold %.2f µs", decide, seal, fold))
    exit(0)
}
if only == "instructions" {
    instructionsRun(count: ProcessInfo.processInfo.environment["AGENDA_BENCH_BOOKS"].flatMap { Int($0) } ?? 20_000)
    exit(0)
}
if ProcessInfo.processInfo.environment["AGENDA_BENCH_ONLY"] == "engine" {
    let batch = ProcessInfo.processInfo.environment["AGENDA_BENCH_BATCH"].flatMap { Int($0) } ?? 1_024
    let run = try engineBooks(count: batch == 1_024 ? 400_000 : 64_000, batch: batch)
    print("\(grouped(run.perSecond)) books/s; deciding \(String(format: "%.2f", run.decideSeconds)) s, "
          + "committing \(String(format: "%.2f", run.commitSeconds)) s")
    exit(0)
}

print("Agenda benchmarks — \(ProcessInfo.processInfo.activeProcessorCount) cores; durable commits (fsync) throughout.")
print("")
print("raw LMDB append, 200-byte records, one commit per batch")
var rawRates: [Int: Double] = [:]
for (batch, records) in [(1, 3_000), (64, 64_000), (1_024, 1_024_000)] {
    let bytesBefore = storageBytesWritten()
    let elapsed = rawAppend(records: records, batch: batch)
    let pages = Double(storageBytesWritten() - bytesBefore) / Double(records / batch) / 4_096
    rawRates[batch] = Double(records) / elapsed
    print("  batch \(String(batch).padding(toLength: 5, withPad: " ", startingAt: 0)) \(grouped(Double(records))) records "
          + "in \(String(format: "%.2f", elapsed)) s: \(grouped(Double(records) / elapsed)) records/s, "
          + "\(grouped(Double(records / batch) / elapsed)) commits/s, \(String(format: "%.1f", pages)) pages a commit")
}
print("")
print("engine writer: book decided, sealed into the chain, log + views written, one commit per batch")
for (batch, count) in [(1, 3_000), (64, 64_000), (1_024, 400_000)] {
    let run = try engineBooks(count: count, batch: batch)
    let ratio = run.perSecond / (rawRates[batch] ?? 1)
    print("  batch \(String(batch).padding(toLength: 5, withPad: " ", startingAt: 0)) \(grouped(Double(run.commands))) books "
          + "in \(String(format: "%.2f", run.seconds)) s: \(grouped(run.perSecond)) books/s "
          + "(\(run.batches) commits, \(String(format: "%.1f", Double(run.commands) / Double(max(run.batches, 1)))) per commit); "
          + "ratio to raw append at the same batch: \(String(format: "%.3f", ratio))")
    print("        writer time: deciding \(String(format: "%.2f", run.decideSeconds)) s "
          + "(\(String(format: "%.2f", run.decideSeconds * 1e6 / Double(run.commands))) µs a book), "
          + "from decided to durable \(String(format: "%.2f", run.commitSeconds)) s (overlaps the next batch's deciding)")
    print("        written to storage: \(grouped(Double(run.bytesWritten) / Double(max(run.batches, 1)) / 4_096)) pages "
          + "of 4 KiB a commit, \(grouped(Double(run.bytesWritten) / Double(run.commands))) bytes a book; "
          + "working set loaded anew \(run.workingSetLoads) times (each moves the history tail into history)")
}
print("")
print("target: at least 200,000 books/s at batch 1,024, and at least 0.5 of raw append at batch 1,024")
print("")
// AGENDA_BENCH_ONLY=writer: the raw append and the writer only.
if only == "writer" { exit(0) }
try ProofBench.runAll()
print("")
try ReplayBench.runAll()
print("")
try AnalystsBench.runAll()
