import ArgumentParser
import Events
import Foundation
import Replay

struct WhatIfCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whatif",
        abstract: "Decide a period's recorded demand again under a changed calendar; report both side by side.",
        discussion: """
            The data directory is only read. The log up to --from is copied into a scratch data \
            directory; the changes are decided there as configure-office records at the start of \
            --from (an appointment already booked that the new calendar has no place for, in a \
            slot over its new capacity or on a day now closed, is first moved forward to the first \
            place the new calendar has free, the last booked first, by a defer the engine decides); \
            then every recorded command of the period is decided again, in order, with its \
            recorded time, operator and request id, by the real engine. Appointment ids are mapped \
            by the booking record that made them; a command about an appointment the what-if never \
            made is dropped and counted. A recorded attend, no-show or pickup at an appointment \
            the what-if seats on a later day waits for that day: the applicant behaves as \
            recorded. Without --set, the run must reproduce every recorded \
            outcome (a check of the replay itself). The state before --from is folded from the \
            nearest checkpoint (`replay checkpoint`), if any, unless --keep is given.

            --set 'OFFICE SERVICE key=value ...', SERVICE or * for all of the office's services:
              capacity=+20 | capacity=-5 | capacity=30   places per slot
              slot=15                                    slot length in minutes
              closed=2008-05-02                          one more closed day

            Writes into --out: recorded/ and whatif/ (each as `replay report` writes), \
            compare.csv and compare.json (each figure side by side), and whatif.html.

            Examples:
              replay whatif --data ./data --from 2008-04-14 --to 2008-07-31 \\
                --set 'RM-Q fotosegnalamento capacity=+20' --out ./whatif
              replay whatif --data ./data --from 2008-04-14 --to 2008-04-27 \\
                --set 'RM-Q * capacity=30 slot=20' --set 'LT-Q * closed=2008-04-21' --out ./w
              replay whatif --data ./data --from 2008-04-14 --to 2008-04-27 --out ./control
            """)

    @OptionGroup var options: DataOptions
    @OptionGroup var checkpoints: CheckpointOptions

    @Option(help: ArgumentHelp("The period's first day (YYYY-MM-DD).", valueName: "date"))
    var from: String

    @Option(help: ArgumentHelp("The period's last day (YYYY-MM-DD), included.", valueName: "date"))
    var to: String

    @Option(name: .customLong("set"), help: ArgumentHelp("A change: 'OFFICE SERVICE capacity=+20' (repeatable).",
                                                        valueName: "change"))
    var sets: [String] = []

    @Option(name: .customLong("office"), help: ArgumentHelp("Only this office's rows (repeatable).", valueName: "id"))
    var offices: [String] = []

    @Option(help: ArgumentHelp("The directory to write the files into (created if need be).", valueName: "dir"))
    var out: String

    @Option(help: ArgumentHelp("Keep the scratch data directory here (a new directory); by default it is removed.",
                               valueName: "dir"))
    var keep: String?

    func run() throws {
        let changes: [WhatIf.Change]
        do {
            changes = try sets.map { try WhatIf.Change(parsing: $0) }
        } catch let error as ReplayError {
            throw ValidationError(error.description)
        }
        let options = Report.Options(from: try parseDay(from, "--from"), to: try parseDay(to, "--to"),
                                     offices: offices.map { OfficeID($0) })
        guard options.from <= options.to else { throw ValidationError("--from \(from) is after --to \(to)") }
        if let keep, FileManager.default.fileExists(atPath: keep + "/data.mdb") {
            throw ValidationError("--keep \(keep) already holds a data directory; give a new or empty one")
        }
        let directory = try DataDirectory(self.options.data)
        defer { directory.close() }
        let result = try WhatIf.run(directory, options, changes: changes, keep: keep,
                                      checkpoints: checkpoints.store(data: self.options.data))
        let paths = try result.write(to: out, changes: sets)
        print("decided again: \(result.redecided) records, \(result.sameOutcome) with the recorded outcome, "
              + "\(result.dropped) dropped, in \(String(format: "%.2f", result.seconds)) s "
              + "(\(Int(result.recordsPerSecond)) records/s: state before the period \(String(format: "%.2f", result.foldSeconds)) s, "
              + "deciding and writing \(String(format: "%.2f", result.decideSeconds)) s, "
              + "both reports \(String(format: "%.2f", result.reportSeconds)) s\(peakMemory()))")
        if result.held > 0 {
            print("held: \(result.held) attendance marks wait for appointments the what-if seats after the days "
                  + "observed, and were not decided")
        }
        if result.displaced > 0 {
            print("moved before the change: \(result.displaced) appointments booked before --from that the new "
                  + "calendar had no place for")
        }
        print("recorded:")
        printTotals(result.recorded)
        print("what-if (\(sets.isEmpty ? "no change" : sets.joined(separator: "; "))):")
        printTotals(result.whatIf)
        if let scratch = result.scratch { print("kept the what-if's data directory at \(scratch)") }
        print("wrote \(out)/whatif.html, compare.csv, compare.json, recorded/ and whatif/ (\(paths.count) files)")
    }
}
