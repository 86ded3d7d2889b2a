import Engine
import Foundation
import Testing

/// A real `agenda-node` fed some 100,000 random and adversarial inputs, on several connections
/// at once, as a hostile client or a broken one would send them. Every input is one piece of a
/// session's byte stream whose due replies the generator knows: a well-framed command is owed
/// exactly one reply; a blank line or `*0` none; bytes that break the framing one `-SYNTAX` or
/// `-LIMIT`, after the replies to everything before them, then the close. Random junk after
/// commands is owed their replies, then well-formed replies and either the close or whatever
/// the junk left the decoder waiting for.
///
/// After each batch: PING answers on a fresh connection, and the node's anonymous memory
/// (RssAnon) stays within a bound of its size after start-up. A failure names the seed
/// (`AGENDA_ABUSE_SEED=… make test` repeats the inputs; the interleaving of connections differs).
@Suite("agenda-node under a protocol fuzz", .serialized)
struct ProtocolFuzzTests {
    @Test("random and adversarial inputs get well-formed replies in order, never a hang, and leave the node answering with bounded memory")
    func protocolFuzz() throws {
        let parameters = AbuseParameters.current
        let scratch = try Scratch("fuzz")
        defer { scratch.remove() }
        let node = try NodeProcess(data: scratch.data, log: scratch.path("node.log"),
                                   extra: ["--demo", "--demo-pratiche", String(parameters.demoPratiche)])
        defer { node.killHard() }
        let baseline = try #require(rssAnonKB(pid: node.pid), "no RssAnon in /proc/\(node.pid)/status")
        var peak = baseline
        var problems: [FuzzProblem] = []
        var sent = FuzzCounts()
        let perBatch = max(1, parameters.fuzzInputs / parameters.fuzzBatches)

        for batch in 0..<parameters.fuzzBatches {
            let results = FuzzBatch.run(port: node.port, seed: parameters.seed, batch: batch,
                                        inputs: perBatch, connections: parameters.fuzzConnections)
            problems += results.problems
            sent.add(results.counts)
            let ping = try? node.client().call("PING")
            let rss = rssAnonKB(pid: node.pid) ?? -1
            peak = max(peak, rss)
            #expect(ping == .simple("PONG"),
                    "seed \(parameters.seed), after batch \(batch): PING on a fresh connection got \(String(describing: ping)); log:\n\(node.logTail)")
            #expect(rss >= 0 && rss <= baseline + parameters.rssAnonGrowthKBMax,
                    "seed \(parameters.seed), after batch \(batch): RssAnon \(rss) kB, \(baseline) kB after start-up (bound +\(parameters.rssAnonGrowthKBMax) kB)")
            guard ping == .simple("PONG") else { break }
        }

        for problem in problems {
            let where_ = "seed \(parameters.seed) (\(parameters)), \(problem.session)"
            if let defect = problem.knownDefect {
                // Fixed on another branch (issue 17); remove the marker with the fix.
                withKnownIssue("issue 17: \(defect)", isIntermittent: true) {
                    Issue.record("\(where_): \(problem.message)")
                }
            } else {
                Issue.record("\(where_): \(problem.message)")
            }
        }
        printFigures("protocol fuzz", [
            "seed": String(parameters.seed), "inputs": String(sent.inputs), "sessions": String(sent.sessions),
            "replies": String(sent.replies), "connections closed by the node": String(sent.closedByNode),
            "batches": String(parameters.fuzzBatches), "RssAnon after start-up kB": String(baseline),
            "peak RssAnon kB": String(peak), "node CPU s": String(format: "%.1f", cpuSeconds(pid: node.pid) ?? -1),
            "problems": String(problems.count),
            "known defects": String(problems.filter { $0.knownDefect != nil }.count),
        ])
    }
}

struct FuzzProblem: Sendable {
    let session: String
    let message: String
    /// Which of the defects issue 17 lists (and another branch fixes) this is, if it is one.
    let knownDefect: String?
}

