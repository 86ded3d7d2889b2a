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
            let snapshot = Snapshot<(PraticaView, [AppointmentID: AppointmentView])>()
            call.submit(command(id), requestID: try words.requestID, check: { views in
                if let pratica = views.pratiche[id] {
                    var appointments: [AppointmentID: AppointmentView] = [:]
                    for appointment in pratica.appointments { appointments[appointment] = views.appointments[appointment] }
                    snapshot.value = (pratica, appointments)
                }
                return nil
            }) { decision in
                guard var (pratica, appointments) = snapshot.value else {
                    return .error(code: "NOTFOUND", message: "No pratica \(id).")
                }
                for event in decision.record.outcome.events {
                    switch event {
                    case .permitMarkedReady: pratica.permitReady = true
                    case .permitDelivered(_, let completed):
                        pratica.permitDelivered = true
                        if let completed { appointments[completed]?.state = .completed }
                    case .appointmentCancelled(let appointment, _, _, _, _, _, _):
                        appointments[appointment]?.state = .cancelled
                    default: break
                    }
                }
                return Replies.pratica(pratica) { appointments[$0] }
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
            let account = call.account
            let snapshot = Snapshot<AppointmentView>()
            call.submit(attended ? .attend(id) : .noShow(id), requestID: try words.requestID, check: { views in
                guard let appointment = views.appointments[id] else { return nil }
                guard account?.isStaff(of: appointment.office) == true else {
                    return .refused(code: "NOPERM", message: "\(id) is at \(appointment.office); only that office's "
                                    + "staff record attendance there.")
                }
                snapshot.value = appointment
                return nil
            }) { decision in
                guard var view = snapshot.value else { return .error(code: "NOTFOUND", message: "No appointment \(id).") }
                view.state = attended ? .attended : .missed
                return Replies.appointment(view, seq: decision.record.sequence)
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
            guard call.account?.isStaff(of: office) == true else {
                return call.fail("NOPERM", "Only \(office)'s own staff, its prefettura or an admin may close its days.")
            }
            let snapshot = Snapshot<[AppointmentID: AppointmentView]>()
            call.submit(.closeDay(office: office, day: day, service: service, reason: try words.reason),
                        requestID: try words.requestID, check: { views in
                if case .success(let appointments) = Queries.agenda(views, office: office, day: day, service: service) {
                    snapshot.value = Dictionary(appointments.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
                }
                return nil
            }) { decision in
                let before = snapshot.value ?? [:]
                var moved: [Reply] = []
                for case .appointmentMoved(let move) in decision.record.outcome.events {
                    guard var view = before[move.appointment] else { continue }
                    view.day = move.toDay
                    view.time = move.toTime
                    moved.append(Replies.appointment(view, seq: decision.record.sequence))
                }
                return .map([ReplyField("moved", .integer(moved.count)), ReplyField("appointments", .array(moved))])
            }
        } catch {
            call.fail(error)
        }
    }
}
