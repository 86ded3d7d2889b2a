import Events
import Foundation
import Testing

/// A clock a test moves forward.
final class MovableClock: @unchecked Sendable {
    private let lock = NSLock()
    private var instant = serverMorning
    var now: Instant { lock.withLock { instant } }
    func set(_ day: Day, hour: Int) { lock.withLock { instant = Instant(romeDay: day, time: LocalTime(hour: hour, minute: 0)!) } }
}

@Suite("OFFICE, QUOTA, ADDRESS, TRANSITION, MIGRATE and unmarked appointments through the protocol")
struct ServerIssue5Tests {
    @Test("an office's configuration is read with OFFICE and changed one part at a time by its own staff")
    func configuration() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let questura = try node.client("questura.ts")
        #expect(try questura.call("QUOTA", "TS-Q", "fotosegnalamento", "SUI", "x").errorCode == "SYNTAX")
        // More than the slot's capacity (2): refused by the engine, on the record.
        let tooMany = try questura.call("QUOTA", "TS-Q", "fotosegnalamento", "SUI", "2", "BODY", "1")
        #expect(tooMany.errorCode == "SYNTAX" && tooMany.description.contains("exceed capacityPerSlot"), "\(tooMany)")
        let quota = try questura.call("QUOTA", "TS-Q", "fotosegnalamento", "SUI", "1", "RELEASE", "3")
        #expect(quota.fields["office"] == "TS-Q" && quota.fields["seq"] != nil, "\(quota)")
        let address = try questura.call("ADDRESS", "TS-Q", "Via Tor Bandena 6, 34121 Trieste", "PHONE", "040 379 0111")
        #expect(address.fields["address"] == "Via Tor Bandena 6, 34121 Trieste" && address.fields["phone"] == "040 379 0111")
        #expect(try questura.call("TRANSITION", "TS-Q", "2008-04-20", "2008-04-15").errorCode == "SYNTAX")
        let window = try questura.call("TRANSITION", "TS-Q", "2008-04-15", "2008-04-30")
        #expect(window.fields["transitionFrom"] == "2008-04-15" && window.fields["transitionTo"] == "2008-04-30")
        // Anyone signed in but an applicant reads it; the services carry the quotas.
        let office = try node.client("caf.a").call("OFFICE", "TS-Q")
        #expect(office.fields["address"] == "Via Tor Bandena 6, 34121 Trieste" && office.fields["kind"] == "questura")
        guard case .array(let items?) = office, let index = items.firstIndex(of: .bulk("services")),
              case .array(let services?) = items[index + 1] else {
            throw TestFailure("OFFICE has no services array: \(office)")
        }
        let first = services[0].fields
        #expect(first["service"] == "fotosegnalamento" && first["quotaSui"] == "1" && first["quotaOpen"] == "1"
                    && first["releaseDays"] == "3", "\(first)")
        #expect(try node.client("caf.a").call("OFFICE", "XX-Q").errorCode == "NOTFOUND")
        // Not its staff, or not a role that configures: refused by the engine, and the refusal
        // recorded (who tried what), one record each.
        let head = Self.headLine(try questura.call("INFO", "persistence"))
        #expect(try node.client("questura.rm").call("QUOTA", "TS-Q", "fotosegnalamento", "SUI", "1").errorCode == "NOPERM")
        #expect(try node.client("audit").call("ADDRESS", "TS-Q", "x").errorCode == "NOPERM")
        #expect(try node.client("sui.ts").call("TRANSITION", "TS-Q", "OFF").errorCode == "NOPERM")
        let after = Self.headLine(try questura.call("INFO", "persistence"))
        let sequence = { (line: String) in UInt64(line.dropFirst("log_head_seq:".count)) ?? 0 }
        #expect(head.hasPrefix("log_head_seq:") && sequence(after) == sequence(head) + 3, "\(head) then \(after)")
        let closed = try questura.call("TRANSITION", "TS-Q", "OFF")
        #expect(closed.fields["transitionFrom"] == "" && closed.fields["transitionTo"] == "")
    }

    static func headLine(_ info: RESPValue) -> String {
        guard case .bulk(let text?) = info else { return "not a bulk string: \(info)" }
        return text.split(whereSeparator: \.isNewline).first { $0.hasPrefix("log_head_seq") }
            .map(String.init) ?? "no log_head_seq in \(text)"
    }

    @Test("MIGRATE keeps appointments past capacity and flags them; once its day is over, an unmarked one reads missed")
    func migrateAndMissed() async throws {
        let clock = MovableClock()
        let node = try await TestNode(clock: { clock.now })
        defer { Task { await node.stop() } }
        let questura = try node.client("questura.ts")
        let tuesday = serverMonday.adding(days: 1).description
        #expect(try questura.call("MIGRATE", "TS-Q", "fotosegnalamento", "P-TS-2008-1", tuesday, "09:00").errorCode
                    == "CONFLICT")  // no transition window yet
        _ = try questura.call("TRANSITION", "TS-Q", serverMonday.description, "2008-04-30")
        var migrated: [String] = []
        for number in 1...3 {
            let reply = try questura.call("MIGRATE", "TS-Q", "fotosegnalamento", "P-TS-2008-\(number)", tuesday, "09:00",
                                          "LEGACY", "DED-\(number)", "REQID", "mig-\(number)")
            #expect(reply.fields["migrated"] == "1" && reply.fields["legacyId"] == "DED-\(number)", "\(reply)")
            #expect(reply.fields["date"] == tuesday && reply.fields["time"] == "09:00")
            migrated.append(reply.fields["appointment"] ?? "?")
        }
        let again = try questura.call("MIGRATE", "TS-Q", "fotosegnalamento", "P-TS-2008-1", tuesday, "09:00",
                                      "LEGACY", "DED-1", "REQID", "mig-1")
        #expect(again.fields["appointment"] == migrated[0] && again.fields["repeated"] == "1")
        #expect(try questura.call("MIGRATE", "TS-Q", "fotosegnalamento", "P-TS-2008-4", tuesday, "09:05").errorCode == "SYNTAX")
        #expect(try node.client("caf.a").call("MIGRATE", "TS-Q", "fotosegnalamento", "P-TS-2008-4", tuesday, "09:00")
                    .errorCode == "NOPERM")
        let capacity = try questura.call("CAPACITY", "TS-Q", "fotosegnalamento", tuesday, tuesday).list.first?.fields
        #expect(capacity?["capacity"] == "4" && capacity?["booked"] == "3" && capacity?["free"] == "2", "\(capacity ?? [:])")
        let booked = try node.client("sui.ts").call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-4", "ON", tuesday)
        #expect(booked.fields["time"] == "09:30" && booked.fields["migrated"] == "0" && booked.fields["unmarked"] == nil)
        let id = try #require(booked.fields["appointment"])

        // Wednesday: Tuesday is over and nobody marked them.
        clock.set(serverMonday.adding(days: 2), hour: 8)
        let appt = try questura.call("APPT", id)
        #expect(appt.fields["state"] == "missed" && appt.fields["unmarked"] == "1", "\(appt)")
        let agenda = try questura.call("AGENDA", "TS-Q", tuesday).list.map(\.fields)
        #expect(agenda.count == 4 && agenda.allSatisfy { $0["state"] == "missed" && $0["unmarked"] == "1" })
        #expect(agenda.filter { $0["migrated"] == "1" }.count == 3)
        #expect(try node.client("sui.ts").call("CANCEL", id).errorCode == "CONFLICT")
        // ATTEND still records it, late; then it reads attended, marked.
        let attended = try questura.call("ATTEND", id)
        #expect(attended.fields["state"] == "attended")
        let after = try questura.call("APPT", id)
        #expect(after.fields["state"] == "attended" && after.fields["unmarked"] == nil)
        // The pratica of a missed one books again.
        let rebooked = try node.client("sui.ts").call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-1")
        #expect(rebooked.fields["appointment"] != nil && rebooked.fields["appointment"] != migrated[0], "\(rebooked)")
    }
}
