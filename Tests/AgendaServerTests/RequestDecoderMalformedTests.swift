import NIOCore
import Testing

@testable import AgendaServer

@Suite("Request decoder, malformed input")
struct RequestDecoderMalformedTests {
    static let cases: [(input: String, detail: String)] = [
        ("*x\r\n", "invalid multibulk length \"x\""),
        ("*\r\n", "invalid multibulk length \"\""),
        ("*01\r\n", "invalid multibulk length \"01\""),
        ("*+1\r\n", "invalid multibulk length \"+1\""),
        ("* 1\r\n", "invalid multibulk length \" 1\""),
        ("*99999999999999999999\r\n", "invalid multibulk length \"99999999999999999999\""),
        ("*1\rX", "expected \\n after \\r, got 'X'"),
        ("*1\r\n+OK\r\n", "expected '$', got '+'"),
        ("*1\r\n\r\n", "expected '$', got '\\x0D'"),
        ("*1\r\n$x\r\n", "invalid bulk length \"x\""),
        ("*1\r\n$-1\r\n", "invalid bulk length -1"),
        ("*1\r\n$-0\r\n", "invalid bulk length \"-0\""),
        ("*1\r\n$3\r\nabcde\r\n", "expected \\r\\n after a bulk string of 3 bytes, got 'd' 'e'"),
        ("*1\r\n$3\r\nabc\n\n", "expected \\r\\n after a bulk string of 3 bytes, got '\\x0A' '\\x0A'"),
        ("ECHO \"unterminated\r\n", "unbalanced quotes in an inline request"),
        ("ECHO 'unterminated\r\n", "unbalanced quotes in an inline request"),
        ("ECHO \"ends in a backslash\\\r\n", "unbalanced quotes in an inline request"),
        ("ECHO \"a\"b\r\n", "a closing quote must be followed by a space in an inline request"),
        ("ECHO 'a'b\r\n", "a closing quote must be followed by a space in an inline request"),
    ]

    @Test("malformed input is refused with what was wrong, whole or a byte at a time", arguments: cases)
    func malformedInput(input: String, detail: String) {
        #expect(decoderError(input) == .malformed(detail))
        #expect(bytesFedUntilError(Array(input.utf8))?.error == .malformed(detail))
    }

    @Test("a malformed error is a SYNTAX whose one-line sentence says what to do")
    func malformedSentence() {
        let error = RequestDecoderError.malformed("expected '$', got '+'")
        #expect(error.code == "SYNTAX")
        #expect(error.description.hasPrefix("Protocol error: expected '$', got '+', so the connection is closed; "))
        #expect(error.description.contains("RESP array of bulk strings"))
        let isOneLine = !error.description.contains(where: \.isNewline)
        #expect(isOneLine)
    }

    @Test("random bytes in random chunks never crash or hang the decoder", .timeLimit(.minutes(1)))
    func randomBytes() {
        var generator = SeededGenerator(seed: 20_080_422)
        // Mostly the bytes that steer the parser, so it reaches deep states, and some of any value.
        let steering = Array("*$\r\n\r\n0123456789-\"' \\x\tPING".utf8)
        for _ in 0..<3_000 {
            let length = Int.random(in: 0...300, using: &generator)
            let bytes = (0..<length).map { _ in
                Bool.random(using: &generator)
                    ? steering.randomElement(using: &generator) ?? 0
                    : UInt8.random(in: 0...255, using: &generator)
            }
            feedInRandomChunks(bytes, using: &generator)
        }
    }

    @Test("a valid pipeline with random bytes changed never crashes or hangs the decoder", .timeLimit(.minutes(1)))
    func mutatedPipelines() {
        var generator = SeededGenerator(seed: 0xBAD_B17E)
        let valid = Array(
            (multibulk(["BOOK", "RM-Q", "foto", "P-1"]) + "PING\r\nECHO \"a b\" 'c'\r\n" + multibulk(["GET", "k"])).utf8
        )
        for _ in 0..<3_000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[index] = UInt8.random(in: 0...255, using: &generator)
            }
            feedInRandomChunks(bytes, using: &generator)
        }
    }

    /// Feeds `bytes` in random pieces until the decoder throws or everything is fed. Every
    /// complete request consumes bytes, so the inner loop ends; a throw must be a decoder error.
    private func feedInRandomChunks(_ bytes: [UInt8], using generator: inout SeededGenerator) {
        var decoder = RequestDecoder()
        var buffer = ByteBuffer()
        var offset = 0
        do {
            while offset < bytes.count {
                let length = min(bytes.count - offset, Int.random(in: 1...40, using: &generator))
                buffer.writeBytes(bytes[offset..<(offset + length)])
                offset += length
                while try decoder.decodeRequest(from: &buffer) != nil {}
                buffer.discardReadBytes()
            }
        } catch is RequestDecoderError {
            // Refused, as it should be for most of these.
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
