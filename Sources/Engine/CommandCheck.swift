import Events

/// Shape checks before a command reaches `decide`: lengths within the named limits and no
/// empty ids. A command that fails them is refused and never logged — like a SYNTAX error.
public enum CommandCheck {
    /// The sentence that says what is wrong, or nil when the command may be decided.
    public static func problem(_ command: Command, actor: Actor, requestID: String) -> CommandProblem? {
        if let problem = id(actor.operator, "operator") ?? id(actor.body, "body") { return problem }
        if !requestID.isEmpty, let problem = id(requestID, "request id") { return problem }
        switch command {
        case .configureOffice(let configuration):
            if let problem = id(configuration.office.rawValue, "office") ?? text(configuration.name, "office name")
                ?? text(configuration.address, "address") ?? text(configuration.phone, "phone") {
                return problem
            }
            // Counts the record format must hold: past them the command could not even be logged.
            if configuration.services.count > Limits.servicesMax { return .limit("more than \(Limits.servicesMax) services") }
            if configuration.closedDays.count > Limits.closedDaysMax {
                return .limit("more than \(Limits.closedDaysMax) closed days")
            }
            for service in configuration.services {
                if let problem = id(service.id.rawValue, "service") ?? text(service.name, "service name") { return problem }
                if service.weekly.count != 7 { return "\(service.id): weekly must have 7 days, Monday first" }
                for intervals in service.weekly {
                    if intervals.count > Limits.intervalsPerDayMax {
                        return .limit("\(service.id): more than \(Limits.intervalsPerDayMax) opening intervals in a day")
                    }
                    for interval in intervals where interval.start.minutesSinceMidnight >= 1440
                        || interval.end.minutesSinceMidnight >= 1440 {
                        return "\(service.id): a time past 23:59"
                    }
                }
            }
            return nil
        case .closeDay(let office, _, let service, let reason):
            return id(office.rawValue, "office") ?? service.flatMap { id($0.rawValue, "service") } ?? text(reason, "reason")
        case .book(let request):
            return id(request.office.rawValue, "office") ?? id(request.service.rawValue, "service")
                ?? id(request.pratica.rawValue, "pratica")
        case .deferAppointment(let appointment, _, let reason), .cancel(let appointment, let reason):
            return id(appointment.rawValue, "appointment") ?? text(reason, "reason")
        case .permitReady(let pratica), .pickup(let pratica):
            return id(pratica.rawValue, "pratica")
        case .registerPratica(let applicant) where applicant.seal != nil:
            // Sealed: the personal fields were checked before sealing, and are not at hand after.
            return id(applicant.pratica.rawValue, "pratica") ?? id(applicant.office.rawValue, "office")
        case .registerPratica(let applicant):
            return id(applicant.pratica.rawValue, "pratica") ?? id(applicant.visto, "visto")
                ?? id(applicant.office.rawValue, "office") ?? id(applicant.nationality, "nationality")
                ?? nonEmptyText(applicant.surname, "surname") ?? nonEmptyText(applicant.name, "name")
        case .createAccount(let spec):
            return accountName(spec.name) ?? spec.office.flatMap { id($0.rawValue, "office") }
                ?? (spec.body.isEmpty ? nil : id(spec.body, "body")) ?? spec.pratica.flatMap { id($0.rawValue, "pratica") }
        case .disableAccount(let name, let reason):
            return accountName(name) ?? text(reason, "reason")
        case .attend(let appointment), .noShow(let appointment):
            return id(appointment.rawValue, "appointment")
        case .amendOffice(let office, let amendment):
            if let problem = id(office.rawValue, "office") { return problem }
            switch amendment {
            case .quotas(let service, _, _): return id(service.rawValue, "service")
            case .address(let address, let phone): return text(address, "address") ?? text(phone, "phone")
            case .transition, .retention: return nil
            case .dayListAddress(let address): return address.isEmpty ? nil : mailAddress(address, "end-of-day address")
            case .reminder(let service, _): return id(service.rawValue, "service")
            }
        case .migrate(let request):
            return id(request.office.rawValue, "office") ?? id(request.service.rawValue, "service")
                ?? id(request.pratica.rawValue, "pratica")
                ?? (request.legacyID.isEmpty ? nil : id(request.legacyID, "legacy id"))
        case .erasePratica(let pratica, let reason):
            return id(pratica.rawValue, "pratica") ?? nonEmptyText(reason, "reason")
        case .tick:
            return nil
        case .addWebhook(let webhook):
            if let problem = id(webhook.id, "webhook id") ?? text(webhook.url, "url") { return problem }
            let url = webhook.url.lowercased()
            guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.count > 8,
                  !webhook.url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
                return "the url is an http:// or https:// address without spaces"
            }
            switch webhook.scope {
            case .office(let office): if let problem = id(office.rawValue, "office") { return problem }
            case .body(let body): if let problem = id(body, "body") { return problem }
            }
            let digits = webhook.secretDigest.utf8
            let hex = digits.count == 64 && digits.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
            return hex ? nil : "a secret's digest is 64 lower-case hexadecimal digits (SHA-256)"
        case .removeWebhook(let id):
            return self.id(id, "webhook id")
        case .recordSigningKey(let publicKey):
            let digits = publicKey.utf8
            let hex = digits.count == 64 && digits.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
            return hex ? nil : "a signing key is 64 lower-case hexadecimal digits (an Ed25519 public key)"
        }
    }

    static func id(_ value: String, _ what: String) -> CommandProblem? {
        if value.isEmpty { return "the \(what) is empty" }
        if value.utf8.count > Limits.idBytesMax { return .limit("the \(what) is longer than \(Limits.idBytesMax) bytes") }
        if value.utf8.contains(0) { return "the \(what) contains a NUL byte" }
        return nil
    }

    /// Account names are typed at AUTH and appear in the log: letters, digits, `.`, `-`, `_`.
    static func accountName(_ name: String) -> CommandProblem? {
        if let problem = id(name, "account name") { return problem }
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x2D || byte == 0x5F
        }
        return allowed ? nil : "the account name may hold only letters, digits, '.', '-' and '_'"
    }

    /// An e-mail address as a relay takes it in RCPT TO: local@domain, no spaces or angle brackets.
    static func mailAddress(_ value: String, _ what: String) -> CommandProblem? {
        if let problem = text(value, what) { return problem }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        let clean = !value.utf8.contains { $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") }
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && clean
            ? nil : "the \(what) is not an e-mail address (name@domain)"
    }

    static func text(_ value: String, _ what: String) -> CommandProblem? {
        value.utf8.count > Limits.textBytesMax ? .limit("the \(what) is longer than \(Limits.textBytesMax) bytes") : nil
    }

    static func nonEmptyText(_ value: String, _ what: String) -> CommandProblem? {
        value.isEmpty ? "the \(what) is empty" : text(value, what)
    }
}

/// Why a command was refused before deciding: a named limit passed (the protocol's LIMIT) or a
/// malformed value (SYNTAX). Typed, so the server never has to read the sentence to tell.
public struct CommandProblem: Equatable, Sendable, CustomStringConvertible, ExpressibleByStringInterpolation {
    public let description: String
    public let isLimit: Bool

    public init(stringLiteral value: String) {
        description = value
        isLimit = false
    }

    public init(stringInterpolation: DefaultStringInterpolation) {
        description = String(stringInterpolation: stringInterpolation)
        isLimit = false
    }

    init(_ description: String, isLimit: Bool) {
        self.description = description
        self.isLimit = isLimit
    }

    static func limit(_ description: String) -> CommandProblem { CommandProblem(description, isLimit: true) }
}
