import Engine
import Testing

@testable import AgendaServer

@Suite("Request decoder limits")
struct RequestDecoderLimitTests {
    static let lineTooLong = RequestDecoderError.limitExceeded(limit: "lineBytesMax", max: Limits.lineBytesMax)

    @Test("an inline line of exactly lineBytesMax bytes is a request, ended by \\r\\n or by \\n")
    func longestInlineLine() throws {
        let word = String(repeating: "w", count: Limits.lineBytesMax)
        #expect(try decodeRequests(word + "\r\n") == [Request(arguments: [word])])
        #expect(try decodeRequests(word + "\n") == [Request(arguments: [word])])
        let chunks = Array((word + "\r\n").utf8).map { [$0] }
        #expect(try decodeRequests(chunks) == [Request(arguments: [word])])
    }

    @Test("an inline line of lineBytesMax + 1 bytes is refused even when it arrives whole")
    func inlineLineOneByteTooLong() {
        let word = String(repeating: "w", count: Limits.lineBytesMax + 1)
        #expect(decoderError(word + "\r\n") == Self.lineTooLong)
        #expect(decoderError(word + "\n") == Self.lineTooLong)
    }

    @Test("a line that never ends is refused once it outgrows lineBytesMax, not buffered without end")
    func endlessInlineLine() {
        let endless = [UInt8](repeating: UInt8(ascii: "a"), count: Limits.lineBytesMax * 4)
        let refusal = bytesFedUntilError(endless)
        // lineBytesMax + 1 bytes might still be a full line followed by \r.
        #expect(refusal?.fedBytes == Limits.lineBytesMax + 2)
        #expect(refusal?.error == Self.lineTooLong)
    }

    @Test("a RESP header line without \\r\\n within lineBytesMax bytes is refused before more is buffered")
    func endlessHeaderLines() {
        let digits = [UInt8](repeating: UInt8(ascii: "1"), count: Limits.lineBytesMax * 4)
        let count = bytesFedUntilError([UInt8(ascii: "*")] + digits)
        #expect(count?.fedBytes == Limits.lineBytesMax + 1)
        #expect(count?.error == Self.lineTooLong)

        let prefix = Array("*1\r\n".utf8)
        let length = bytesFedUntilError(prefix + [UInt8(ascii: "$")] + digits)
        #expect(length?.fedBytes == prefix.count + Limits.lineBytesMax + 1)
        #expect(length?.error == Self.lineTooLong)
    }

    @Test("a bulk longer than bulkBytesMax is refused on its header, before its bytes arrive")
    func bulkTooLong() throws {
        let header = "*2\r\n$3\r\nSET\r\n$\(Limits.bulkBytesMax + 1)\r\n"
        let refusal = bytesFedUntilError(Array(header.utf8))
        #expect(refusal?.fedBytes == header.utf8.count)
        #expect(refusal?.error == .limitExceeded(limit: "bulkBytesMax", max: Limits.bulkBytesMax))
        #expect(decoderError("*1\r\n$99999999999999\r\n") == .limitExceeded(limit: "bulkBytesMax", max: Limits.bulkBytesMax))

        let longest = String(repeating: "v", count: Limits.bulkBytesMax)
        #expect(try decodeRequests(multibulk(["SET", longest])) == [Request(arguments: ["SET", longest])])
    }

    @Test("a request with more than argumentsMax arguments is refused on its count, multibulk or inline")
    func tooManyArguments() throws {
        let refusal = RequestDecoderError.limitExceeded(limit: "argumentsMax", max: Limits.argumentsMax)
        #expect(decoderError("*\(Limits.argumentsMax + 1)\r\n") == refusal)
        let words = Array(repeating: "a", count: Limits.argumentsMax + 1).joined(separator: " ")
        #expect(decoderError(words + "\r\n") == refusal)

        let most = Array(repeating: "a", count: Limits.argumentsMax)
        #expect(try decodeRequests(multibulk(most)) == [Request(arguments: most)])
        #expect(try decodeRequests(most.joined(separator: " ") + "\r\n") == [Request(arguments: most)])
    }

    @Test("a request whose arguments total more than requestBytesMax is refused on the header that passes it")
    func requestTooLong() {
        let bulk = String(repeating: "r", count: Limits.bulkBytesMax)
        let bulksAllowed = Limits.requestBytesMax / Limits.bulkBytesMax
        var input = "*\(bulksAllowed + 2)\r\n"
        for _ in 0..<bulksAllowed { input += "$\(bulk.utf8.count)\r\n\(bulk)\r\n" }
        input += "$1\r\n"
        let refusal = bytesFedUntilError(Array(input.utf8) + Array("x\r\n".utf8))
        #expect(refusal?.fedBytes == input.utf8.count)
        #expect(refusal?.error == .limitExceeded(limit: "requestBytesMax", max: Limits.requestBytesMax))
    }

    @Test("a limit error is a LIMIT whose one-line sentence names the limit and says what to do")
    func limitErrorSentences() {
        for limit in ["lineBytesMax", "bulkBytesMax", "argumentsMax", "requestBytesMax", "someOtherMax"] {
            let error = RequestDecoderError.limitExceeded(limit: limit, max: 42)
            #expect(error.code == "LIMIT")
            #expect(error.description.contains(limit))
            #expect(error.description.contains("42"))
            #expect(error.description.contains("reconnect"))
            let isOneLine = !error.description.contains(where: \.isNewline)
            #expect(isOneLine)
        }
    }
}
