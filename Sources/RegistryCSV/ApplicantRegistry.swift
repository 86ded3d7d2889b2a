import Crypto
import Events

/// A comune's registry export of applicants (the ELI2 workflow): one applicant a row, with
/// the columns an anagrafe names in Italian. docs/workflows.md shows a file.
///
/// | column | what | read as |
/// | --- | --- | --- |
/// | `numero_pratica` | the SUI's numero di pratica | an id: no spaces, at most 64 bytes |
/// | `numero_visto` | the entry visa's number | an id |
/// | `cognome`, `nome` | surname, given names | text, spaces kept inside, at most 512 bytes |
/// | `data_nascita` | birth date | `YYYY-MM-DD` or `DD/MM/YYYY` |
/// | `cittadinanza` | citizenship | ISO 3166-1 alpha-3 (`MAR`), any case |
/// | `sportello` | the SUI that opened the pratica | an office id (`AT-S`), any case |
///
/// Header names are matched without regard to case, spaces or accents' absence (`Data di
/// nascita` is `data_di_nascita`, an alias); other columns (codice fiscale, sesso, …) are
/// ignored. Every row is checked before any is used, and every problem is reported with the
/// row's line.
public enum ApplicantRegistry {
    public enum Column: String, CaseIterable, Sendable {
        case pratica = "numero_pratica"
        case visto = "numero_visto"
        case surname = "cognome"
        case name = "nome"
        case birthDate = "data_nascita"
        case nationality = "cittadinanza"
        case office = "sportello"

        /// Other names registry software uses for the same column.
        var aliases: [String] {
            switch self {
            case .pratica: ["pratica", "n_pratica", "num_pratica"]
            case .visto: ["visto", "n_visto", "num_visto"]
            case .surname: []
            case .name: []
            case .birthDate: ["data_di_nascita"]
            case .nationality: ["nazionalita", "nazionalità"]
            case .office: ["ufficio", "sui"]
            }
        }
    }

    /// The engine's `Limits.idBytesMax`: an id past it would be refused at the node.
    public static let idBytesMax = 64
    /// The engine's `Limits.textBytesMax`.
    public static let textBytesMax = 512

    /// Checks every row of `bytes`. `today`, when given, refuses birth dates after it.
    public static func read(_ bytes: [UInt8], today: Day? = nil) -> ApplicantFile {
        let table = CSVReader.read(bytes)
        var problems = table.problems
        guard let header = table.records.first else {
            problems.append(CSVProblem(line: 1, reason: "the file is empty; the first line must name the columns ("
                                       + Column.allCases.map(\.rawValue).joined(separator: table.separator.description) + ")"))
            return ApplicantFile(separator: table.separator, rows: [], problems: problems.sorted { $0.line < $1.line })
        }
        let columns: [Column: Int]
        switch mapHeader(header, separator: table.separator) {
        case .success(let found): columns = found
        case .failure(let problem):
            problems.append(problem)
            return ApplicantFile(separator: table.separator, rows: [], problems: problems.sorted { $0.line < $1.line })
        }

        var candidates: [ApplicantRow] = []
        for record in table.records.dropFirst() {
            // Spreadsheets leave rows of bare separators at the end of a sheet.
            if record.fields.allSatisfy({ $0.allSatisfy(\.isWhitespace) }) { continue }
            guard record.fields.count == header.fields.count else {
                let more = record.fields.count > header.fields.count
                problems.append(CSVProblem(line: record.line, reason: "\(record.fields.count) fields where the header has "
                                           + "\(header.fields.count)" + (more ? "; a '\(table.separator)' inside a value must be "
                                           + "in quotes" : "")))
                continue
            }
            switch applicant(record, columns, today: today) {
            case .failure(let problem): problems.append(problem)
            case .success(let applicant): candidates.append(ApplicantRow(line: record.line, applicant: applicant))
            }
        }
        // A pratica or visto on two rows makes both bad: which one is right is the comune's
        // call, not the importer's.
        let praticaLines = Dictionary(grouping: candidates, by: { $0.applicant.pratica.rawValue }).mapValues { $0.map(\.line) }
        let vistoLines = Dictionary(grouping: candidates, by: { $0.applicant.visto }).mapValues { $0.map(\.line) }
        var rows: [ApplicantRow] = []
        for row in candidates {
            var clean = true
            for (column, value, lines) in [("numero_pratica", row.applicant.pratica.rawValue, praticaLines),
                                           ("numero_visto", row.applicant.visto, vistoLines)] {
                guard let all = lines[value], all.count > 1 else { continue }
                let others = all.filter { $0 != row.line }.map(String.init).joined(separator: ", ")
                problems.append(CSVProblem(line: row.line, reason: "duplicate \(column) \(value): also on line"
                                           + (all.count > 2 ? "s " : " ") + others + "; keep one row"))
                clean = false
            }
            if clean { rows.append(row) }
        }
        problems.sort { $0.line < $1.line }
        return ApplicantFile(separator: table.separator, rows: rows, problems: problems)
    }

