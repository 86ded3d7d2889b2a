@testable import Documents
import Events
import Foundation
import Testing

@Suite("The appointment's iCalendar file (RFC 5545)")
struct ICalendarTests {
    /// Physical lines, each with its CRLF checked.
    static func physicalLines(_ ics: String) -> [String] {
        let bytes = Array(ics.utf8)
        var lines: [String] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x0A {
                #expect(index > 0 && bytes[index - 1] == 0x0D, "a bare LF at byte \(index)")
                lines.append(String(decoding: bytes[start..<(index - 1)], as: UTF8.self))
                start = index + 1
            }
            index += 1
        }
        #expect(start == bytes.count, "the file ends with CRLF")
        return lines
    }

    /// Content lines after unfolding (§3.1).
    static func unfolded(_ ics: String) -> [String] {
        var lines: [String] = []
        for line in physicalLines(ics) {
            if line.hasPrefix(" "), !lines.isEmpty { lines[lines.count - 1] += line.dropFirst() } else { lines.append(line) }
        }
        return lines
    }

    static func value(_ lines: [String], _ name: String) -> String? {
        lines.first { $0.hasPrefix(name + ":") || $0.hasPrefix(name + ";") }.map { line in
            String(line[line.index(after: line.firstIndex(of: ":")!)...])
        }
    }

    @Test("every line ends in CRLF and holds at most 75 octets; folding never splits a UTF-8 sequence",
          arguments: DocumentLanguage.allCases)
    func lines(_ language: DocumentLanguage) {
        for kind in [AppointmentNote.Kind.convocation, .pickupReminder] {
            let ics = ICalendar.render(note(kind), language: language)
            let lines = Self.physicalLines(ics)
            for line in lines {
                #expect(line.utf8.count <= 75, "\(line.utf8.count) octets: \(line)")
                #expect(!line.contains("\u{FFFD}"), "a line cut inside a character: \(line)")
            }
            #expect(lines.contains { $0.hasPrefix(" ") }, "the long DESCRIPTION is folded")
            let content = Self.unfolded(ics)
            #expect(content.first == "BEGIN:VCALENDAR" && content.last == "END:VCALENDAR")
            #expect(content.filter { $0 == "BEGIN:VEVENT" }.count == 1)
            #expect(Self.value(content, "UID") == "A-0056K@agenda.RM-Q")
            #expect(Self.value(content, "DTSTAMP") == "20260320T090500Z", "10:05 in Rome on 20 March is 09:05 UTC")
            let description = Self.value(content, "DESCRIPTION") ?? ""
            for item in Wording.note(kind, language).bring { #expect(description.contains(ICalendar.text(item))) }
        }
    }

    @Test("text values escape backslash, semicolon, comma and line breaks")
    func escaping() {
        #expect(ICalendar.text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne")
        let ics = ICalendar.render(note(surname: "O'Neil; Jr", name: "Ann, Marie"), language: .english)
        let description = Self.value(Self.unfolded(ics), "DESCRIPTION") ?? ""
        #expect(description.contains("O'NEIL\\; JR Ann\\, Marie"), "\(description)")
    }

    @Test("printing twice gives the same bytes")
    func deterministic() {
        #expect(ICalendar.render(note(), language: .french) == ICalendar.render(note(), language: .french))
    }

    /// The four days around 2026's two changes (29 March, 25 October), at 09:20 local.
    static let aroundChanges: [(Day, utcHour: Int)] = [
        (.on(2026, 3, 28), 8), (.on(2026, 3, 30), 7), (.on(2026, 10, 24), 7), (.on(2026, 10, 26), 8),
    ]

    @Test("09:20 stays 09:20 local on both sides of each daylight-saving change; the VTIMEZONE gives the UTC instant Europe/Rome does")
    func localTimeAcrossChanges() throws {
        let rome = try #require(TimeZone(identifier: "Europe/Rome"))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = rome
        for (day, utcHour) in Self.aroundChanges {
            let ics = ICalendar.render(note(day: day), language: .italian)
            let content = Self.unfolded(ics)
            let (year, month, dayOfMonth) = day.civil
            let stamp = String(format: "%04d%02d%02dT092000", year, month, dayOfMonth)
            #expect(content.contains("DTSTART;TZID=Europe/Rome:\(stamp)"))
            #expect(content.contains("DTEND;TZID=Europe/Rome:" + String(format: "%04d%02d%02dT094000", year, month, dayOfMonth)))
            #expect(content.contains("TZID:Europe/Rome"))
            // The file's own zone rules, read back: the UTC offset in force at that local time.
            let offset = try VTimeZone(content).offsetMinutes(year: year, month: month, day: dayOfMonth, minute: 9 * 60 + 20)
            let fromFile = Int64(day.daysSinceEpoch) * 86_400 + Int64(9 * 3600 + 20 * 60) - Int64(offset * 60)
            // The system's zone database, independently.
            let components = DateComponents(year: year, month: month, day: dayOfMonth, hour: 9, minute: 20)
            let fromSystem = Int64(try #require(calendar.date(from: components)).timeIntervalSince1970)
            #expect(fromFile == fromSystem, "\(day): the file says \(offset) min ahead of UTC")
            #expect(fromSystem % 86_400 == Int64(utcHour * 3600 + 20 * 60), "\(day) 09:20 Rome is \(utcHour):20 UTC")
        }
    }

    /// A reader of the two RRULE-driven observances the file declares (BYMONTH, BYDAY=-1SU,
    /// DTSTART's local hour, TZOFFSETTO), enough to tell which is in force at a local time.
    struct VTimeZone {
        struct Observance {
            var month: Int
            var hour: Int
            var offsetTo: Int
        }
        var observances: [Observance] = []

        init(_ lines: [String]) throws {
            var current: Observance?
            for line in lines {
                switch line {
                case "BEGIN:DAYLIGHT", "BEGIN:STANDARD": current = Observance(month: 0, hour: 0, offsetTo: 0)
                case "END:DAYLIGHT", "END:STANDARD":
                    if let done = current { observances.append(done) }
                    current = nil
                default:
                    guard current != nil else { continue }
                    if line.hasPrefix("TZOFFSETTO:") {
                        let text = line.dropFirst("TZOFFSETTO:".count)
                        let sign = text.hasPrefix("-") ? -1 : 1
                        let digits = text.dropFirst()
                        current?.offsetTo = sign * (Int(digits.prefix(2))! * 60 + Int(digits.suffix(2))!)
                    } else if line.hasPrefix("DTSTART:") {
                        current?.hour = Int(line.dropFirst("DTSTART:".count + 9).prefix(2))!
                    } else if line.hasPrefix("RRULE:") {
                        #expect(line.contains("FREQ=YEARLY") && line.contains("BYDAY=-1SU"), "\(line)")
                        let month = line.split(separator: ";").first { $0.hasPrefix("BYMONTH=") }
                        current?.month = Int(month?.dropFirst("BYMONTH=".count) ?? "0") ?? 0
                    }
                }
            }
            #expect(observances.count == 2)
        }

        func offsetMinutes(year: Int, month: Int, day: Int, minute: Int) throws -> Int {
            let local = Day(year: year, month: month, day: day)!.daysSinceEpoch * 1440 + Int32(minute)
            // The observance whose latest onset (last Sunday of its month, at its hour) is the
            // most recent before `local`.
            var best: (start: Int32, offset: Int)?
            for observance in observances {
                for candidateYear in [year - 1, year] {
                    let last = Day(year: candidateYear, month: observance.month, day: Day.daysIn(month: observance.month, year: candidateYear))!
                    let sunday = last.adding(days: -Int((last.weekday.rawValue + 1) % 7))
                    let start = sunday.daysSinceEpoch * 1440 + Int32(observance.hour * 60)
                    if start <= local, best == nil || start > best!.start { best = (start, observance.offsetTo) }
                }
            }
            return try #require(best).offset
        }
    }
}
