/// A CSV file as spreadsheets and registry software write it: RFC 4180 quoting, `,` or `;`
/// between fields (Excel in an Italian locale writes `;`), `\r\n`, `\n` or a lone `\r` between
/// records, and an optional UTF-8 byte-order mark (Excel's "CSV UTF-8"). Every record keeps
/// the physical line it starts on, counting the line breaks inside quoted fields, so a problem
/// is reported where an editor shows it.
///
/// A record with bad quoting is reported and skipped up to the end of its line; reading goes
/// on, so one pass reports every bad record. Only a quote left open swallows the rest of the
/// file, and that is reported at the line where it opened.
///
///     numero_pratica;cognome;nome        ← line 1, the header
///     P-1;"D'Angelo";"Anna               ← line 2: one record over two lines
///     Maria"
///     P-2;Rossi;Mario                    ← line 4
public enum CSVReader {
    public static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Reads `bytes`; `separator` nil picks `;` or `,` by counting them outside quotes on the
    /// first record (the header).
    public static func read(_ bytes: [UInt8], separator: CSVSeparator? = nil) -> CSVTable {
        var start = 0
        if bytes.starts(with: byteOrderMark) { start = byteOrderMark.count }
        let separator = separator ?? detectSeparator(bytes, from: start)
        var parser = Parser(bytes: bytes, index: start, separator: separator.rawValue)
        var records: [CSVRecord] = []
        var problems: [CSVProblem] = []
        while let result = parser.next() {
            switch result {
            case .success(let record): records.append(record)
            case .failure(let problem): problems.append(problem)
            }
        }
        return CSVTable(separator: separator, records: records, problems: problems)
    }

    static func detectSeparator(_ bytes: [UInt8], from start: Int) -> CSVSeparator {
        var semicolons = 0
        var commas = 0
        var quoted = false
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if byte == ASCII.quote {
                quoted.toggle()
            } else if !quoted {
                if byte == ASCII.lineFeed || byte == ASCII.carriageReturn { break }
                if byte == CSVSeparator.semicolon.rawValue { semicolons += 1 }
                if byte == CSVSeparator.comma.rawValue { commas += 1 }
            }
            index += 1
        }
        return semicolons > commas ? .semicolon : .comma
    }

    /// One record at a time; keeps the physical line number as it goes.
    struct Parser {
        let bytes: [UInt8]
        var index: Int
        let separator: UInt8
        var line = 1

        init(bytes: [UInt8], index: Int, separator: UInt8) {
            self.bytes = bytes
            self.index = index
            self.separator = separator
        }

        /// Nil at the end of the input. Blank lines are skipped.
        mutating func next() -> Result<CSVRecord, CSVProblem>? {
            while index < bytes.count {
                let recordLine = line
                if atLineBreak {
                    consumeLineBreak()
                    continue
                }
                var fields: [String] = []
                while true {
                    let field: [UInt8]
                    do throws(CSVProblem) {
                        field = try readField(recordLine: recordLine)
                    } catch {
                        return .failure(error)
                    }
                    guard let text = String(validating: field, as: UTF8.self) else {
                        skipToEndOfLine()
                        return .failure(CSVProblem(line: recordLine, reason: "field \(fields.count + 1) is not UTF-8 text; "
                                                   + "save the export as UTF-8 (in Excel: \"CSV UTF-8\")"))
                    }
                    fields.append(text)
                    if index < bytes.count && bytes[index] == separator {
                        index += 1
                        continue
                    }
                    if index < bytes.count { consumeLineBreak() }
                    return .success(CSVRecord(line: recordLine, fields: fields))
                }
            }
            return nil
        }

        private var atLineBreak: Bool {
            index < bytes.count && (bytes[index] == ASCII.lineFeed || bytes[index] == ASCII.carriageReturn)
        }

        /// `\r\n`, `\n` or a lone `\r`: one line.
        private mutating func consumeLineBreak() {
            if bytes[index] == ASCII.carriageReturn && index + 1 < bytes.count && bytes[index + 1] == ASCII.lineFeed {
                index += 1
            }
            index += 1
            line += 1
        }

        private mutating func skipToEndOfLine() {
            while index < bytes.count && !atLineBreak { index += 1 }
            if index < bytes.count { consumeLineBreak() }
        }

        /// Leaves `index` on the separator, the line break, or the end.
        private mutating func readField(recordLine: Int) throws(CSVProblem) -> [UInt8] {
            var field: [UInt8] = []
            if index < bytes.count && bytes[index] == ASCII.quote {
                let openedOn = line
                index += 1
                while true {
                    guard index < bytes.count else {
                        throw CSVProblem(line: openedOn, reason: "a quoted field opened here is never closed; "
                                         + "every \" inside a field must be doubled (\"\")")
                    }
                    let byte = bytes[index]
                    if byte == ASCII.quote {
                        if index + 1 < bytes.count && bytes[index + 1] == ASCII.quote {
                            field.append(ASCII.quote)
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    if byte == ASCII.lineFeed {
                        line += 1
                    } else if byte == ASCII.carriageReturn && !(index + 1 < bytes.count && bytes[index + 1] == ASCII.lineFeed) {
                        line += 1
                    }
                    field.append(byte)
                    index += 1
                }
                if index < bytes.count && bytes[index] != separator && !atLineBreak {
                    let at = line
                    skipToEndOfLine()
                    throw CSVProblem(line: at, reason: "text after the closing quote of a field; "
                                     + "a \" inside a quoted field must be doubled (\"\")")
                }
                return field
            }
            while index < bytes.count && bytes[index] != separator && !atLineBreak {
                if bytes[index] == ASCII.quote {
                    skipToEndOfLine()
                    throw CSVProblem(line: recordLine, reason: "a \" inside an unquoted field; put the field in quotes "
                                     + "and double the quote (\"D\"\"Angelo\")")
                }
                field.append(bytes[index])
                index += 1
            }
            return field
        }
    }
}

public enum CSVSeparator: UInt8, Sendable, CustomStringConvertible {
    case comma = 0x2C
    case semicolon = 0x3B

    public var description: String { self == .comma ? "," : ";" }
}

/// A record and the physical line it starts on (1 is the file's first line).
public struct CSVRecord: Equatable, Sendable {
    public let line: Int
    public let fields: [String]

    public init(line: Int, fields: [String]) {
        self.line = line
        self.fields = fields
    }
}

/// A record that could not be read, and why, in words an operator can act on.
public struct CSVProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let reason: String

    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    public var description: String { "line \(line): \(reason)" }
}

public struct CSVTable: Equatable, Sendable {
    public let separator: CSVSeparator
    /// The header too, when the file has one: it is the first record.
    public let records: [CSVRecord]
    public let problems: [CSVProblem]
}

enum ASCII {
    static let quote: UInt8 = 0x22
    static let lineFeed: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
}
