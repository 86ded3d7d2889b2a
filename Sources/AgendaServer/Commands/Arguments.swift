import Engine
import Events

/// A malformed or out-of-limit argument: the command never reaches the engine. The web
/// portal checks its fields with the same functions (`Arguments.id`, `day`, `time`, `text`).
public struct ArgumentError: Error {
    public let code: String
    public let message: String

    public static func syntax(_ message: String) -> ArgumentError { ArgumentError(code: "SYNTAX", message: message) }
}

/// A command's words: positional arguments first, then `NAME value` options and bare flags in
/// any order, names case-insensitive (`BOOK RM-Q fotosegnalamento P-1 ON 2008-04-22 REQID r1`).
public struct Arguments {
    let positional: [String]
    private let options: [String: String]
    private let flags: Set<String>

    /// `usage` is the command's synopsis, quoted back in every SYNTAX error.
    init(_ words: ArraySlice<String>, positional count: Int, options names: Set<String> = [], flags flagNames: Set<String> = [],
         usage: String) throws(ArgumentError) {
        guard words.count >= count else {
            throw .syntax("Expected \(usage).")
        }
        var positional: [String] = []
        var options: [String: String] = [:]
        var flags: Set<String> = []
        var index = words.startIndex
        while positional.count < count {
            positional.append(words[index])
            index += 1
        }
        while index < words.endIndex {
            let name = words[index].uppercased()
            if flagNames.contains(name) {
                flags.insert(name)
                index += 1
            } else if names.contains(name) {
                guard index + 1 < words.endIndex else { throw .syntax("\(name) needs a value; expected \(usage).") }
                guard options[name] == nil else { throw .syntax("\(name) given twice; expected \(usage).") }
                options[name] = words[index + 1]
                index += 2
            } else {
                throw .syntax("Unexpected '\(words[index])'; expected \(usage).")
            }
        }
        self.positional = positional
        self.options = options
        self.flags = flags
    }

    subscript(_ index: Int) -> String { positional[index] }

    func option(_ name: String) -> String? { options[name] }

    func flag(_ name: String) -> Bool { flags.contains(name) }

    /// An id within `idBytesMax`.
    public static func id(_ text: String, _ what: String) throws(ArgumentError) -> String {
        guard !text.isEmpty else { throw .syntax("The \(what) is empty.") }
        guard text.utf8.count <= Limits.idBytesMax else {
            throw ArgumentError(code: "LIMIT", message: "The \(what) is longer than \(Limits.idBytesMax) bytes (idBytesMax).")
        }
        return text
    }

    public static func text(_ text: String, _ what: String) throws(ArgumentError) -> String {
        guard text.utf8.count <= Limits.textBytesMax else {
            throw ArgumentError(code: "LIMIT", message: "The \(what) is longer than \(Limits.textBytesMax) bytes (textBytesMax).")
        }
        return text
    }

    public static func day(_ text: String, _ what: String) throws(ArgumentError) -> Day {
        guard let day = Day(text) else { throw .syntax("The \(what) '\(text)' is not a date; write YYYY-MM-DD.") }
        return day
    }

    public static func time(_ text: String) throws(ArgumentError) -> LocalTime {
        guard let time = LocalTime(text) else { throw .syntax("The time '\(text)' is not a time; write HH:MM.") }
        return time
    }

    func day(option name: String) throws(ArgumentError) -> Day? {
        guard let text = options[name] else { return nil }
        return try Arguments.day(text, name)
    }

    func time(option name: String) throws(ArgumentError) -> LocalTime? {
        guard let text = options[name] else { return nil }
        return try Arguments.time(text)
    }

    var requestID: String {
        get throws(ArgumentError) {
            guard let id = options["REQID"] else { return "" }
            return try Arguments.id(id, "request id")
        }
    }

    var reason: String {
        get throws(ArgumentError) { try Arguments.text(options["REASON"] ?? "", "reason") }
    }
}
