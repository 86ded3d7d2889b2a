@testable import Engine
import Events
import Foundation
import Testing

@Suite("agenda-node end to end: the commands and errors of PROTOCOL.md", .serialized)
struct ServerCommandTests {
    @Test("BOOK before AUTH gets NOAUTH; a wrong password WRONGPASS; PING and HELLO need no account")
    func authentication() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let client = try node.client()
        #expect(try client.call("PING") == .simple("PONG"))
        #expect(try client.call("PING", "ciao") == .bulk("ciao"))
        #expect(try client.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-1").errorCode == "NOAUTH")
        #expect(try client.call("AUTH", "sui.ts", "wrong").errorCode == "WRONGPASS")
        #expect(try client.call("AUTH", "nobody", "wrong").errorCode == "WRONGPASS")
        #expect(try client.call("AUTH", "sui.ts", testPassword) == .simple("OK"))
        let hello = try client.call("HELLO", "3")
        #expect(hello.fields["proto"] == "3")
        #expect(hello.fields["server"] == "agenda")
        #expect(try client.call("HELLO", "4").errorCode == "NOPROTO")
    }

    @Test("a reply keeps the protocol its request was sent under, even with HELLO 3 pipelined right after it")
    func helloPipelined() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let client = try node.client("sui.ts")
        try client.sendRaw(RESPClient.encode(["BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-1"])
            + RESPClient.encode(["HELLO", "3"]) + RESPClient.encode(["APPT", "A-NONE"])
            + RESPClient.encode(["PRATICA", "P-TS-2008-1"]))
        guard case .array(let booked?) = try client.read() else { throw TestFailure("BOOK's reply is not a RESP2 array") }
        #expect(booked.count == 24)
        guard case .map = try client.read() else { throw TestFailure("HELLO 3's reply is not a RESP3 map") }
        #expect(try client.read().errorCode == "NOTFOUND")
        guard case .map(let pratica) = try client.read() else { throw TestFailure("after HELLO 3, replies are maps") }
        #expect(pratica.contains(.bulk("P-TS-2008-1")))
    }

    @Test("BOOK answers the appointment map, moves on past a full day by itself, and REQID repeats the first reply")
    func book() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let sui = try node.client("sui.ts")
        let first = try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-1", "REQID", "r-1").fields
        #expect(first["appointment"]?.hasPrefix("A-") == true)
        #expect(first["date"] == "2008-04-15")
        #expect(first["time"] == "09:00")
        #expect(first["pratica"] == "P-TS-2008-1")
        #expect(first["deferred"] == "0")
        #expect(first["requested"] == "2008-04-15")
        #expect(first["seq"] != nil)
        let repeated = try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-1", "REQID", "r-1").fields
        #expect(repeated == first)
        // Four places a day: the fifth booking asked for the 15th moves on to the 16th.
        for index in 2...4 { _ = try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-\(index)", "ON", "2008-04-15") }
        let moved = try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-5", "ON", "2008-04-15").fields
        #expect(moved["date"] == "2008-04-16")
        #expect(moved["requested"] == "2008-04-15")
        #expect(moved["deferred"] == "1")
        #expect(try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-1").errorCode == "CONFLICT")
        let existing = try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-1", "EXISTING").fields
        #expect(existing["appointment"] == first["appointment"])
        #expect(existing["existing"] == "1")
        #expect(try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-NONE").errorCode == "NOTFOUND")
        #expect(try sui.call("BOOK", "XX-Q", "fotosegnalamento", "P-TS-2008-6").errorCode == "NOTFOUND")
        #expect(try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-6", "ON", "2008-04-25").errorCode == "CLOSED")
        #expect(try sui.call("BOOK", "TS-Q", "consegna-permesso", "P-TS-2008-6").errorCode == "NOTREADY")
        #expect(try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-6", "ON", "15/04/2008").errorCode == "SYNTAX")
        #expect(try sui.call("BOOK", "TS-Q", "fotosegnalamento").errorCode == "SYNTAX")
        #expect(try sui.call("BOOK", "TS-Q", "fotosegnalamento", String(repeating: "P", count: 100)).errorCode == "LIMIT")
        #expect(try sui.call("FROBNICATE").errorCode == "SYNTAX")
    }

    @Test("FULL when no place is left within the horizon")
    func full() async throws {
        let node = try await TestNode(pratiche: 6, office: serverOffice(capacity: 1, slots: 1, horizonDays: 2))
        defer { Task { await node.stop() } }
        let sui = try node.client("sui.ts")
        // Lead one day, horizon two: the 15th and 16th, one place each.
        #expect(try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-0").fields["date"] == "2008-04-15")
        #expect(try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-1").fields["date"] == "2008-04-16")
        #expect(try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-2").errorCode == "FULL")
        let free = try sui.call("FIRSTFREE", "TS-Q", "fotosegnalamento", "COUNT", "5")
        #expect(free.list.isEmpty)
    }

    @Test("FIRSTFREE, DEFER, CANCEL, APPT, AGENDA, CAPACITY, PRATICA, LOOKUP VISTO and HISTORY answer their shapes")
    func readingAndMoving() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let sui = try node.client("sui.ts")
        let free = try sui.call("FIRSTFREE", "TS-Q", "fotosegnalamento", "COUNT", "3").list.map(\.fields)
        #expect(free.map { $0["date"] } == ["2008-04-15", "2008-04-15", "2008-04-16"])
        #expect(free.map { $0["time"] } == ["09:00", "09:30", "09:00"])
        #expect(free.first?["free"] == "2")
        let booked = try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-1").fields
        let id = try #require(booked["appointment"])
        let next = try sui.call("DEFER", id, "NEXT", "REASON", "applicant asked").fields
        #expect(next["appointment"] == id)
        #expect(next["date"] == "2008-04-15")
        #expect(next["time"] == "09:30")
        let moved = try sui.call("DEFER", id, "TO", "2008-04-18", "AT", "09:30").fields
        #expect(moved["date"] == "2008-04-18")
        #expect(moved["time"] == "09:30")
        #expect(try sui.call("DEFER", id, "NEXT", "TO", "2008-04-18").errorCode == "SYNTAX")
        #expect(try sui.call("APPT", id).fields["date"] == "2008-04-18")

        let questura = try node.client("questura.ts")
        let agenda = try questura.call("AGENDA", "TS-Q", "2008-04-18").list.map(\.fields)
        #expect(agenda.map { $0["appointment"] } == [id])
        let capacity = try questura.call("CAPACITY", "TS-Q", "fotosegnalamento", "2008-04-18", "2008-04-19").list.map(\.fields)
        #expect(capacity.map { $0["booked"] } == ["1", "0"])
        #expect(capacity.map { $0["free"] } == ["3", "4"])
        #expect(capacity.first?["capacity"] == "4")
        #expect(try node.client("questura.rm").call("AGENDA", "TS-Q", "2008-04-18").errorCode == "NOPERM")

        let cancelled = try sui.call("CANCEL", id, "REASON", "left Italy").fields
        #expect(cancelled["state"] == "cancelled")
        #expect(try sui.call("CANCEL", id).errorCode == "CONFLICT")
        // An unknown id answers staff as another office's appointment would: nothing leaks.
        #expect(try sui.call("CANCEL", "A-NONE").errorCode == "NOPERM")
        #expect(try node.client("admin").call("CANCEL", "A-NONE").errorCode == "NOTFOUND")

        let pratica = try sui.call("PRATICA", "P-TS-2008-1").fields
        #expect(pratica["pratica"] == "P-TS-2008-1")
        #expect(pratica["permit"] == "not-ready")
        #expect(try sui.call("LOOKUP", "VISTO", "ITA1").fields["pratica"] == "P-TS-2008-1")
        #expect(try sui.call("LOOKUP", "VISTO", "NONE").errorCode == "NOTFOUND")
        let history = try questura.call("HISTORY", "P-TS-2008-1").list.map(\.fields)
        #expect(history.map { $0["command"]?.split(separator: " ").first.map(String.init) }
            == ["register-pratica", "book", "defer", "defer", "cancel", "cancel"])
        #expect(history.last?["outcome"]?.hasPrefix("rejected (appointment-not-live)") == true)
        #expect(history[1]["actor"] == "sui.ts@TS-S")
        #expect(try node.client("caf.a").call("HISTORY", "P-TS-2008-1").errorCode == "NOPERM")
    }

    @Test("READY then PICKUP for the Questura; other roles get NOPERM; ATTEND and NOSHOW on the day only")
    func questuraDesk() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let questura = try node.client("questura.ts")
        let sui = try node.client("sui.ts")
        #expect(try sui.call("READY", "P-TS-2008-2").errorCode == "NOPERM")
        #expect(try questura.call("PICKUP", "P-TS-2008-2").errorCode == "NOTREADY")
        #expect(try questura.call("READY", "P-TS-2008-2").fields["permit"] == "ready")
        let caf = try node.client("caf.a")
        let pickup = try caf.call("BOOK", "TS-Q", "consegna-permesso", "P-TS-2008-2").fields
        #expect(pickup["service"] == "consegna-permesso")
        let delivered = try questura.call("PICKUP", "P-TS-2008-2").fields
        #expect(delivered["permit"] == "delivered")
        #expect(try questura.call("PICKUP", "P-TS-2008-2").errorCode == "CONFLICT")
        let booked = try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-3").fields
        let id = try #require(booked["appointment"])
        // The clock says Monday the 14th; the appointment is on the 15th.
        #expect(try questura.call("ATTEND", id).errorCode == "CONFLICT")
        #expect(try node.client("questura.rm").call("NOSHOW", id).errorCode == "NOPERM")
        #expect(try caf.call("ATTEND", id).errorCode == "NOPERM")
    }

    @Test("a body cannot cancel, defer or read another body's appointment (NOPERM); its own it can")
    func bodiesActOnlyOnTheirOwn() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let first = try node.client("caf.a")
        let other = try node.client("caf.b")
        let id = try #require(try first.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-7").fields["appointment"])
        #expect(try other.call("CANCEL", id).errorCode == "NOPERM")
        #expect(try other.call("DEFER", id, "NEXT").errorCode == "NOPERM")
        #expect(try other.call("APPT", id).errorCode == "NOPERM")
        #expect(try node.client("questura.ts").call("APPT", id).fields["bookedBy"] == "CAF-A")
        #expect(try first.call("CANCEL", id).fields["state"] == "cancelled")
        // The refused attempts are in the log like every refusal: the pratica's history shows who tried.
        let history = try node.client("audit").call("HISTORY", "P-TS-2008-7").list.map(\.fields)
        #expect(history.count == 5)
        #expect(history.map { $0["outcome"]?.hasPrefix("rejected (not-permitted)") == true }
            == [false, false, true, true, false])
        #expect(history[2]["actor"]?.hasPrefix("caf.b@") == true)
    }

    @Test("CLOSE moves the day's appointments on, earliest first, and reports them; only staff may close")
    func closeDay() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let sui = try node.client("sui.ts")
        var ids: [String] = []
        for index in 0..<3 {
            ids.append(try #require(try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-\(index)").fields["appointment"]))
        }
        #expect(try sui.call("CLOSE", "TS-Q", "2008-04-15", "REASON", "sciopero").errorCode == "NOPERM")
        let questura = try node.client("questura.ts")
        #expect(try questura.call("CLOSE", "TS-Q", "2008-04-15").errorCode == "SYNTAX")
        let closed = try questura.call("CLOSE", "TS-Q", "2008-04-15", "REASON", "sciopero").fields
        #expect(closed["moved"] == "3")
        let moved = try questura.call("AGENDA", "TS-Q", "2008-04-16").list.map(\.fields)
        #expect(moved.map { $0["appointment"] } == ids)
        #expect(try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-9", "ON", "2008-04-15").errorCode == "CLOSED")
    }

    @Test("STATUS answers only ready, not-ready or unknown, without an account")
    func status() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let sui = try node.client("sui.ts")
        _ = try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-4")
        let public_ = try node.client()
        // Applicant 4: Rossi, Mario 4, born 1980-01-05; fingerprinting booked on the 15th.
        #expect(try public_.call("STATUS", "Rossi", "Mario 4", "1980-01-05", "2008-04-15") == .simple("not-ready"))
        #expect(try public_.call("STATUS", "ROSSI", "mario 4", "1980-01-05", "2008-04-16") == .simple("unknown"))
        #expect(try public_.call("STATUS", "Bianchi", "Anna", "1990-02-02", "2008-04-15") == .simple("unknown"))
        _ = try node.client("questura.ts").call("READY", "P-TS-2008-4")
        #expect(try public_.call("STATUS", "Rossi", "Mario 4", "1980-01-05", "2008-04-15") == .simple("ready"))
        #expect(try public_.call("STATUS", "Rossi", "Mario 4", "05/01/1980", "2008-04-15").errorCode == "SYNTAX")
    }

    @Test("an oversized line gets LIMIT and the connection closes; nothing is recorded")
    func oversizedLine() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let head = try node.store.head().sequence
        let client = try node.client("sui.ts")
        try client.sendRaw(Array("BOOK TS-Q fotosegnalamento \(String(repeating: "x", count: Limits.lineBytesMax + 10))\r\n".utf8))
        #expect(try client.read().errorCode == "LIMIT")
        #expect(client.isClosed())
        #expect(try node.store.head().sequence == head)
    }

    @Test("a closing store answers BUSY; SUBSCRIBE pushes each event touching the office")
    func busyAndSubscribe() async throws {
        let node = try await TestNode()
        let watcher = try node.client("questura.ts")
        let subscribed = try watcher.call("SUBSCRIBE", "agenda:TS-Q")
        #expect(subscribed.list == [.bulk("subscribe"), .bulk("agenda:TS-Q"), .integer(1)])
        #expect(try watcher.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-1").errorCode == "SYNTAX")
        let sui = try node.client("sui.ts")
        let booked = try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-1").fields
        let message = try watcher.read().list
        #expect(message.first == .bulk("message"))
        #expect(message.dropFirst().first == .bulk("agenda:TS-Q"))
        guard case .bulk(let payload?) = message.last else { throw TestFailure("no payload in \(message)") }
        #expect(payload.contains("\"appointment\":\"\(booked["appointment"] ?? "?")\""))
        #expect(payload.contains("\"event\":\"appointment-booked\""))
        #expect(try watcher.call("SUBSCRIBE", "agenda:RM-Q").errorCode == "NOPERM")
        node.store.close()
        #expect(try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-2").errorCode == "BUSY")
        await node.stop()
    }

    @Test("a commit that fails answers INTERNAL, records nothing, and the node goes on")
    func internalError() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let sui = try node.client("sui.ts")
        let head = try node.store.head()
        node.store.failingCommits.fail(next: 1)
        #expect(try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-1").errorCode == "INTERNAL")
        #expect(try node.store.head() == head)
        #expect(try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-1").fields["pratica"] == "P-TS-2008-1")
    }

    @Test("10,000 pipelined commands are answered in order")
    func pipelining() async throws {
        let node = try await TestNode(pratiche: 5_000, office: serverOffice(capacity: 200, slots: 10, horizonDays: 60))
        defer { Task { await node.stop() } }
        let client = try node.client("sui.ts")
        var burst: [UInt8] = []
        for index in 0..<5_000 {
            burst += RESPClient.encode(["BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-\(index)"])
            burst += RESPClient.encode(["PING", "p\(index)"])
        }
        try client.sendRaw(burst)
        for index in 0..<5_000 {
            let booked = try client.read().fields
            #expect(booked["pratica"] == "P-TS-2008-\(index)")
            #expect(try client.read() == .bulk("p\(index)"))
        }
    }

    @Test("50 clients racing for the last places of a day never overbook it")
    func racingClients() async throws {
        let node = try await TestNode(pratiche: 200, office: serverOffice(capacity: 5, slots: 2, horizonDays: 3))
        defer { Task { await node.stop() } }
        let port = node.port
        let results = try await withThrowingTaskGroup(of: [RESPValue].self) { group in
            for client in 0..<50 {
                group.addTask {
                    let connection = try RESPClient(port: port)
                    _ = try connection.call("AUTH", "sui.ts", testPassword)
                    return try (0..<4).map { attempt in
                        try connection.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-\(client * 4 + attempt)",
                                            "ON", "2008-04-15")
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let booked = results.map(\.fields).filter { $0["appointment"] != nil }
        // Ten places a day for three days (the 15th, 16th, 17th): 30 in all, the rest FULL.
        #expect(booked.count == 30)
        #expect(booked.filter { $0["date"] == "2008-04-15" }.count == 10)
        #expect(results.filter { $0.errorCode == "FULL" }.count == 170)
        let capacity = try node.client("questura.ts").call("CAPACITY", "TS-Q", "fotosegnalamento", "2008-04-15", "2008-04-17")
        #expect(capacity.list.map(\.fields).map { $0["booked"] } == ["10", "10", "10"])
    }
}
