import Events

/// Records as JSON: the shape `tools/verify_log.py --json` prints (tools/README.md), so the
/// two readers' dumps can be compared line by line. Every command, event and rejection is an
/// object whose `type` is its name in docs/log-format.md and whose other keys are that table's
/// field names, in the table's order. A new case in `Command`, `Event` or `Rejection` must be
/// added to the switches below (they are exhaustive on purpose) and to verify_log.py.
public enum RecordJSON {
    public static func record(_ record: Record) -> JSON {
        .object([
            ("sequence", .unsigned(record.sequence)),
            ("hash", .string(record.hash.description)),
            ("previousHash", .string(record.previousHash.description)),
            ("version", .int(Int64(RecordCodec.formatVersion))),
            ("decidedAt", instant(record.decidedAt)),
            ("decidedAtMs", .int(record.decidedAt.millisecondsSinceEpoch)),
            ("operator", .string(record.actor.operator)),
            ("body", .string(record.actor.body)),
            ("requestID", .string(record.requestID)),
            ("command", command(record.command)),
            ("outcome", outcome(record.outcome)),
        ])
    }

    public static func command(_ command: Command) -> JSON {
        var fields: [(String, JSON)] = [("type", .string(command.name))]
        switch command {
        case .configureOffice(let configuration):
            fields.append(("configuration", self.configuration(configuration)))
        case .closeDay(let office, let day, let service, let reason):
            fields += [("office", .string(office.rawValue)), ("day", self.day(day)),
                       ("service", .optional(service) { .string($0.rawValue) }), ("reason", .string(reason))]
        case .book(let request):
            fields += [("office", .string(request.office.rawValue)), ("service", .string(request.service.rawValue)),
                       ("pratica", .string(request.pratica.rawValue)), ("notBefore", .optional(request.notBefore, day)),
                       ("on", .optional(request.on, day)), ("at", .optional(request.at, time))]
        case .deferAppointment(let appointment, let target, let reason):
            let targetJSON: JSON = switch target {
            case .nextFree: .object([("type", .string("next-free"))])
            case .day(let day, let at): .object([("type", .string("day")), ("day", self.day(day)), ("at", .optional(at, time))])
            }
            fields += [("appointment", .string(appointment.rawValue)), ("target", targetJSON), ("reason", .string(reason))]
        case .cancel(let appointment, let reason):
            fields += [("appointment", .string(appointment.rawValue)), ("reason", .string(reason))]
        case .permitReady(let pratica), .pickup(let pratica):
            fields.append(("pratica", .string(pratica.rawValue)))
        case .registerPratica(let applicant):
            fields.append(("applicant", self.applicant(applicant)))
        case .createAccount(let spec):
            fields.append(("account", account(spec)))
        case .disableAccount(let name, let reason):
            fields += [("name", .string(name)), ("reason", .string(reason))]
        case .attend(let appointment), .noShow(let appointment):
            fields.append(("appointment", .string(appointment.rawValue)))
        case .amendOffice(let office, let amendment):
            fields.append(("office", .string(office.rawValue)))
            switch amendment {
            case .quotas(let service, let quotas, let releaseDays):
                fields.append(("amendment", .object([
                    ("type", .string("quotas")), ("service", .string(service.rawValue)),
                    ("sui", .int(Int64(quotas.sui))), ("body", .int(Int64(quotas.body))),
                    ("applicant", .int(Int64(quotas.applicant))), ("releaseDays", .int(Int64(releaseDays))),
                ])))
            case .address(let address, let phone):
                fields.append(("amendment", .object([("type", .string("address")), ("address", .string(address)),
                                                     ("phone", .string(phone))])))
            case .transition(let window):
                fields.append(("amendment", .object([("type", .string("transition")),
                                                     ("window", transition(window))])))
            case .retention(let days):
                fields.append(("amendment", .object([("type", .string("retention")), ("days", .int(Int64(days)))])))
            case .dayListAddress(let address):
                fields.append(("amendment", .object([("type", .string("day-list-address")), ("address", .string(address))])))
            case .reminder(let service, let days):
                fields.append(("amendment", .object([("type", .string("reminder")), ("service", .string(service.rawValue)),
                                                     ("days", .int(Int64(days)))])))
            }
        case .migrate(let request):
            fields += [("office", .string(request.office.rawValue)), ("service", .string(request.service.rawValue)),
                       ("pratica", .string(request.pratica.rawValue)), ("day", day(request.day)),
                       ("time", time(request.time)), ("legacyID", .string(request.legacyID))]
        case .recordSigningKey(let publicKey):
            fields.append(("publicKey", .string(publicKey)))
        case .erasePratica(let pratica, let reason):
            fields += [("pratica", .string(pratica.rawValue)), ("reason", .string(reason))]
        case .tick:
            break
        case .addWebhook(let webhook):
            fields.append(("webhook", self.webhook(webhook)))
        case .removeWebhook(let id):
            fields.append(("id", .string(id)))
        }
        return .object(fields)
    }

