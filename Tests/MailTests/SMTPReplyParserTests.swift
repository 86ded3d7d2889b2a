@testable import Mail
import Testing

@Suite("Framing the server's replies")
struct SMTPReplyParserTests {
    static let ehlo = Array("250-mail.example.org\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n221 2.0.0 Bye\n".utf8)

    static func replies(_ chunks: [ArraySlice<UInt8>]) throws -> [SMTPReply] {
        var parser = SMTPReplyParser()
        var replies: [SMTPReply] = []
        for chunk in chunks {
            parser.append(chunk)
            while let reply = try parser.nextReply() { replies.append(reply) }
        }
        #expect(parser.isEmpty)
        return replies
    }

    @Test("a multi-line EHLO reply is one reply of four lines, the next reply (with a bare LF) another")
    func multiLine() throws {
        let replies = try Self.replies([Self.ehlo[...]])
        #expect(replies == [
            SMTPReply(code: 250, lines: ["mail.example.org", "SIZE 10240000", "STARTTLS", "AUTH PLAIN LOGIN"]),
            SMTPReply(code: 221, lines: ["2.0.0 Bye"]),
        ])
        let capabilities = SMTPCapabilities(ehloReply: replies[0])
        #expect(capabilities.offers("STARTTLS") && capabilities.authMechanisms == ["PLAIN", "LOGIN"])
        #expect(capabilities.sizeMaxBytes == 10_240_000)
    }

    @Test("the same bytes cut at every point, and fed a byte at a time, give the same replies")
    func everyChunking() throws {
        let whole = try Self.replies([Self.ehlo[...]])
        for cut in 1..<Self.ehlo.count {
            #expect(try Self.replies([Self.ehlo[..<cut], Self.ehlo[cut...]]) == whole, "cut at \(cut)")
        }
        #expect(try Self.replies(Self.ehlo.indices.map { Self.ehlo[$0...$0] }) == whole)
    }

    @Test("a line longer than the limit is refused, whether or not its end has arrived")
    func lineTooLong() {
        var parser = SMTPReplyParser()
        parser.append(Array("250 ".utf8) + Array(repeating: UInt8(ascii: "x"), count: Limits.replyLineBytesMax))
        #expect(throws: SMTPReplyParser.Violation.lineTooLong(bytesMax: Limits.replyLineBytesMax)) { try parser.nextReply() }
        var ended = SMTPReplyParser()
        ended.append(Array("250 ".utf8) + Array(repeating: UInt8(ascii: "x"), count: Limits.replyLineBytesMax) + [0x0D, 0x0A])
        #expect(throws: SMTPReplyParser.Violation.lineTooLong(bytesMax: Limits.replyLineBytesMax)) { try ended.nextReply() }
    }

    @Test("a reply of more lines than the limit is refused")
    func tooManyLines() {
        var parser = SMTPReplyParser()
        parser.append(Array(String(repeating: "250-x\r\n", count: Limits.replyLinesMax + 1).utf8))
        #expect(throws: SMTPReplyParser.Violation.tooManyLines(linesMax: Limits.replyLinesMax)) { try parser.nextReply() }
    }

    @Test("a line without a code, or a reply whose code changes midway, is not SMTP")
    func notSMTP() {
        var http = SMTPReplyParser()
        http.append(Array("HTTP/1.1 400 Bad Request\r\n".utf8))
        #expect(throws: SMTPReplyParser.Violation.notAReplyLine("HTTP/1.1 400 Bad Request")) { try http.nextReply() }
        var changing = SMTPReplyParser()
        changing.append(Array("250-first\r\n550 second\r\n".utf8))
        #expect(throws: SMTPReplyParser.Violation.codeChanged(from: 250, to: 550)) { try changing.nextReply() }
    }

    @Test("bytes after a complete reply keep the parser non-empty (what STARTTLS checks before the handshake)")
    func leftoverBytes() throws {
        var parser = SMTPReplyParser()
        parser.append(Array("220 2.0.0 Ready to start TLS\r\n250 injected".utf8))
        #expect(try parser.nextReply() == SMTPReply(code: 220, lines: ["2.0.0 Ready to start TLS"]))
        #expect(!parser.isEmpty)
    }
}

@Suite("The bytes after DATA")
struct SMTPDataTests {
    @Test("lines starting with a dot get another; the message ends with CRLF . CRLF")
    func dotStuffing() {
        let payload = SMTPData.payload(Array(".first\r\nmiddle.\r\n..two\r\n.\r\n".utf8))
        #expect(payload.text == "..first\r\nmiddle.\r\n...two\r\n..\r\n.\r\n")
    }

    @Test("a bare LF or CR is sent as CRLF, so no server can read an early end of DATA into it")
    func bareLineBreaks() {
        let payload = SMTPData.payload(Array("a\n.\nb\r.\rc".utf8))
        #expect(payload.text == "a\r\n..\r\nb\r\n..\r\nc\r\n.\r\n")
    }

    @Test("an empty message is just the terminating dot")
    func empty() {
        #expect(SMTPData.payload([]).text == ".\r\n")
    }
}
