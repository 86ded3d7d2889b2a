import ArgumentParser
import Foundation
import Replay

struct RebuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Fold the log into fresh views and compare them, byte for byte, with the stored ones.",
        discussion: """
            Reads the log from its first record, folds it into new views, and compares every \
            entry of every view database with what the node stored. Exits 1 when they differ. \
            With --into, also writes the log and the rebuilt views as a new data directory there \
            (a node opens it like any other): the repair for damaged views.

            Examples:
              replay rebuild --data ./data
              replay rebuild --data ./data --into ./data-rebuilt --json
            """)

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("Also write the log and the rebuilt views as a new data directory here.",
                               valueName: "dir"))
    var into: String?

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    func run() throws {
        let directory = try DataDirectory(options.data)
        defer { directory.close() }
        let bar = try ProgressBar.make("rebuild", total: try directory.recordCount())
        let report = try Rebuild.run(directory, into: into, progress: bar?.report)
        bar?.finish()
        if json {
            printJSON(report.json)
        } else {
            for comparison in report.databases {
                let verdict = comparison.equal ? "equal" : "DIFFERS (\(comparison.differing) entries)"
                print("\(comparison.database.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)) "
                      + "stored \(comparison.stored), rebuilt \(comparison.rebuilt): \(verdict)")
                for example in comparison.examples { print("    \(example)") }
            }
            print((report.equal ? "the stored views equal the fold of the log, byte for byte" : "the stored views DIFFER from the fold of the log")
                  + ": \(report.records) records folded in \(String(format: "%.2f", report.foldSeconds)) s "
                  + "(\(Int(report.recordsPerSecond)) records/s), compared in \(String(format: "%.2f", report.compareSeconds)) s\(peakMemory())")
            if let into = report.into { print("wrote the log and the rebuilt views to \(into)") }
        }
        if !report.equal { throw ExitCode(1) }
    }
}