    /// An account as the log holds it: no password, by design. `pratica` only in version 2.
    public static func account(_ spec: AccountSpec) -> JSON {
        var fields: [(String, JSON)] = [("name", .string(spec.name)), ("role", .string(spec.role.description)),
                                        ("office", .optional(spec.office) { .string($0.rawValue) }),
                                        ("body", .string(spec.body))]
        if let pratica = spec.pratica { fields.append(("pratica", .string(pratica.rawValue))) }
        return .object(fields)
    }

    public static func transition(_ window: TransitionWindow?) -> JSON {
        .optional(window) { .object([("from", day($0.from)), ("to", day($0.to))]) }
    }

    public static func outcome(_ outcome: Outcome) -> JSON {
        switch outcome {
        case .accepted(let events):
            .object([("type", .string("accepted")), ("events", .array(events.map(event)))])
        case .rejected(let rejection):
            .object([("type", .string("rejected")), ("rejection", self.rejection(rejection))])
        }
    }

    /// The page's name for an event (`appointment-booked`, ...).
    public static func name(of event: Event) -> String {
        switch event {
        case .officeConfigured: "office-configured"
        case .dayClosed: "day-closed"
        case .appointmentBooked: "appointment-booked"
        case .appointmentMoved: "appointment-moved"
        case .appointmentCancelled: "appointment-cancelled"
        case .permitMarkedReady: "permit-marked-ready"
        case .permitDelivered: "permit-delivered"
        case .praticaRegistered: "pratica-registered"
        case .accountCreated: "account-created"
        case .accountDisabled: "account-disabled"
        case .appointmentAttended: "appointment-attended"
        case .appointmentMissed: "appointment-missed"
        case .appointmentMigrated: "appointment-migrated"
        case .signingKeyRecorded: "signing-key-recorded"
        case .praticaErased: "pratica-erased"
        case .webhookAdded: "webhook-added"
        case .webhookRemoved: "webhook-removed"
        }
    }

