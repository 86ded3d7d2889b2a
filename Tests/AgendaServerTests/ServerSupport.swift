@testable import AgendaServer
import Engine
import Events
import Foundation
import Logging
import Projections
import Testing

/// Monday 2008-04-14, 08:00 in Rome.
let serverMonday = Day(year: 2008, month: 4, day: 14)!
let serverMorning = Instant(romeDay: serverMonday, time: LocalTime(hour: 8, minute: 0)!)
let testPassword = "s3cret"

/// One hash for every test account: scrypt is slow on purpose, and the salt need not differ here.
let testPasswordHash: [UInt8] = (try? Passwords.hash(testPassword)) ?? []

/// An office open every day from 09:00, `slots` half-hour slots of `capacity` places.
func serverOffice(_ id: OfficeID = "TS-Q", capacity: UInt16 = 2, slots: Int = 2, horizonDays: UInt16 = 30) -> OfficeConfiguration {
    let start = LocalTime(hour: 9, minute: 0)!
    let end = LocalTime(minutesSinceMidnight: start.minutesSinceMidnight + UInt16(slots * 30))
    let everyDay = Array(repeating: [OpeningInterval(start: start, end: end)], count: 7)
    return OfficeConfiguration(
        office: id, kind: .questura, name: "Questura di prova", horizonDays: horizonDays, leadDays: 1,
        services: [
            ServiceConfiguration(id: "fotosegnalamento", name: "Fotosegnalamento", slotLengthMinutes: 30,
                                 capacityPerSlot: capacity, requiresReadyPermit: false, weekly: everyDay),
            ServiceConfiguration(id: "consegna-permesso", name: "Consegna permesso", slotLengthMinutes: 30,
                                 capacityPerSlot: capacity, requiresReadyPermit: true, weekly: everyDay),
        ],
        closedDays: [Day(year: 2008, month: 4, day: 25)!])
}

func serverPratica(_ index: Int) -> PraticaID { PraticaID("P-TS-2008-\(index)") }

func serverApplicant(_ index: Int) -> Applicant {
    Applicant(pratica: serverPratica(index), visto: "ITA\(index)", surname: "Rossi", name: "Mario \(index)",
              birthDate: Day(year: 1980, month: 1, day: 1 + index % 28)!, nationality: "ALB", office: "TS-S")
}

/// A node on a free loopback port over a fresh directory: the test office TS-Q (and TS-S for
/// the SUI), `pratiche` registered, and one account per role, all with `testPassword`.
final class TestNode: @unchecked Sendable {
    static let accounts: [AccountSpec] = [
        AccountSpec(name: "sui.ts", role: .sui, office: "TS-S", body: "TS-S"),
        AccountSpec(name: "caf.a", role: .body, office: nil, body: "CAF-A"),
        AccountSpec(name: "caf.b", role: .body, office: nil, body: "CAF-B"),
        AccountSpec(name: "questura.ts", role: .questura, office: "TS-Q", body: "TS-Q"),
        AccountSpec(name: "questura.rm", role: .questura, office: "RM-Q", body: "RM-Q"),
        AccountSpec(name: "prefettura.ts", role: .prefettura, office: "TS-P", body: "TS-P"),
        AccountSpec(name: "audit", role: .audit, office: nil, body: "audit"),
        AccountSpec(name: "admin", role: .admin, office: nil, body: "admin"),
    ]

    let directory: String
    let store: Store
    let server: AgendaServer
    let context: NodeContext
    let port: Int

