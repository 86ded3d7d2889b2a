import Engine
import Events
import Projections
import RegistryCSV

/// REGISTER: an applicant's data, from a comune's registry export (ELI2) or the SUI's own
/// system, so no operator retypes it at a desk.
///
/// Registering the same data again is not a change: the node answers the pratica with
/// `existing 1` and records nothing, whoever sends it and under whatever REQID, so importing
/// one file twice leaves the log as it was. Different data for a registered pratica (or a visto
/// another pratica holds) is the engine's refusal, `-CONFLICT`, recorded like any refusal; sent
/// again under the same REQID it returns that first reply and records nothing more.
enum Registry {
    static let usage = "REGISTER pratica visto surname name birthdate nationality office [REQID id]"

    static func register(_ call: Call) {
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 7, options: ["REQID"], usage: usage)
            let pratica = PraticaID(try Arguments.id(words[0], "pratica"))
            let visto = try Arguments.id(words[1], "numero di visto")
            let surname = try name(words[2], "surname")
            let givenName = try name(words[3], "name")
            let birthDate = try Arguments.day(words[4], "birth date")
            let nationality = words[5].uppercased()
            guard Nationalities.codes.contains(nationality) else {
                throw .syntax("The nationality '\(words[5])' is not an ISO 3166-1 alpha-3 code (MAR, ALB, ROU, …; "
                              + "XXA for a stateless person).")
            }
            let office = OfficeID(try Arguments.id(words[6], "office"))
            let requestID = try words.requestID
            guard let account = call.account else {
                return call.fail("NOAUTH", "Authentication required; send AUTH user password.")
            }
            let applicant = Applicant(pratica: pratica, visto: visto, surname: surname, name: givenName,
                                      birthDate: birthDate, nationality: nationality, office: office)
            submit(call, applicant, account: account, requestID: requestID)
        } catch {
            call.fail(error)
        }
    }

    /// A surname or given name: inner spaces kept (`De Luca`, `Maria José`), at most
    /// `textBytesMax`, no control characters.
    private static func name(_ text: String, _ what: String) throws(ArgumentError) -> String {
        let trimmed = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        guard !trimmed.isEmpty else { throw .syntax("The \(what) is empty.") }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .syntax("The \(what) holds a control character or a line break; send it on one line.")
        }
        return try Arguments.text(trimmed, what)
    }

    private static func submit(_ call: Call, _ applicant: Applicant, account: AccountView, requestID: String) {
        let reply = call.reply
        let failures = call.node.commitFailures
        // Set by the check when the pratica is already there with these very data.
        let existing = Snapshot<(PraticaView, [AppointmentID: AppointmentView])>()
        let office = applicant.office
        call.node.store.submit(.registerPratica(applicant), actor: account.spec.actor, requestID: requestID,
                               check: { views in
            // Who may act comes first, and is the engine's: let it decide and record the refusal.
            if Permissions.refusal(.registerPratica(applicant), actor: account.spec.actor, views) != nil { return nil }
            guard views.offices[office]?.configuration.kind == .sui else {
                return .refused(code: "NOTFOUND", message: "No Sportello Unico \(office); a pratica belongs to the SUI "
                                + "that opened it (an id like AT-S).")
            }
            if let pratica = views.pratiche[applicant.pratica].map(views.opened), pratica.applicant.sameData(as: applicant) {
                var appointments: [AppointmentID: AppointmentView] = [:]
                for id in pratica.appointments { appointments[id] = views.appointments[id] }
                existing.value = (pratica, appointments)
                // Stops it here: nothing is decided, nothing recorded.
                return .refused(code: "CONFLICT", message: "\(applicant.pratica) is already registered with these data.")
            }
            return nil
        }) { result in
            if let (pratica, appointments) = existing.value {
                return reply(with(Replies.pratica(pratica) { appointments[$0] }, [ReplyField("existing", .bulk("1"))]))
            }
            switch result {
            case .success(let decision):
                if case .rejected(let rejection) = decision.record.outcome {
                    reply(Replies.rejection(rejection))
                } else {
                    let registered = Replies.pratica(PraticaView(applicant: applicant)) { _ in nil }
                    reply(with(registered, [ReplyField("seq", .bulk(String(decision.record.sequence)))]))
                }
            case .failure(let error):
                failures.record(error)
                reply(Call.reply(for: error))
            }
        }
    }

    private static func with(_ reply: Reply, _ more: [ReplyField]) -> Reply {
        guard case .map(let fields) = reply else { return reply }
        return .map(fields + more)
    }

    /// ERASE pratica REASON text: the applicant's key is destroyed (crypto-shredding); the
    /// records stay, their personal data unreadable for good. The Prefettura or an admin.
    static func erase(_ call: Call) {
        let usage = "ERASE pratica REASON text [REQID id]"
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 1, options: ["REASON", "REQID"], usage: usage)
            let id = PraticaID(try Arguments.id(words[0], "pratica"))
            guard words.option("REASON") != nil else { throw .syntax("ERASE needs a REASON; expected \(usage).") }
            call.submit(.erasePratica(id, reason: try words.reason), requestID: try words.requestID) { decision in
                let erased = decision.record.outcome.events.contains { if case .praticaErased = $0 { true } else { false } }
                return .map([ReplyField("pratica", .bulk(id.rawValue)), ReplyField("erased", .bulk(erased ? "1" : "already")),
                             ReplyField("seq", .integer(Int(decision.record.sequence)))])
            }
        } catch {
            call.fail(error)
        }
    }
}

/// Written by a check on the writer's thread, read by the reply after the commit: the store's
/// handoff orders the two.
final class Snapshot<T>: @unchecked Sendable {
    var value: T?
}