    public static func event(_ event: Event) -> JSON {
        var fields: [(String, JSON)] = [("type", .string(name(of: event)))]
        switch event {
        case .officeConfigured(let configuration, let effectiveFrom):
            fields += [("configuration", self.configuration(configuration)), ("effectiveFrom", day(effectiveFrom))]
        case .dayClosed(let office, let day, let service, let reason):
            fields += [("office", .string(office.rawValue)), ("day", self.day(day)),
                       ("service", .optional(service) { .string($0.rawValue) }), ("reason", .string(reason))]
        case .appointmentBooked(let booked):
            fields += [("appointment", .string(booked.appointment.rawValue)), ("office", .string(booked.office.rawValue)),
                       ("service", .string(booked.service.rawValue)), ("pratica", .string(booked.pratica.rawValue)),
                       ("requestedDay", day(booked.requestedDay)), ("day", day(booked.day)), ("time", time(booked.time)),
                       ("deferred", .bool(booked.deferred)), ("bookedBy", .string(booked.bookedBy))]
        case .appointmentMoved(let moved):
            fields += [("appointment", .string(moved.appointment.rawValue)), ("office", .string(moved.office.rawValue)),
                       ("service", .string(moved.service.rawValue)), ("fromDay", day(moved.fromDay)),
                       ("fromTime", time(moved.fromTime)), ("toDay", day(moved.toDay)), ("toTime", time(moved.toTime)),
                       ("cause", .string(causeName(moved.cause))), ("reason", .string(moved.reason))]
        case .appointmentCancelled(let appointment, let office, let service, let pratica, let day, let time, let reason):
            fields += [("appointment", .string(appointment.rawValue)), ("office", .string(office.rawValue)),
                       ("service", .string(service.rawValue)), ("pratica", .string(pratica.rawValue)),
                       ("day", self.day(day)), ("time", self.time(time)), ("reason", .string(reason))]
        case .permitMarkedReady(let pratica):
            fields.append(("pratica", .string(pratica.rawValue)))
        case .permitDelivered(let pratica, let completed):
            fields += [("pratica", .string(pratica.rawValue)),
                       ("completedAppointment", .optional(completed) { .string($0.rawValue) })]
        case .praticaRegistered(let applicant):
            fields.append(("applicant", self.applicant(applicant)))
        case .accountCreated(let spec):
            fields.append(("account", account(spec)))
        case .accountDisabled(let name, let reason):
            fields += [("name", .string(name)), ("reason", .string(reason))]
        case .appointmentAttended(let closed), .appointmentMissed(let closed):
            fields += [("appointment", .string(closed.appointment.rawValue)), ("office", .string(closed.office.rawValue)),
                       ("service", .string(closed.service.rawValue)), ("pratica", .string(closed.pratica.rawValue)),
                       ("day", day(closed.day)), ("time", time(closed.time))]
        case .appointmentMigrated(let migrated):
            fields += [("appointment", .string(migrated.appointment.rawValue)),
                       ("office", .string(migrated.office.rawValue)), ("service", .string(migrated.service.rawValue)),
                       ("pratica", .string(migrated.pratica.rawValue)), ("day", day(migrated.day)),
                       ("time", time(migrated.time)), ("legacyID", .string(migrated.legacyID)),
                       ("bookedBy", .string(migrated.bookedBy))]
        case .signingKeyRecorded(let publicKey):
            fields.append(("publicKey", .string(publicKey)))
        case .praticaErased(let pratica, let reason):
            fields += [("pratica", .string(pratica.rawValue)), ("reason", .string(reason))]
        case .webhookAdded(let webhook):
            fields.append(("webhook", self.webhook(webhook)))
        case .webhookRemoved(let id):
            fields.append(("id", .string(id)))
        }
        return .object(fields)
    }

    /// `{"id", "url", "scope": {"office"} or {"body"}, "secretDigest"}`.
    public static func webhook(_ webhook: Webhook) -> JSON {
        let scope: JSON = switch webhook.scope {
        case .office(let office): .object([("office", .string(office.rawValue))])
        case .body(let body): .object([("body", .string(body))])
        }
        return .object([("id", .string(webhook.id)), ("url", .string(webhook.url)), ("scope", scope),
                        ("secretDigest", .string(webhook.secretDigest))])
    }

