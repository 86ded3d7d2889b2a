import ArgumentParser
import Events
import Projections
import Replay

struct AsOfCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "as-of",
        abstract: "Show a view as it stood at a past instant.",
        discussion: """
            Folds the log up to the last record decided at or before --at and shows an office's \
            agenda for a day, or a service's capacity over a range of days, as they were then. \
            With checkpoints (`replay checkpoint`), the fold starts from the latest one made \
            before --at instead of the first record.

            Examples:
              replay as-of --data ./data --at 2008-06-01T12:00 agenda RM-Q 2008-06-03
              replay as-of --data ./data --at 2008-06-01T12:00 capacity RM-Q fotosegnalamento 2008-06-02 2008-06-13
            """,
        subcommands: [AsOfAgenda.self, AsOfCapacity.self])

    // Before the view's name, as the examples show; the views read them through @ParentCommand.
    @OptionGroup var options: AsOfOptions
}

/// The options both views take.
struct AsOfOptions: ParsableArguments {
    @OptionGroup var data: DataOptions
    @OptionGroup var checkpoints: CheckpointOptions

    @Option(help: ArgumentHelp("""
        The instant: YYYY-MM-DDTHH:MM[:SS] in Rome's wall-clock time, or with a trailing Z in UTC.
        """, valueName: "instant"))
    var at: String

    @Flag(help: "Print the view as one JSON object.")
    var json = false

    var instant: Instant {
        get throws {
            guard let instant = AsOf.instant(parsing: at) else {
                throw ValidationError("--at takes YYYY-MM-DDTHH:MM, e.g. 2008-06-01T12:00 (Rome time) or 2008-06-01T10:00Z")
            }
            return instant
        }
    }

    /// The views at `instant`, with a progress bar.
    func views() throws -> (views: Views, instant: Instant) {
        let instant = try self.instant
        let directory = try DataDirectory(data.data)
        defer { directory.close() }
        let bar = try ProgressBar.make("as-of", total: try directory.recordCount())
        let views = try AsOf.views(directory, at: instant, checkpoints: checkpoints.store(data: data.data),
                                     progress: bar?.report)
        bar?.finish()
        return (views, instant)
    }
}

func parseDay(_ text: String, _ what: String) throws -> Day {
    guard let day = Day(text) else { throw ValidationError("\(what) takes a date as YYYY-MM-DD, e.g. 2008-06-03") }
    return day
}
