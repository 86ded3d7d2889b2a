import Events
import Foundation

/// The offices and demo pratiche a new node starts with, read from `fixtures/` (made by
/// `fixtures/generate.py` from ISTAT's provinces and the `holidays` package; see its README).
public struct Fixtures: Sendable {
    public var offices: [OfficeConfiguration]
    public var applicants: [Applicant]

    public enum LoadError: Error, CustomStringConvertible {
        case missing(String)
        case invalid(file: String, line: Int?, why: String)

        public var description: String {
            switch self {
            case .missing(let path):
                "no fixture file at \(path); pass --fixtures DIR, the project's fixtures folder"
            case .invalid(let file, let line, let why):
                "\(file)\(line.map { ":\($0)" } ?? ""): \(why); regenerate with python3 fixtures/generate.py"
            }
        }
    }

    public init(offices: [OfficeConfiguration], applicants: [Applicant]) {
        self.offices = offices
        self.applicants = applicants
    }

    /// The project's `fixtures/` folder, as this file was compiled (`#filePath`): a node built
    /// from the project finds its fixtures from any working directory, and `--fixtures DIR`
    /// names another (a binary copied to another machine, without the source tree).
    public static let builtInDirectory: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Sources/Engine
        .deletingLastPathComponent()  // Sources
        .deletingLastPathComponent()  // the package
        .appendingPathComponent("fixtures").path

    /// Reads `offices.json` and `pratiche.csv` from `directory`.
    public static func load(from directory: String) throws -> Fixtures {
        Fixtures(offices: try loadOffices(path: directory + "/offices.json"),
                 applicants: try loadApplicants(path: directory + "/pratiche.csv"))
    }

    /// The commands that seed an empty node: every office's configuration, then every pratica.
    public var seedCommands: [Command] {
        offices.map { .configureOffice($0) } + applicants.map { .registerPratica($0) }
    }

    // MARK: - offices.json

    private struct OfficesFile: Decodable {
        let format: Int
        let offices: [OfficeEntry]
    }

    private struct OfficeEntry: Decodable {
        let id: String
        let kind: String
        let name: String
        let horizonDays: UInt16
        let leadDays: UInt16
        let services: [ServiceEntry]
        let closedDays: [String]
        /// Optional: older fixture files have none.
        let address: String?
        let phone: String?
        /// The office's province (sigla); optional, as in older fixture files.
        let province: String?
        /// Days the applicants' data of the pratiche the office opened is kept after the
        /// pickup (docs/engine.md, "Retention"); optional, 0 or absent: kept until erased.
        let retentionDays: UInt16?
    }

    private struct ServiceEntry: Decodable {
        let id: String
        let name: String
        let slotLengthMinutes: UInt16
        let capacityPerSlot: UInt16
        let requiresReadyPermit: Bool
        let weekly: [String: [[String]]]
    }

    public static func loadOffices(path: String) throws -> [OfficeConfiguration] {
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError.missing(path) }
        let file: OfficesFile
        do {
            file = try JSONDecoder().decode(OfficesFile.self, from: data)
        } catch {
            throw LoadError.invalid(file: path, line: nil, why: "not the expected JSON (\(error))")
        }
        guard file.format == 1 else { throw LoadError.invalid(file: path, line: nil, why: "format \(file.format), expected 1") }
        return try file.offices.map { entry in
            guard let kind = OfficeConfiguration.Kind(rawValue: entry.kind) else {
                throw LoadError.invalid(file: path, line: nil, why: "\(entry.id): unknown kind \(entry.kind)")
            }
            let services = try entry.services.map { service in
                let weekly = try Weekday.allCases.map { weekday in
                    try (service.weekly[weekday.shortName] ?? []).map { pair in
                        guard pair.count == 2, let start = LocalTime(pair[0]), let end = LocalTime(pair[1]) else {
                            throw LoadError.invalid(file: path, line: nil,
                                                    why: "\(entry.id) \(service.id) \(weekday): bad interval \(pair)")
                        }
                        return OpeningInterval(start: start, end: end)
                    }
                }
                return ServiceConfiguration(
                    id: ServiceID(service.id), name: service.name, slotLengthMinutes: service.slotLengthMinutes,
                    capacityPerSlot: service.capacityPerSlot, requiresReadyPermit: service.requiresReadyPermit,
                    weekly: weekly)
            }
            let closedDays = try entry.closedDays.map { text in
                guard let day = Day(text) else {
                    throw LoadError.invalid(file: path, line: nil, why: "\(entry.id): bad closed day \(text)")
                }
                return day
            }
            return OfficeConfiguration(office: OfficeID(entry.id), kind: kind, name: entry.name,
                                       horizonDays: entry.horizonDays, leadDays: entry.leadDays, services: services,
                                       closedDays: closedDays, address: entry.address ?? "", phone: entry.phone ?? "",
                                       province: entry.province ?? "", retentionDays: entry.retentionDays ?? 0)
        }
    }

    // MARK: - pratiche.csv

    static let applicantHeader = ["pratica", "visto", "surname", "name", "birth_date", "nationality", "office"]

    public static func loadApplicants(path: String) throws -> [Applicant] {
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError.missing(path) }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard let header = lines.first, CSV.fields(header) == applicantHeader else {
            throw LoadError.invalid(file: path, line: 1, why: "the header must be \(applicantHeader.joined(separator: ","))")
        }
        var applicants: [Applicant] = []
        for (index, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let fields = CSV.fields(line)
            guard fields.count == applicantHeader.count else {
                throw LoadError.invalid(file: path, line: index + 1, why: "\(fields.count) fields, expected 7")
            }
            guard let birthDate = Day(fields[4]) else {
                throw LoadError.invalid(file: path, line: index + 1, why: "bad birth date \(fields[4])")
            }
            applicants.append(Applicant(pratica: PraticaID(fields[0]), visto: fields[1], surname: fields[2], name: fields[3],
                                        birthDate: birthDate, nationality: fields[5], office: OfficeID(fields[6])))
        }
        return applicants
    }
}

/// RFC 4180 fields of one line: commas separate, double quotes enclose, "" is a quote.
enum CSV {
    static func fields(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            if quoted {
                if character == "\"" {
                    quoted = false
                } else {
                    current.append(character)
                }
            } else if character == "," {
                fields.append(current)
                current = ""
            } else if character == "\"" {
                // A quote inside a field ("" within quotes) is a literal quote.
                if !current.isEmpty { current.append("\"") }
                quoted = true
            } else if character != "\r" {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}

extension Store {
    /// Seeds an empty store from fixtures; returns how many commands were applied (0 if not empty).
    public func seedIfEmpty(with fixtures: Fixtures) throws -> Int {
        guard try head().sequence == 0 else { return 0 }
        let decisions = try executeAll(fixtures.seedCommands, actor: .system)
        if let rejected = decisions.first(where: { if case .rejected = $0.record.outcome { true } else { false } }) {
            throw StoreError.invalid("fixture command \(rejected.record.sequence) was refused: \(rejected.record.outcome)")
        }
        return decisions.count
    }
}
