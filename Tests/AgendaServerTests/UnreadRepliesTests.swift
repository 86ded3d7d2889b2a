@testable import AgendaServer
import Foundation
import Testing

/// A client that sends and never reads: the node stops reading it past the soft output limit,
/// closes it past the hard one, and goes on answering everyone else.
@Suite("A client that does not read its replies: paused, then closed; the others answered", .serialized)
struct UnreadRepliesTests {
    /// About 34 KB of reply from 60 bytes of request: a year of days.
    static let capacity = ["CAPACITY", "TS-Q", "fotosegnalamento", "2008-04-15", "2009-05-18"]
    static let office = serverOffice(horizonDays: 400)

    @Test("past the hard limit the connection is closed with most of its requests unanswered; another connection's PING is answered")
    func closedPastHardLimit() async throws {
        let node = try await TestNode(office: Self.office, outputLimits: OutputLimits(softBytes: 16_384, hardBytes: 262_144))
        defer { Task { await node.stop() } }
        let days = try node.client("audit").call(Self.capacity).list.count
        #expect(days == 399)
        let flooder = try RESPClient(port: node.port, receiveBufferBytes: 4_096)
        #expect(try flooder.call("AUTH", "audit", testPassword) == .simple("OK"))
        // 600 of them are 20 MB, several times what the kernel's buffers hold.
        let requests = 600
        _ = flooder.sendUntilStalled(Array(repeating: RESPClient.encode(Self.capacity), count: requests).flatMap { $0 })

        #expect(try node.client().call("PING") == .simple("PONG"))
        // Without reading a byte, the client sees the node close the connection.
        #expect(flooder.waitForPeerClose(seconds: 300), "the node did not close a connection that never read")
        let replies = try #require(flooder.repliesUntilClosed(), "the connection that never read is still open")
        #expect(replies.count < requests, "every reply was sent to a client that did not read")
        #expect(replies.allSatisfy { $0.list.count == days }, "the replies it did get are whole CAPACITY replies")
    }

    @Test("past the soft limit the connection is paused, not dropped: read later, every reply comes, in order")
    func pausedBelowHardLimit() async throws {
        let node = try await TestNode(office: Self.office, outputLimits: OutputLimits(softBytes: 65_536, hardBytes: 1 << 30))
        defer { Task { await node.stop() } }
        let days = try node.client("audit").call(Self.capacity).list.count
        let slow = try RESPClient(port: node.port, receiveBufferBytes: 4_096)
        #expect(try slow.call("AUTH", "audit", testPassword) == .simple("OK"))
        // 32 MB of PINGs, answered word for word, far more than the kernel's buffers: the node has
        // to stop reading. A CAPACITY every tenth, answered through the store.
        let requests = 1_000
        let padding = String(repeating: "x", count: 32_000)
        var bytes: [UInt8] = []
        for number in 0..<requests {
            bytes += RESPClient.encode(["PING", "p\(number)-\(padding)"])
            if number % 10 == 0 { bytes += RESPClient.encode(Self.capacity) }
        }
        let taken = slow.sendUntilStalled(bytes)
        #expect(taken < bytes.count, "the node kept reading a client that did not read (it took all \(bytes.count) bytes)")
        #expect(try node.client().call("PING") == .simple("PONG"))

        // Now read, and send the rest as the node takes it.
        let rest = Array(bytes[taken...])
        let socket = slow.socket
        let sender = Thread { _ = sendAll(socket, rest) }
        sender.start()
        for number in 0..<requests {
            let pong = try slow.read()
            guard pong == .bulk("p\(number)-\(padding)") else {
                Issue.record("reply to PING p\(number) is \(String(pong.description.prefix(80)))")
                return
            }
            if number % 10 == 0 {
                let capacity = try slow.read()
                #expect(capacity.list.count == days, "the CAPACITY after PING p\(number) is \(String(capacity.description.prefix(80)))")
            }
        }
    }
}
