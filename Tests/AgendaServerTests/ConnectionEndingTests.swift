import Foundation
import Testing

/// How a connection ends: QUIT, the last wrong password, a framing error. Each request sent
/// before the end gets its reply, in order; the end's own reply comes last, then the close.
@Suite("A connection's end: every reply before it, its own reply, then the close", .serialized)
struct ConnectionEndingTests {
    static func inline(_ lines: String...) -> [UInt8] { Array(lines.map { $0 + "\r\n" }.joined().utf8) }

    @Test("QUIT answers OK after the replies before it and closes; what follows it is not run", arguments: ["2", "3"])
    func quit(protocolVersion: String) async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let client = try node.client("sui.ts")
        _ = try client.call("HELLO", protocolVersion)
        let head = try #require(try client.logHead())
        try client.sendRaw(RESPClient.encode(["PING", "before"]) + RESPClient.encode(["QUIT"])
            + RESPClient.encode(["BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-1"]))
        let replies = try #require(client.repliesUntilClosed(), "the connection is still open after QUIT")
        #expect(replies == [.bulk("before"), .simple("OK")])
        #expect(try node.client("audit").logHead() == head, "the BOOK after QUIT was not run")
    }

    @Test("QUIT alone, with nothing in flight, answers and closes")
    func quitAlone() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let client = try node.client()
        try client.sendRaw(Self.inline("QUIT"))
        #expect(client.repliesUntilClosed() == [.simple("OK")])
    }

    @Test("five wrong passwords in one write get five WRONGPASS, the last saying so, then the close")
    func fiveWrongPasswords() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let client = try node.client()
        try client.sendRaw(Self.inline("AUTH sui.ts x", "AUTH sui.ts x", "AUTH sui.ts x", "AUTH sui.ts x",
                                       "AUTH sui.ts x", "PING after"))
        let replies = try #require(client.repliesUntilClosed(), "the connection is still open after five wrong passwords")
        #expect(replies.map(\.errorCode) == Array(repeating: "WRONGPASS", count: 5), "\(replies)")
        #expect(replies.last?.description.contains("authFailuresMax") == true, "\(replies)")
    }

    @Test("a framing error after AUTH: AUTH's OK, every command before the bad one answered in order, the error, the close")
    func framingErrorAfterAuth() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let client = try node.client()
        try client.sendRaw(Self.inline("AUTH sui.ts \(testPassword)", "PING a1", "PING a2", "PING a3", "PING a4",
                                       "PING a5", "PING \"x"))
        let replies = try #require(client.repliesUntilClosed(), "the connection is still open after a framing error")
        #expect(replies.count == 7, "\(replies)")
        #expect(Array(replies.prefix(6)) == [.simple("OK"), .bulk("a1"), .bulk("a2"), .bulk("a3"), .bulk("a4"), .bulk("a5")])
        #expect(replies.last?.errorCode == "SYNTAX" && replies.last?.description.contains("unbalanced quotes") == true)
    }

    @Test("a framing error behind a write in flight comes after the write's reply")
    func framingErrorAfterWrite() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let client = try node.client("sui.ts")
        try client.sendRaw(RESPClient.encode(["BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-1"]) + Array("*1\r\n+x\r\n".utf8))
        let replies = try #require(client.repliesUntilClosed())
        #expect(replies.count == 2, "\(replies)")
        #expect(replies.first?.fields["pratica"] == "P-TS-2008-1")
        #expect(replies.last?.errorCode == "SYNTAX")
    }
}
