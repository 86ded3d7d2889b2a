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
    /// Rendering and reading the log happen here, off the writer's and the event loops' threads.
    static let queue = DispatchQueue(label: "agenda-printing", attributes: .concurrent)

    enum NoteFormat: String, CaseIterable { case text, html, ics }
    enum ListFormat: String, CaseIterable { case csv, html }

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
            let account = call.account
            let store = call.node.store
            let reply = call.reply
            store.query({ views -> Result<AppointmentNote, AppointmentNote.Problem> in
                var id = AppointmentID(target)
                // Who may print what is the engine's read rule: an applicant its own pratica's
                // notes, a body its own bookings'; anything else, known or not, answers the same.
                func refused(_ read: Permissions.Read) -> AppointmentNote.Problem? {
                    Permissions.refusal(reading: read, by: account, offices: views.offices,
                                        appointments: { views.appointments[$0] })
                        .map { AppointmentNote.Problem(code: $0.code, message: $0.description) }
                }
                if kind == .pickupReminder && views.appointments[id] == nil {
                    if let problem = refused(.pratica(PraticaID(target), verb: "print")) { return .failure(problem) }
                    switch AppointmentNote.pickupAppointment(of: PraticaID(target), views) {
                    case .success(let found): id = found
                    case .failure(let problem): return .failure(problem)
                    }
                }
                if let problem = refused(.appointment(id, verb: "print")) { return .failure(problem) }
                return AppointmentNote.make(kind, appointment: id, views)
            }) { result in
                switch result {
                case .failure(let error):
                    reply(Call.reply(for: error))
                case .success(.failure(let problem)):
                    reply(.error(code: problem.code, message: problem.message))
                case .success(.success(let found)):
                    Printing.queue.async {
                        var note = found
                        do {
                            // DTSTAMP: when the record that last changed the appointment was decided.
                            guard let record = try store.read({ try $0.record(note.recordSequence) }) else {
                                return reply(.error(code: "INTERNAL", message: "Record \(note.recordSequence) is missing "
                                                    + "from the log; tell the administrator."))
                            }
                            note.recordedAt = record.decidedAt
                            reply(.bulk(Printing.render(note, language: language ?? note.defaultLanguage, format: format)))
                        } catch {
                            reply(.error(code: "INTERNAL", message: "Reading the log failed (\(error)); tell the administrator."))
                        }
                    }
                }
            }
        } catch {
            call.fail(error)
        }
    }

    static func render(_ note: AppointmentNote, language: DocumentLanguage, format: NoteFormat) -> String {
        switch format {
        case .text: NoteText.render(note, language: language)
        case .html: NoteHTML.render(note, language: language)
        case .ics: ICalendar.render(note, language: language)
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
            let store = call.node.store
            let reply = call.reply
            let answer: @Sendable (Result<Result<DayList, DayList.Problem>, StoreError>) -> Void = { result in
                switch result {
                case .failure(let error): reply(Call.reply(for: error))
                case .success(.failure(let problem)): reply(.error(code: problem.code, message: problem.message))
                case .success(.success(let list)):
                    Printing.queue.async { reply(.bulk(format == .csv ? DayListRender.csv(list) : DayListRender.html(list))) }
                }
            }
            switch kind {
            case .agenda:
                store.query({ views in DayList.agenda(office: office, day: day, views: views) }, completion: answer)
            case .booked:
                let dayOver = call.node.clock() >= Instant(romeDay: day.adding(days: 1), time: .midnight)
                store.query({ views in views.offices[office] != nil }) { known in
                    switch known {
                    case .failure(let error): return reply(Call.reply(for: error))
                    case .success(false): return reply(Replies.rejection(.unknownOffice(office)))
                    case .success(true): break
                    }
                    Printing.queue.async {
                        let reading: DayLog.Reading
                        do {
                            reading = try store.read { try DayLog.read($0, office: office, day: day) }
                        } catch {
                            return reply(.error(code: "INTERNAL", message: "Reading the log failed (\(error)); tell the administrator."))
                        }
                        store.query({ views in
                            DayList.booked(office: office, day: day, records: reading.records, views: views,
                                           head: reading.head, dayOver: dayOver)
                        }, completion: answer)
                    }
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
