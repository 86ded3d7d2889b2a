import Events
import RegistryCSV
import Testing

private func read(_ text: String, separator: CSVSeparator? = nil) -> CSVTable {
    CSVReader.read(Array(text.utf8), separator: separator)
}

@Suite("CSVReader: records as spreadsheets write them, each with the line it starts on")
struct CSVReaderTests {
    @Test("plain comma-separated records, the last line without a line break")
    func plain() {
        let table = read("a,b,c\n1,2,3\n4,5,6")
        #expect(table.separator == .comma)
        #expect(table.problems.isEmpty)
        #expect(table.records == [CSVRecord(line: 1, fields: ["a", "b", "c"]), CSVRecord(line: 2, fields: ["1", "2", "3"]),
                                  CSVRecord(line: 3, fields: ["4", "5", "6"])])
    }

    @Test("a ';' header picks ';', even when values hold commas")
    func semicolon() {
        let table = read("cognome;nome\r\n\"Rossi, jr\";Mario\r\n")
        #expect(table.separator == .semicolon)
        #expect(table.records.map(\.fields) == [["cognome", "nome"], ["Rossi, jr", "Mario"]])
        #expect(read("a,b;c\n").separator == .comma, "more commas than semicolons")
        #expect(read("a;b,c\n", separator: .comma).records.first?.fields == ["a;b", "c"], "a separator given is kept")
    }

    @Test("a UTF-8 byte-order mark is not part of the first column's name")
    func byteOrderMark() {
        let table = CSVReader.read(CSVReader.byteOrderMark + Array("numero_pratica;cognome\nP-1;Müller\n".utf8))
        #expect(table.records.first?.fields == ["numero_pratica", "cognome"])
        #expect(table.records.last?.fields == ["P-1", "Müller"])
    }

    @Test("quoted fields: separators, doubled quotes and line breaks inside; empty fields kept")
    func quoting() {
        let table = read("a,b,c\n\"x,y\",\"say \"\"ciao\"\"\",\"\"\n,,\n")
        #expect(table.problems.isEmpty)
        #expect(table.records.map(\.fields) == [["a", "b", "c"], ["x,y", "say \"ciao\"", ""], ["", "", ""]])
    }

    @Test("a line break inside quotes is counted: the next record's line is the editor's line", arguments: ["\n", "\r\n", "\r"])
    func lineNumbersCountQuotedBreaks(lineBreak: String) {
        let text = ["h1,h2", "1,\"two", "lines\"", "2,\"three", "", "lines\"", "3,x"].joined(separator: lineBreak) + lineBreak
        let table = read(text)
        #expect(table.problems.isEmpty)
        #expect(table.records.map(\.line) == [1, 2, 4, 7])
        #expect(table.records[1].fields == ["1", "two" + lineBreak + "lines"])
        #expect(table.records[3].fields == ["3", "x"])
    }

    @Test("blank lines are skipped and still counted")
    func blankLines() {
        let table = read("a\r\n\r\nb\r\n\r\n\r\nc")
        #expect(table.records.map(\.line) == [1, 3, 6])
    }

    @Test("bad quoting is reported at its line and reading goes on with the next line")
    func badQuoting() {
        let table = read("a,b\nRos\"si,Mario\n\"Bianchi\"x,Anna\nVerdi,Luca\n")
        #expect(table.problems.map(\.line) == [2, 3])
        #expect(table.problems[0].reason.contains("inside an unquoted field"))
        #expect(table.problems[1].reason.contains("after the closing quote"))
        #expect(table.records.map(\.fields) == [["a", "b"], ["Verdi", "Luca"]])
        #expect(table.records.last?.line == 4)
    }

    @Test("a quote never closed is reported at the line where it opened")
    func unclosedQuote() {
        let table = read("a,b\n1,2\n3,\"open\n4,5\n")
        #expect(table.problems == [CSVProblem(line: 3, reason: table.problems.first?.reason ?? "")])
        #expect(table.problems.first?.reason.contains("never closed") == true)
        #expect(table.records.count == 2)
    }

    @Test("bytes that are not UTF-8 (a Windows-1252 export) are reported, not guessed")
    func notUTF8() {
        let table = CSVReader.read(Array("a,b\n".utf8) + [0x4E, 0x69, 0xE0] + Array(",x\nok,y\n".utf8))
        #expect(table.problems.map(\.line) == [2])
        #expect(table.problems.first?.reason.contains("UTF-8") == true)
        #expect(table.records.map(\.fields) == [["a", "b"], ["ok", "y"]])
    }
}

@Suite("ApplicantRegistry: a comune's registry export, checked row by row")
struct ApplicantRegistryTests {
    static let header = "numero_pratica;numero_visto;cognome;nome;data_nascita;cittadinanza;sportello"

    static func file(_ rows: [String], header: String = header) -> ApplicantFile {
        ApplicantRegistry.read(CSVReader.byteOrderMark + Array(([header] + rows).joined(separator: "\r\n").utf8) + [13, 10],
                               today: Day(year: 2026, month: 11, day: 23))
    }