    /// `Data di nascita` → `data_di_nascita`.
    static func normalizedHeader(_ text: String) -> String {
        var result = ""
        var lastWasUnderscore = false
        for character in text.trimmingWhitespace.lowercased() {
            if character == " " || character == "_" || character == "-" || character == "." {
                if !lastWasUnderscore && !result.isEmpty { result.append("_") }
                lastWasUnderscore = true
            } else {
                result.append(character)
                lastWasUnderscore = false
            }
        }
        while result.hasSuffix("_") { result.removeLast() }
        return result
    }

    static func mapHeader(_ header: CSVRecord, separator: CSVSeparator) -> Result<[Column: Int], CSVProblem> {
        var columns: [Column: Int] = [:]
        for (position, text) in header.fields.enumerated() {
            let name = normalizedHeader(text)
            guard let column = Column.allCases.first(where: { $0.rawValue == name || $0.aliases.contains(name) }) else {
                continue
            }
            if columns[column] != nil {
                return .failure(CSVProblem(line: header.line, reason: "the column \(column.rawValue) is named twice in the header"))
            }
            columns[column] = position
        }
        let missing = Column.allCases.filter { columns[$0] == nil }
        guard missing.isEmpty else {
            return .failure(CSVProblem(line: header.line, reason: "the header lacks the column"
                                       + (missing.count > 1 ? "s " : " ") + missing.map(\.rawValue).joined(separator: ", ")
                                       + "; the first line must name the columns, e.g. "
                                       + Column.allCases.map(\.rawValue).joined(separator: separator.description)))
        }
        return .success(columns)
    }

    static func applicant(_ record: CSVRecord, _ columns: [Column: Int], today: Day?) -> Result<Applicant, CSVProblem> {
        func value(_ column: Column) -> String { record.fields[columns[column] ?? 0].trimmingWhitespace }
        func fail(_ reason: String) -> Result<Applicant, CSVProblem> { .failure(CSVProblem(line: record.line, reason: reason)) }

        for column in Column.allCases where value(column).isEmpty {
            return fail("\(column.rawValue) is empty")
        }
        for column in [Column.pratica, .visto, .office] {
            let text = value(column)
            if text.utf8.count > idBytesMax { return fail("\(column.rawValue) is longer than \(idBytesMax) bytes") }
            if text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
                return fail("\(column.rawValue) '\(text)' has a space or a control character in it; an id is one word")
            }
        }
        for column in [Column.surname, .name] {
            let text = value(column)
            if text.utf8.count > textBytesMax { return fail("\(column.rawValue) is longer than \(textBytesMax) bytes") }
            if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                return fail("\(column.rawValue) has a line break or a control character in it")
            }
        }
        let birthText = value(.birthDate)
        guard let birthDate = parseDate(birthText) else {
            return fail("data_nascita '\(birthText)' is not a date; write YYYY-MM-DD or DD/MM/YYYY")
        }
        if birthDate.civil.year < 1900 { return fail("data_nascita \(birthDate) is before 1900") }
        if let today, birthDate > today { return fail("data_nascita \(birthDate) is in the future") }
        let code = value(.nationality).uppercased()
        guard Nationalities.codes.contains(code) else {
            if code.allSatisfy(\.isNumber) {
                return fail("cittadinanza '\(code)' looks like an ISTAT code; write the ISO 3166-1 alpha-3 code (MAR, ALB, ROU, …)")
            }
            return fail("cittadinanza '\(code)' is not a known nationality code (ISO 3166-1 alpha-3: MAR, ALB, ROU, …; "
                        + "XXA stateless)")
        }
        return .success(Applicant(pratica: PraticaID(value(.pratica)), visto: value(.visto), surname: value(.surname),
                                  name: value(.name), birthDate: birthDate, nationality: code,
                                  office: OfficeID(value(.office).uppercased())))
    }

    /// `YYYY-MM-DD` (ISO) or `DD/MM/YYYY` (how Italian software and Excel write dates); the
    /// day must exist.
    public static func parseDate(_ text: String) -> Day? {
        if let day = Day(text), day.description == text { return day }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].count == 4, (1...2).contains(parts[0].count), (1...2).contains(parts[1].count),
              parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let day = Int(parts[0]), let month = Int(parts[1]), let year = Int(parts[2]) else { return nil }
        return Day(year: year, month: month, day: day)
    }

    /// The request id a row is sent under: the same row, the same id, so sending a file
    /// twice records nothing twice (REQID makes a repeat return the first reply).
    public static func requestID(for applicant: Applicant) -> String {
        let canonical = [applicant.pratica.rawValue, applicant.visto, applicant.surname, applicant.name,
                         applicant.birthDate.description, applicant.nationality, applicant.office.rawValue]
            .joined(separator: "\u{1F}")
        let digest = SHA256.hash(data: Array(canonical.utf8))
        return "reg-" + digest.prefix(16).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

/// A row that passed every check.
public struct ApplicantRow: Equatable, Sendable {
    public let line: Int
    public let applicant: Applicant
    public var requestID: String { ApplicantRegistry.requestID(for: applicant) }
}

public struct ApplicantFile: Equatable, Sendable {
    public let separator: CSVSeparator
    public let rows: [ApplicantRow]
    /// Every bad row (and a bad header), by line.
    public let problems: [CSVProblem]
}

extension String {
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
