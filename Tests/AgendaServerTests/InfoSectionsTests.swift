import Foundation
import Testing

@Suite("INFO: the server section for anyone, the register's figures after AUTH", .serialized)
struct InfoSectionsTests {
    @Test("before AUTH, INFO answers the Server section only, and NOAUTH for any other section")
    func beforeAuth() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let client = try node.client()
        guard case .bulk(let text?) = try client.call("INFO") else { throw TestFailure("INFO is not a bulk string") }
        #expect(text.contains("# Server") && text.contains("redis_version:") && text.contains("agenda_version:"))
        for hidden in ["log_head", "offices:", "pratiche:", "appointments:", "connected_clients", "# Persistence"] {
            #expect(!text.contains(hidden), "INFO before AUTH tells \(hidden): \(text)")
        }
        guard case .bulk(let server?) = try client.call("INFO", "server") else { throw TestFailure("INFO server") }
        #expect(server.contains("redis_version:"))
        for section in ["persistence", "agenda", "clients", "stats"] {
            #expect(try client.call("INFO", section).errorCode == "NOAUTH", "INFO \(section) before AUTH")
        }
        #expect(try client.logHead() == nil)
    }

    @Test("after AUTH, INFO has the log head, the counts and the store's failures")
    func afterAuth() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let client = try node.client("audit")
        guard case .bulk(let text?) = try client.call("INFO") else { throw TestFailure("INFO is not a bulk string") }
        for shown in ["# Server", "log_head_seq:", "offices:4", "pratiche:20", "connected_clients:", "store_failures:0"] {
            #expect(text.contains(shown), "INFO after AUTH lacks \(shown): \(text)")
        }
        #expect(try client.logHead() != nil)
    }
}
