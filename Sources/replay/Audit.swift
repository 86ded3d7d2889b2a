import ArgumentParser
import Events
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
            still hash to HASH, and everything after it is checked in full. With checkpoints \
            (`replay checkpoint`), the state is read from the nearest one at or before SEQ, and \
            only the records after it are folded. --from checkpoint trusts the latest checkpoint \
            itself: the chain and the re-decision resume there.

            --expect-head takes a plain head (SEQ:HASH) or a signed one (SIZE:HASH:ROOT:SIGNATURE, as \
            `replay head --sign` and the day's list print it): then the signature must verify, with \
            --public-key (the key the office published) or else with the key the log records, and \
            the Merkle root of records 1…SIZE, recomputed from the log, must be the signed root.

            Interrupted (Ctrl-C), the audit stops after the records it has decided, prints its \
            findings so far and the --from that resumes after them.

            Examples:
              replay audit --data ./data
              replay audit --data ./data --expect-head 3321:3ecb69258b13…
              replay audit --data ./data --expect-head 3321:3ecb…:9a1f…:5d0c… --public-key 7f3a…
              replay audit --data ./data --from 3000:9f2c… --json
              replay audit --data ./data --from checkpoint
            """)

    @OptionGroup var options: DataOptions
    @OptionGroup var checkpoints: CheckpointOptions

    @Option(help: ArgumentHelp("""
        Check the chain from this trusted point (a line `replay head` printed), or `checkpoint` for \
        the latest checkpoint.
        """, valueName: "seq:hash"))
    var from: String?

    @Option(help: ArgumentHelp("""
        A head published earlier, plain (SEQ:HASH) or signed (SIZE:HASH:ROOT:SIGNATURE): that record \
        must still be in the log with that hash.
        """, valueName: "head"))
    var expectHead: String?

    @Option(help: ArgumentHelp("""
        The public key a signed --expect-head must verify with (64 hexadecimal digits, as \
        `replay head --public-key` prints it); default: the key the log records.
        """, valueName: "hex"))
    var publicKey: String?

    @Flag(help: "Print the summary and findings as one JSON object.")
    var json = false

    func validate() throws {
        if let from, from != "checkpoint", Checkpoint(from) == nil {
            throw ValidationError("--from takes SEQ:HASH as `replay head` prints it, or the word checkpoint")
        }
        if from == "checkpoint", checkpoints.noCheckpoints {
            throw ValidationError("--from checkpoint needs the checkpoints that --no-checkpoints turns off")
        }
        if let expectHead, Checkpoint(expectHead) == nil, SignedHead(expectHead) == nil {
            throw ValidationError("--expect-head takes SEQ:HASH as `replay head` prints it, or "
                                  + "SIZE:HASH:ROOT:SIGNATURE as `replay head --sign` prints it")
        }
        if let publicKey, Hex.decode(publicKey)?.count != 32 {
            throw ValidationError("--public-key takes 64 hexadecimal digits, as `replay head --public-key` prints them")
        }
        if publicKey != nil, expectHead.flatMap({ SignedHead($0) }) == nil {
            throw ValidationError("--public-key checks a signed --expect-head (SIZE:HASH:ROOT:SIGNATURE)")
        }
    }

    func run() throws {
        let directory = try DataDirectory(options.data)
        defer { directory.close() }
        let store = checkpoints.store(data: options.data)
        var trusted = from.flatMap(Checkpoint.init)
        if from == "checkpoint" {
            guard let latest = store?.list().last else {
                throw ValidationError("--from checkpoint: no checkpoints in \(store?.path ?? ""); make them with "
                                      + "`replay checkpoint --data \(options.data)`")
            }
            trusted = latest.head
        }
        let bar = try ProgressBar.make("audit", total: try directory.recordCount())
        Interruption.catchInterrupt()
        var auditOptions = Audit.Options(from: trusted, expectHead: expectHead.flatMap(Checkpoint.init),
                                         checkpoints: store, shouldStop: { Interruption.requested })
        auditOptions.signedHead = expectHead.flatMap { SignedHead($0) }
        auditOptions.publicKey = publicKey?.lowercased()
        let report = try Audit.run(directory, options: auditOptions, progress: bar?.report)
        bar?.finish()
        if json {
            printJSON(report.json)
        } else {
            for finding in report.findings { print(finding) }
            if report.findingsTotal > report.findings.count {
                print("… and \(report.findingsTotal - report.findings.count) more findings")
            }
            let verdict = report.ok ? "ok" : "\(report.findingsTotal) findings"
            let start = report.startedFrom.map { " (the state read from checkpoint \($0.sequence))" } ?? ""
            print("\(report.interrupted ? "interrupted, " : "")\(verdict): \(report.records) records, head \(report.head); "
                  + "chain checked from record \(report.chainCheckedFrom)\(start), \(report.redecided) commands re-decided, "
                  + "in \(String(format: "%.2f", report.seconds)) s (\(Int(report.recordsPerSecond)) records/s\(peakMemory()))")
            if report.interrupted {
                print("resume after record \(report.head.sequence) with: replay audit --data \(options.data) --from \(report.head)")
            }
        }
        if report.interrupted { throw ExitCode(130) }
        if !report.ok { throw ExitCode(1) }
    }
}
