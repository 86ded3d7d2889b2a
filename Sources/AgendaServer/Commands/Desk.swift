import Engine
import Events
import Projections

/// The Questura's desk: READY, PICKUP, ATTEND, NOSHOW, CLOSE.
enum Desk {
    static func ready(_ call: Call) {
        permit(call, usage: "READY pratica [REQID id]") { .permitReady($0) }
    }

    static func pickup(_ call: Call) {
        permit(call, usage: "PICKUP pratica [REQID id]") { .pickup($0) }
    }

    /// READY and PICKUP reply with the pratica as the command leaves it.
    private static func permit(_ call: Call, usage: String, _ command: @escaping (PraticaID) -> Command) {
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 1, options: ["REQID"], usage: usage)
            let id = PraticaID(try Arguments.id(words[0], "pratica"))
            call.submit(command(id), requestID: try words.requestID) { decision in
                guard let pratica = decision.subjects.pratica else { return .error(code: "NOTFOUND", message: "No pratica \(id).") }
                return Replies.pratica(pratica) { decision.subjects.praticaAppointments[$0] }
            }
        } catch {
            call.fail(error)
        }
    }

    static func attend(_ call: Call) {
        close(call, usage: "ATTEND appointment", attended: true)
    }

    static func noShow(_ call: Call) {
        close(call, usage: "NOSHOW appointment", attended: false)
    }

    private static func close(_ call: Call, usage: String, attended: Bool) {
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 1, options: ["REQID"], usage: usage)
            let id = AppointmentID(try Arguments.id(words[0], "appointment"))
            call.submit(attended ? .attend(id) : .noShow(id), requestID: try words.requestID) { decision in
                Replies.subject(id, decision)
            }
        } catch {
            call.fail(error)
        }
    }

    static func close(_ call: Call) {
        let usage = "CLOSE office date [SERVICE service] REASON text [REQID id]"
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 2, options: ["SERVICE", "REASON", "REQID"], usage: usage)
            let office = OfficeID(try Arguments.id(words[0], "office"))
            let day = try Arguments.day(words[1], "date")
            let service = try words.option("SERVICE").map { (text) throws(ArgumentError) in ServiceID(try Arguments.id(text, "service")) }
            guard words.option("REASON") != nil else { throw .syntax("CLOSE needs a REASON; expected \(usage).") }
            call.submit(.closeDay(office: office, day: day, service: service, reason: try words.reason),
                        requestID: try words.requestID) { decision in
                let moved = decision.subjects.appointments.map { Replies.appointment($0, seq: decision.record.sequence) }
                return .map([ReplyField("moved", .integer(moved.count)), ReplyField("appointments", .array(moved))])
            }
        } catch {
            call.fail(error)
        }
    }
}
