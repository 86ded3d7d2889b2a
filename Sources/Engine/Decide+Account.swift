import Events
import Projections

extension Decider {
    /// `create-account`: a name is given once, ever (a disabled name stays taken, so the log's
    /// "who" never points at two people). Staff roles name the office they work at.
    static func createAccount(_ spec: AccountSpec, _ views: Views) -> Outcome {
        if views.accounts[spec.name] != nil { return .rejected(.accountExists(spec.name)) }
        switch spec.role {
        case .sui, .questura, .prefettura:
            guard spec.office != nil else {
                return .rejected(.invalidConfiguration("a \(spec.role) account names the office it works at"))
            }
        case .body:
            guard !spec.body.isEmpty, views.offices[OfficeID(spec.body)] == nil else {
                return .rejected(.invalidConfiguration("a body account names its ente, not an office"))
            }
        case .audit, .admin:
            break
        case .applicant:
            guard let pratica = spec.pratica else {
                return .rejected(.invalidConfiguration("an applicant account names the one pratica it books for"))
            }
            guard views.isRegistered(pratica) else { return .rejected(.unknownPratica(pratica)) }
        }
        if spec.role != .applicant && spec.pratica != nil {
            return .rejected(.invalidConfiguration("only an applicant account is tied to a pratica"))
        }
        if let office = spec.office, views.offices[office] == nil { return .rejected(.unknownOffice(office)) }
        return .accepted([.accountCreated(spec)])
    }

    /// `disable-account`: it can no longer sign in; what it did stays in the log under its name.
    /// A key the log already holds as the latest changes nothing.
    static func recordSigningKey(_ publicKey: String, _ views: Views) -> Outcome {
        .accepted(views.signingKeys.last?.publicKey == publicKey ? [] : [.signingKeyRecorded(publicKey: publicKey)])
    }

    /// `add-webhook`: an id is given once, for good (a removed one is not reused, so a receiver
    /// never mistakes another's events for its own); an office scope names a known office.
    static func addWebhook(_ webhook: Webhook, _ views: Views) -> Outcome {
        if views.webhooks[webhook.id] != nil { return .rejected(.webhookExists(webhook.id)) }
        if case .office(let office) = webhook.scope, views.offices[office] == nil { return .rejected(.unknownOffice(office)) }
        return .accepted([.webhookAdded(webhook)])
    }

    /// `remove-webhook`: no more deliveries for records after this one; again changes nothing.
    static func removeWebhook(_ id: String, _ views: Views) -> Outcome {
        guard let webhook = views.webhooks[id] else { return .rejected(.unknownWebhook(id)) }
        return .accepted(webhook.removedSequence == nil ? [.webhookRemoved(id)] : [])
    }

    static func disableAccount(_ name: String, reason: String, _ views: Views) -> Outcome {
        guard let account = views.accounts[name] else { return .rejected(.unknownAccount(name)) }
        return .accepted(account.enabled ? [.accountDisabled(name: name, reason: reason)] : [])
    }
}
