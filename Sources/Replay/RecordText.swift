import Events

/// One-line summaries of commands and outcomes, for `history`'s table and the audit's "what
/// differs". Exhaustive switches: a new command or event must say how it reads.
public enum RecordText {
    public static func command(_ command: Command) -> String {
        switch command {
        case .configureOffice(let configuration):
            "configure-office \(configuration.office) (\(configuration.services.count) services, "
                + "horizon \(configuration.horizonDays) d, lead \(configuration.leadDays) d)"
        case .closeDay(let office, let day, let service, let reason):
            "close-day \(office)\(service.map { " \($0)" } ?? "") \(day)\(quoted(reason))"
        case .book(let request):
            "book \(request.office) \(request.service) \(request.pratica)"
                + (request.notBefore.map { " not before \($0)" } ?? "") + (request.on.map { " on \($0)" } ?? "")
                + (request.at.map { " at \($0)" } ?? "")
        case .deferAppointment(let appointment, let target, let reason):
            switch target {
            case .nextFree: "defer \(appointment) to the next free slot\(quoted(reason))"
            case .day(let day, let at): "defer \(appointment) to \(day)\(at.map { " at \($0)" } ?? "")\(quoted(reason))"
            }
        case .cancel(let appointment, let reason): "cancel \(appointment)\(quoted(reason))"
        case .permitReady(let pratica): "permit-ready \(pratica)"
        case .pickup(let pratica): "pickup \(pratica)"
        case .registerPratica(let applicant):
            "register-pratica \(applicant.pratica) (visto \(applicant.visto), from \(applicant.office))"
        case .createAccount(let spec):
            "create-account \(spec.name) (\(spec.role)\(spec.office.map { " at \($0)" } ?? ""), body \(spec.body)"
                + "\(spec.pratica.map { ", pratica \($0)" } ?? ""))"
        case .disableAccount(let name, let reason): "disable-account \(name)\(quoted(reason))"
        case .attend(let appointment): "attend \(appointment)"
        case .noShow(let appointment): "no-show \(appointment)"
        case .amendOffice(let office, let amendment):
            switch amendment {
            case .quotas(let service, let quotas, let releaseDays):
                "amend-office \(office) \(service) quotas sui \(quotas.sui) body \(quotas.body) applicant "
                    + "\(quotas.applicant), released \(releaseDays) d ahead"
            case .address(let address, let phone):
                "amend-office \(office) address\(quoted(address))\(phone.isEmpty ? "" : " phone \(phone)")"
            case .transition(let window?): "amend-office \(office) transition \(window.from) to \(window.to)"
            case .transition(nil): "amend-office \(office) transition closed"
            case .retention(0): "amend-office \(office) retention off"
            case .retention(let days): "amend-office \(office) retention \(days) d after the pickup"
            case .dayListAddress(""): "amend-office \(office) end-of-day list not e-mailed"
            case .dayListAddress(let address): "amend-office \(office) end-of-day list to \(address)"
            case .reminder(let service, 0): "amend-office \(office) \(service) no reminder"
            case .reminder(let service, let days): "amend-office \(office) \(service) reminder \(days) d before"
            }
        case .migrate(let request):
            "migrate-appointment \(request.office) \(request.service) \(request.pratica) on \(request.day) at "
                + "\(request.time)\(request.legacyID.isEmpty ? "" : " (legacy \(request.legacyID))")"
        case .recordSigningKey(let publicKey): "record-signing-key \(publicKey)"
        case .erasePratica(let pratica, let reason): "erase-pratica \(pratica)\(quoted(reason))"
        case .tick: "tick"
        case .addWebhook(let webhook): "add-webhook \(webhook.id) \(webhook.url) for \(scopeText(webhook.scope))"
        case .removeWebhook(let id): "remove-webhook \(id)"
        }
    }

    public static func outcome(_ outcome: Outcome) -> String {
        switch outcome {
        case .accepted(let events) where events.isEmpty: "accepted, nothing changed"
        case .accepted(let events): events.map(event).joined(separator: "; ")
        case .rejected(let rejection): "rejected (\(rejection.rule)): \(rejection)"
        }
    }

    public static func event(_ event: Event) -> String {
        switch event {
        case .officeConfigured(let configuration, let effectiveFrom):
            "\(configuration.office) configured from \(effectiveFrom)"
        case .dayClosed(let office, let day, let service, _):
            "\(office)\(service.map { " \($0)" } ?? "") closed on \(day)"
        case .appointmentBooked(let booked):
            "booked \(booked.appointment) at \(booked.office) \(booked.service) on \(booked.day) at \(booked.time)"
                + (booked.deferred ? " (deferred from \(booked.requestedDay))" : "") + " for \(booked.pratica)"
        case .appointmentMoved(let moved):
            "moved \(moved.appointment) from \(moved.fromDay) \(moved.fromTime) to \(moved.toDay) \(moved.toTime) "
                + "(\(RecordJSON.causeName(moved.cause)))"
        case .appointmentCancelled(let appointment, _, _, _, let day, let time, _):
            "cancelled \(appointment) (was \(day) \(time))"
        case .permitMarkedReady(let pratica): "permit of \(pratica) ready"
        case .permitDelivered(let pratica, let completed):
            "permit of \(pratica) delivered" + (completed.map { ", \($0) completed" } ?? "")
        case .praticaRegistered(let applicant): "\(applicant.pratica) registered"
        case .accountCreated(let spec): "account \(spec.name) created"
        case .accountDisabled(let name, _): "account \(name) disabled"
        case .appointmentAttended(let closed): "\(closed.appointment) attended on \(closed.day)"
        case .appointmentMissed(let closed): "\(closed.appointment) missed on \(closed.day)"
        case .appointmentMigrated(let migrated):
            "migrated \(migrated.appointment) at \(migrated.office) \(migrated.service) on \(migrated.day) at "
                + "\(migrated.time) for \(migrated.pratica)\(migrated.legacyID.isEmpty ? "" : " (legacy \(migrated.legacyID))")"
        case .signingKeyRecorded(let publicKey): "signing key \(publicKey) recorded"
        case .praticaErased(let pratica, let reason): "\(pratica)'s personal data erased\(quoted(reason))"
        case .webhookAdded(let webhook): "webhook \(webhook.id) added for \(scopeText(webhook.scope))"
        case .webhookRemoved(let id): "webhook \(id) removed"
        }
    }

    static func scopeText(_ scope: Webhook.Scope) -> String {
        switch scope {
        case .office(let office): "office \(office)"
        case .body(let body): "body \(body)"
        }
    }

    static func quoted(_ reason: String) -> String { reason.isEmpty ? "" : " \"\(reason)\"" }

    /// `2008-04-14 09:58:28` in Rome's wall-clock time: what an office reads.
    public static func romeTime(_ instant: Instant) -> String {
        let seconds = ((instant.millisecondsSinceEpoch % 60_000) + 60_000) % 60_000 / 1000
        let second = seconds < 10 ? "0\(seconds)" : "\(seconds)"
        return "\(RomeTime.day(of: instant)) \(RomeTime.time(of: instant)):\(second)"
    }
}