    init(pratiche: Int = 20, office: OfficeConfiguration = serverOffice(), name: String = #function,
         clock: @escaping @Sendable () -> Instant = { serverMorning },
         outputLimits: OutputLimits = OutputLimits()) async throws {
        directory = NSTemporaryDirectory() + "agenda-server-\(name.filter { $0.isLetter })-\(UUID().uuidString.prefix(8))"
        store = try Store(directory: directory, clock: clock)
        var commands: [Command] = [.configureOffice(office)]
        for extra in ["TS-S", "TS-P", "RM-Q"] {
            var configuration = serverOffice(OfficeID(extra))
            configuration.kind = extra.hasSuffix("S") ? .sui : extra.hasSuffix("P") ? .prefettura : .questura
            commands.append(.configureOffice(configuration))
        }
        commands += (0..<pratiche).map { .registerPratica(serverApplicant($0)) }
        commands += TestNode.accounts.map { .createAccount($0) }
        _ = try store.executeAll(commands, actor: .system)
        for account in TestNode.accounts { try store.setCredential(account.name, testPasswordHash) }
        var logger = Logger(label: "agenda-test")
        logger.logLevel = .warning
        let node = NodeContext(store: store, logger: logger, clock: clock, outputLimits: outputLimits)
        context = node
        server = AgendaServer(node: node, configuration: .init(host: "127.0.0.1", port: 0, eventLoops: 2))
        port = try await server.start()
    }

    func client(_ account: String? = nil) throws -> RESPClient {
        let client = try RESPClient(port: port)
        if let account {
            let reply = try client.call("AUTH", account, testPassword)
            guard reply == .simple("OK") else { throw TestFailure("AUTH \(account): \(reply)") }
        }
        return client
    }

    func stop() async {
        await server.stopAccepting()
        store.close()
        await server.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A reply as a client reads it.
indirect enum RESPValue: Equatable, CustomStringConvertible {
    case simple(String)
    case error(String)
    case integer(Int)
    case bulk(String?)
    case array([RESPValue]?)
    case map([RESPValue])
    case push([RESPValue])
    case other(String)

    var description: String {
        switch self {
        case .simple(let text): "+\(text)"
        case .error(let text): "-\(text)"
        case .integer(let value): ":\(value)"
        case .bulk(let text): text.map { "\"\($0)\"" } ?? "(nil)"
        case .array(let items): items.map { "[" + $0.map(\.description).joined(separator: ", ") + "]" } ?? "(nil array)"
        case .map(let items): "{" + items.map(\.description).joined(separator: ", ") + "}"
        case .push(let items): ">[" + items.map(\.description).joined(separator: ", ") + "]"
        case .other(let text): text
        }
    }

    /// The error's code (`-CODE sentence`).
    var errorCode: String? {
        guard case .error(let text) = self else { return nil }
        return String(text.prefix { $0 != " " })
    }

    /// A record reply (RESP2 flat array or RESP3 map) as field → text.
    var fields: [String: String] {
        let items: [RESPValue]
        switch self {
        case .array(let list?): items = list
        case .map(let list): items = list
        default: return [:]
        }
        var result: [String: String] = [:]
        var index = 0
        while index + 1 < items.count {
            if case .bulk(let key?) = items[index] {
                switch items[index + 1] {
                case .bulk(let value?): result[key] = value
                case .simple(let value): result[key] = value
                case .integer(let value): result[key] = String(value)
                default: result[key] = items[index + 1].description
                }
            }
            index += 2
        }
        return result
    }

    var list: [RESPValue] {
        switch self {
        case .array(let items?): items
        case .push(let items): items
        default: []
        }
    }
}

/// A blocking RESP client over a plain socket: what a script or a test harness would write.
final class RESPClient {
    let socket: Int32
    private var buffer: [UInt8] = []
    private var position = 0

    /// `receiveBufferBytes`, `sendBufferBytes`: small kernel buffers, so that a client that stops
    /// reading, or a server that stops reading it, shows soon.
    /// `timeoutSeconds`: how long a read waits before it fails.
    init(port: Int, receiveBufferBytes: Int32? = nil, sendBufferBytes: Int32? = nil, timeoutSeconds: Int = 30) throws {
        socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw TestFailure("socket failed") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        for (option, value) in [(SO_RCVBUF, receiveBufferBytes), (SO_SNDBUF, sendBufferBytes)] {
            guard var bytes = value else { continue }
            setsockopt(socket, SOL_SOCKET, option, &bytes, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socket)
            throw TestFailure("connect to 127.0.0.1:\(port) failed")
        }
    }

    deinit { close(socket) }

    static func encode(_ arguments: [String]) -> [UInt8] {
        var out = Array("*\(arguments.count)\r\n".utf8)
        for argument in arguments {
            out += Array("$\(argument.utf8.count)\r\n".utf8)
            out += Array(argument.utf8)
            out += [13, 10]
        }
        return out
    }

    func send(_ arguments: String...) throws { try sendRaw(RESPClient.encode(arguments)) }

    func sendRaw(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Foundation.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw TestFailure("send failed") }
            sent += count
        }
    }

