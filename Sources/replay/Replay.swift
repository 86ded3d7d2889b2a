import ArgumentParser

@main
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Reads an Agenda data directory's log: its head, for publishing and later checks.",
        subcommands: [Head.self])
}
