import Engine
import Events
import Projections

/// AGENDA, CAPACITY, APPT, PRATICA, LOOKUP VISTO, HISTORY: answered from the views in the
/// writer's order (HISTORY from the log itself).
enum Reading {
    static func agenda(_ call: Call) {
        let usage = "AGENDA office date [SERVICE service]"
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 2, options: ["SERVICE"], usage: usage)
            let office = OfficeID(try Arguments.id(words[0], "office"))
            let day = try Arguments.day(words[1], "date")
            let service = try words.option("SERVICE").map { (text) throws(ArgumentError) in ServiceID(try Arguments.id(text, "service")) }
            if call.refuses(.officeDay(office, verb: "agenda")) { return }
            let today = RomeTime.day(of: call.node.clock())
            call.query { views in
                switch Queries.agenda(views, office: office, day: day, service: service) {
                case .success(let appointments): .array(appointments.map { Replies.appointment($0, today: today) })
                case .failure(let rejection): Replies.rejection(rejection)
                }
            }
        } catch {
            call.fail(error)
        }
    }

    static func capacity(_ call: Call) {
        let usage = "CAPACITY office service from to"
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 4, usage: usage)
            let office = OfficeID(try Arguments.id(words[0], "office"))
            let service = ServiceID(try Arguments.id(words[1], "service"))
            let from = try Arguments.day(words[2], "from date")
            let to = try Arguments.day(words[3], "to date")
            guard from <= to else { throw .syntax("The from date comes after the to date.") }
            guard to.days(since: from) < Limits.capacityDaysMax else {
                throw ArgumentError(code: "LIMIT", message: "CAPACITY spans at most \(Limits.capacityDaysMax) days (capacityDaysMax).")
            }
            if call.refuses(.capacity) { return }
            call.query { views in
                switch Queries.capacity(views, office: office, service: service, from: from, through: to) {
                case .success(let days):
                    .array(days.map { day in
                        .map([ReplyField("date", .bulk(day.day.description)), ReplyField("capacity", .integer(day.capacity)),
                              ReplyField("booked", .integer(day.booked)), ReplyField("free", .integer(day.free))])
                    })
                case .failure(let rejection): Replies.rejection(rejection)
                }
            }
        } catch {
            call.fail(error)
        }
    }

    static func appointment(_ call: Call) {
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 1, usage: "APPT appointment")
            let id = AppointmentID(try Arguments.id(words[0], "appointment"))
            let account = call.account
            let today = RomeTime.day(of: call.node.clock())
            call.query { views in
                if let refusal = Permissions.refusal(reading: .appointment(id, verb: "appt"), by: account,
                                                     offices: views.offices, appointments: { views.appointments[$0] }) {
                    return Replies.rejection(refusal)
                }
                guard let appointment = views.appointments[id] else { return Replies.rejection(.unknownAppointment(id)) }
                return Replies.appointment(appointment, today: today)
            }
        } catch {
            call.fail(error)
        }
    }

    static func pratica(_ call: Call) {
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 1, usage: "PRATICA pratica")
            let id = PraticaID(try Arguments.id(words[0], "pratica"))
            if call.refuses(.pratica(id, verb: "pratica")) { return }
            let today = RomeTime.day(of: call.node.clock())
            call.query { views in
                guard let pratica = views.pratiche[id] else { return Replies.rejection(.unknownPratica(id)) }
                return Replies.pratica(views.opened(pratica), views, today: today)
            }
        } catch {
            call.fail(error)
        }
    }

    static func lookup(_ call: Call) {
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 2, usage: "LOOKUP VISTO number")
            guard words[0].uppercased() == "VISTO" else { throw .syntax("Expected LOOKUP VISTO number.") }
            let visto = try Arguments.id(words[1], "numero di visto")
            if call.refuses(.operators(verb: "lookup")) { return }
            let today = RomeTime.day(of: call.node.clock())
            call.query { views in
                guard let id = views.pratica(forVisto: visto), let pratica = views.pratiche[id] else {
                    return .error(code: "NOTFOUND", message: "No pratica holds visto \(visto); check the number on the visa.")
                }
                return Replies.pratica(views.opened(pratica), views, today: today)
            }
        } catch {
            call.fail(error)
        }
    }

    static func history(_ call: Call) {
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 1, usage: "HISTORY pratica")
            let id = PraticaID(try Arguments.id(words[0], "pratica"))
            if call.refuses(.history) { return }
            let store = call.node.store
            let reply = call.reply
            store.query({ views in views.isRegistered(id) ? views.history(of: id) : nil }) { result in
                switch result {
                case .success(nil):
                    reply(Replies.rejection(.unknownPratica(id)))
                case .success(let sequences?):
                    do {
                        let records = try store.read { txn in try sequences.compactMap { try txn.record($0) } }
                            .map { store.keyRing.opening($0, markingErased: true) }
                        reply(.array(records.map(HistoryText.reply)))
                    } catch {
                        reply(.error(code: "INTERNAL", message: "Reading the log failed (\(error)); tell the administrator."))
                    }
                case .failure(let error):
                    reply(Call.reply(for: error))
                }
            }
        } catch {
            call.fail(error)
        }
    }
}