    @Test("good rows become applicants: names with accents and spaces, DD/MM/YYYY dates, codes in any case")
    func goodRows() throws {
        let file = Self.file([
            "P-AT-2009-000001;ITA0000001;D'Angelo;Anna Maria;29/02/1984;mar;at-s",
            "P-AT-2009-000002;ITA0000002;\"Nguyễn\";Thị Hồng;1990-12-01;VNM;AT-S",
            ";;;;;;",
        ])
        #expect(file.problems.isEmpty, "\(file.problems)")
        #expect(file.separator == .semicolon)
        let first = try #require(file.rows.first)
        #expect(first.line == 2)
        #expect(first.applicant == Applicant(pratica: "P-AT-2009-000001", visto: "ITA0000001", surname: "D'Angelo",
                                             name: "Anna Maria", birthDate: Day(year: 1984, month: 2, day: 29)!,
                                             nationality: "MAR", office: "AT-S"))
        #expect(file.rows.last?.applicant.surname == "Nguyễn")
        #expect(file.rows.count == 2, "the row of bare separators is skipped")
    }

    @Test("the header may name the columns in any order and case, with extra columns")
    func header() {
        let file = Self.file(["RSSMRA80A01Z100X;Rossi;Mario;AT-S;ALB;1980-01-01;ITA1;P-1"],
                             header: "Codice Fiscale;COGNOME;Nome;Sportello;Cittadinanza;Data di nascita;Numero Visto;Numero_Pratica")
        #expect(file.problems.isEmpty, "\(file.problems)")
        #expect(file.rows.first?.applicant.pratica == "P-1")
        #expect(file.rows.first?.applicant.birthDate == Day(year: 1980, month: 1, day: 1))
    }

    @Test("a header without a needed column is one problem at line 1, and no row is read")
    func missingColumn() {
        let file = Self.file(["P-1;ITA1;Rossi;Mario;1980-01-01;ALB"], header: "numero_pratica;numero_visto;cognome;nome;data_nascita;cittadinanza")
        #expect(file.rows.isEmpty)
        #expect(file.problems.count == 1 && file.problems.first?.line == 1)
        #expect(file.problems.first?.reason.contains("sportello") == true)
    }

    @Test("every bad row is reported with its line and reason; the good ones are still listed")
    func badRows() {
        let file = Self.file([
            "P-1;ITA1;Rossi;Mario;1980-01-01;ALB;AT-S",          // 2 good
            "P-2;ITA2;;Anna;1980-01-01;ALB;AT-S",                // 3 empty surname
            "P-3;ITA3;Bianchi;Anna;31/02/1980;ALB;AT-S",         // 4 no such day
            "P-4;ITA4;Verdi;Luca;1980-01-01;XYZ;AT-S",           // 5 unknown nationality
            "P-5;ITA5;Neri;Sara;1980-01-01;235;AT-S",            // 6 an ISTAT code
            "P-1;ITA6;Gialli;Ugo;1980-01-01;ALB;AT-S",           // 7 pratica of line 2
            "P-7;ITA7;Blu;Eva;1980-01-01;ALB",                   // 8 a field short
            "P-8;ITA8;\"Rosa;Ida;1980-01-01;ALB;AT-S",           // 9 quote never closed ...
        ])
        let byLine = Dictionary(grouping: file.problems, by: \.line).mapValues { $0.map(\.reason).joined(separator: " | ") }
        #expect(byLine[2]?.contains("duplicate numero_pratica P-1: also on line 7") == true, "\(byLine)")
        #expect(byLine[3]?.contains("cognome is empty") == true)
        #expect(byLine[4]?.contains("data_nascita '31/02/1980' is not a date") == true)
        #expect(byLine[5]?.contains("cittadinanza 'XYZ' is not a known nationality code") == true)
        #expect(byLine[6]?.contains("ISTAT code") == true)
        #expect(byLine[7]?.contains("duplicate numero_pratica P-1: also on line 2") == true)
        #expect(byLine[8]?.contains("6 fields where the header has 7") == true)
        #expect(byLine[9]?.contains("never closed") == true)
        #expect(file.rows.isEmpty, "P-1 is on two lines, so neither is good: \(file.rows)")
    }

    @Test("a duplicate visto, a future birth date, a space in an id, a line break in a name")
    func moreBadRows() {
        let file = Self.file([
            "P-1;ITA1;Rossi;Mario;1980-01-01;ALB;AT-S",
            "P-2;ITA1;Rossi;Maria;1981-01-01;ALB;AT-S",
            "P-3;ITA3;Rossi;Ugo;2030-01-01;ALB;AT-S",
            "P 4;ITA4;Rossi;Ada;1980-01-01;ALB;AT-S",
            "P-5;ITA5;\"Ros\nsi\";Ida;1980-01-01;ALB;AT-S",
            "P-6;ITA6;Rossi;Eva;1980-01-01;ALB;AT-S",
        ])
        #expect(file.problems.map(\.line) == [2, 3, 4, 5, 6], "\(file.problems)")
        #expect(file.problems[0].reason.contains("duplicate numero_visto ITA1"))
        #expect(file.problems[2].reason.contains("in the future"))
        #expect(file.problems[3].reason.contains("space"))
        #expect(file.problems[4].reason.contains("line break"))
        #expect(file.rows.map(\.line) == [8], "the row after a quoted line break is on line 8")
    }

    @Test("a row's request id depends on its content only: stable, and different for different data")
    func requestIDs() {
        let one = Self.file(["P-1;ITA1;Rossi;Mario;1980-01-01;ALB;AT-S"]).rows[0]
        let again = ApplicantRegistry.read(Array(("numero_pratica,numero_visto,cognome,nome,data_nascita,cittadinanza,sportello\n"
                                                   + "\n\nP-1,ITA1,Rossi,Mario,01/01/1980,alb,AT-S\n").utf8)).rows[0]
        let other = Self.file(["P-1;ITA1;Rossi;Marco;1980-01-01;ALB;AT-S"]).rows[0]
        #expect(one.requestID == again.requestID, "same data, another separator, line and date format")
        #expect(one.requestID != other.requestID)
        #expect(one.requestID.hasPrefix("reg-") && one.requestID.utf8.count <= 64)
    }

    @Test("an empty file says what the first line must be")
    func emptyFile() {
        let file = ApplicantRegistry.read([])
        #expect(file.rows.isEmpty)
        #expect(file.problems.first?.reason.contains("numero_pratica") == true)
    }
}
