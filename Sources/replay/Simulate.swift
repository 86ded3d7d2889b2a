import ArgumentParser
import Events
import Foundation
import Replay

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Write a real log of a pilot period: the engine driven by synthetic applicants on a simulated clock.",
        discussion: """
            Opens a new data directory (refused unless it is new or empty), configures the \
            scenario's offices from fixtures/offices.json, creates the operators' and bodies' \
            accounts, and then, day by day, has applicants arrive at the SUI (numbers sized from \
            ISTAT's new residence permits per province, as the scenario cites), the SUI book their \
            fingerprinting at the Questura (a full day is deferred by the engine), applicants come \
            or miss it, the Questura mark permits ready after a processing delay, bodies book the \
            pickups, and permits be handed over; some cancel or ask for another day, and an office \
            closes a day now and then. Every command goes through the engine's writer as a node's \
            would, with the simulated instant as its time. The same scenario, seed and period give \
            the same log, byte for byte (`replay head` prints the same line).

            Scenarios are fixtures/scenarios/NAME.json (questure-2008, sui-roma-latina); their \
            README gives every figure's source. --scale multiplies arrivals and places per slot; \
            --records keeps simulating, past the period's end if need be, until the log holds that \
            many records (the benchmark's history).

            Examples:
              replay simulate --data /tmp/pilot-2008 --scenario questure-2008 --seed 1
              replay simulate --data /tmp/roma-latina --scenario sui-roma-latina --seed 7 --from 2010-02-01 --to 2010-02-28
              replay simulate --data /tmp/history --scenario questure-2008 --seed 1 --scale 50 --records 10000000
            """)

    @Option(help: ArgumentHelp("A new or empty directory for the simulated node's data.", valueName: "dir"))
    var data: String

    @Option(help: ArgumentHelp("The scenario: a name in fixtures/scenarios, or a path to a scenario file.", valueName: "name"))
    var scenario: String

    @Option(help: ArgumentHelp("Seeds every chance; the same seed gives the same log.", valueName: "n"))
    var seed: UInt64

    @Option(help: ArgumentHelp("First simulated day (default: the scenario's).", valueName: "yyyy-mm-dd"))
    var from: String?

    @Option(help: ArgumentHelp("Last simulated day (default: the scenario's).", valueName: "yyyy-mm-dd"))
    var to: String?

    @Option(help: ArgumentHelp("Multiply arrivals and places per slot by this whole number.", valueName: "k"))
    var scale: Int = 1

    @Option(help: ArgumentHelp("Simulate until the log holds at least this many records, past --to if need be.",
                               valueName: "n"))
    var records: UInt64?

    @Option(help: ArgumentHelp("The fixtures folder (offices.json and scenarios/).", valueName: "dir"))
    var fixtures: String = "fixtures"

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    func validate() throws {
        if let from, Day(from) == nil { throw ValidationError("--from takes a day as YYYY-MM-DD") }
        if let to, Day(to) == nil { throw ValidationError("--to takes a day as YYYY-MM-DD") }
        if !(1...1_000).contains(scale) { throw ValidationError("--scale takes a whole number from 1 to 1000") }
        if let records, records == 0 { throw ValidationError("--records takes a positive number") }
    }

    func run() throws {
        let loaded = try Scenario.load(scenario, fixtures: fixtures)
        let options = Simulation.Options(seed: seed, from: from.flatMap { Day($0) }, to: to.flatMap { Day($0) },
                                         scale: scale, recordsTarget: records, fixtures: fixtures)
        let terminal = isatty(2) != 0
        var lastShown = 0.0
        let report: Simulation.Report
        do {
            report = try Simulation.run(loaded, into: data, options: options) { progress in
                guard terminal, progress.seconds - lastShown >= 0.5 else { return }
                lastShown = progress.seconds
                let rate = progress.seconds > 0 ? Int(Double(progress.records) / progress.seconds) : 0
                let target = records.map { " of \($0)" } ?? ""
                FileHandle.standardError.write(Data(
                    "\rsimulate \(progress.day): \(progress.records)\(target) records, \(rate) records/s   ".utf8))
            }
        } catch {
            if terminal && lastShown > 0 { FileHandle.standardError.write(Data("\n".utf8)) }
            throw error
        }
        if terminal && lastShown > 0 {
            FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: 90) + "\r").utf8))
        }
        if json {
            printJSON(report.json)
        } else {
            print("scenario \(loaded.name), seed \(seed), data \(data)")
            for line in report.lines { print(line) }
        }
        if let records, report.records < records {
            FileHandle.standardError.write(Data(
                "simulate: stopped at \(report.lastDay), the fixtures' last calendar day, with \(report.records) of \(records) records; raise --scale\n".utf8))
            throw ExitCode(1)
        }
    }
}
