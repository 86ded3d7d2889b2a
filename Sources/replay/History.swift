import ArgumentParser
import Events
import Replay

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "A pratica's whole story: when, who, what, outcome.",
        discussion: """
            Every record about the pratica, from its registration on: bookings, their defers and \
            cancellations, the permit, the pickup, and every refusal, with the operator and body \
            that sent each and the Rome time it was decided.

            Examples:
              replay history --data ./data P-RM-2008-000123
              replay history --data ./data P-RM-2008-000123 --json | jq '.entries[].what'
            """)

    @OptionGroup var options: DataOptions

    @Argument(help: "The numero di pratica, e.g. P-RM-2008-000123.")
    var pratica: String

    @Flag(help: "Print the history as one JSON object (each entry with its full record).")
    var json = false

    func run() throws {
        let directory = try DataDirectory(options.data)
        defer { directory.close() }
        let bar = try ProgressBar.make("history", total: try directory.recordCount())
        let entries = try History.entries(directory, pratica: PraticaID(pratica), progress: bar?.report)
        bar?.finish()
        if json {
            printJSON(History.json(pratica: PraticaID(pratica), entries))
        } else {
            print(History.table(pratica: PraticaID(pratica), entries), terminator: "")
        }
        if entries.isEmpty { throw ExitCode(1) }
    }
}
