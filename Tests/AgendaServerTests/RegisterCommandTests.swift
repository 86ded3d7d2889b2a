import Foundation
import Testing

@Suite("REGISTER: an applicant's data from a registry, once", .serialized)
struct RegisterCommandTests {
    static let row = ["P-TS-2009-000777", "ITA7770001", "D'Angelo", "Anna Maria", "1984-02-29", "mar", "TS-S"]

    @Test("REGISTER makes a pratica readable with PRATICA and LOOKUP VISTO; accents and spaces arrive as sent")
    func registers() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let sui = try node.client("sui.ts")
        let reply = try sui.call(["REGISTER", "P-TS-2009-000778", "ITA7770002", "Nguyễn", "Thị  Hồng", "1990-12-01", "VNM", "TS-S"])
        #expect(reply.fields["pratica"] == "P-TS-2009-000778", "\(reply)")
        #expect(reply.fields["seq"] != nil && reply.fields["existing"] == nil)
        let read = try sui.call("PRATICA", "P-TS-2009-000778").fields
        #expect(read["applicant"] == "Nguyễn Thị Hồng")
        #expect(read["birthdate"] == "1990-12-01" && read["nationality"] == "VNM" && read["office"] == "TS-S")
        #expect(try sui.call("LOOKUP", "VISTO", "ITA7770002").fields["pratica"] == "P-TS-2009-000778")
    }

    @Test("the same data again answers existing 1 and appends nothing, whoever sends it and under any REQID")
    func identicalAgain() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let caf = try node.client("caf.a")
        let first = try caf.call(["REGISTER"] + Self.row + ["REQID", "r-1"])
        #expect(first.fields["pratica"] == "P-TS-2009-000777" && first.fields["nationality"] == "MAR", "\(first)")
        let head = try #require(try caf.logHead())
        let again = try caf.call(["REGISTER"] + Self.row + ["REQID", "r-1"])
        #expect(again.fields["existing"] == "1", "\(again)")
        let otherID = try caf.call(["REGISTER"] + Self.row + ["REQID", "r-2"])
        #expect(otherID.fields["existing"] == "1")
        let admin = try node.client("admin")
        #expect(try admin.call(["REGISTER"] + Self.row).fields["existing"] == "1")
        #expect(try caf.logHead() == head, "an identical REGISTER recorded something")
    }

    @Test("different data for a registered pratica, or a visto another pratica holds, is CONFLICT, recorded once per REQID")
    func differentData() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let sui = try node.client("sui.ts")
        _ = try sui.call(["REGISTER"] + Self.row)
        var changed = Self.row
        changed[3] = "Anna"
        let head = try #require(try sui.logHead())
        let refused = try sui.call(["REGISTER"] + changed + ["REQID", "r-9"])
        #expect(refused.errorCode == "CONFLICT", "\(refused)")
        #expect(try sui.logHead() == head + 1, "the refusal is recorded, as every refusal is")
        #expect(try sui.call(["REGISTER"] + changed + ["REQID", "r-9"]).errorCode == "CONFLICT")
        #expect(try sui.logHead() == head + 1, "the repeat under the same REQID recorded nothing more")
        var otherPratica = Self.row
        otherPratica[0] = "P-TS-2009-000779"
        #expect(try sui.call(["REGISTER"] + otherPratica).errorCode == "CONFLICT", "the visto is taken")
        #expect(try sui.call("PRATICA", "P-TS-2009-000777").fields["applicant"] == "D'Angelo Anna Maria")
    }

    @Test("REGISTER refuses a bad date, an unknown nationality, an office that is no SUI, a SUI of another office, a questura")
    func refusals() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let sui = try node.client("sui.ts")
        let head = try #require(try sui.logHead())
        var row = Self.row
        row[4] = "1984-02-30"
        #expect(try sui.call(["REGISTER"] + row).errorCode == "SYNTAX")
        row = Self.row
        row[5] = "XYZ"
        #expect(try sui.call(["REGISTER"] + row).errorCode == "SYNTAX")
        #expect(try sui.call(["REGISTER"] + Self.row.prefix(6)).errorCode == "SYNTAX")
        let admin = try node.client("admin")
        row = Self.row
        row[6] = "TS-Q"
        #expect(try admin.call(["REGISTER"] + row).errorCode == "NOTFOUND", "TS-Q is a Questura")
        row[6] = "XX-S"
        #expect(try admin.call(["REGISTER"] + row).errorCode == "NOTFOUND")
        row[6] = "RM-S"
        #expect(try sui.call(["REGISTER"] + row).errorCode == "NOPERM", "sui.ts is TS-S's")
        #expect(try node.client("questura.ts").call(["REGISTER"] + Self.row).errorCode == "NOPERM")
        #expect(try node.client("audit").call(["REGISTER"] + Self.row).errorCode == "NOPERM")
        // The three refused by who may act are recorded (who tried what); the malformed ones and
        // the offices that are no SUI never reached the engine.
        #expect(try sui.logHead() == head + 3, "only the NOPERM refusals reached the log")
    }
}

extension RESPClient {
    func call(_ arguments: [String]) throws -> RESPValue {
        try sendRaw(RESPClient.encode(arguments))
        return try read()
    }
}
