import Engine
import Events
import Projections

/// BOOK, FIRSTFREE, DEFER, CANCEL: translated into engine commands; the rules are the engine's.
enum Booking {
    static func book(_ call: Call) {
        let usage = "BOOK office service pratica [NOTBEFORE date] [ON date] [AT time] [EXISTING] [REQID id]"
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 3, options: ["NOTBEFORE", "ON", "AT", "REQID"],
                                      flags: ["EXISTING"], usage: usage)
            let request = BookRequest(
                office: OfficeID(try Arguments.id(words[0], "office")),
                service: ServiceID(try Arguments.id(words[1], "service")),
                pratica: PraticaID(try Arguments.id(words[2], "pratica")),
                notBefore: try words.day(option: "NOTBEFORE"), on: try words.day(option: "ON"),
                at: try words.time(option: "AT"), orExisting: words.flag("EXISTING"))
            call.submit(.book(request), requestID: try words.requestID) { decision in
                if case .appointmentBooked(let booked)? = decision.record.outcome.events.first {
                    return Replies.booked(booked, seq: decision.record.sequence)
                }
                // EXISTING: the live appointment the engine kept, as it stood then.
                guard let view = decision.subjects.appointments.first else {
                    return .error(code: "INTERNAL", message: "BOOK was accepted without a booking; tell the administrator.")
                }
                return Replies.appointment(view, seq: decision.record.sequence, existing: true)
            }
        } catch {
            call.fail(error)
        }
    }

    static func firstFree(_ call: Call) {
        let usage = "FIRSTFREE office service [NOTBEFORE date] [COUNT n]"
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 2, options: ["NOTBEFORE", "COUNT"], usage: usage)
            let office = OfficeID(try Arguments.id(words[0], "office"))
            let service = ServiceID(try Arguments.id(words[1], "service"))
            let notBefore = try words.day(option: "NOTBEFORE")
            var count = 1
            if let text = words.option("COUNT") {
                guard let value = Int(text), value >= 1 else { throw .syntax("COUNT must be a whole number from 1.") }
                guard value <= Limits.firstFreeCountMax else {
                    throw ArgumentError(code: "LIMIT", message: "COUNT is at most \(Limits.firstFreeCountMax) (firstFreeCountMax).")
                }
                count = value
            }
            if call.refuses(.firstFree) { return }
            let now = call.node.clock()
            let wanted = count
            let channel = Channel(role: call.account?.spec.role)
            call.query { views in
                switch Queries.firstFree(views, office: office, service: service, notBefore: notBefore, count: wanted,
                                         now: now, channel: channel) {
                case .success(let slots):
                    return .array(slots.map { slot in
                        .map([ReplyField("date", .bulk(slot.day.description)), ReplyField("time", .bulk(slot.time.description)),
                              ReplyField("free", .integer(slot.free))])
                    })
                case .failure(let rejection):
                    return Replies.rejection(rejection)
                }
            }
        } catch {
            call.fail(error)
        }
    }

    static func deferAppointment(_ call: Call) {
        let usage = "DEFER appointment (NEXT | TO date [AT time]) [REASON text] [REQID id]"
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 1, options: ["TO", "AT", "REASON", "REQID"],
                                      flags: ["NEXT"], usage: usage)
            let id = AppointmentID(try Arguments.id(words[0], "appointment"))
            let target: DeferTarget
            switch (words.flag("NEXT"), try words.day(option: "TO")) {
            case (true, nil):
                guard words.option("AT") == nil else { throw .syntax("AT goes with TO date; expected \(usage).") }
                target = .nextFree
            case (false, let day?):
                target = .day(day, at: try words.time(option: "AT"))
            default:
                throw .syntax("Give NEXT or TO date, not both; expected \(usage).")
            }
            call.submit(.deferAppointment(id, to: target, reason: try words.reason), requestID: try words.requestID) { decision in
                Replies.subject(id, decision)
            }
        } catch {
            call.fail(error)
        }
    }

    static func cancel(_ call: Call) {
        let usage = "CANCEL appointment [REASON text] [REQID id]"
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 1, options: ["REASON", "REQID"], usage: usage)
            let id = AppointmentID(try Arguments.id(words[0], "appointment"))
            call.submit(.cancel(id, reason: try words.reason), requestID: try words.requestID) { decision in
                Replies.subject(id, decision)
            }
        } catch {
            call.fail(error)
        }
    }
}