struct FuzzCounts: Sendable {
    var inputs = 0
    var sessions = 0
    var replies = 0
    var closedByNode = 0

    mutating func add(_ other: FuzzCounts) {
        inputs += other.inputs
        sessions += other.sessions
        replies += other.replies
        closedByNode += other.closedByNode
    }
}

/// One batch: `connections` threads, each sending its share of the inputs as sessions.
enum FuzzBatch {
    static func run(port: Int, seed: UInt64, batch: Int, inputs: Int, connections: Int)
        -> (problems: [FuzzProblem], counts: FuzzCounts)
    {
        let tally = Tally()
        // One more connection than asked for sends the adversarial sessions, beside the others,
        // so the defects that make a session wait for its deadline do not lengthen the batch.
        DispatchQueue.concurrentPerform(iterations: connections + 1) { worker in
            // Not seed + k·γ: SplitMix64 steps by γ, so those streams would be one stream shifted.
            let adversarial = worker == connections
            var mixer = SeededGenerator(seed: seed ^ (UInt64(batch * connections + worker) &* 0xD1B5_4A32_D192_ED03))
            var generator = FuzzSessionGenerator(seed: mixer.next())
            // The adversarial sessions' replies are due at once: a short deadline keeps a known
            // defect's wait short. No check here is about speed.
            var runner = FuzzSessionRunner(port: port, replySecondsMax: adversarial ? 3 : 10)
            var local = FuzzCounts()
            var found: [FuzzProblem] = []
            var sessions = adversarial ? generator.adversarialSessions() : []
            var index = 0
            while adversarial ? !sessions.isEmpty : local.inputs < inputs / connections {
                let session = adversarial ? sessions.removeFirst() : generator.randomSession()
                let name = "batch \(batch), connection \(worker), session \(index) (\(session.kind))"
                index += 1
                local.inputs += session.inputCount
                local.sessions += 1
                let outcome = runner.run(session)
                local.replies += outcome.replies
                if outcome.closedByNode { local.closedByNode += 1 }
                if let problem = outcome.problem {
                    found.append(FuzzProblem(session: name, message: problem, knownDefect: outcome.knownDefect))
                    // The bytes, to send again by hand (`nc 127.0.0.1 PORT < file`).
                    if let directory = ProcessInfo.processInfo.environment["AGENDA_ABUSE_DUMP_DIR"] {
                        let file = "\(directory)/batch\(batch)-connection\(worker)-session\(index - 1)-\(session.kind)"
                        _ = FileManager.default.createFile(atPath: file, contents: Data(session.bytes))
                    }
                }
            }
            tally.add(found, local)
        }
        return tally.result
    }

    /// What the connections found, gathered under a lock as each finishes.
    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var problems: [FuzzProblem] = []
        private var counts = FuzzCounts()

        func add(_ found: [FuzzProblem], _ local: FuzzCounts) {
            lock.withLock {
                problems += found
                counts.add(local)
            }
        }

        var result: (problems: [FuzzProblem], counts: FuzzCounts) { lock.withLock { (problems, counts) } }
    }
}

/// One session's bytes and what the node owes for them.
struct FuzzSession {
    enum Kind: String {
        /// Well-framed commands (and blank lines), then `PING <token>`: the replies, then the token.
        case commands
        /// Commands, then bytes that break the framing: their replies, one error, the close.
        case broken
        /// Commands, then a request past `requestBytesMax`: the node closes while the client is still
        /// sending, so TCP may drop the replies it sent (a reset discards them): only well-formed
        /// replies, at most the commands' and the error, and the close.
        case oversized
        /// Commands, then random bytes, then `PING <token>`: the commands' replies, then well-formed
        /// replies and the token, the close, or a wait for bytes the junk announced.
        case junk
        /// Commands, then the client shuts its side (`printf … | nc -N`): every reply, then the close.
        case halfClose
        /// Commands, then QUIT: their replies, `+OK`, the close.
        case quit
        /// Six wrong passwords in one write: WRONGPASS until `authFailuresMax`, the close.
        case authFlood
        /// An inline word with a quote inside (`D'Angelo`), as the protocol page's example types it.
        case quoteInWord
    }

