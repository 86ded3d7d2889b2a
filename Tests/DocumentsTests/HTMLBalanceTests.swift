@testable import Documents
import Events
import Foundation
import Testing

/// Every element the pages open, they close, in order: a browser forgives a missing `</td>`,
/// a print preview does not always lay it out the same.
@Suite("The HTML pages are balanced")
struct HTMLBalanceTests {
    static let voidElements: Set<String> = ["meta", "br", "link", "img", "hr", "input"]

    /// The element names left open, or the first mismatched closing tag.
    static func problems(_ html: String) -> [String] {
        var stack: [String] = []
        var problems: [String] = []
        var rest = Substring(html)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { return ["an unclosed <"] }
            let inside = rest[rest.index(after: open)..<close]
            rest = rest[rest.index(after: close)...]
            if inside.hasPrefix("!") { continue }
            let closing = inside.hasPrefix("/")
            let name = String(inside.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }).lowercased()
            if closing {
                if stack.last == name { stack.removeLast() } else { problems.append("</\(name)> after <\(stack.last ?? "")>") }
            } else if !voidElements.contains(name) {
                stack.append(name)
            }
        }
        return problems + stack.map { "<\($0)> never closed" }
    }

    @Test("notes in every language, both kinds", arguments: DocumentLanguage.allCases)
    func notes(_ language: DocumentLanguage) {
        for kind in [AppointmentNote.Kind.convocation, .pickupReminder] {
            #expect(Self.problems(NoteHTML.render(note(kind), language: language)).isEmpty)
        }
    }

    @Test("the day lists, empty and full, booked and agenda")
    func lists() throws {
        let log = DayListTests.world()
        let day = DayListTests.listDay
        let booked = try DayList.booked(office: World.questura, day: day, records: log.records(on: day), views: log.views,
                                        head: DayListTests.endOfDayHead(log), dayOver: false).get()
        let agenda = try DayList.agenda(office: World.questura, day: .on(2026, 4, 3), views: log.views).get()
        let empty = try DayList.agenda(office: World.questura, day: .on(2027, 1, 1), views: log.views).get()
        for list in [booked, agenda, empty] {
            #expect(Self.problems(DayListRender.html(list)).isEmpty, "\(list.kind) \(list.rows.count)")
        }
        #expect(Self.problems("<p><b>x</p>") == ["</p> after <b>", "<p> never closed", "<b> never closed"])
    }
}
