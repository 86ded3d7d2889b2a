@testable import Documents
import Events
import Foundation
import Testing

/// The calendar files read back by an independent RFC 5545 parser: Python's `icalendar`
/// (make test installs it), which unfolds, unescapes and resolves `TZID=Europe/Rome`.
@Suite("The .ics files, read back by Python's icalendar")
struct ICalendarParserTests {
    static let icalendarAvailable: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import icalendar"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    static let script = #"""
        import json, sys
        from datetime import timezone
        import icalendar
        out = []
        for path in sys.argv[1:]:
            with open(path, "rb") as f:
                calendar = icalendar.Calendar.from_ical(f.read())
            events = list(calendar.walk("VEVENT"))
            zones = [z["TZID"] for z in calendar.walk("VTIMEZONE")]
            event = events[0]
            start, end = event.decoded("DTSTART"), event.decoded("DTEND")
            out.append({
                "events": len(events), "zones": zones,
                "start_local": start.strftime("%Y-%m-%dT%H:%M"), "start_tz": str(event["DTSTART"].params.get("TZID")),
                "start_utc": start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ"),
                "end_utc": end.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ"),
                "uid": str(event["UID"]), "summary": str(event["SUMMARY"]), "location": str(event["LOCATION"]),
                "description": str(event["DESCRIPTION"]),
                "stamp": event.decoded("DTSTAMP").astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            })
        print(json.dumps(out))
        """#

    @Test("each file parses to one event at 09:20 Rome time, whose UTC instant is right on both sides of each 2026 change; text comes back unescaped",
          .enabled(if: ICalendarParserTests.icalendarAvailable, "Python's icalendar is missing (make test installs it)"))
    func parsesAcrossChanges() throws {
        let directory = NSTemporaryDirectory() + "agenda-ics-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cases: [(Day, DocumentLanguage, String)] = [
            (.on(2026, 3, 28), .italian, "2026-03-28T08:20Z"), (.on(2026, 3, 30), .arabic, "2026-03-30T07:20Z"),
            (.on(2026, 10, 24), .french, "2026-10-24T07:20Z"), (.on(2026, 10, 26), .english, "2026-10-26T08:20Z"),
        ]
        var paths: [String] = []
        for (index, (day, language, _)) in cases.enumerated() {
            let path = "\(directory)/\(index).ics"
            let ics = ICalendar.render(note(day: day, surname: "O'Neil, Jr; \\x"), language: language)
            try Data(ics.utf8).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script] + paths
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(problem)")
        let parsed = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]], "\(problem)")
        #expect(parsed.count == cases.count)
        for ((day, language, utc), event) in zip(cases, parsed) {
            #expect(event["events"] as? Int == 1 && event["zones"] as? [String] == ["Europe/Rome"])
            #expect(event["start_local"] as? String == "\(day)T09:20", "\(event)")
            #expect(event["start_tz"] as? String == "Europe/Rome")
            #expect(event["start_utc"] as? String == utc, "\(day): \(event)")
            #expect(event["uid"] as? String == "A-0056K@agenda.RM-Q")
            #expect(event["stamp"] as? String == "2026-03-20T09:05:00Z")
            #expect(event["location"] as? String == "Questura di Roma, Roma (RM)")
            let wording = Wording.note(.convocation, language)
            #expect((event["summary"] as? String)?.hasPrefix(wording.title) == true, "\(event)")
            let description = event["description"] as? String ?? ""
            #expect(description.contains("O'NEIL, JR; \\X Fatima"), "unescaped: \(description)")
            for item in wording.bring { #expect(description.contains(item), "\(language): \(item)") }
        }
    }
}
