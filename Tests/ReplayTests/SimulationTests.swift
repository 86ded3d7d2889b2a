import Engine
import Events
import Foundation
import Replay
import Testing

/// The package's fixtures, found from this file: Tests/ReplayTests/ → the package root.
let fixturesPath: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures").path

/// The first four weeks of the 2008 pilot: Liberation Day and Labour Day inside, and Milano's
/// announced outage on 16 May.
func simulatePilot(_ seed: UInt64, _ name: String = #function, scenario: String = "questure-2008",
                   from: Day = Day(year: 2008, month: 4, day: 21)!, to: Day = Day(year: 2008, month: 5, day: 16)!)
    throws -> (directory: String, report: Simulation.Report) {
    let directory = temporaryDirectory(name + "-\(seed)")
    let loaded = try Scenario.load(scenario, fixtures: fixturesPath)
    let report = try Simulation.run(loaded, into: directory,
                                    options: .init(seed: seed, from: from, to: to, fixtures: fixturesPath))
    return (directory, report)
}

/// Every stored log entry, key and value, in order: what "byte for byte" compares.
func logBytes(_ directory: String) throws -> [[UInt8]] {
    let data = try DataDirectory(directory)
    defer { data.close() }
    var entries: [[UInt8]] = []
    try data.environment.read { txn in
        try txn.scan("log") { key, value in
            entries.append(Array(key) + Array(value))
            return true
        }
    }
    return entries
}

@Suite("replay simulate: a pilot period written by the real engine on a simulated clock")
struct SimulationTests {
    @Test("two simulations with the same seed write the same log, byte for byte; another seed writes another")
    func sameSeedSameLog() throws {
        let first = try simulatePilot(2008)
        let second = try simulatePilot(2008)
        let other = try simulatePilot(2009)
        defer { [first.directory, second.directory, other.directory].forEach(removeDirectory) }
        #expect(first.report.records > 1_000)
        #expect(try head(first.directory) == head(second.directory))
        let firstLog = try logBytes(first.directory)
        #expect(firstLog == (try logBytes(second.directory)))
        #expect(firstLog.count == Int(first.report.records))
        #expect(try head(first.directory) != head(other.directory))
        #expect(firstLog != (try logBytes(other.directory)))
    }

    @Test("the simulated log passes the audit, and its rebuild equals the stored views")
    func auditAndRebuild() throws {
        let run = try simulatePilot(1)
        defer { removeDirectory(run.directory) }
        let audited = try audit(run.directory)
        #expect(audited.ok, "\(audited.findings.prefix(5))")
        #expect(audited.records == run.report.records)
        let data = try DataDirectory(run.directory)
        defer { data.close() }
        let rebuilt = try Rebuild.run(data)
        #expect(rebuilt.equal, "\(rebuilt.databases.filter { !$0.equal })")
        #expect(Checkpoint(sequence: run.report.head.sequence, hash: run.report.head.hash) == (try data.head()))
    }

    @Test("the pilot's figures are plausible: full days deferred, no-shows, cancellations, a closure, permits handed over")
    func plausibleFigures() throws {
        let run = try simulatePilot(3)
        defer { removeDirectory(run.directory) }
        let report = run.report
        let fingerprinting = AppointmentKind.fingerprinting
        // About 226 applicants a working day over four pilot provinces, 18 working days.
        #expect((2_500...6_000).contains(report.applicants), "\(report.applicants) applicants")
        #expect(report.booked[fingerprinting.rawValue] >= report.applicants * 9 / 10)
        #expect(report.autoDeferred[fingerprinting.rawValue] > 0)
        let due = report.attended[fingerprinting.rawValue] + report.noShows[fingerprinting.rawValue]
        #expect(due > 1_000)
        // 8% no-shows: well inside 4–13% over a thousand appointments.
        let noShowRate = Double(report.noShows[fingerprinting.rawValue]) / Double(due)
        #expect((0.04...0.13).contains(noShowRate), "no-show rate \(noShowRate)")
        #expect(report.cancelled > 0)
        #expect(report.deferredOnRequest > 0)
        #expect(report.closures >= 1)
        #expect(report.movedByClosure > 0)
        #expect(report.permitsReady > 0)
        #expect(report.pickups > 0)
        // Records carry the simulated instants, all inside the period (the set-up the day before).
        let records = try recordsOf(run.directory)
        let first = Instant(romeDay: Day(year: 2008, month: 4, day: 20)!, time: LocalTime(hour: 0, minute: 0)!)
        let last = Instant(romeDay: Day(year: 2008, month: 5, day: 17)!, time: LocalTime(hour: 0, minute: 0)!)
        #expect(records.allSatisfy { $0.decidedAt >= first && $0.decidedAt < last })
        #expect(zip(records, records.dropFirst()).allSatisfy { $0.decidedAt <= $1.decidedAt })
        // Bodies booked the pickups; SUI operators the fingerprinting.
        let actors = Set(records.compactMap { record -> String? in
            guard case .book(let request) = record.command else { return nil }
            return "\(request.service) \(record.actor.body)"
        })
        #expect(actors.contains("fotosegnalamento RM-S"))
        #expect(actors.contains { $0.hasPrefix("consegna-permesso comune-") || $0.hasPrefix("consegna-permesso patronato-") })
    }