    var kind: Kind
    /// Signed in first (password `demo`), on a fresh connection or one already signed in as it.
    var account: String?
    var bytes: [UInt8]
    /// Replies owed before the session's ending (the token, the error, the close).
    var repliesDue: Int
    var inputCount: Int
    var token = ""
}

/// Draws sessions from a seeded generator: commands of the protocol with arguments from real
/// ids, near misses and junk, encoded as multibulk or inline; framing breakers; random bytes.
struct FuzzSessionGenerator {
    var random: SeededGenerator
    var tokens = 0

    init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    // Not drawn: AUTH (each costs an scrypt on purpose, and a sixth wrong one closes; authFlood
    // tries them), SUBSCRIBE and its kin (one reply per channel and pushes nobody asked for, so
    // the count of replies owed is not known; ServerCommandTests cover them), QUIT (its own session).
    static let commandNames = [
        "PING", "BOOK", "FIRSTFREE", "DEFER", "CANCEL", "READY", "PICKUP", "ATTEND", "NOSHOW", "CLOSE",
        "AGENDA", "CAPACITY", "APPT", "PRATICA", "LOOKUP", "REGISTER", "HISTORY", "PRINT", "DAYLIST",
        "OFFICE", "QUOTA", "ADDRESS", "TRANSITION", "RETENTION", "MIGRATE", "CLIENT", "COMMAND", "CONFIG", "SELECT",
        "RESET", "INFO", "HELLO", "ECHO", "GET", "SET", "MULTI", "EXEC", "MONITOR", "FLUSHALL", "", "book",
        "pInG", "Book\u{0}", "BOOK\r\n",
    ]
    static let accounts = ["sui.roma", "questura.demo", "audit", "caf.roma", "self.demo", "admin"]

