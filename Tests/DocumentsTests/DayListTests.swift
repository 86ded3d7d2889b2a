@testable import Documents
import Events
import Foundation
import Projections
import Testing

@Suite("The Questura's day lists: CSV and printable page")
struct DayListTests {
    static let listDay = Day.on(2026, 3, 30)

    /// The SUI books two on the list's day (one is then moved, on the same day), one the day
    /// before and one the day after; a body books one that day; the Questura cancels one of the
    /// SUI's the next morning (after the day's end, so the list still shows it booked).
    static func world() -> Log {
        var log = Log()
        let day = listDay
        func at(_ day: Day, _ hour: Int, _ minute: Int) -> Instant { Instant(romeDay: day, time: .at(hour, minute)) }
        log.book("A-BEFORE", 2, on: .on(2026, 4, 2), at: .at(8, 0), by: World.suiOperator, when: at(day.adding(days: -1), 23, 59))
        log.book("A-FIRST", 0, on: .on(2026, 4, 3), at: .at(9, 0), by: World.suiOperator, when: at(day, 0, 0), deferred: true)
        log.book("A-BODY", 1, on: .on(2026, 4, 3), at: .at(9, 0), service: World.consegna, by: World.caf, when: at(day, 10, 0))
        log.book("A-SECOND", 1, on: .on(2026, 4, 1), at: .at(12, 40), by: World.suiOperator, when: at(day, 11, 30))
        log.append(at: at(day, 12, 0), World.questuraOfficer, events: [.appointmentMoved(AppointmentMoved(
            appointment: "A-SECOND", office: World.questura, service: World.fotosegnalamento, fromDay: .on(2026, 4, 1),
            fromTime: .at(12, 40), toDay: .on(2026, 4, 2), toTime: .at(8, 20), cause: .deferred, reason: ""))])
        log.book("A-AFTER", 2, on: .on(2026, 4, 3), at: .at(8, 0), by: World.suiOperator, when: at(day.adding(days: 1), 0, 0))
        log.append(at: at(day.adding(days: 1), 8, 0), World.questuraOfficer, events: [.appointmentCancelled(
            appointment: "A-FIRST", office: World.questura, service: World.fotosegnalamento, pratica: "P-RM-2008-000001",
            day: .on(2026, 4, 3), time: .at(9, 0), reason: "")])
        return log
    }

    static func endOfDayHead(_ log: Log) -> DayList.Head {
        let last = log.records(on: listDay).last!
        return DayList.Head(sequence: last.sequence, hash: last.hash)
    }

    @Test("the booked list holds what the SUI fixed during that Rome day, each as it stood at the day's end, by appointment date")
    func bookedList() throws {
        let log = Self.world()
        let list = try DayList.booked(office: World.questura, day: Self.listDay, records: log.records(on: Self.listDay),
                                      views: log.views, head: Self.endOfDayHead(log), dayOver: true).get()
        #expect(list.rows.map(\.appointment) == ["A-SECOND", "A-FIRST"], "\(list.rows.map(\.appointment))")
        let second = list.rows[0]
        #expect(second.day == .on(2026, 4, 2) && second.time == .at(8, 20) && second.moved && second.state == "booked")
        #expect(second.surname == "Diop" && second.bookedByOperator == "sui.roma" && second.bookedBy == "RM-S")
        #expect(list.rows[1].state == "booked", "the cancellation came the next day")
        #expect(list.head.sequence == 6)
        #expect(list.officeName == "Questura di Roma")
    }

