import Documents
import Engine
import Events
import Foundation
import Projections
import Replay

/// PRINT CONVOCATION, PRINT REMINDER and DAYLIST: the printed documents of issue 5, rendered by
/// the `Documents` library from the views (and, for the day's list, the log) and sent back as
/// one bulk string, ready to save to a file. Reads only; nothing is recorded.
enum Printing {
    typealias NoteFormat = PrintedDocuments.NoteFormat
    typealias ListFormat = PrintedDocuments.ListFormat

    // MARK: - PRINT

    static func print(_ call: Call) {
        let usage = "PRINT (CONVOCATION appointment | REMINDER appointment|pratica) [LANG it|en|fr|ar] [FORMAT text|html|ics]"
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 2, options: ["LANG", "FORMAT"], usage: usage)
            let kind: AppointmentNote.Kind
            switch words[0].uppercased() {
            case "CONVOCATION": kind = .convocation
            case "REMINDER": kind = .pickupReminder
            default: throw .syntax("PRINT prints a CONVOCATION or a REMINDER, not '\(words[0])'; expected \(usage).")
            }
            let target = try Arguments.id(words[1], kind == .convocation ? "appointment" : "appointment or pratica")
            let language = try words.option("LANG").map { (code) throws(ArgumentError) -> DocumentLanguage in
                guard let language = DocumentLanguage(code: code) else {
                    throw .syntax("LANG '\(code)' is not a language of the notes; use it, en, fr or ar.")
                }
                return language
            }
            let format = try Self.format(words.option("FORMAT"), default: NoteFormat.text, usage: usage)
            let reply = call.reply
            PrintedDocuments.note(kind, target: target, language: language, format: format, account: call.account,
                                  node: call.node) { result in
                switch result {
                case .success(let text): reply(.bulk(text))
                case .failure(let refusal): reply(.error(code: refusal.code, message: refusal.message))
                }
            }
        } catch {
            call.fail(error)
        }
    }

    // MARK: - DAYLIST

    static func dayList(_ call: Call) {
        let usage = "DAYLIST office date [BOOKED|AGENDA] [FORMAT csv|html]"
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 2, options: ["FORMAT"], flags: ["BOOKED", "AGENDA"],
                                      usage: usage)
            let office = OfficeID(try Arguments.id(words[0], "office"))
            let day = try Arguments.day(words[1], "date")
            guard !(words.flag("BOOKED") && words.flag("AGENDA")) else {
                throw .syntax("Give BOOKED (the appointments fixed that day) or AGENDA (the day's appointments), not both.")
            }
            let kind: DayList.Kind = words.flag("AGENDA") ? .agenda : .booked
            let format = try Self.format(words.option("FORMAT"), default: ListFormat.csv, usage: usage)
            if call.refuses(.officeDay(office, verb: "daylist")) { return }
            let reply = call.reply
            PrintedDocuments.dayList(office: office, day: day, kind: kind, format: format, node: call.node) { result in
                switch result {
                case .success(let text): reply(.bulk(text))
                case .failure(let refusal): reply(.error(code: refusal.code, message: refusal.message))
                }
            }
        } catch {
            call.fail(error)
        }
    }

    static func format<F: RawRepresentable & CaseIterable>(_ text: String?, default fallback: F, usage: String)
        throws(ArgumentError) -> F where F.RawValue == String {
        guard let text else { return fallback }
        guard let format = F(rawValue: text.lowercased()) else {
            let names = F.allCases.map(\.rawValue).joined(separator: ", ")
            throw .syntax("FORMAT '\(text)' is not one of \(names); expected \(usage).")
        }
        return format
    }
}
