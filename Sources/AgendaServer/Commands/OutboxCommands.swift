import Crypto
import Engine
import Events
import Foundation
import Projections
import Replay

/// WEBHOOK ADD / LIST / REMOVE (recorded in the log; the secret kept beside it), OUTBOX (what
/// the node sent), MAILTO and REMINDER (the office's end-of-day address and a service's
/// reminder). docs/outbox.md.
enum OutboxCommands {
    static func webhook(_ call: Call) {
        switch call.arguments.first?.uppercased() {
        case "ADD": add(call)
        case "LIST": list(call)
        case "REMOVE": remove(call)
        default: call.fail("SYNTAX", "Expected WEBHOOK ADD id url (OFFICE office | BODY body) SECRET secret, WEBHOOK LIST, "
                           + "or WEBHOOK REMOVE id.")
        }
    }

    static func add(_ call: Call) {
        let usage = "WEBHOOK ADD id url (OFFICE office | BODY body) SECRET secret [REQID id]"
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments.dropFirst(), positional: 2,
                                      options: ["OFFICE", "BODY", "SECRET", "REQID"], usage: usage)
            let id = try Arguments.id(words[0], "webhook id")
            let url = try Arguments.text(words[1], "url")
            let scope: Webhook.Scope
            switch (words.option("OFFICE"), words.option("BODY")) {
            case (let office?, nil): scope = .office(OfficeID(try Arguments.id(office, "office")))
            case (nil, let body?): scope = .body(try Arguments.id(body, "body"))
            default: throw .syntax("Give OFFICE office or BODY body, one of them; expected \(usage).")
            }
            guard let secret = words.option("SECRET"), secret.utf8.count >= 16 else {
                throw .syntax("Give SECRET with at least 16 characters: the receiver checks each delivery's signature with it.")
            }
            let digest = SHA256.hash(data: Array(secret.utf8)).map { String(format: "%02x", $0) }.joined()
            let webhook = Webhook(id: id, url: url, scope: scope, secretDigest: digest)
            let requestID = try words.requestID
            guard let account = call.account else { return call.fail("NOAUTH", "Authentication required; send AUTH user password.") }
            let node = call.node
            let reply = call.reply
            // The secret is kept beside the log once the engine accepted the webhook (who may add
            // one, and that an id is new, are its rules): a refused ADD never replaces another's
            // secret. A delivery filed before it lands is retried.
            node.submit(.addWebhook(webhook), as: account, requestID: requestID) { result in
                switch result {
                case .failure(let refusal):
                    reply(.error(code: refusal.code, message: refusal.message))
                case .success(let decision):
                    node.passwordQueue.async {
                        let added = decision.record.outcome.events.contains { if case .webhookAdded = $0 { true } else { false } }
                        if added {
                            do {
                                try node.store.environment.setWebhookSecret(id, Array(secret.utf8))
                            } catch {
                                return reply(.error(code: "INTERNAL", message: "Webhook \(id) is recorded but its secret could not "
                                                    + "be kept beside the log (\(error)); send WEBHOOK REMOVE \(id) and add it again."))
                            }
                        }
                        reply(.map([ReplyField("webhook", .bulk(id)), ReplyField("url", .bulk(url)),
                                    ReplyField("scope", .bulk(scopeText(scope))), ReplyField("secretDigest", .bulk(digest)),
                                    ReplyField("seq", .integer(Int(decision.record.sequence)))]))
                    }
                }
            }
        } catch {
            call.fail(error)
        }
    }

    static func remove(_ call: Call) {
        let usage = "WEBHOOK REMOVE id [REQID id]"
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments.dropFirst(), positional: 1, options: ["REQID"], usage: usage)
            let id = try Arguments.id(words[0], "webhook id")
            call.submit(.removeWebhook(id), requestID: try words.requestID) { decision in
                .map([ReplyField("webhook", .bulk(id)),
                      ReplyField("removed", .bulk(decision.record.outcome.events.isEmpty ? "already" : "1")),
                      ReplyField("seq", .integer(Int(decision.record.sequence)))])
            }
        } catch {
            call.fail(error)
        }
    }

    static func list(_ call: Call) {
        if call.refuses(.webhooks) { return }
        call.query { views in
            .array(views.webhooks.values.sorted { $0.webhook.id < $1.webhook.id }.map { view in
                .map([ReplyField("webhook", .bulk(view.webhook.id)), ReplyField("url", .bulk(view.webhook.url)),
                      ReplyField("scope", .bulk(scopeText(view.webhook.scope))),
                      ReplyField("secretDigest", .bulk(view.webhook.secretDigest)),
                      ReplyField("addedSeq", .integer(Int(view.addedSequence))),
                      ReplyField("removedSeq", .bulk(view.removedSequence.map(String.init) ?? ""))])
            })
        }
    }

    static func scopeText(_ scope: Webhook.Scope) -> String {
        switch scope {
        case .office(let office): "office \(office)"
        case .body(let body): "body \(body)"
        }
    }

    /// OUTBOX [KIND webhook|daylist] [TARGET t] [STATE pending|sent|parked] [DAY date] [LIMIT n]:
    /// the outbox's entries, newest first.
    static func outbox(_ call: Call) {
        let usage = "OUTBOX [KIND webhook|daylist] [TARGET id] [STATE pending|sent|parked] [DAY date] [LIMIT n]"
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 0, options: ["KIND", "TARGET", "STATE", "DAY", "LIMIT"],
                                      usage: usage)
            let filter = try OutboxFilter(kind: words.option("KIND"), target: words.option("TARGET"),
                                          state: words.option("STATE"), day: words.option("DAY"),
                                          limit: words.option("LIMIT"))
            if call.refuses(.outbox) { return }
            let environment = call.node.store.environment
            let reply = call.reply
            call.node.passwordQueue.async {
                do {
                    let entries = try filter.entries(environment)
                    reply(.array(entries.map(entryReply)))
                } catch {
                    reply(.error(code: "INTERNAL", message: "The outbox could not be read: \(error)"))
                }
            }
        } catch {
            call.fail(error)
        }
    }

    static func entryReply(_ entry: Outbox.Entry) -> Reply {
        .map([
            ReplyField("key", .bulk(entry.key)), ReplyField("kind", .bulk(entry.kind.rawValue)),
            ReplyField("target", .bulk(entry.target)), ReplyField("seq", .integer(Int(entry.sequence))),
            ReplyField("day", .bulk(entry.day?.description ?? "")), ReplyField("state", .bulk(entry.state.description)),
            ReplyField("attempts", .integer(Int(entry.attempts))),
            ReplyField("filedAt", .bulk(OutboxFilter.time(entry.createdMs))),
            ReplyField("sentAt", .bulk(entry.sentMs.map(OutboxFilter.time) ?? "")),
            ReplyField("nextAttemptAt", .bulk(entry.state == .pending ? OutboxFilter.time(entry.nextAttemptMs) : "")),
            ReplyField("lastReply", .bulk(entry.lastReply)),
            ReplyField("recipients", .bulk(entry.recipients.joined(separator: ", "))),
        ])
    }

    /// MAILTO office (address | OFF): where the end-of-day list is e-mailed.
    static func mailTo(_ call: Call) {
        let usage = "MAILTO office (address | OFF) [REQID id]"
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 2, options: ["REQID"], usage: usage)
            let office = OfficeID(try Arguments.id(words[0], "office"))
            let address = words[1].uppercased() == "OFF" ? "" : try Arguments.text(words[1], "address")
            Offices.amend(call, office, .dayListAddress(address), requestID: try words.requestID)
        } catch {
            call.fail(error)
        }
    }

    /// REMINDER office service (days | OFF): remind applicants that many days before.
    static func reminder(_ call: Call) {
        let usage = "REMINDER office service (days | OFF) [REQID id]"
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 3, options: ["REQID"], usage: usage)
            let office = OfficeID(try Arguments.id(words[0], "office"))
            let service = ServiceID(try Arguments.id(words[1], "service"))
            var days: UInt16 = 0
            if words[2].uppercased() != "OFF" {
                guard let value = UInt16(words[2]) else { throw .syntax("The reminder is a whole number of days, or OFF.") }
                days = value
            }
            Offices.amend(call, office, .reminder(service, days: days), requestID: try words.requestID)
        } catch {
            call.fail(error)
        }
    }
}