    public static func rejection(_ rejection: Rejection) -> JSON {
        var fields: [(String, JSON)] = [("type", .string(rejection.rule))]
        switch rejection {
        case .unknownOffice(let office): fields.append(("office", .string(office.rawValue)))
        case .unknownService(let office, let service):
            fields += [("office", .string(office.rawValue)), ("service", .string(service.rawValue))]
        case .unknownPratica(let pratica), .permitNotReady(let pratica), .permitAlreadyDelivered(let pratica),
             .praticaAlreadyRegistered(let pratica):
            fields.append(("pratica", .string(pratica.rawValue)))
        case .unknownAppointment(let appointment): fields.append(("appointment", .string(appointment.rawValue)))
        case .full(let office, let service, let through):
            fields += [("office", .string(office.rawValue)), ("service", .string(service.rawValue)),
                       ("searchedThrough", day(through))]
        case .liveAppointmentExists(let pratica, let service, let appointment):
            fields += [("pratica", .string(pratica.rawValue)), ("service", .string(service.rawValue)),
                       ("appointment", .string(appointment.rawValue))]
        case .appointmentNotLive(let appointment, let state):
            fields += [("appointment", .string(appointment.rawValue)), ("state", .string(state))]
        case .officeClosed(let office, let day): fields += [("office", .string(office.rawValue)), ("day", self.day(day))]
        case .beforeLeadTime(let requested, let earliest):
            fields += [("requested", day(requested)), ("earliest", day(earliest))]
        case .beyondHorizon(let requested, let last): fields += [("requested", day(requested)), ("last", day(last))]
        case .noSuchSlot(let office, let service, let day, let time):
            fields += [("office", .string(office.rawValue)), ("service", .string(service.rawValue)),
                       ("day", self.day(day)), ("time", self.time(time))]
        case .dayInPast(let day, let today): fields += [("day", self.day(day)), ("today", self.day(today))]
        case .invalidConfiguration(let why): fields.append(("why", .string(why)))
        case .capacityBelowBookings(let office, let service, let day, let time, let booked):
            fields += [("office", .string(office.rawValue)), ("service", .string(service.rawValue)),
                       ("day", self.day(day)), ("time", self.time(time)), ("booked", .int(Int64(booked)))]
        case .cannotRehouse(let appointment, let through):
            fields += [("appointment", .string(appointment.rawValue)), ("searchedThrough", day(through))]
        case .vistoAlreadyRegistered(let visto, let pratica):
            fields += [("visto", .string(visto)), ("pratica", .string(pratica.rawValue))]
        case .accountExists(let name), .unknownAccount(let name):
            fields.append(("name", .string(name)))
        case .notYetDue(let appointment, let day, let today):
            fields += [("appointment", .string(appointment.rawValue)), ("day", self.day(day)), ("today", self.day(today))]
        case .outsideTransition(let office, let day, let window):
            fields += [("office", .string(office.rawValue)), ("day", self.day(day)), ("window", transition(window))]
        case .notPermitted(let permission, let role, let subject):
            fields += [("permission", .string(permission.name)), ("role", .string(role.description)),
                       ("subject", .string(subject))]
        case .notSealed(let pratica):
            fields.append(("pratica", .string(pratica.rawValue)))
        case .webhookExists(let id), .unknownWebhook(let id):
            fields.append(("id", .string(id)))
        }
        return .object(fields)
    }

    // MARK: - Shared structures and primitives