    func call(_ arguments: String...) throws -> RESPValue {
        try sendRaw(RESPClient.encode(arguments))
        return try read()
    }

    /// True when the server has closed the connection (after reading what is left).
    func isClosed() -> Bool {
        var byte: UInt8 = 0
        return recv(socket, &byte, 1, 0) == 0
    }

    /// Every reply until the server closes the connection (a FIN, or a reset when it closed
    /// with requests unread); nil if the connection is still open when a read times out.
    func repliesUntilClosed() -> [RESPValue]? {
        var replies: [RESPValue] = []
        while true {
            guard let reply = try? read() else {
                var byte: UInt8 = 0
                let count = recv(socket, &byte, 1, 0)
                return count == 0 || (count < 0 && errno == ECONNRESET) ? replies : nil
            }
            replies.append(reply)
        }
    }

    /// Waits, reading nothing, until the server closes the connection (a FIN or a reset);
    /// false if it is still open after `seconds`.
    func waitForPeerClose(seconds: Int) -> Bool {
        // POLLRDHUP (0x2000, Linux): the peer closed, even while its data waits unread here.
        var descriptor = pollfd(fd: socket, events: Int16(0x2000), revents: 0)
        let ready = poll(&descriptor, 1, Int32(seconds * 1_000))
        return ready > 0 && descriptor.revents & Int16(0x2000 | POLLHUP | POLLERR) != 0
    }

    /// Sends what the server takes without blocking, until it has taken everything or has taken
    /// nothing for `stallSeconds` (it stopped reading); returns the bytes it took.
    func sendUntilStalled(_ bytes: [UInt8], stallSeconds: Double = 3) -> Int {
        var sent = 0
        var stalledSince = Date()
        while sent < bytes.count, Date().timeIntervalSince(stalledSince) < stallSeconds {
            let count = bytes[sent...].withUnsafeBytes {
                Foundation.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if count > 0 {
                sent += count
                stalledSince = Date()
            } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                usleep(10_000)
            } else {
                break
            }
        }
        return sent
    }

    private func fill() throws {
        if position > 0 && position == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            position = 0
        }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = recv(socket, &chunk, chunk.count, 0)
        guard count > 0 else { throw TestFailure("connection closed or timed out while reading") }
        buffer += chunk[0..<count]
    }

    private func line() throws -> String {
        while true {
            if let end = buffer[position...].firstIndex(of: 10), end > position, buffer[end - 1] == 13 {
                let text = String(decoding: buffer[position..<(end - 1)], as: UTF8.self)
                position = end + 1
                return text
            }
            try fill()
        }
    }

    private func bytes(_ count: Int) throws -> String {
        while buffer.count - position < count + 2 { try fill() }
        let text = String(decoding: buffer[position..<(position + count)], as: UTF8.self)
        position += count + 2
        return text
    }

    func read() throws -> RESPValue {
        let header = try line()
        guard let kind = header.first else { throw TestFailure("empty reply line") }
        let rest = String(header.dropFirst())
        switch kind {
        case "+": return .simple(rest)
        case "-": return .error(rest)
        case ":": return .integer(Int(rest) ?? 0)
        case "$", "=":
            guard let count = Int(rest), count >= 0 else { return .bulk(nil) }
            let text = try bytes(count)
            return .bulk(kind == "=" ? String(text.dropFirst(4)) : text)
        case "*", ">", "%":
            guard let count = Int(rest), count >= 0 else { return .array(nil) }
            var items: [RESPValue] = []
            for _ in 0..<(kind == "%" ? count * 2 : count) { items.append(try read()) }
            return kind == "*" ? .array(items) : kind == ">" ? .push(items) : .map(items)
        case "_": return .bulk(nil)
        case "#": return .integer(rest == "t" ? 1 : 0)
        default: return .other(header)
        }
    }
}