    @Test("the Roma–Latina pilot books the SUI's own agenda first, then the fingerprinting, and audits clean")
    func suiPilot() throws {
        let run = try simulatePilot(11, scenario: "sui-roma-latina", from: Day(year: 2010, month: 2, day: 1)!,
                                    to: Day(year: 2010, month: 3, day: 12)!)
        defer { removeDirectory(run.directory) }
        let report = run.report
        #expect(report.booked[AppointmentKind.suiDocuments.rawValue] > 1_000)
        #expect(report.attended[AppointmentKind.suiDocuments.rawValue] > 500)
        #expect(report.booked[AppointmentKind.suiContract.rawValue] > 100)
        #expect(report.booked[AppointmentKind.fingerprinting.rawValue] > 50)
        #expect(report.closures >= 1)
        let audited = try audit(run.directory)
        #expect(audited.ok, "\(audited.findings.prefix(5))")
    }

    @Test("--records keeps simulating past the period's end until the log holds that many, and --scale multiplies arrivals")
    func recordsTargetAndScale() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let loaded = try Scenario.load("questure-2008", fixtures: fixturesPath)
        let day = Day(year: 2008, month: 4, day: 21)!
        let report = try Simulation.run(loaded, into: directory,
                                        options: .init(seed: 5, from: day, to: day, scale: 3, recordsTarget: 4_000,
                                                       fixtures: fixturesPath))
        #expect(report.records >= 4_000)
        #expect(report.lastDay > day)
        #expect(try head(directory).sequence == report.records)
        // About 226 applicants a working day at scale 1; three times that here.
        let workingDays = Double(report.lastDay.days(since: day) + 1) * 5 / 7
        #expect(Double(report.applicants) / workingDays > 400)
    }

    @Test("a directory that holds anything is refused with a sentence that says what to do, and left as it was")
    func refusesNonEmptyDirectory() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: directory + "/notes.txt"))
        let loaded = try Scenario.load("questure-2008", fixtures: fixturesPath)
        #expect(throws: SimulationError.notEmpty(directory)) {
            try Simulation.run(loaded, into: directory, options: .init(seed: 1, fixtures: fixturesPath))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["notes.txt"])
        #expect(SimulationError.notEmpty(directory).description.contains("new or empty directory"))
    }

    @Test("an unknown scenario names the ones there are")
    func unknownScenario() throws {
        let error = #expect(throws: ScenarioError.self) { try Scenario.load("questure-1999", fixtures: fixturesPath) }
        #expect(error?.description.contains("questure-2008") == true)
        #expect(error?.description.contains("sui-roma-latina") == true)
    }

    @Test("the generator draws the same numbers from the same seed, and other numbers from another")
    func generator() {
        var a = SimulationRandom(seed: 42)
        var b = SimulationRandom(seed: 42)
        var c = SimulationRandom(seed: 43)
        let drawsA = (0..<8).map { _ in a.next() }
        #expect(drawsA == (0..<8).map { _ in b.next() })
        #expect(drawsA != (0..<8).map { _ in c.next() })
        // Poisson means come out near their parameter, for both methods.
        for mean in [3.0, 90.0] {
            let draws = (0..<4_000).map { _ in a.poisson(mean) }
            let average = Double(draws.reduce(0, +)) / Double(draws.count)
            #expect(abs(average - mean) < mean * 0.05 + 0.2, "mean \(mean): \(average)")
        }
        // Log-normal delays: about half under the median, about nine in ten under the p90.
        let delay = DelayDays(median: 60, p90: 150)
        let days = (0..<4_000).map { _ in a.days(delay) }
        let underMedian = Double(days.filter { $0 < 60 }.count) / 4_000
        let underP90 = Double(days.filter { $0 <= 150 }.count) / 4_000
        #expect((0.44...0.54).contains(underMedian), "\(underMedian)")
        #expect((0.86...0.94).contains(underP90), "\(underP90)")
    }
}
