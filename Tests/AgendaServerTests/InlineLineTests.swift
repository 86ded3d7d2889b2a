import Testing

@testable import AgendaServer

@Suite("Inline lines, split as Redis splits them")
struct InlineLineTests {
    static let cases: [(line: String, words: [String])] = [
        ("BOOK RM-Q fotosegnalamento", ["BOOK", "RM-Q", "fotosegnalamento"]),
        ("  spaced \t and\ttabbed  ", ["spaced", "and", "tabbed"]),
        ("SET key \"two words\"", ["SET", "key", "two words"]),
        ("ECHO \"\"", ["ECHO", ""]),
        ("ECHO ''", ["ECHO", ""]),
        ("ECHO \"q\\\" b\\\\ n\\n r\\r t\\t b\\b a\\a\"", ["ECHO", "q\" b\\ n\n r\r t\t b\u{8} a\u{7}"]),
        ("ECHO \"\\x41\\x6a\\x4A\"", ["ECHO", "AjJ"]),
        ("ECHO \"\\x4\" \"\\xZZ\"", ["ECHO", "x4", "xZZ"]),
        ("ECHO \"\\q\"", ["ECHO", "q"]),
        ("ECHO 'it\\'s' 'a\\nb'", ["ECHO", "it's", "a\\nb"]),
        // A quote inside a word is a character; only one at a word's start opens a quoted word.
        ("ECHO ab\"c d\"", ["ECHO", "ab\"c", "d\""]),
        ("ECHO a'b c'", ["ECHO", "a'b", "c'"]),
        ("REGISTER P-AT-2009-900001 ITA9000001 D'Angelo \"Anna Maria\" 1984-02-29 MAR AT-S",
         ["REGISTER", "P-AT-2009-900001", "ITA9000001", "D'Angelo", "Anna Maria", "1984-02-29", "MAR", "AT-S"]),
        ("ECHO Dell'Acqua 'D\\'Angelo' \"D'Angelo\"", ["ECHO", "Dell'Acqua", "D'Angelo", "D'Angelo"]),
        ("ECHO l'\"uno\"", ["ECHO", "l'\"uno\""]),
        ("A\rB", ["A", "B"]),
        ("ECHO \"a\"\tB", ["ECHO", "a", "B"]),
        ("ECHO \u{0B}lead", ["ECHO", "lead"]),
        ("ECHO in\u{0B}side", ["ECHO", "in\u{0B}side"]),
        ("", []),
        (" \t ", []),
    ]

    @Test("words split on spaces and tabs; quotes group and escape as in Redis", arguments: cases)
    func split(line: String, words: [String]) throws {
        let split = try Array(line.utf8).withUnsafeBytes { try InlineLine.split($0) }
        #expect(split == words)
    }

    @Test("a NUL byte ends an inline line, as in Redis")
    func nulEndsLine() throws {
        let bytes = Array("ECHO a".utf8) + [0] + Array(" \"unbalanced".utf8)
        let split = try bytes.withUnsafeBytes { try InlineLine.split($0) }
        #expect(split == ["ECHO", "a"])
    }

    @Test("a \\r\\n ends the line and a lone \\r inside it separates words")
    func carriageReturns() throws {
        #expect(try decodeRequests("GET a\rb\r\n") == [request("GET", "a", "b")])
        #expect(try decodeRequests("GET \"a\rb\"\r\n") == [request("GET", "a\rb")])
    }
}
