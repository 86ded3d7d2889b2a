// The analysts' benchmark (issue 6): `replay simulate` writes a history of
// AGENDA_BENCH_SIM_RECORDS records (10 million unless set) from the questure-2008 scenario,
// scaled up, cached under .build/ so reruns reuse it; then `report` over the whole history
// and `whatif` with 20 more places per slot at the Questura di Roma, each in a child process.
import Events
import Foundation
import Replay

enum AnalystsBench {
    static var recordsWanted: UInt64 {
        ProcessInfo.processInfo.environment["AGENDA_BENCH_SIM_RECORDS"].flatMap { UInt64($0) } ?? 10_000_000
    }

    static var directory: String { ".build/agenda-bench-sim-\(recordsWanted)" }

    /// The scenario, its seed and its scale: the Questure of the 2008 pilot, fifty times over
    /// (arrivals and places per slot), run on past the pilot's end until the history is long enough.
    static let scenario = "questure-2008"
    static let seed: UInt64 = 1
    static let scale = 50

    static func simulate() throws {
        if let done = try? String(contentsOfFile: directory + "/complete", encoding: .utf8), UInt64(done) != nil {
            print("  simulate: reusing \(directory) (delete it to simulate again)")
            return
        }
        try? FileManager.default.removeItem(atPath: directory)
        let loaded = try Scenario.load(scenario)
        var lastPrinted = Date()
        let result = try Simulation.run(
            loaded, into: directory,
            options: Simulation.Options(seed: seed, scale: scale, recordsTarget: recordsWanted, fixtures: "fixtures")
        ) { progress in
            guard Date().timeIntervalSince(lastPrinted) >= 30 else { return }
            lastPrinted = Date()
            print("    … \(progress.day): \(grouped(Double(progress.records))) records, "
                  + "\(grouped(Double(progress.records) / max(progress.seconds, 0.001))) records/s")
            fflush(nil)
        }
        print("  simulate \(scenario) seed \(seed) scale \(scale): \(grouped(Double(result.records))) records, "
              + "\(result.firstDay)…\(result.lastDay), in \(String(format: "%.1f", result.seconds)) s: "
              + "\(grouped(Double(result.records) / result.seconds)) records/s; head \(result.head)")
        try String(result.records).write(toFile: directory + "/complete", atomically: true, encoding: .utf8)
    }

    static func runAll() throws {
        print("analysts over a simulated history of \(grouped(Double(recordsWanted))) records (\(directory))")
        fflush(nil)
        try simulate()
        fflush(nil)
        let here = ["AGENDA_BENCH_DIRECTORY": directory]
        try ReplayBench.child("replay-report", here)
        try ReplayBench.child("replay-whatif", here.merging(["AGENDA_BENCH_WHATIF_OFFICE": "RM-Q",
                                                             "AGENDA_BENCH_WHATIF_PLACES": "20"]) { $1 })
        print("  target: report over the 10-million-record history in under 10 s")
    }
}
