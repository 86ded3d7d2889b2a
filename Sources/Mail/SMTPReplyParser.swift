/// One server reply: its three-digit code and the text of each of its lines.
public struct SMTPReply: Sendable, Hashable, CustomStringConvertible {
    public let code: Int
    /// Without the code and its separator, e.g. `["2.0.0 Ok: queued as 4BXk2T0Tz1"]`.
    public let lines: [String]

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    var isPositive: Bool { (200..<400).contains(code) }

    /// `250 2.0.0 Ok: queued as 4BXk2T0Tz1`, the lines of a multi-line reply joined by " / ".
    public var description: String {
        lines.isEmpty ? "\(code)" : lines.map { "\(code) \($0)" }.joined(separator: " / ")
    }
}

/// Frames a server's bytes into replies (RFC 5321 §4.2):
///
///     250-mail.example.org greets agenda.example.org\r\n   ← more lines follow: code, '-', text
///     250-STARTTLS\r\n
///     250 AUTH PLAIN LOGIN\r\n                             ← the last line: code, ' ', text
///
/// Lines may end with a bare LF (some servers do). A line longer than `Limits.replyLineBytesMax`
/// or a reply of more than `Limits.replyLinesMax` lines is refused rather than buffered: the
/// parser never holds more than one line's worth of bytes beyond the lines it has taken.
/// Pure: the channel handler feeds it bytes and takes replies.
struct SMTPReplyParser {
    enum Violation: Error, Equatable, CustomStringConvertible {
        case lineTooLong(bytesMax: Int)
        case tooManyLines(linesMax: Int)
        case notAReplyLine(String)
        case codeChanged(from: Int, to: Int)

        var description: String {
            switch self {
            case .lineTooLong(let bytesMax):
                "a reply line ran past \(bytesMax) bytes without ending"
            case .tooManyLines(let linesMax):
                "a reply ran past \(linesMax) lines"
            case .notAReplyLine(let line):
                "“\(line.prefix(80))” is not a reply line (three digits, then a space or a dash)"
            case .codeChanged(let first, let then):
                "a multi-line reply began with \(first) and went on with \(then)"
            }
        }
    }

    private var buffer: [UInt8] = []
    private var pendingLines: [String] = []
    private var pendingCode: Int?

    /// Nothing received that is not yet part of a returned reply. STARTTLS is safe to start only
    /// then: bytes already here arrived in the clear and must not be read as if they came over TLS.
    var isEmpty: Bool { buffer.isEmpty && pendingLines.isEmpty }

    mutating func append(_ bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete reply, or nil when more bytes are needed.
    mutating func nextReply() throws(Violation) -> SMTPReply? {
        while let newline = buffer.firstIndex(of: 0x0A) {
            guard newline < Limits.replyLineBytesMax else { throw .lineTooLong(bytesMax: Limits.replyLineBytesMax) }
            var line = buffer[..<newline]
            if line.last == 0x0D { line = line.dropLast() }
            buffer.removeSubrange(...newline)
            let (code, isLast, text) = try Self.parse(line)
            if let pendingCode, pendingCode != code { throw .codeChanged(from: pendingCode, to: code) }
            guard pendingLines.count < Limits.replyLinesMax else { throw .tooManyLines(linesMax: Limits.replyLinesMax) }
            pendingCode = code
            pendingLines.append(text)
            if isLast {
                let reply = SMTPReply(code: code, lines: pendingLines)
                pendingLines = []
                pendingCode = nil
                return reply
            }
        }
        guard buffer.count < Limits.replyLineBytesMax else { throw .lineTooLong(bytesMax: Limits.replyLineBytesMax) }
        return nil
    }

    private static func parse(_ line: ArraySlice<UInt8>) throws(Violation) -> (code: Int, isLast: Bool, text: String) {
        let bytes = Array(line)
        let digits = bytes.prefix(3)
        guard digits.count == 3, digits.allSatisfy({ (0x30...0x39).contains($0) }), (0x32...0x35).contains(bytes[0]),
              bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-")
        else { throw .notAReplyLine(String(decoding: bytes, as: UTF8.self)) }
        let code = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        let isLast = bytes.count == 3 || bytes[3] == UInt8(ascii: " ")
        return (code, isLast, String(decoding: bytes.dropFirst(4), as: UTF8.self))
    }
}