    static let days: [String] = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Europe/Rome")
        formatter.dateFormat = "yyyy-MM-dd"
        return (-2...20).map { formatter.string(from: Date().addingTimeInterval(Double($0) * 86_400)) }
    }()

    static let words: [String] = [
        "DEMO-Q", "RM-Q", "RM-S", "AT-Q", "XX-Q", "DEMO-Q\u{0}", "fotosegnalamento", "consegna-permesso",
        "cittadinanza", "nulla-osta-documenti", "P-DEMO-000000000001", "P-DEMO-000000000042", "P-DEMO-999999999999",
        "P-", "A-0056K", "A-00001", "A-", "ITA0123456", "08:00", "08:30", "17:50", "24:00", "9:5", "-1:00",
        "2026-02-30", "0000-00-00", "9999-12-31", "2008-04-14", "NOTBEFORE", "ON", "AT", "EXISTING", "REQID",
        "NEXT", "TO", "REASON", "SERVICE", "COUNT", "LANG", "FORMAT", "BOOKED", "AGENDA", "SUI", "BODY",
        "APPLICANT", "RELEASE", "PHONE", "OFF", "LEGACY", "VISTO", "CONVOCATION", "REMINDER", "persistence",
        "server", "all", "2", "3", "4", "SETNAME", "GETNAME", "ID", "INFO", "SETINFO", "DOCS", "GET", "save",
        "0", "-1", "1", "100", "65536", "99999999999999999999", "1e9", "NaN", "it", "ar", "ics", "html", "csv",
        "caffè", "مرحبا", "Ðŋ😀", "", " ", "\r\n", "\u{0}", "\"", "'", "\\", "D'Angelo", "\u{FFFD}",
    ]

    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }

    /// Raw bytes, mostly printable, sometimes not UTF-8 at all.
    mutating func junkBytes(_ count: Int, protocolBiased: Bool) -> [UInt8] {
        let framing: [UInt8] = Array("*$\r\n\"' \\x0123456789-".utf8)
        return (0..<count).map { _ in
            protocolBiased && chance(50) ? pick(framing) : UInt8.random(in: 0...255, using: &random)
        }
    }

    mutating func argument() -> [UInt8] {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<60: return Array(pick(Self.words).utf8)
        case 60..<70: return Array(pick(Self.days).utf8)
        case 70..<85: return junkBytes(Int.random(in: 0...24, using: &random), protocolBiased: false)
        case 85..<95: return Array("REQ-\(UInt32.random(in: 0...UInt32.max, using: &random))".utf8)
        case 95..<99: return Array(repeating: UInt8(ascii: "x"), count: pick([65, 513, 700, 3_000]))
        default:
            // Past textBytesMax and up to bulkBytesMax, one argument in a thousand: the limits
            // are reached without the batch spending its time moving megabytes.
            return Int.random(in: 0..<10, using: &random) == 0
                ? Array(repeating: UInt8(ascii: "y"), count: pick([20_000, Limits.bulkBytesMax]))
                : Array(repeating: UInt8(ascii: "x"), count: 600)
        }
    }

    /// A command of the protocol (or a near miss) with 0 to 10 arguments.
    mutating func command() -> [[UInt8]] {
        var arguments = [Array(pick(Self.commandNames).utf8)]
        // STATUS answers after 50 ms on purpose, in request order: one command in a thousand.
        if Int.random(in: 0..<1_000, using: &random) == 0 { arguments = [Array("STATUS".utf8)] }
        for _ in 0..<Int.random(in: 0...10, using: &random) { arguments.append(argument()) }
        return arguments
    }

    /// As redis-cli sends it.
    static func multibulk(_ arguments: [[UInt8]]) -> [UInt8] {
        var out = Array("*\(arguments.count)\r\n".utf8)
        for argument in arguments { out += Array("$\(argument.count)\r\n".utf8) + argument + [13, 10] }
        return out
    }

    /// As typed at nc: a word with anything but letters, digits and `-:._` is double-quoted, with
    /// `\"`, `\\` and `\xHH` escapes, so the line frames as these words whatever they hold.
    static func inline(_ arguments: [[UInt8]]) -> [UInt8]? {
        var line: [UInt8] = []
        for (index, argument) in arguments.enumerated() {
            if index > 0 { line.append(UInt8(ascii: " ")) }
            let plain = !argument.isEmpty && argument.allSatisfy {
                (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0)
                    || Array("-:._".utf8).contains($0)
            }
            guard !plain else {
                line += argument
                continue
            }
            line.append(UInt8(ascii: "\""))
            for byte in argument {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): line += [UInt8(ascii: "\\"), byte]
                case 0x20...0x7E: line.append(byte)
                default: line += Array(String(format: "\\x%02x", byte).utf8)
                }
            }
            line.append(UInt8(ascii: "\""))
        }
        // An empty first word would be no command at all; a long line breaks lineBytesMax.
        guard arguments.first?.isEmpty == false, line.count < Limits.lineBytesMax - 8 else { return nil }
        return line + (Bool.random() ? [13, 10] : [10])
    }

    /// Well-framed pieces: commands (one reply each) and blank requests (none).
    mutating func commands(_ count: Int) -> (bytes: [UInt8], replies: Int) {
        var bytes: [UInt8] = []
        var replies = 0
        for _ in 0..<count {
            if chance(4) {
                bytes += Array(pick(["\r\n", "\n", "*0\r\n", "*-1\r\n", "   \t\r\n"]).utf8)
                continue
            }
            let arguments = command()
            if chance(30), let line = Self.inline(arguments) {
                bytes += line
            } else {
                bytes += Self.multibulk(arguments)
            }
            replies += 1
        }
        return (bytes, replies)
    }

    /// Bytes after which nothing can be framed: the node answers `-SYNTAX` or `-LIMIT` and closes.
    mutating func framingBreaker() -> [UInt8] {
        switch Int.random(in: 0..<10, using: &random) {
        case 0: return Array("*abc\r\n".utf8)
        case 1: return Array("*1\r\n+PING\r\n".utf8)
        case 2: return Array("*1\r\n$-2\r\n".utf8)
        case 3: return Array("*1\r\n$4\r\nPINGxx\r\n".utf8)
        case 4: return Array("*\(Limits.argumentsMax + 1)\r\n".utf8)
        case 5: return Array("*1\r\n$\(Limits.bulkBytesMax + 1)\r\n".utf8)
        case 6: return Array("PING \"unbalanced\r\n".utf8)
        case 7: return Array(repeating: UInt8(ascii: "z"), count: Limits.lineBytesMax + 10) + [13, 10]
        case 8: return Array("*1\rX".utf8)
        default: return Array("*01\r\n".utf8)
        }
    }

    /// A request whose arguments add up to more than `requestBytesMax`.
    static let oversizedRequest: [UInt8] = {
        let count = Limits.requestBytesMax / Limits.bulkBytesMax + 1
        var out = Array("*\(count + 1)\r\n$4\r\nECHO\r\n".utf8)
        let argument = Array(repeating: UInt8(ascii: "w"), count: Limits.bulkBytesMax)
        for _ in 0..<count { out += Array("$\(argument.count)\r\n".utf8) + argument + [13, 10] }
        return out
    }()

    mutating func token() -> String {
        tokens += 1
        return "fuzz-token-\(tokens)-\(UInt32.random(in: 0...UInt32.max, using: &random))"
    }

    mutating func randomSession() -> FuzzSession {
        let account: String? = chance(45) ? nil : pick(Self.accounts)
        let count = Int.random(in: 1...60, using: &random)
        let (bytes, replies) = commands(count)
        let token = token()
        let ping = Self.multibulk([Array("PING".utf8), Array(token.utf8)])
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<70:
            return FuzzSession(kind: .commands, account: account, bytes: bytes + ping,
                               repliesDue: replies, inputCount: count + 1, token: token)
        case 70..<84:
            // Mostly before AUTH: each broken session costs the next one a sign-in (an scrypt). A
            // few junk bytes after the breaker, read with it, so the close is not a reset.
            let breaker = framingBreaker() + junkBytes(Int.random(in: 0...16, using: &random), protocolBiased: true)
            return FuzzSession(kind: .broken, account: chance(25) ? account : nil, bytes: bytes + breaker,
                               repliesDue: replies, inputCount: count + 1)
        case 84..<85:
            return FuzzSession(kind: .oversized, account: nil, bytes: bytes + Self.oversizedRequest,
                               repliesDue: replies, inputCount: count + 1)
        default:
            let junk = junkBytes(Int.random(in: 1...400, using: &random), protocolBiased: chance(70))
            return FuzzSession(kind: .junk, account: account, bytes: bytes + junk + [13, 10] + ping,
                               repliesDue: replies, inputCount: count + 2, token: token)
        }
    }

    /// The shapes issue 17 found broken, once a batch, each to its correct behaviour.
    mutating func adversarialSessions() -> [FuzzSession] {
        let ping = Self.multibulk([Array("PING".utf8)])
        let (some, due) = commands(5)
        let quit = FuzzSession(kind: .quit, account: nil, bytes: Self.multibulk([Array("HELLO".utf8), Array("3".utf8)]) + some
                                   + Self.multibulk([Array("QUIT".utf8)]) + ping,
                               repliesDue: due + 1, inputCount: 8)
        let quitRESP2 = FuzzSession(kind: .quit, account: nil, bytes: Array("QUIT\r\n".utf8) + ping, repliesDue: 0, inputCount: 2)
        let wrong = Self.multibulk(["AUTH", "sui.roma", "not-the-password"].map { Array($0.utf8) })
        let flood = FuzzSession(kind: .authFlood, account: nil, bytes: Array([[UInt8]](repeating: wrong, count: 6).joined()) + ping,
                                repliesDue: 0, inputCount: 7)
        // Every command before the bad one gets its reply, signed in or not.
        let pings = Array([[UInt8]](repeating: Array("PING a\r\n".utf8), count: 5).joined())
        let auth = Self.multibulk(["AUTH", "sui.roma", "demo"].map { Array($0.utf8) })
        let brokenAfterAuth = FuzzSession(kind: .broken, account: nil, bytes: auth + pings + Array("PING \"x\r\n".utf8),
                                          repliesDue: 6, inputCount: 7)
        let token = token()
        let quoted = FuzzSession(kind: .quoteInWord, account: "audit",
                                 bytes: Array("ECHO D'Angelo\r\nPRATICA D'Angelo \"Anna Maria\"\r\n".utf8)
                                     + Self.multibulk([Array("PING".utf8), Array(token.utf8)]),
                                 repliesDue: 2, inputCount: 3, token: token)
        // INFO and BOOK are answered off the event loop; the end of input must not drop them.
        let halfClosed = FuzzSession(kind: .halfClose, account: nil,
                                     bytes: Self.multibulk([Array("INFO".utf8)]) + ping + Array("PING\r\n".utf8),
                                     repliesDue: 3, inputCount: 3)
        return [quit, quitRESP2, flood, brokenAfterAuth, quoted, halfClosed]
    }
}

