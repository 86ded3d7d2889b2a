import ArgumentParser
import Replay

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Prove the log: its chain, every outcome re-decided, the invariants, a published head.",
        discussion: """
            Verifies the hash chain from the first record (or from a trusted checkpoint, --from); \
            re-decides every command against the state just before it, under the configuration \
            then in force, and checks the recorded outcome is exactly the re-decided one; checks \
            that no slot was over capacity, no pickup came before a ready permit, every deferral \
            landed on an open day with room, and no request id was logged twice. Exits 1 on any \
            finding, listing each with its sequence number and what differs.

            With --from SEQ:HASH, records up to SEQ are folded to rebuild the state but neither \
            chain-checked nor re-decided (an earlier audit vouched for them); record SEQ must \
            still hash to HASH, and everything after it is checked in full.

            Examples:
              replay audit --data ./data
              replay audit --data ./data --expect-head 3321:3ecb69258b13…
              replay audit --data ./data --from 3000:9f2c… --json
            """)

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("Check the chain from this trusted checkpoint (a line `replay head` printed).",
                               valueName: "seq:hash"))
    var from: String?

    @Option(help: ArgumentHelp("A head published earlier: that record must still be in the log with that hash.",
                               valueName: "seq:hash"))
    var expectHead: String?

    @Flag(help: "Print the summary and findings as one JSON object.")
    var json = false

    func validate() throws {
        if let from, Checkpoint(from) == nil { throw ValidationError("--from takes SEQ:HASH as `replay head` prints it") }
        if let expectHead, Checkpoint(expectHead) == nil {
            throw ValidationError("--expect-head takes SEQ:HASH as `replay head` prints it")
        }
    }

    func run() throws {
        let directory = try DataDirectory(options.data)
        defer { directory.close() }
        let bar = try ProgressBar.make("audit", total: try directory.recordCount())
        let report = try Audit.run(directory, options: .init(from: from.flatMap(Checkpoint.init),
                                                                     expectHead: expectHead.flatMap(Checkpoint.init)),
                                          progress: bar?.report)
        bar?.finish()
        if json {
            printJSON(report.json)
        } else {
            for finding in report.findings { print(finding) }
            if report.findingsTotal > report.findings.count {
                print("… and \(report.findingsTotal - report.findings.count) more findings")
            }
            let verdict = report.ok ? "ok" : "\(report.findingsTotal) findings"
            print("\(verdict): \(report.records) records, head \(report.head); chain checked from record "
                  + "\(report.chainCheckedFrom), \(report.redecided) commands re-decided, "
                  + "in \(String(format: "%.2f", report.seconds)) s (\(Int(report.recordsPerSecond)) records/s\(peakMemory()))")
        }
        if !report.ok { throw ExitCode(1) }
    }
}
