import Events
import Foundation

/// A pilot period to simulate ("sperimentazione"), read from `fixtures/scenarios/NAME.json`:
/// which offices, when, how many applicants (sized from public figures, each cited in the file),
/// and the rates and delays of what they do. fixtures/scenarios/README.md describes the format
/// and where every figure comes from.
public struct Scenario: Codable, Sendable {
    public var format: Int
    public var name: String
    public var title: String
    /// The source document the pilot comes from (a file of the project's seeds).
    public var seedDocument: String
    public var period: Period
    /// Every figure used and where it comes from; free text, kept with the numbers.
    public var sources: [Source]
    /// Capacities the pilot's calendars set where the fixtures' synthetic ones would not fit the demand.
    public var capacityOverrides: [CapacityOverride]
    public var flows: [Flow]
    public var rates: Rates
    /// Closures known in advance (a strike, an outage); more may be drawn at `rates.randomClosuresPerOfficePerYear`.
    public var closures: [Closure]

    public struct Period: Codable, Sendable {
        public var from: String
        public var to: String
    }

    public struct Source: Codable, Sendable {
        public var figure: String
        public var source: String
        public var howObtained: String
    }

    public struct CapacityOverride: Codable, Sendable {
        public var office: String
        public var service: String
        public var capacityPerSlot: UInt16
        public var why: String
    }

    /// One province's applicants: released their nulla osta at `sui`, fingerprinted at `questura`.
    public struct Flow: Codable, Sendable {
        public var province: String
        public var sui: String
        public var questura: String
        /// New residence permits issued in the province in a year (the cited source).
        public var newPermitsPerYear: Double
        /// The share of them that goes through the SUI (first permits for work or family reunification).
        public var throughSuiShare: Double
        /// True when the applicant first comes to the SUI by appointment (documents, then the
        /// nulla osta and contract): the SUI's own agenda, as in the Roma–Latina pilot.
        public var suiAppointments: Bool
        public var suiOperators: [String]
        public var questuraOperators: [String]
        public var bodies: [Body]
    }

    /// An ente convenzionato that books pickups: its account and its ente id.
    public struct Body: Codable, Sendable {
        public var account: String
        public var ente: String
    }

    public struct Rates: Codable, Sendable {
        /// Relative arrivals per weekday (`mon` ... `sun`); only the SUI's open days count.
        public var weekdayWeights: [String: Double]
        public var noShowSui: Double
        public var noShowFingerprinting: Double
        public var noShowPickup: Double
        /// After a no-show, the chance the applicant is booked again.
        public var rebookAfterNoShow: Double
        /// The chance a booking is cancelled before its day.
        public var cancel: Double
        public var rebookAfterCancel: Double
        /// The chance a booking is deferred before its day (when not cancelled).
        public var deferral: Double
        /// Of the deferrals, the share to the next free slot (DEFER NEXT); the rest go TO a later day.
        public var deferNextShare: Double
        public var deferToDaysMin: Int
        public var deferToDaysMax: Int
        public var rebookDelayDays: DelayDays
        /// Fingerprinting to permit ready (the Questura's processing and the printing of the card).
        public var permitReadyDays: DelayDays
        /// Permit ready to the body's pickup booking.
        public var pickupBookingDays: DelayDays
        /// SUI flow: documents checked to the nulla osta appointment.
        public var nullaOstaDays: DelayDays
        /// After a `full` refusal, the operator tries again this many days later.
        public var retryFullDays: Int
        public var retryFullAttemptsMax: Int
        public var randomClosuresPerOfficePerYear: Double
    }

    public struct Closure: Codable, Sendable {
        public var office: String
        public var day: String
        public var announcedDaysBefore: Int
        public var reason: String
    }
}

public enum ScenarioError: Error, CustomStringConvertible, Equatable {
    case notFound(name: String, searched: String, available: [String])
    case invalid(file: String, why: String)

    public var description: String {
        switch self {
        case .notFound(let name, let searched, let available):
            "no scenario named \(name) in \(searched)"
                + (available.isEmpty ? "; pass --fixtures DIR (the folder holding scenarios/)" : "; available: \(available.joined(separator: ", "))")
        case .invalid(let file, let why):
            "\(file): \(why); fix the scenario file (fixtures/scenarios/README.md describes the format)"
        }
    }
}

