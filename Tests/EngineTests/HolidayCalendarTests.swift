@testable import Engine
import Events
import Foundation
import Projections
import Testing

/// The engine's closed days against the reference: PyPI `holidays==0.109`,
/// `holidays.Italy(subdiv=<sigla>)`, for every province and every year 2008-2030. The engine
/// reads its calendars from the fixtures a node is seeded with; this checks what the views
/// built from them say, day by day, not the fixture file's text.
@Suite("Holidays against PyPI holidays")
struct HolidayCalendarTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// sigla → ISO dates, from python3 with the pinned package (`make test` installs it).
    static func reference(_ siglas: [String]) throws -> [String: Set<String>] {
        let script = """
            import json, sys, holidays
            if holidays.__version__ != "0.109":
                sys.exit(f"holidays {holidays.__version__} is installed; the reference is 0.109")
            out = {}
            for sigla in sys.argv[1:]:
                days = holidays.Italy(subdiv=sigla, years=range(2008, 2031))
                out[sigla] = sorted(day.isoformat() for day in days.keys())
            print(json.dumps(out))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + siglas
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0,
                     "python3 with holidays==0.109 is needed (scripts/ensure-deps.sh installs it): \(problem)")
        let decoded = try JSONDecoder().decode([String: [String]].self, from: data)
        return decoded.mapValues(Set.init)
    }

    @Test("every office's closed days, 2008-2030, are exactly holidays.Italy(subdiv=<its province>)")
    func closedDaysMatchTheReference() throws {
        let offices = try Fixtures.loadOffices(path: Self.repository.appendingPathComponent("fixtures/offices.json").path)
        // The views a seeded node decides against: every office configured through the decider.
        var given = Given(now: Instant(romeDay: Day(year: 2008, month: 1, day: 1)!, time: .eight))
        for office in offices { try given.accept(.configureOffice(office)) }
        let province = { (office: OfficeID) in String(office.rawValue.split(separator: "-")[0]) }
        let siglas = Array(Set(offices.map { province($0.office) })).sorted()
        #expect(siglas.count == 107)
        let reference = try Self.reference(siglas)
        let first = Day(year: 2008, month: 1, day: 1)!
        let last = Day(year: 2030, month: 12, day: 31)!
        var checked = 0
        for configuration in offices {
            let view = try #require(given.views.offices[configuration.office])
            let expected = try #require(reference[province(configuration.office)])
            for service in configuration.services {
                let calendar = try #require(ServiceCalendar(given.views, view, service.id))
                var closed: Set<String> = []
                var calendarDisagrees: [Day] = []
                var day = first
                while day <= last {
                    let isHoliday = view.isClosed(service.id, on: day)
                    if isHoliday { closed.insert(day.description) }
                    // The search every booking runs agrees: nothing on a holiday, and every other
                    // day with slots is open.
                    if calendar.isOpen(day) != (!isHoliday && !service.slotTimes(on: day.weekday).isEmpty) {
                        calendarDisagrees.append(day)
                    }
                    day = day.adding(days: 1)
                }
                #expect(calendarDisagrees.isEmpty, "\(configuration.office) \(service.id): \(calendarDisagrees.prefix(5))")
                #expect(closed == expected, """
                    \(configuration.office) \(service.id): only the engine closes \
                    \(closed.subtracting(expected).sorted()); only holidays closes \(expected.subtracting(closed).sorted())
                    """)
                checked += 1
            }
        }
        #expect(checked > 300)
    }
}