/// Runs sessions over one connection at a time, keeping it while it stays open and signed in as
/// the next session wants.
struct FuzzSessionRunner {
    let port: Int
    /// A reply that never comes fails the session after this long.
    let replySecondsMax: Int
    var client: RESPClient?
    var signedInAs: String?

    init(port: Int, replySecondsMax: Int) {
        self.port = port
        self.replySecondsMax = replySecondsMax
    }

    struct Outcome {
        var replies = 0
        var closedByNode = false
        var problem: String?
        var knownDefect: String?
    }


    mutating func connect(as account: String?) throws -> RESPClient {
        if let client, signedInAs == account, !client.closedByPeer() { return client }
        client = nil
        let fresh = try RESPClient(port: port)
        fresh.setReadTimeout(seconds: replySecondsMax)
        if let account {
            let reply = try fresh.call("AUTH", account, "demo")
            guard reply == .simple("OK") else { throw TestFailure("AUTH \(account): \(reply)") }
        }
        client = fresh
        signedInAs = account
        return fresh
    }

    mutating func run(_ session: FuzzSession) -> Outcome {
        if [.quit, .authFlood, .halfClose].contains(session.kind) { client = nil }
        let connection: RESPClient
        do {
            connection = try connect(as: session.account)
        } catch {
            return Outcome(problem: "could not connect and sign in: \(error)")
        }
        // The node may close as soon as it reads a breaker; what it wrote before is still read.
        _ = sendAll(connection.socket, session.bytes)
        if session.kind == .halfClose { shutdown(connection.socket, Int32(SHUT_WR)) }
        var reading = SessionReading(session: session, connection: connection, replySecondsMax: replySecondsMax)
        var outcome = reading.check()
        outcome.replies = reading.replies.count
        if let bad = reading.replies.first(where: { !$0.isWellFormed }) {
            outcome.problem = outcome.problem ?? reading.ended("a malformed reply \(bad)")
        }
        if outcome.closedByNode || outcome.problem != nil || reading.leftWaiting { client = nil }
        return outcome
    }
}

