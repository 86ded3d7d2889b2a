import NIOCore

/// What the client writes for one step of the dialogue.
enum SMTPCommand {
    /// Nothing: wait for the 220 the server sends on connecting.
    case greeting
    /// One command line; CRLF is added.
    case line(String)
    /// A command line that carries credentials: written as `text`, named in errors and logs as `named`.
    case secret(String, named: String)
    /// The message after DATA's 354, already dot-stuffed and ending in CRLF.CRLF.
    case data([UInt8])

    var name: String {
        switch self {
        case .greeting: "the greeting"
        case .line(let text): text
        case .secret(_, let name): name
        case .data: "the message (end of DATA)"
        }
    }

    var bytes: ByteBuffer? {
        switch self {
        case .greeting: nil
        case .line(let text), .secret(let text, _): ByteBuffer(string: text + "\r\n")
        case .data(let payload): ByteBuffer(bytes: payload)
        }
    }
}

/// One open connection, from async code: each call hops to the channel's event loop, where the
/// handler lives, and awaits the reply there.
struct SMTPConnection: Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<SMTPClientHandler>
    let commandTimeout: TimeAmount

    func send(_ command: SMTPCommand, timeout: TimeAmount? = nil, upgrade: SMTPClientHandler.TLSUpgrade? = nil) async throws(SMTPError) -> SMTPReply {
        let request = SMTPClientHandler.Request(
            command: command.name, bytes: command.bytes, timeout: timeout ?? commandTimeout, upgrade: upgrade
        )
        let handler = handler
        do {
            return try await channel.eventLoop.flatSubmit { handler.value.send(request) }.get()
        } catch let error as SMTPError {
            throw error
        } catch {
            throw .connectionLost(command: command.name, reason: "\(error)")
        }
    }

    /// Sends `command` and returns its reply if its code is one of `codes`; throws `rejected` otherwise.
    @discardableResult
    func expect(_ codes: Int..., to command: SMTPCommand, upgrade: SMTPClientHandler.TLSUpgrade? = nil) async throws(SMTPError) -> SMTPReply {
        let reply = try await send(command, upgrade: upgrade)
        guard codes.contains(reply.code) else { throw .rejected(command: command.name, reply: reply) }
        return reply
    }

    /// QUIT, waiting briefly for its 221, then closes: the message is already accepted, so
    /// nothing QUIT does can change the outcome.
    func quit() async {
        _ = try? await send(.line("QUIT"), timeout: TimeAmount(Limits.quitTimeout))
        close()
    }

    func close() {
        channel.close(promise: nil)
    }
}

/// The extensions an EHLO reply lists (RFC 5321 §4.1.1.1): every line after the first is a
/// keyword and its parameters, e.g. `AUTH PLAIN LOGIN` or `SIZE 10240000`.
struct SMTPCapabilities {
    private var parameters: [String: [String]] = [:]

    /// nil for a HELO reply, which lists nothing.
    init(ehloReply: SMTPReply?) {
        for line in ehloReply?.lines.dropFirst() ?? [] {
            let words = line.split(separator: " ").map(String.init)
            guard let keyword = words.first else { continue }
            parameters[keyword.uppercased()] = Array(words.dropFirst())
        }
    }

    func offers(_ keyword: String) -> Bool {
        parameters[keyword] != nil
    }

    var authMechanisms: [String] {
        (parameters["AUTH"] ?? []).map { $0.uppercased() }
    }

    /// RFC 1870: `SIZE 0` (or no number) means no stated limit.
    var sizeMaxBytes: Int? {
        guard let value = parameters["SIZE"]?.first, let bytes = Int(value), bytes > 0 else { return nil }
        return bytes
    }
}

/// The bytes written after DATA's 354 (RFC 5321 §4.5.2).
enum SMTPData {
    /// The message with every line break as CRLF (a bare CR or LF is sent as CRLF, so that no
    /// server reads the end of DATA somewhere the client did not put it), a dot added before each
    /// line that starts with one, a CRLF after the last line if it had none, and `.` CRLF.
    static func payload(_ message: [UInt8]) -> [UInt8] {
        let cr: UInt8 = 0x0D, lf: UInt8 = 0x0A, dot = UInt8(ascii: ".")
        var output: [UInt8] = []
        output.reserveCapacity(message.count + message.count / 64 + 5)
        var atLineStart = true
        var index = message.startIndex
        while index < message.endIndex {
            let byte = message[index]
            if byte == cr || byte == lf {
                output += [cr, lf]
                if byte == cr, index + 1 < message.endIndex, message[index + 1] == lf { index += 1 }
                atLineStart = true
            } else {
                if atLineStart && byte == dot { output.append(dot) }
                output.append(byte)
                atLineStart = false
            }
            index += 1
        }
        if !atLineStart { output += [cr, lf] }
        output += [dot, cr, lf]
        return output
    }
}