extension Scenario {
    /// Loads `NAME.json` from `fixtures/scenarios`, or a path to a scenario file.
    public static func load(_ name: String, fixtures: String = "fixtures") throws -> Scenario {
        let folder = fixtures + "/scenarios"
        let path = name.hasSuffix(".json") || name.contains("/") ? name : folder + "/" + name + ".json"
        guard let data = FileManager.default.contents(atPath: path) else {
            let available = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
                .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
            throw ScenarioError.notFound(name: name, searched: folder, available: available)
        }
        let scenario: Scenario
        do {
            scenario = try JSONDecoder().decode(Scenario.self, from: data)
        } catch {
            throw ScenarioError.invalid(file: path, why: "not the expected JSON (\(error))")
        }
        try scenario.validate(file: path)
        return scenario
    }

    public var firstDay: Day? { Day(period.from) }
    public var lastDay: Day? { Day(period.to) }

    func validate(file: String) throws {
        func fail(_ why: String) -> ScenarioError { .invalid(file: file, why: why) }
        guard format == 1 else { throw fail("format \(format), expected 1") }
        guard let first = firstDay, let last = lastDay else { throw fail("period.from and period.to are YYYY-MM-DD") }
        guard first <= last else { throw fail("the period ends (\(period.to)) before it starts (\(period.from))") }
        guard !sources.isEmpty else { throw fail("no sources: every figure must say where it comes from") }
        guard !flows.isEmpty else { throw fail("no flows") }
        for flow in flows {
            guard flow.newPermitsPerYear >= 0, (0...1).contains(flow.throughSuiShare) else {
                throw fail("\(flow.province): newPermitsPerYear ≥ 0 and throughSuiShare in 0...1")
            }
            guard !flow.suiOperators.isEmpty, !flow.questuraOperators.isEmpty, !flow.bodies.isEmpty else {
                throw fail("\(flow.province): at least one SUI operator, one Questura operator and one body")
            }
        }
        let probabilities: [(String, Double)] = [
            ("noShowSui", rates.noShowSui), ("noShowFingerprinting", rates.noShowFingerprinting),
            ("noShowPickup", rates.noShowPickup), ("rebookAfterNoShow", rates.rebookAfterNoShow),
            ("cancel", rates.cancel), ("rebookAfterCancel", rates.rebookAfterCancel), ("deferral", rates.deferral),
            ("deferNextShare", rates.deferNextShare),
        ]
        for (name, value) in probabilities where !(0...1).contains(value) { throw fail("rates.\(name) must be in 0...1") }
        guard rates.deferToDaysMin >= 1, rates.deferToDaysMin <= rates.deferToDaysMax else {
            throw fail("rates.deferToDaysMin ≥ 1 and ≤ deferToDaysMax")
        }
        for (name, delay) in [("rebookDelayDays", rates.rebookDelayDays), ("permitReadyDays", rates.permitReadyDays),
                              ("pickupBookingDays", rates.pickupBookingDays), ("nullaOstaDays", rates.nullaOstaDays)] {
            guard delay.median >= 1, delay.p90 >= delay.median else { throw fail("rates.\(name): median ≥ 1 and p90 ≥ median") }
        }
        guard rates.retryFullDays >= 1, rates.retryFullAttemptsMax >= 0, rates.randomClosuresPerOfficePerYear >= 0 else {
            throw fail("rates.retryFullDays ≥ 1, retryFullAttemptsMax ≥ 0, randomClosuresPerOfficePerYear ≥ 0")
        }
        for name in rates.weekdayWeights.keys where !Weekday.allCases.contains(where: { $0.shortName == name }) {
            throw fail("rates.weekdayWeights: \(name) is not mon ... sun")
        }
        for closure in closures {
            guard Day(closure.day) != nil, closure.announcedDaysBefore >= 0 else {
                throw fail("closure \(closure.office) \(closure.day): a YYYY-MM-DD day and announcedDaysBefore ≥ 0")
            }
        }
    }
}
