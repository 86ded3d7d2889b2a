import ArgumentParser
import Engine

@main
struct AgendaNode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agenda-node",
        abstract: "Agenda's node: the operators' protocol server over a data directory, and its accounts.",
        discussion: """
            Without a subcommand it serves (see `agenda-node serve --help`). Any Redis client \
            speaks to it: redis-cli -p 7878. docs/protocol.md is the protocol reference.

            Examples:
              agenda-node --demo --data ./demo-data
              printf 's3cret\\n' | agenda-node user add sui.roma --role sui --office RM-S --data ./data
              agenda-node --data ./data --port 7878
              printf 's3cret\\n' | agenda-node import-applicants anagrafe.csv --user comune.asti --port 7878
            """,
        subcommands: [Serve.self, User.self, ImportAppointments.self, ImportApplicants.self, OutboxCommand.self],
        defaultSubcommand: Serve.self)
}

/// The data directory, shared by every subcommand.
struct DataOptions: ParsableArguments {
    @Option(help: "The data directory (created and seeded from the fixtures on first start).")
    var data: String = "data"

    @Option(help: "The fixtures directory a new data directory is seeded from (default: the project's, as built).")
    var fixtures: String = Fixtures.builtInDirectory
}
