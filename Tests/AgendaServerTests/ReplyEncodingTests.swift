import NIOCore
import Testing

@testable import AgendaServer

@Suite("Reply encoding, RESP2 and RESP3")
struct ReplyEncodingTests {
    static let appointment = Reply.map([
        ReplyField("appointment", .bulk("A-4F2K9")),
        ReplyField("deferred", .integer(1)),
    ])

    /// Each reply with its exact bytes for a RESP2 client and for a RESP3 client.
    static let cases: [(reply: Reply, resp2: String, resp3: String)] = [
        (.status("OK"), "+OK\r\n", "+OK\r\n"),
        (.status("two\r\nlines"), "+two  lines\r\n", "+two  lines\r\n"),
        (.error(code: "NOTFOUND", message: "No appointment A-1; check the id."), "-NOTFOUND No appointment A-1; check the id.\r\n", "-NOTFOUND No appointment A-1; check the id.\r\n"),
        (.error(code: "SYNTAX", message: "bad\nline"), "-SYNTAX bad line\r\n", "-SYNTAX bad line\r\n"),
        (.error(code: "INTERNAL", message: ""), "-INTERNAL\r\n", "-INTERNAL\r\n"),
        (.integer(0), ":0\r\n", ":0\r\n"),
        (.integer(-42), ":-42\r\n", ":-42\r\n"),
        (.integer(Int.max), ":9223372036854775807\r\n", ":9223372036854775807\r\n"),
        (.bulk(""), "$0\r\n\r\n", "$0\r\n\r\n"),
        (.bulk("caffè"), "$6\r\ncaffè\r\n", "$6\r\ncaffè\r\n"),
        (.bulk("a\r\nb"), "$4\r\na\r\nb\r\n", "$4\r\na\r\nb\r\n"),
        (.null, "$-1\r\n", "_\r\n"),
        (.nullArray, "*-1\r\n", "_\r\n"),
        (.array([]), "*0\r\n", "*0\r\n"),
        (
            .array([.bulk("a"), .integer(1), .array([.null, .status("OK")])]),
            "*3\r\n$1\r\na\r\n:1\r\n*2\r\n$-1\r\n+OK\r\n",
            "*3\r\n$1\r\na\r\n:1\r\n*2\r\n_\r\n+OK\r\n"
        ),
        (.map([]), "*0\r\n", "%0\r\n"),
        (
            appointment,
            "*4\r\n$11\r\nappointment\r\n$7\r\nA-4F2K9\r\n$8\r\ndeferred\r\n:1\r\n",
            "%2\r\n$11\r\nappointment\r\n$7\r\nA-4F2K9\r\n$8\r\ndeferred\r\n:1\r\n"
        ),
        (
            .array([appointment]),
            "*1\r\n*4\r\n$11\r\nappointment\r\n$7\r\nA-4F2K9\r\n$8\r\ndeferred\r\n:1\r\n",
            "*1\r\n%2\r\n$11\r\nappointment\r\n$7\r\nA-4F2K9\r\n$8\r\ndeferred\r\n:1\r\n"
        ),
        (
            .map([ReplyField("moved", .integer(1)), ReplyField("list", .array([.boolean(true), .double(0.5)]))]),
            "*4\r\n$5\r\nmoved\r\n:1\r\n$4\r\nlist\r\n*2\r\n:1\r\n$3\r\n0.5\r\n",
            "%2\r\n$5\r\nmoved\r\n:1\r\n$4\r\nlist\r\n*2\r\n#t\r\n,0.5\r\n"
        ),
        (
            .push([.bulk("message"), .bulk("agenda:RM-Q"), .bulk("booked")]),
            "*3\r\n$7\r\nmessage\r\n$11\r\nagenda:RM-Q\r\n$6\r\nbooked\r\n",
            ">3\r\n$7\r\nmessage\r\n$11\r\nagenda:RM-Q\r\n$6\r\nbooked\r\n"
        ),
        (.double(1.5), "$3\r\n1.5\r\n", ",1.5\r\n"),
        (.double(-0.1), "$4\r\n-0.1\r\n", ",-0.1\r\n"),
        (.double(3), "$1\r\n3\r\n", ",3\r\n"),
        (.double(1e300), "$6\r\n1e+300\r\n", ",1e+300\r\n"),
        (.double(.infinity), "$3\r\ninf\r\n", ",inf\r\n"),
        (.double(-.infinity), "$4\r\n-inf\r\n", ",-inf\r\n"),
        (.double(.nan), "$3\r\nnan\r\n", ",nan\r\n"),
        (.boolean(true), ":1\r\n", "#t\r\n"),
        (.boolean(false), ":0\r\n", "#f\r\n"),
        (.verbatim("# Server\r\nversion:1\r\n"), "$21\r\n# Server\r\nversion:1\r\n\r\n", "=25\r\ntxt:# Server\r\nversion:1\r\n\r\n"),
        (.verbatim(""), "$0\r\n\r\n", "=4\r\ntxt:\r\n"),
    ]

    @Test("each reply is written as RESP2 and as RESP3 byte for byte", arguments: cases)
    func exactBytes(reply: Reply, resp2: String, resp3: String) {
        #expect(Self.written(reply, .resp2) == resp2)
        #expect(Self.written(reply, .resp3) == resp3)
    }

    @Test("the encoder writes each reply in the version that travels with it")
    func encoderUsesVersion() throws {
        var out = ByteBuffer()
        let encoder = ReplyEncoder()
        encoder.encode(data: ReplyOut(.null, version: .resp2), out: &out)
        encoder.encode(data: ReplyOut(.null, version: .resp3), out: &out)
        #expect(String(buffer: out) == "$-1\r\n_\r\n")
    }

    static func written(_ reply: Reply, _ version: ProtocolVersion) -> String {
        var buffer = ByteBuffer()
        reply.write(to: &buffer, version: version)
        return String(buffer: buffer)
    }
}
