import ArgumentParser
import Foundation
import Replay

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Keep snapshots of the folded views every N records, for as-of, whatif and audit --from.",
        discussion: """
            Folds the log and writes the views as they stood after every multiple of --every \
            records into a directory of their own (by default DIR/checkpoints, beside the log and \
            never in it), one subdirectory per checkpoint, named by its record's sequence. Run it \
            again as the log grows: it continues from the latest checkpoint. Each checkpoint is \
            bound to its record's hash: one that does not match the log (made from another log, \
            or before the log was rewritten) is refused by every command that would use it.

            as-of, whatif and audit --from then start from the nearest checkpoint instead of the \
            first record (--no-checkpoints makes them fold from the first). Checkpoints are \
            derived: removing the directory loses nothing. Each holds the views of the whole \
            history up to it, about as large as the node's own views then.

            Examples:
              replay checkpoint --data ./data
              replay checkpoint --data ./data --every 100000 --checkpoints /srv/agenda-checkpoints
            """)

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("Records between two checkpoints.", valueName: "n"))
    var every: UInt64 = ReplayLimits.checkpointEveryRecords

    @Option(help: ArgumentHelp("Where the checkpoints go (default: DIR/checkpoints).", valueName: "dir"))
    var checkpoints: String?

    @Flag(help: "List the checkpoints present instead of making any.")
    var list = false

    @Flag(help: "Print what was made (or, with --list, what is there) as one JSON object.")
    var json = false

    func validate() throws {
        guard every > 0 else { throw ValidationError("--every takes a number of records, at least 1") }
    }

    func run() throws {
        let directory = try DataDirectory(options.data)
        defer { directory.close() }
        let store = Checkpoints(checkpoints ?? Checkpoints.defaultPath(forData: options.data))
        if list {
            let entries = store.list()
            if json {
                printJSON(.object([("checkpoints", .array(entries.map(Checkpoints.json)))]))
            } else if entries.isEmpty {
                print("no checkpoints in \(store.path)")
            } else {
                for entry in entries {
                    let verdict = (try? Checkpoints.check(entry, against: directory)) == nil ? "DOES NOT MATCH THE LOG" : "ok"
                    print("\(entry.head)  latest decision \(RecordText.romeTime(entry.latestDecision))  \(verdict)")
                }
            }
            return
        }
        let bar = try ProgressBar.make("checkpoint", total: try directory.recordCount())
        let made = try store.make(directory, every: every, progress: bar?.report)
        bar?.finish()
        if json {
            printJSON(made.json)
            return
        }
        for entry in made.made { print("checkpoint \(entry.head) in \(entry.path)") }
        let from = made.startedFrom.map { "from checkpoint \($0.sequence)" } ?? "from the first record"
        if made.made.isEmpty {
            print("no checkpoint due: the log's \(try directory.recordCount()) records reach no new multiple of \(every) "
                  + "(\(store.list().count) checkpoints in \(store.path))")
        } else {
            print("\(made.made.count) checkpoints made \(from): \(made.records) records folded in "
                  + "\(String(format: "%.2f", made.seconds)) s (\(Int(made.recordsPerSecond)) records/s\(peakMemory()))")
        }
    }
}

/// Where the commands that can start from a checkpoint find them.
struct CheckpointOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Start from the nearest checkpoint in this directory (default: DIR/checkpoints, if any).",
                               valueName: "dir"))
    var checkpoints: String?

    @Flag(help: "Fold from the first record, even where a checkpoint would do.")
    var noCheckpoints = false

    func store(data: String) -> Checkpoints? {
        noCheckpoints ? nil : Checkpoints(checkpoints ?? Checkpoints.defaultPath(forData: data))
    }
}