/// Which outbox entries OUTBOX and `agenda-node outbox list` show.
public struct OutboxFilter: Sendable {
    public var kind: Outbox.Kind?
    public var target: String?
    public var state: Outbox.State?
    /// The day the entry was filed on, or the day its list covers (Europe/Rome).
    public var day: Day?
    public var limit: Int

    public init(kind: String?, target: String?, state: String?, day: String?, limit: String?) throws(ArgumentError) {
        if let kind {
            guard let parsed = Outbox.Kind(rawValue: kind.lowercased()) else {
                throw .syntax("KIND is webhook or daylist, not \(kind).")
            }
            self.kind = parsed
        }
        self.target = target
        if let state {
            guard let parsed = Outbox.State.allCases.first(where: { $0.description == state.lowercased() }) else {
                throw .syntax("STATE is pending, sent or parked, not \(state).")
            }
            self.state = parsed
        }
        if let day { self.day = try Arguments.day(day, "date") }
        if let limit {
            guard let value = Int(limit), (1...10_000).contains(value) else { throw .syntax("LIMIT is 1 to 10000.") }
            self.limit = value
        } else {
            self.limit = 100
        }
    }

    /// The entries that match, newest first.
    public func entries(_ environment: Environment) throws -> [Outbox.Entry] {
        let matching = try environment.outboxEntries { entry in
            if let kind, entry.kind != kind { return false }
            if let target, entry.target != target { return false }
            if let state, entry.state != state { return false }
            if let day {
                let filed = RomeTime.day(of: Instant(millisecondsSinceEpoch: entry.createdMs))
                guard entry.day == day || filed == day else { return false }
            }
            return true
        }
        return Array(matching.reversed().prefix(limit))
    }

    /// One entry as `agenda-node outbox list --json` prints it (without the payload).
    public static func json(_ entry: Outbox.Entry) -> String {
        JSON.object([
            ("key", .string(entry.key)), ("kind", .string(entry.kind.rawValue)), ("target", .string(entry.target)),
            ("sequence", .unsigned(entry.sequence)), ("day", .optional(entry.day) { .string($0.description) }),
            ("state", .string(entry.state.description)), ("attempts", .unsigned(UInt64(entry.attempts))),
            ("filedAt", .string(time(entry.createdMs))), ("sentAt", .optional(entry.sentMs) { .string(time($0)) }),
            ("lastReply", .string(entry.lastReply)), ("recipients", .array(entry.recipients.map { .string($0) })),
        ]).text
    }

    /// In Rome's wall-clock time, as `replay history` prints times.
    public static func time(_ ms: Int64) -> String { RecordText.romeTime(Instant(millisecondsSinceEpoch: ms)) }
}