/// Reads one session's replies and says whether they are what its bytes were owed.
struct SessionReading {
    let session: FuzzSession
    let connection: RESPClient
    let replySecondsMax: Int
    var replies: [RESPValue] = []
    /// The junk announced a request still arriving: the connection is no use to the next session.
    var leftWaiting = false

    init(session: FuzzSession, connection: RESPClient, replySecondsMax: Int) {
        self.session = session
        self.connection = connection
        self.replySecondsMax = replySecondsMax
    }

    mutating func next() -> RESPValue? {
        guard let reply = try? connection.read() else { return nil }
        replies.append(reply)
        return reply
    }

    func ended(_ message: String) -> String {
        let last = replies.suffix(3).map { String($0.description.prefix(120)) }
        return "\(message) after \(replies.count) replies (last: \(last)); sent \(session.bytes.count) bytes starting "
            + "\(String(decoding: session.bytes.prefix(80), as: UTF8.self).debugDescription)"
    }

    mutating func check() -> FuzzSessionRunner.Outcome {
        var outcome = FuzzSessionRunner.Outcome()
        // The replies owed for the commands, in order, however many of them were errors.
        while replies.count < session.repliesDue {
            guard next() != nil else {
                outcome.closedByNode = connection.closedByPeer()
                if session.kind == .oversized, outcome.closedByNode { return outcome }
                outcome.problem = ended(outcome.closedByNode
                    ? "the node closed the connection" : "no reply within \(replySecondsMax) s")
                // Issue 17's QUIT, AUTH and inline-quote defects and the half-close (F2) are
                // fixed: those sessions are owed every reply. Still known: junk whose framing error
                // closes the connection while earlier replies are in flight, which can still lose
                // the last replies (seed 2908587402, batch 0, session 43: 19 replies, no LIMIT or SYNTAX).
                switch session.kind {
                case .broken where outcome.closedByNode, .junk where outcome.closedByNode:
                    outcome.knownDefect = "replies in flight dropped when junk breaks the framing (docs/reliability.md)"
                default: break
                }
                return outcome
            }
        }

        switch session.kind {
        case .commands, .quoteInWord:
            let reply = next()
            guard reply == .bulk(session.token) else {
                outcome.closedByNode = connection.closedByPeer()
                outcome.problem = ended("PING \(session.token) answered \(String(describing: reply))")
                return outcome
            }
        case .broken, .oversized:
            let reply = next()
            outcome.closedByNode = reply == nil && connection.closedByPeer()
            if session.kind == .oversized, outcome.closedByNode { return outcome }
            guard let code = reply?.errorCode, code == "SYNTAX" || code == "LIMIT" else {
                outcome.problem = ended("the framing error answered \(String(describing: reply))")
                return outcome
            }
            guard next() == nil, connection.closedByPeer() else {
                outcome.problem = ended("the connection stayed open after \(code)")
                return outcome
            }
            outcome.closedByNode = true
        case .junk:
            // Then the token, the close (the junk broke the framing), or a wait for announced bytes.
            connection.setReadTimeout(seconds: 2)
            while let reply = next() {
                if reply == .bulk(session.token) {
                    connection.setReadTimeout(seconds: replySecondsMax)
                    return outcome
                }
            }
            outcome.closedByNode = connection.closedByPeer()
            leftWaiting = !outcome.closedByNode
            if outcome.closedByNode, let code = replies.last?.errorCode, code != "SYNTAX" && code != "LIMIT",
               replies.count > session.repliesDue {
                outcome.problem = ended("the node closed after \(code), not a framing error")
            }
        case .halfClose:
            guard next() == nil, connection.closedByPeer() else {
                outcome.problem = ended("the connection stayed open after the client shut its side")
                return outcome
            }
            outcome.closedByNode = true
        case .quit:
            let reply = next()
            guard reply == .simple("OK"), next() == nil, connection.closedByPeer() else {
                outcome.closedByNode = connection.closedByPeer()
                outcome.problem = ended("QUIT answered \(String(describing: reply)), connection closed: \(outcome.closedByNode)")
                return outcome
            }
            outcome.closedByNode = true
        case .authFlood:
            while let reply = next() {
                guard reply.errorCode == "WRONGPASS" else {
                    outcome.problem = ended("a wrong password answered \(reply)")
                    return outcome
                }
            }
            outcome.closedByNode = connection.closedByPeer()
            if !outcome.closedByNode || replies.count > 5 {
                outcome.problem = ended("six wrong passwords in one write: closed \(outcome.closedByNode)")
            }
        }
        return outcome
    }
}
