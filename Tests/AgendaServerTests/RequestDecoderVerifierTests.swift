import NIOCore
import NIOTestUtils
import Testing

@testable import AgendaServer

@Suite("Request decoder, verified in every chunking")
struct RequestDecoderVerifierTests {
    static let pairs: [(String, [Request])] = [
        ("*1\r\n$4\r\nPING\r\n", [request("PING")]),
        ("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n", [request("SET", "key", "value")]),
        ("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", [request("ECHO", "")]),
        ("*2\r\n$4\r\nECHO\r\n$4\r\na\r\nb\r\n", [request("ECHO", "a\r\nb")]),
        ("*2\r\n$4\r\nECHO\r\n$6\r\n*1\r\n$4\r\n", [request("ECHO", "*1\r\n$4")]),
        ("*2\r\n$4\r\nECHO\r\n$1000\r\n\(String(repeating: "x", count: 1000))\r\n", [request("ECHO", String(repeating: "x", count: 1000))]),
        ("*2\r\n$4\r\nECHO\r\n$7\r\ncaffè!\r\n", [request("ECHO", "caffè!")]),
        ("PING\r\n", [request("PING")]),
        ("PING\n", [request("PING")]),
        ("SET key \"two words\"\r\n", [request("SET", "key", "two words")]),
        ("ECHO 'it\\'s'\r\n", [request("ECHO", "it's")]),
        ("ECHO \"a\\x41\\n\\\"\"\r\n", [request("ECHO", "aA\n\"")]),
        ("  BOOK   RM-Q\tfotosegnalamento  P-RM-2008-000123 \r\n", [request("BOOK", "RM-Q", "fotosegnalamento", "P-RM-2008-000123")]),
        ("\r\n", []),
        ("\n", []),
        ("   \t \r\n", []),
        ("\r\n\nPING\r\n", [request("PING")]),
        ("*0\r\n", []),
        ("*-1\r\n*1\r\n$4\r\nPING\r\n", [request("PING")]),
        (
            "*1\r\n$4\r\nPING\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nQUIT\n",
            [request("PING"), request("PING"), request("GET", "k"), request("QUIT")]
        ),
    ]

    @Test("every chunking of multibulk, inline, quoted, empty and pipelined input yields the same requests")
    func verifierAcceptsEveryChunking() throws {
        let allocator = ByteBufferAllocator()
        let pairs = Self.pairs.map { (allocator.buffer(string: $0.0), $0.1) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { RequestDecoder() }
    }

    @Test("bytes that are not UTF-8 decode lossily, in every chunking")
    func verifierAcceptsNonUTF8() throws {
        var input = ByteBuffer(string: "*2\r\n$4\r\nECHO\r\n$2\r\n")
        input.writeBytes([0xFF, 0xFE])
        input.writeString("\r\n")
        var inline = ByteBuffer(string: "ECHO ")
        inline.writeBytes([0xC3])
        inline.writeString("\r\n")
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [
                (input, [request("ECHO", "\u{FFFD}\u{FFFD}")]),
                (inline, [request("ECHO", "\u{FFFD}")]),
            ]
        ) { RequestDecoder() }
    }
}