    /// Version-2 keys (address, phone, transition; per service quotas and releaseDays) appear
    /// only for a configuration recorded under the version-2, 3 or 4 tags, `province` only
    /// under the version-3 and 4 ones, `retentionDays` only under the version-4 ones, as
    /// verify_log.py prints them.
    public static func configuration(_ configuration: OfficeConfiguration) -> JSON {
        let v2 = !configuration.isVersion1
        let services: [JSON] = configuration.services.map { service in
            var fields: [(String, JSON)] = [
                ("id", .string(service.id.rawValue)),
                ("name", .string(service.name)),
                ("slotLengthMinutes", .int(Int64(service.slotLengthMinutes))),
                ("capacityPerSlot", .int(Int64(service.capacityPerSlot))),
                ("requiresReadyPermit", .bool(service.requiresReadyPermit)),
                // Exactly 7 weekdays on disk, Monday first; a shorter list is written with empty days.
                ("weekly", .array((0..<7).map { weekday in
                    .array((weekday < service.weekly.count ? service.weekly[weekday] : []).map {
                        .array([time($0.start), time($0.end)])
                    })
                })),
            ]
            if v2 {
                let quotas: JSON = .object([("sui", .int(Int64(service.quotas.sui))),
                                            ("body", .int(Int64(service.quotas.body))),
                                            ("applicant", .int(Int64(service.quotas.applicant)))])
                fields.append(("quotas", quotas))
                fields.append(("releaseDays", .int(Int64(service.releaseDays))))
            }
            if configuration.version == 5 { fields.append(("reminderDays", .int(Int64(service.reminderDays)))) }
            return .object(fields)
        }
        var fields: [(String, JSON)] = [
            ("office", .string(configuration.office.rawValue)),
            ("kind", .string(configuration.kind.rawValue)),
            ("name", .string(configuration.name)),
            ("horizonDays", .int(Int64(configuration.horizonDays))),
            ("leadDays", .int(Int64(configuration.leadDays))),
            ("services", .array(services)),
            ("closedDays", .array(configuration.closedDays.map(day))),
        ]
        if v2 {
            fields.append(("address", .string(configuration.address)))
            fields.append(("phone", .string(configuration.phone)))
            fields.append(("transition", transition(configuration.transition)))
        }
        if configuration.version >= 3 { fields.append(("province", .string(configuration.province))) }
        if configuration.version >= 4 { fields.append(("retentionDays", .int(Int64(configuration.retentionDays)))) }
        if configuration.version == 5 { fields.append(("dayListAddress", .string(configuration.dayListAddress))) }
        return .object(fields)
    }

    /// A sealed applicant: its ids, its keyed hashes and box (`sealed`), the personal fields
    /// when this reader opened the box (null otherwise), and `erased` when its key is gone.
    public static func applicant(_ applicant: Applicant) -> JSON {
        guard let seal = applicant.seal else { return clearApplicant(applicant) }
        let open = seal.opened
        return .object([
            ("pratica", .string(applicant.pratica.rawValue)), ("visto", open ? .string(applicant.visto) : .null),
            ("surname", open ? .string(applicant.surname) : .null), ("name", open ? .string(applicant.name) : .null),
            ("birthDate", open ? day(applicant.birthDate) : .null),
            ("nationality", open ? .string(applicant.nationality) : .null),
            ("office", .string(applicant.office.rawValue)),
            ("sealed", .object([("vistoTag", .string(seal.vistoTag.description)),
                                ("personTag", .string(seal.personTag.description)),
                                ("box", .string(Hex.encode(seal.box)))])),
            ("erased", .bool(seal.erased)),
        ])
    }

    static func clearApplicant(_ applicant: Applicant) -> JSON {
        .object([
            ("pratica", .string(applicant.pratica.rawValue)), ("visto", .string(applicant.visto)),
            ("surname", .string(applicant.surname)), ("name", .string(applicant.name)),
            ("birthDate", day(applicant.birthDate)), ("nationality", .string(applicant.nationality)),
            ("office", .string(applicant.office.rawValue)),
        ])
    }

    public static func causeName(_ cause: AppointmentMoved.Cause) -> String {
        switch cause {
        case .deferred: "deferred"
        case .dayClosed: "day-closed"
        }
    }

    /// `YYYY-MM-DD`; outside years 1...9999 the bare number of days since 1970-01-01.
    public static func day(_ day: Day) -> JSON {
        let year = day.civil.year
        return (1...9999).contains(year) ? .string(day.description) : .int(Int64(day.daysSinceEpoch))
    }

    public static func time(_ time: LocalTime) -> JSON { .string(time.description) }

    /// `2008-04-14T07:58:28.278Z` (UTC); outside years 1...9999 the bare milliseconds.
    public static func instant(_ instant: Instant) -> JSON {
        let day = Day(daysSinceEpoch: Int32(clamping: instant.millisecondsSinceEpoch / 86_400_000))
        return (1...9999).contains(day.civil.year) ? .string(instant.description) : .int(instant.millisecondsSinceEpoch)
    }
}
