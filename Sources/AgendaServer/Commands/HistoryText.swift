import Events

/// A log record as HISTORY shows it: when, who, what was asked, what came of it, in words.
enum HistoryText {
    static func reply(_ record: Record) -> Reply {
        .map([
            ReplyField("seq", .bulk(String(record.sequence))),
            ReplyField("at", .bulk(IsoTime.string(record.decidedAt))),
            ReplyField("actor", .bulk(record.actor.description)),
            ReplyField("command", .bulk(command(record.command))),
            ReplyField("outcome", .bulk(outcome(record.outcome))),
        ])
    }

    static func command(_ command: Command) -> String {
        switch command {
        case .configureOffice(let configuration): "configure-office \(configuration.office)"
        case .closeDay(let office, let day, let service, let reason):
            "close-day \(office) \(day)" + (service.map { " \($0)" } ?? "") + (reason.isEmpty ? "" : " (\(reason))")
        case .book(let request):
            "book \(request.office) \(request.service) \(request.pratica)"
                + (request.notBefore.map { " not-before \($0)" } ?? "") + (request.on.map { " on \($0)" } ?? "")
                + (request.at.map { " at \($0)" } ?? "")
        case .deferAppointment(let appointment, let target, let reason):
            switch target {
            case .nextFree: "defer \(appointment) next" + (reason.isEmpty ? "" : " (\(reason))")
            case .day(let day, let time):
                "defer \(appointment) to \(day)" + (time.map { " at \($0)" } ?? "") + (reason.isEmpty ? "" : " (\(reason))")
            }
        case .cancel(let appointment, let reason): "cancel \(appointment)" + (reason.isEmpty ? "" : " (\(reason))")
        case .permitReady(let pratica): "permit-ready \(pratica)"
        case .pickup(let pratica): "pickup \(pratica)"
        case .registerPratica(let applicant): "register-pratica \(applicant.pratica)"
        case .createAccount(let spec): "create-account \(spec.name) \(spec.role)"
        case .disableAccount(let name, _): "disable-account \(name)"
        case .attend(let appointment): "attend \(appointment)"
        case .noShow(let appointment): "no-show \(appointment)"
        }
    }

    static func outcome(_ outcome: Outcome) -> String {
        switch outcome {
        case .rejected(let rejection): "refused (\(rejection.rule)): \(rejection)"
        case .accepted(let events) where events.isEmpty: "accepted, nothing changed"
        case .accepted(let events): events.map(event).joined(separator: "; ")
        }
    }

    static func event(_ event: Event) -> String {
        switch event {
        case .officeConfigured(let configuration, let from): "\(configuration.office) configured from \(from)"
        case .dayClosed(let office, let day, let service, _): "\(office) closed on \(day)" + (service.map { " for \($0)" } ?? "")
        case .appointmentBooked(let booked):
            "booked \(booked.appointment) at \(booked.office) on \(booked.day) \(booked.time)"
                + (booked.deferred ? " (moved on from \(booked.requestedDay))" : "")
        case .appointmentMoved(let moved):
            "moved \(moved.appointment) from \(moved.fromDay) \(moved.fromTime) to \(moved.toDay) \(moved.toTime)"
        case .appointmentCancelled(let appointment, _, _, _, _, _, _): "cancelled \(appointment)"
        case .permitMarkedReady(let pratica): "permit for \(pratica) ready"
        case .permitDelivered(let pratica, _): "permit for \(pratica) delivered"
        case .praticaRegistered(let applicant): "registered \(applicant.pratica)"
        case .accountCreated(let spec): "account \(spec.name) created"
        case .accountDisabled(let name, _): "account \(name) disabled"
        case .appointmentAttended(let closed): "\(closed.appointment) attended"
        case .appointmentMissed(let closed): "\(closed.appointment) missed"
        }
    }
}
