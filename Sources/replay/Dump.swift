import ArgumentParser
import Events
import Replay

struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print records as JSON Lines, one per line, every field decoded.",
        discussion: """
            The same JSON as tools/verify_log.py --json (tools/README.md, docs/audit.md): ready \
            for jq. --office and --pratica select the records about them, including the defers \
            and cancellations that name only an appointment booked for them.

            Examples:
              replay dump --data ./data --from-seq 3300 --to-seq 3321
              replay dump --data ./data --pratica P-RM-2008-000123 | jq -c '{sequence, command: .command.type}'
            """)

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("The first record to print.", valueName: "n"))
    var fromSeq: UInt64 = 1

    @Option(help: ArgumentHelp("The last record to print.", valueName: "n"))
    var toSeq: UInt64 = .max

    @Option(help: ArgumentHelp("Only the records about this office (e.g. RM-Q).", valueName: "office"))
    var office: String?

    @Option(help: ArgumentHelp("Only the records about this pratica.", valueName: "pratica"))
    var pratica: String?

    func validate() throws {
        if fromSeq > toSeq { throw ValidationError("--from-seq must not be after --to-seq") }
    }

    func run() throws {
        let directory = try DataDirectory(options.data)
        defer { directory.close() }
        let bar = try ProgressBar.make("dump", total: try directory.recordCount())
        var output = Output()
        let selection = Dump.Options(fromSequence: fromSeq, toSequence: toSeq, office: office.map { OfficeID($0) },
                                     pratica: pratica.map { PraticaID($0) })
        try Dump.run(directory, selection, progress: bar?.report) { output.write($0) }
        output.flush()
        bar?.finish()
    }
}
