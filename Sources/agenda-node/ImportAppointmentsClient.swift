#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal blocking RESP2 client for `import-appointments`: one TCP connection, one request
/// at a time. Replies are read as strings: simple and bulk strings, integers, errors and
/// (nested) arrays — all agenda-node sends a RESP2 client.
final class MigrationRESPClient {
    enum Value {
        case text(String)
        case null
        case error(code: String, message: String)
        case array([Value])

        /// A RESP2 map reply (field, value, field, value ...) as a dictionary.
        var fields: [String: String] {
            guard case .array(let items) = self else { return [:] }
            var result: [String: String] = [:]
            var index = 0
            while index + 1 < items.count {
                if case .text(let key) = items[index], case .text(let value) = items[index + 1] { result[key] = value }
                index += 2
            }
            return result
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let fd: Int32
    private var buffer: [UInt8] = []
    private var position = 0

    init(host: String, port: Int) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw Failure(description: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        var connected: Int32 = -1
        while let info = candidate {
            let candidateFD = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if candidateFD >= 0 {
                if connect(candidateFD, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                    connected = candidateFD
                    break
                }
                close(candidateFD)
            }
            candidate = info.pointee.ai_next
        }
        guard connected >= 0 else {
            throw Failure(description: "cannot connect to \(host):\(port); is agenda-node running there?")
        }
        fd = connected
    }

    deinit { close(fd) }

    /// Sends one command and reads its reply.
    func call(_ arguments: [String]) throws -> Value {
        var bytes = Array("*\(arguments.count)\r\n".utf8)
        for argument in arguments {
            bytes += Array("$\(argument.utf8.count)\r\n".utf8) + Array(argument.utf8) + [13, 10]
        }
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw Failure(description: "the connection closed while sending") }
            sent += count
        }
        return try read()
    }

    private func read() throws -> Value {
        let line = try self.line()
        guard let kind = line.first else { throw Failure(description: "an empty reply line") }
        let rest = String(line.dropFirst())
        switch kind {
        case "+", ":": return .text(rest)
        case "-":
            let parts = rest.split(separator: " ", maxSplits: 1)
            return .error(code: parts.first.map(String.init) ?? "", message: parts.count > 1 ? String(parts[1]) : "")
        case "$":
            guard let length = Int(rest) else { throw Failure(description: "a bad bulk length \(rest)") }
            if length < 0 { return .null }
            try fill(length + 2)
            let text = String(decoding: buffer[position..<(position + length)], as: UTF8.self)
            position += length + 2
            return .text(text)
        case "*":
            guard let count = Int(rest) else { throw Failure(description: "a bad array length \(rest)") }
            if count < 0 { return .null }
            return .array(try (0..<count).map { _ in try read() })
        default:
            throw Failure(description: "an unexpected reply type \(kind)")
        }
    }

    private func line() throws -> String {
        while true {
            if let end = buffer[position...].firstIndex(of: 10), end > position, buffer[end - 1] == 13 {
                let text = String(decoding: buffer[position..<(end - 1)], as: UTF8.self)
                position = end + 1
                return text
            }
            try receive()
        }
    }

    private func fill(_ count: Int) throws {
        while buffer.count - position < count { try receive() }
    }

    private func receive() throws {
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        var chunk = [UInt8](repeating: 0, count: 16_384)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw Failure(description: "the node closed the connection") }
        buffer += chunk[0..<count]
    }
}
