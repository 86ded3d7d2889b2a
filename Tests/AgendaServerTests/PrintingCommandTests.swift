@testable import Engine
import Events
import Foundation
import Testing

@Suite("PRINT and DAYLIST: the printed documents through the protocol", .serialized)
struct PrintingCommandTests {
    static func bulk(_ value: RESPValue) -> String? {
        if case .bulk(let text?) = value { return text }
        return nil
    }

    @Test("PRINT CONVOCATION answers the note as text, HTML or iCalendar in the language asked, the applicant's by default")
    func printConvocation() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let sui = try node.client("sui.ts")
        let booked = try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-1").fields
        let id = try #require(booked["appointment"])
        // An Albanian applicant: Italian by default.
        let text = try #require(Self.bulk(try sui.call("PRINT", "CONVOCATION", id)))
        #expect(text.contains("NOTA DI CONVOCAZIONE") && text.contains(id) && text.contains("P-TS-2008-1"), "\(text)")
        #expect(text.contains("martedì 15 aprile 2008") && text.contains(booked["time"] ?? "?"))
        let english = try #require(Self.bulk(try sui.call("print", "convocation", id, "lang", "EN")))
        #expect(english.contains("APPOINTMENT NOTICE") && english.contains("Tuesday 15 April 2008"))
        let html = try #require(Self.bulk(try sui.call("PRINT", "CONVOCATION", id, "LANG", "ar", "FORMAT", "html")))
        #expect(html.contains("<html lang=\"ar\" dir=\"rtl\">") && html.contains("@page { size: A4;"))
        let ics = try #require(Self.bulk(try sui.call("PRINT", "CONVOCATION", id, "FORMAT", "ICS")))
        #expect(ics.hasPrefix("BEGIN:VCALENDAR\r\n") && ics.contains("\r\nDTSTART;TZID=Europe/Rome:20080415T"))
        // DTSTAMP is when the booking was decided: the node's clock, 08:00 in Rome (06:00 UTC in April).
        #expect(ics.contains("\r\nDTSTAMP:20080414T060000Z\r\n"), "\(ics)")
        // Staff of the office and audit print it too; a body that did not book it may not.
        #expect(Self.bulk(try node.client("questura.ts").call("PRINT", "CONVOCATION", id)) == text)
        #expect(Self.bulk(try node.client("audit").call("PRINT", "CONVOCATION", id)) == text)
        #expect(try node.client("caf.a").call("PRINT", "CONVOCATION", id).errorCode == "NOPERM")
    }

    @Test("PRINT refuses what it cannot print, saying why, and changes nothing")
    func printErrors() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let sui = try node.client("sui.ts")
        let id = try #require(try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-1").fields["appointment"])
        let before = try sui.logHead()
        #expect(try node.client().call("PRINT", "CONVOCATION", id).errorCode == "NOAUTH")
        #expect(try sui.call("PRINT").errorCode == "SYNTAX")
        #expect(try sui.call("PRINT", "CONVOCATION").errorCode == "SYNTAX")
        #expect(try sui.call("PRINT", "LETTER", id).errorCode == "SYNTAX")
        #expect(try sui.call("PRINT", "CONVOCATION", id, "LANG", "de").errorCode == "SYNTAX")
        #expect(try sui.call("PRINT", "CONVOCATION", id, "FORMAT", "pdf").errorCode == "SYNTAX")
        #expect(try sui.call("PRINT", "CONVOCATION", id, "COPIES", "2").errorCode == "SYNTAX")
        #expect(try sui.call("PRINT", "CONVOCATION", "A-NONE").errorCode == "NOTFOUND")
        #expect(try sui.call("PRINT", "REMINDER", id).errorCode == "CONFLICT", "a fingerprinting is no pickup")
        #expect(try sui.call("PRINT", "REMINDER", "P-TS-2008-1").errorCode == "NOTFOUND", "no pickup booked")
        #expect(try sui.call("PRINT", "REMINDER", "P-NONE").errorCode == "NOTFOUND")
        _ = try sui.call("CANCEL", id)
        let cancelled = try sui.call("PRINT", "CONVOCATION", id)
        #expect(cancelled.errorCode == "CONFLICT", "\(cancelled)")
        #expect(try sui.logHead() == (before ?? 0) + 1, "only the CANCEL was recorded")
    }

    @Test("PRINT REMINDER finds the pratica's pickup; a body prints only its own")
    func printReminder() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        _ = try node.client("questura.ts").call("READY", "P-TS-2008-2")
        let caf = try node.client("caf.a")
        let id = try #require(try caf.call("BOOK", "TS-Q", "consegna-permesso", "P-TS-2008-2").fields["appointment"])
        let byPratica = try #require(Self.bulk(try caf.call("PRINT", "REMINDER", "P-TS-2008-2", "LANG", "fr")))
        #expect(byPratica.contains("AIDE-MÉMOIRE") && byPratica.contains(id), "\(byPratica)")
        #expect(Self.bulk(try caf.call("PRINT", "REMINDER", id, "LANG", "fr")) == byPratica)
        #expect(try node.client("caf.b").call("PRINT", "REMINDER", id).errorCode == "NOPERM")
        #expect(try node.client("caf.b").call("PRINT", "REMINDER", "P-TS-2008-2").errorCode == "NOPERM")
        #expect(try caf.call("PRINT", "CONVOCATION", id).errorCode == "CONFLICT")
    }

    @Test("DAYLIST answers the day's bookings by the SUI as CSV or HTML with the head, or the day's agenda; staff of that office only")
    func dayList() async throws {
        let node = try await TestNode()
        defer { Task { await node.stop() } }
        let sui = try node.client("sui.ts")
        let first = try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-1").fields
        _ = try sui.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-3", "ON", "2008-04-16")
        let questura = try node.client("questura.ts")
        _ = try questura.call("BOOK", "TS-Q", "fotosegnalamento", "P-TS-2008-4")  // the Questura's own: not on the SUI's list
        let head = try #require(try questura.logHead())
        let csv = try #require(Self.bulk(try questura.call("DAYLIST", "TS-Q", "2008-04-14")))
        let rows = csv.components(separatedBy: "\r\n").dropLast()
        #expect(rows.count == 4, "\(csv)")
        #expect(rows.first?.hasPrefix("appointment,pratica,surname,") == true)
        #expect(rows.dropFirst().first?.hasPrefix("\(first["appointment"] ?? "?"),P-TS-2008-1,Rossi,Mario 1,") == true, "\(csv)")
        #expect(rows.last?.hasPrefix("#head,\(head):") == true && rows.last?.contains(",provisional,") == true, "\(csv)")
        let html = try #require(Self.bulk(try questura.call("DAYLIST", "TS-Q", "2008-04-14", "BOOKED", "FORMAT", "html")))
        #expect(html.contains("<code class=\"head\">\(head):") && html.contains("Totale: 2"))
        // The agenda of the 15th: the SUI's booking and the Questura's own.
        let agenda = try #require(Self.bulk(try questura.call("DAYLIST", "TS-Q", "2008-04-15", "AGENDA")))
        #expect(agenda.components(separatedBy: "\r\n").count == 5, "\(agenda)")
        // A day nothing was booked: just the header and the head.
        let empty = try #require(Self.bulk(try questura.call("DAYLIST", "TS-Q", "2008-04-13")))
        #expect(empty.components(separatedBy: "\r\n").count == 3 && empty.contains("#head,"), "\(empty)")
        // Who may, and what is refused.
        #expect(Self.bulk(try node.client("prefettura.ts").call("DAYLIST", "TS-Q", "2008-04-14")) == csv)
        #expect(try sui.call("DAYLIST", "TS-Q", "2008-04-14").errorCode == "NOPERM")
        #expect(try node.client("questura.rm").call("DAYLIST", "TS-Q", "2008-04-14").errorCode == "NOPERM")
        #expect(try node.client("caf.a").call("DAYLIST", "TS-Q", "2008-04-14").errorCode == "NOPERM")
        #expect(try node.client("admin").call("DAYLIST", "XX-Q", "2008-04-14").errorCode == "NOTFOUND")
        #expect(try node.client("admin").call("DAYLIST", "XX-Q", "2008-04-14", "AGENDA").errorCode == "NOTFOUND")
        #expect(try questura.call("DAYLIST", "TS-Q").errorCode == "SYNTAX")
        #expect(try questura.call("DAYLIST", "TS-Q", "14/04/2008").errorCode == "SYNTAX")
        #expect(try questura.call("DAYLIST", "TS-Q", "2008-04-14", "BOOKED", "AGENDA").errorCode == "SYNTAX")
        #expect(try questura.call("DAYLIST", "TS-Q", "2008-04-14", "FORMAT", "xlsx").errorCode == "SYNTAX")
    }
}
