import ArgumentParser

@main
struct ReplayTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Reads an Agenda data directory's log: proves it, refolds it, and shows any past instant.",
        discussion: """
            Every subcommand but simulate opens the directory read-only, in LMDB read transactions, \
            so it runs beside a live agenda-node without blocking it; simulate writes a new one, \
            and checkpoint writes its snapshots beside the log (DIR/checkpoints). \
            docs/audit.md is the auditor's guide, docs/analysts.md the analyst's.
            """,
        subcommands: [HeadCommand.self, AuditCommand.self, RebuildCommand.self, DumpCommand.self, HistoryCommand.self,
                      AsOfCommand.self, CheckpointCommand.self, DayListCommand.self, SimulateCommand.self, ReportCommand.self, WhatIfCommand.self,
                      ProofCommand.self, VerifyProofCommand.self, ExportCommand.self, VerifyExportCommand.self])
}

/// The options every subcommand shares.
struct DataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The data directory (agenda-node --data).", valueName: "dir"))
    var data: String = "data"
}