    @Test("the CSV has a header, one quoted-where-needed row per appointment, and the head row at the bottom")
    func csv() throws {
        let log = Self.world()
        let list = try DayList.booked(office: World.questura, day: Self.listDay, records: log.records(on: Self.listDay),
                                      views: log.views, head: Self.endOfDayHead(log), dayOver: true).get()
        let csv = DayListRender.csv(list)
        #expect(csv.hasSuffix("\r\n"))
        let records = csv.components(separatedBy: "\r\n").dropLast()
        #expect(records.count == 4, "\(csv)")
        #expect(records.first == "appointment,pratica,surname,name,birth_date,nationality,visto,service,date,time,state,moved,booked_at,booked_by,operator")
        // Awa's name holds a comma and quotes: quoted, quotes doubled.
        #expect(records.dropFirst().first == "A-SECOND,P-RM-2008-000002,Diop,\"Awa, \"\"Awa\"\"\",1990-07-01,SEN,ITA0000002,"
                + "fotosegnalamento,2026-04-02,08:20,booked,1,11:30:00,RM-S,sui.roma", "\(csv)")
        #expect(records.last == "#head,\(list.head),end-of-day,,,,,,,,,,,,", "\(csv)")
        #expect(list.head.description.count == String(list.head.sequence).count + 1 + 64)
    }

    @Test("CSV fields are quoted only when they must be (RFC 4180)")
    func csvQuoting() {
        #expect(CSV.field("plain") == "plain")
        #expect(CSV.field("a,b") == "\"a,b\"")
        #expect(CSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSV.field("two\nlines") == "\"two\nlines\"")
        #expect(CSV.field("cr\r") == "\"cr\r\"")
        #expect(CSV.field("") == "")
        #expect(CSV.record(["a", "b,c", ""]) == "a,\"b,c\",\r\n")
    }

    @Test("while the day runs the list is provisional, and says so in both formats")
    func provisional() throws {
        let log = Self.world()
        let list = try DayList.booked(office: World.questura, day: Self.listDay, records: log.records(on: Self.listDay),
                                      views: log.views, head: Self.endOfDayHead(log), dayOver: false).get()
        #expect(DayListRender.csv(list).contains("#head,\(list.head),provisional"))
        #expect(DayListRender.html(list).contains("Provvisorio"))
    }

    @Test("the printable page is an A4 page with a table, the count, escaped names and the head at the bottom")
    func html() throws {
        let log = Self.world()
        let list = try DayList.booked(office: World.questura, day: Self.listDay, records: log.records(on: Self.listDay),
                                      views: log.views, head: Self.endOfDayHead(log), dayOver: true).get()
        let html = DayListRender.html(list)
        #expect(html.contains("@page { size: A4 landscape;"))
        #expect(html.contains("<html lang=\"it\" dir=\"ltr\">"))
        #expect(html.contains("Appuntamenti fissati nella giornata di lunedì 30 marzo 2026"))
        #expect(html.contains("<td>A-SECOND</td>") && html.contains("Awa, &quot;Awa&quot;"))
        #expect(html.contains("Totale: 2"))
        let footer = try #require(html.range(of: "<footer class=\"head\">"))
        #expect(html[footer.lowerBound...].contains("<code class=\"head\">\(list.head)</code>"))
        #expect(html.range(of: "</table>")!.lowerBound < footer.lowerBound, "the head comes after the table")
    }

    @Test("the agenda list holds every appointment seated at the office that day (a cancelled one is not), by time then booking")
    func agendaList() throws {
        var log = Self.world()
        let when = Instant(romeDay: .on(2026, 4, 1), time: .at(8, 0))
        log.book("A-LATE", 0, on: .on(2026, 4, 3), at: .at(8, 0), service: World.consegna, by: World.caf, when: when)
        let list = try DayList.agenda(office: World.questura, day: .on(2026, 4, 3), views: log.views).get()
        #expect(list.rows.map(\.appointment) == ["A-AFTER", "A-LATE", "A-BODY"], "\(list.rows.map(\.appointment))")
        #expect(list.rows.map(\.service) == [World.fotosegnalamento, World.consegna, World.consegna])
        #expect(list.head.sequence == log.views.headSequence && list.head.hash == log.views.headHash)
        let csv = DayListRender.csv(list)
        #expect(csv.hasPrefix("time,service,appointment,pratica,surname,name,birth_date,nationality,visto,state,booked_by\r\n"))
        #expect(csv.contains("#head,\(list.head),as-of"))
        #expect(DayListRender.html(list).contains("Agenda di venerdì 3 aprile 2026"))
        #expect(DayList.agenda(office: "XX-Q", day: .on(2026, 4, 3), views: log.views).failure?.code == "NOTFOUND")
    }
}
