import Foundation
import Testing

/// How hard the abuse tests push: small in `make test` (about a minute in all), large in
/// `make soak`, which sets these environment variables (docs/reliability.md lists them).
struct AbuseParameters: CustomStringConvertible {
    /// The protocol fuzz's generator seed; a fresh one each run unless given, always printed.
    let seed: UInt64
    let fuzzInputs: Int
    let fuzzBatches: Int
    /// Connections sending fuzz sessions at once.
    let fuzzConnections: Int
    /// How far the node's anonymous memory (RssAnon) may grow over its size after start-up.
    let rssAnonGrowthKBMax: Int
    let crashRounds: Int
    let crashClients: Int
    /// Acknowledged commands a crash round waits for before the SIGKILL.
    let crashAcknowledgedPerRound: Int
    let demoPratiche: Int
    /// The tmpfs the full-disk test mounts.
    let diskMegabytes: Int

    static let current = AbuseParameters(environment: ProcessInfo.processInfo.environment)

    init(environment: [String: String]) {
        func number(_ name: String, _ fallback: Int) -> Int { environment[name].flatMap { Int($0) } ?? fallback }
        seed = environment["AGENDA_ABUSE_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64(UInt32.max))
        fuzzInputs = number("AGENDA_ABUSE_FUZZ_INPUTS", 100_000)
        fuzzBatches = max(1, number("AGENDA_ABUSE_FUZZ_BATCHES", 4))
        fuzzConnections = max(1, number("AGENDA_ABUSE_FUZZ_CONNECTIONS", 4))
        rssAnonGrowthKBMax = number("AGENDA_ABUSE_RSS_GROWTH_MB", 256) * 1_024
        crashRounds = max(1, number("AGENDA_ABUSE_CRASH_ROUNDS", 3))
        crashClients = max(1, number("AGENDA_ABUSE_CRASH_CLIENTS", 4))
        crashAcknowledgedPerRound = max(1, number("AGENDA_ABUSE_CRASH_ACKS", 300))
        demoPratiche = number("AGENDA_ABUSE_PRATICHE", 3_000)
        diskMegabytes = number("AGENDA_ABUSE_DISK_MB", 24)
    }

    var description: String {
        "AGENDA_ABUSE_SEED=\(seed) AGENDA_ABUSE_FUZZ_INPUTS=\(fuzzInputs) AGENDA_ABUSE_FUZZ_BATCHES=\(fuzzBatches) "
            + "AGENDA_ABUSE_CRASH_ROUNDS=\(crashRounds) AGENDA_ABUSE_CRASH_CLIENTS=\(crashClients)"
    }
}

/// One line of figures, as `make soak` collects them: `abuse figures: <test>: name value, …`.
func printFigures(_ test: String, _ figures: KeyValuePairs<String, String>) {
    print("abuse figures: \(test): " + figures.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
}

/// A process's anonymous resident memory (heap, stacks; not the mapped LMDB file), in kB, from
/// /proc/PID/status; nil where there is no /proc.
func rssAnonKB(pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("RssAnon:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }
    return nil
}

/// The CPU seconds a process has used (user and system), from /proc/PID/stat; nil without /proc.
func cpuSeconds(pid: Int32) -> Double? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let afterName = stat.range(of: ") ") else { return nil }
    // Fields after the command name, from the third (state): utime and stime are the 14th and 15th.
    let fields = stat[afterName.upperBound...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// `replay` and `agenda-node` are built side by side (`swift build --build-tests`).
let replayPath = URL(fileURLWithPath: NodeProcessTests.nodePath).deletingLastPathComponent()
    .appendingPathComponent("replay").path

/// `replay audit` over a data directory: its exit status and what it printed.
func replayAudit(_ data: String, in directory: String) throws -> ToolResult {
    guard FileManager.default.isExecutableFile(atPath: replayPath) else {
        throw TestFailure("no replay at \(replayPath): build it with swift build --build-tests")
    }
    return try runTool([replayPath, "audit", "--data", data], in: directory, timeout: 300)
}

extension RESPClient {
    /// Waits at most `seconds` for each read, so a reply that never comes fails the test instead of
    /// holding it; RESPClient's own 30 s is for replies that are slow, not missing.
    func setReadTimeout(seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// After a read failed: did the node close the connection (true), or is it open with
    /// nothing to read, a reply that did not come (false)?
    func closedByPeer() -> Bool {
        var byte: UInt8 = 0
        let count = recv(socket, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// Sends every command at once, then reads as many replies, as fields, keeping each with its
    /// command (the node answers in request order).
    func exchange(_ commands: [[String]]) throws -> [(command: [String], fields: [String: String], reply: RESPValue)] {
        try zip(commands, pipeline(commands)).map { ($0, $1.fields, $1) }
    }
}

extension RESPValue {
    /// A reply the node may send: every RESP2/RESP3 type it uses, nested ones too; anything
    /// else is what a client's parser would choke on.
    var isWellFormed: Bool {
        switch self {
        case .simple(let text), .error(let text): !text.contains("\r") && !text.contains("\n")
        case .integer, .bulk: true
        case .array(let items): items?.allSatisfy(\.isWellFormed) ?? true
        case .map(let items), .push(let items): items.allSatisfy(\.isWellFormed)
        // RESPClient keeps RESP3 doubles as text: `,1.5`, `,inf`, `,nan`.
        case .other(let text): text.hasPrefix(",") && Double(text.dropFirst()) != nil
        }
    }
}

/// An appointment map's fields that a repeat of its command must give back unchanged (`repeated`
/// says it is a repeat and is left out).
func firstReplyFields(_ fields: [String: String]) -> [String: String] {
    fields.filter { $0.key != "repeated" }
}
