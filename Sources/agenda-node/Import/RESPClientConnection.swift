import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small blocking RESP2 client for the importers: one TCP connection, commands sent as RESP
/// arrays (so names with spaces or accents need no quoting), replies read in order. Pipelined
/// in windows, so a file of thousands of rows costs a few round trips, never a deadlock: the
/// node stops reading a connection with `inFlightPerConnectionMax` commands unanswered, so a
/// client must read replies before it sends more than that.
final class RESPClientConnection {
    enum Reply: Equatable, CustomStringConvertible {
        case simple(String)
        case error(String)
        case integer(Int)
        case bulk(String?)
        case array([Reply]?)

        /// A record reply (a flat `field, value, …` array) as a dictionary of its text values.
        var fields: [String: String] {
            guard case .array(let items?) = self else { return [:] }
            var result: [String: String] = [:]
            var index = 0
            while index + 1 < items.count {
                if case .bulk(let key?) = items[index], case .bulk(let value?) = items[index + 1] { result[key] = value }
                index += 2
            }
            return result
        }

        var description: String {
            switch self {
            case .simple(let text): text
            case .error(let text): text
            case .integer(let value): String(value)
            case .bulk(let text): text ?? "(nil)"
            case .array(let items): items.map { "[" + $0.map(\.description).joined(separator: ", ") + "]" } ?? "(nil)"
            }
        }
    }

    struct ConnectionError: Error, CustomStringConvertible {
        let description: String
    }

    /// Replies are read in windows of this many commands: far below the node's
    /// `inFlightPerConnectionMax` (1,024), large enough that a round trip carries many rows.
    static let pipelineWindowCommands = 256
    /// A reply line or bulk past this is not the node's: the framing is lost.
    static let replyBytesMax = 1 << 20

    private let socket: Int32
    private var buffer: [UInt8] = []
    private var position = 0

    init(host: String, port: Int, timeoutSeconds: Int = 60) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw ConnectionError(description: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        var lastError = ECONNREFUSED
        var connected: Int32 = -1
        while let address = candidate, connected < 0 {
            let descriptor = Glibc.socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            if descriptor >= 0 {
                if connect(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 {
                    connected = descriptor
                } else {
                    lastError = errno
                    Glibc.close(descriptor)
                }
            }
            candidate = address.pointee.ai_next
        }
        guard connected >= 0 else {
            throw ConnectionError(description: "cannot connect to \(host):\(port): \(String(cString: strerror(lastError))); "
                                  + "is agenda-node running there?")
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(connected, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(connected, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        socket = connected
    }

    deinit { Glibc.close(socket) }

    /// Sends one command and reads its reply.
    func call(_ words: [String]) throws -> Reply {
        try send([words])
        return try readReply()
    }

    /// Sends every command, `pipelineWindowCommands` at a time, and returns the replies in order.
    /// `progress` sees each reply as it arrives.
    func pipeline(_ commands: [[String]], progress: (Int, Reply) -> Void = { _, _ in }) throws -> [Reply] {
        var replies: [Reply] = []
        replies.reserveCapacity(commands.count)
        var start = 0
        while start < commands.count {
            let window = commands[start..<min(start + Self.pipelineWindowCommands, commands.count)]
            try send(Array(window))
            for _ in window {
                let reply = try readReply()
                progress(replies.count, reply)
                replies.append(reply)
            }
            start += window.count
        }
        return replies
    }

    func send(_ commands: [[String]]) throws {
        var bytes: [UInt8] = []
        for words in commands {
            bytes += Array("*\(words.count)\r\n".utf8)
            for word in words {
                bytes += Array("$\(word.utf8.count)\r\n".utf8)
                bytes += Array(word.utf8)
                bytes += [0x0D, 0x0A]
            }
        }
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else {
                throw ConnectionError(description: "the node closed the connection while we were sending (\(String(cString: strerror(errno))))")
            }
            sent += count
        }
    }

    func readReply() throws -> Reply {
        let line = try readLine()
        guard let kind = line.first else { throw ConnectionError(description: "an empty reply line; is this agenda-node?") }
        let rest = String(decoding: line.dropFirst(), as: UTF8.self)
        switch kind {
        case UInt8(ascii: "+"): return .simple(rest)
        case UInt8(ascii: "-"): return .error(rest)
        case UInt8(ascii: ":"):
            guard let value = Int(rest) else { throw ConnectionError(description: "a bad integer reply '\(rest)'") }
            return .integer(value)
        case UInt8(ascii: "$"):
            guard let length = Int(rest), length <= Self.replyBytesMax else {
                throw ConnectionError(description: "a bad bulk length '\(rest)'")
            }
            if length < 0 { return .bulk(nil) }
            let bytes = try readExactly(length + 2)
            return .bulk(String(decoding: bytes.prefix(length), as: UTF8.self))
        case UInt8(ascii: "*"):
            guard let count = Int(rest), count <= Self.replyBytesMax else {
                throw ConnectionError(description: "a bad array length '\(rest)'")
            }
            if count < 0 { return .array(nil) }
            var items: [Reply] = []
            for _ in 0..<count { items.append(try readReply()) }
            return .array(items)
        default:
            throw ConnectionError(description: "an unexpected reply '\(String(decoding: line, as: UTF8.self))'; is this agenda-node?")
        }
    }

    private func readLine() throws -> [UInt8] {
        while true {
            if let end = buffer[position...].firstIndex(of: 0x0A), end > position, buffer[end - 1] == 0x0D {
                let line = Array(buffer[position..<(end - 1)])
                position = end + 1
                return line
            }
            guard buffer.count - position <= Self.replyBytesMax else {
                throw ConnectionError(description: "a reply line longer than \(Self.replyBytesMax) bytes")
            }
            try fill()
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        while buffer.count - position < count { try fill() }
        let bytes = Array(buffer[position..<(position + count)])
        position += count
        return bytes
    }

    private func fill() throws {
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            buffer += chunk[0..<count]
            return
        }
        if count == 0 { throw ConnectionError(description: "the node closed the connection") }
        if errno == EAGAIN || errno == EWOULDBLOCK {
            throw ConnectionError(description: "no reply from the node within the timeout")
        }
        throw ConnectionError(description: "reading from the node failed: \(String(cString: strerror(errno)))")
    }
}
