import AgendaServer
import Events
import Foundation
import Testing

@Suite("RETENTION through the protocol, and the node's clock erasing what fell due")
struct RetentionCommandTests {
    @Test("the Prefettura sets the period; the clock's tick erases the data that many days after the pickup")
    func retentionThroughTheNode() async throws {
        let clock = MovableClock()
        let node = try await TestNode(clock: { clock.now })
        defer { Task { await node.stop() } }
        let prefettura = try node.client("prefettura.ts")
        let questura = try node.client("questura.ts")
        #expect(try prefettura.call("RETENTION", "TS-S", "soon").errorCode == "SYNTAX")
        #expect(try prefettura.call("RETENTION", "TS-S", "70000").errorCode == "SYNTAX")
        #expect(try prefettura.call("RETENTION", "TS-S").errorCode == "SYNTAX")
        // Not the data controller: refused by the engine, on the record.
        #expect(try questura.call("RETENTION", "TS-S", "30").errorCode == "NOPERM")
        #expect(try node.client("sui.ts").call("RETENTION", "TS-S", "30").errorCode == "NOPERM")
        let set = try prefettura.call("RETENTION", "TS-S", "30")
        #expect(set.fields["office"] == "TS-S" && set.fields["retentionDays"] == "30" && set.fields["seq"] != nil, "\(set)")
        #expect(try node.client("caf.a").call("OFFICE", "TS-S").fields["retentionDays"] == "30")

        for pratica in ["P-TS-2008-1", "P-TS-2008-2"] {
            #expect(try questura.call("READY", pratica).errorCode == nil)
            #expect(try questura.call("PICKUP", pratica).errorCode == nil)
        }
        let ticker = NodeClock(node: node.context)
        clock.set(serverMonday.adding(days: 29), hour: 23)
        let before = ServerIssue5Tests.headLine(try questura.call("INFO", "persistence"))
        #expect(await ticker.check())
        #expect(ServerIssue5Tests.headLine(try questura.call("INFO", "persistence")) == before, "nothing due: no record")

        // The loop as the node runs it, on a short interval: it appends the tick by itself.
        clock.set(serverMonday.adding(days: 30), hour: 8)
        let running = Task { try await NodeClock(node: node.context, interval: .milliseconds(20)).run() }
        defer { running.cancel() }
        var history: [[String: String]] = []
        for _ in 0..<200 {
            history = try questura.call("HISTORY", "P-TS-2008-1").list.map(\.fields)
            if history.last?["command"] == "tick" { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(history.last?["command"] == "tick" && history.last?["actor"]?.hasPrefix("system") == true, "\(history)")
        #expect(history.last?["outcome"]?.contains("retention: 30 days after the pickup on \(serverMonday) (TS-S)") == true,
                "\(history.last ?? [:])")
        let erased = try questura.call("PRATICA", "P-TS-2008-2").fields
        #expect(erased["applicant"] == " " && erased["visto"] == "" && erased["permit"] == "delivered", "\(erased)")
        #expect(try questura.call("PRATICA", "P-TS-2008-3").fields["applicant"] == "Rossi Mario 3", "never picked up: kept")
        #expect(try node.client().call("STATUS", "Rossi", "Mario 1", "1980-01-02", serverMonday.description).description
                    .contains("unknown"))
    }
}
