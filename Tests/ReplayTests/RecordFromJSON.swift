import Engine
import Events
import Foundation

/// Reads a dumped record back from its JSON, written from tools/README.md's description of the
/// JSON (not from RecordJSON), so the round trip proves the dump lost nothing.
enum RecordFromJSON {
    struct Malformed: Error, CustomStringConvertible {
        let what: String
        var description: String { "malformed JSON: \(what)" }
    }

    static func record(_ value: Any) throws -> Record {
        let object = try dictionary(value, "record")
        return Record(
            sequence: try unsigned(object["sequence"], "sequence"),
            decidedAt: Instant(millisecondsSinceEpoch: Int64(try integer(object["decidedAtMs"], "decidedAtMs"))),
            actor: Actor(operator: try string(object["operator"], "operator"), body: try string(object["body"], "body")),
            requestID: try string(object["requestID"], "requestID"),
            command: try command(object["command"]),
            outcome: try outcome(object["outcome"]),
            previousHash: try hash(object["previousHash"]),
            hash: try hash(object["hash"]))
    }

    static func command(_ value: Any?) throws -> Command {
        let object = try dictionary(value, "command")
        switch try string(object["type"], "command type") {
        case "configure-office": return .configureOffice(try configuration(object["configuration"]))
        case "close-day":
            return .closeDay(office: OfficeID(try string(object["office"], "office")), day: try day(object["day"]),
                             service: try optional(object["service"]) { ServiceID(try string($0, "service")) },
                             reason: try string(object["reason"], "reason"))
        case "book":
            return .book(BookRequest(
                office: OfficeID(try string(object["office"], "office")), service: ServiceID(try string(object["service"], "service")),
                pratica: PraticaID(try string(object["pratica"], "pratica")),
                notBefore: try optional(object["notBefore"], day), on: try optional(object["on"], day),
                at: try optional(object["at"], time)))
        case "defer":
            let target = try dictionary(object["target"], "target")
            let deferTarget: DeferTarget = switch try string(target["type"], "target type") {
            case "next-free": .nextFree
            case "day": .day(try day(target["day"]), at: try optional(target["at"], time))
            case let other: throw Malformed(what: "defer target \(other)")
            }
            return .deferAppointment(AppointmentID(try string(object["appointment"], "appointment")), to: deferTarget,
                                     reason: try string(object["reason"], "reason"))
        case "cancel":
            return .cancel(AppointmentID(try string(object["appointment"], "appointment")), reason: try string(object["reason"], "reason"))
        case "permit-ready": return .permitReady(PraticaID(try string(object["pratica"], "pratica")))
        case "pickup": return .pickup(PraticaID(try string(object["pratica"], "pratica")))
        case "register-pratica": return .registerPratica(try applicant(object["applicant"]))
        case "create-account": return .createAccount(try account(object["account"]))
        case "amend-office":
            let amendment = try dictionary(object["amendment"], "amendment")
            let office = OfficeID(try string(object["office"], "office"))
            switch try string(amendment["type"], "amendment type") {
            case "quotas":
                return .amendOffice(office, .quotas(
                    ServiceID(try string(amendment["service"], "service")),
                    ChannelQuotas(sui: UInt16(try integer(amendment["sui"], "sui")),
                                  body: UInt16(try integer(amendment["body"], "body")),
                                  applicant: UInt16(try integer(amendment["applicant"], "applicant"))),
                    releaseDays: UInt16(try integer(amendment["releaseDays"], "releaseDays"))))
            case "address":
                return .amendOffice(office, .address(try string(amendment["address"], "address"),
                                                     phone: try string(amendment["phone"], "phone")))
            case "transition":
                return .amendOffice(office, .transition(try optional(amendment["window"], transition)))
            case let other: throw Malformed(what: "amendment \(other)")
            }
        case "migrate-appointment":
            return .migrate(MigrateRequest(
                office: OfficeID(try string(object["office"], "office")), service: ServiceID(try string(object["service"], "service")),
                pratica: PraticaID(try string(object["pratica"], "pratica")), day: try day(object["day"]),
                time: try time(object["time"]), legacyID: try string(object["legacyID"], "legacyID")))
        case let other: throw Malformed(what: "command \(other)")
        }
    }

    static func outcome(_ value: Any?) throws -> Outcome {
        let object = try dictionary(value, "outcome")
        switch try string(object["type"], "outcome type") {
        case "accepted":
            guard let events = object["events"] as? [Any] else { throw Malformed(what: "events") }
            return .accepted(try events.map(event))
        case "rejected": return .rejected(try rejection(object["rejection"]))
        case let other: throw Malformed(what: "outcome \(other)")
        }
    }

    static func event(_ value: Any) throws -> Event {
        let object = try dictionary(value, "event")
        func text(_ key: String) throws -> String { try string(object[key], key) }
        switch try text("type") {
        case "office-configured":
            return .officeConfigured(try configuration(object["configuration"]), effectiveFrom: try day(object["effectiveFrom"]))
        case "day-closed":
            return .dayClosed(office: OfficeID(try text("office")), day: try day(object["day"]),
                              service: try optional(object["service"]) { ServiceID(try string($0, "service")) },
                              reason: try text("reason"))
        case "appointment-booked":
            return .appointmentBooked(AppointmentBooked(
                appointment: AppointmentID(try text("appointment")), office: OfficeID(try text("office")),
                service: ServiceID(try text("service")), pratica: PraticaID(try text("pratica")),
                requestedDay: try day(object["requestedDay"]), day: try day(object["day"]), time: try time(object["time"]),
                deferred: try bool(object["deferred"]), bookedBy: try text("bookedBy")))
        case "appointment-moved":
            let cause: AppointmentMoved.Cause = switch try text("cause") {
            case "deferred": .deferred
            case "day-closed": .dayClosed
            case let other: throw Malformed(what: "cause \(other)")
            }
            return .appointmentMoved(AppointmentMoved(
                appointment: AppointmentID(try text("appointment")), office: OfficeID(try text("office")),
                service: ServiceID(try text("service")), fromDay: try day(object["fromDay"]), fromTime: try time(object["fromTime"]),
                toDay: try day(object["toDay"]), toTime: try time(object["toTime"]), cause: cause, reason: try text("reason")))
        case "appointment-cancelled":
            return .appointmentCancelled(
                appointment: AppointmentID(try text("appointment")), office: OfficeID(try text("office")),
                service: ServiceID(try text("service")), pratica: PraticaID(try text("pratica")), day: try day(object["day"]),
                time: try time(object["time"]), reason: try text("reason"))
        case "permit-marked-ready": return .permitMarkedReady(PraticaID(try text("pratica")))
        case "permit-delivered":
            return .permitDelivered(PraticaID(try text("pratica")),
                                    completedAppointment: try optional(object["completedAppointment"]) {
                                        AppointmentID(try string($0, "completedAppointment"))
                                    })
        case "pratica-registered": return .praticaRegistered(try applicant(object["applicant"]))
        case "account-created": return .accountCreated(try account(object["account"]))
        case "appointment-migrated":
            return .appointmentMigrated(AppointmentMigrated(
                appointment: AppointmentID(try text("appointment")), office: OfficeID(try text("office")),
                service: ServiceID(try text("service")), pratica: PraticaID(try text("pratica")), day: try day(object["day"]),
                time: try time(object["time"]), legacyID: try text("legacyID"), bookedBy: try text("bookedBy")))
        case let other: throw Malformed(what: "event \(other)")
        }
    }

    static func rejection(_ value: Any?) throws -> Rejection {
        let object = try dictionary(value, "rejection")
        func text(_ key: String) throws -> String { try string(object[key], key) }
        func dayField(_ key: String) throws -> Day { try day(object[key]) }
        switch try text("type") {
        case "unknown-office": return .unknownOffice(OfficeID(try text("office")))
        case "unknown-service": return .unknownService(OfficeID(try text("office")), ServiceID(try text("service")))
        case "unknown-pratica": return .unknownPratica(PraticaID(try text("pratica")))
        case "unknown-appointment": return .unknownAppointment(AppointmentID(try text("appointment")))
        case "full":
            return .full(office: OfficeID(try text("office")), service: ServiceID(try text("service")),
                         searchedThrough: try dayField("searchedThrough"))
        case "permit-not-ready": return .permitNotReady(PraticaID(try text("pratica")))
        case "permit-already-delivered": return .permitAlreadyDelivered(PraticaID(try text("pratica")))
        case "live-appointment-exists":
            return .liveAppointmentExists(PraticaID(try text("pratica")), service: ServiceID(try text("service")),
                                          appointment: AppointmentID(try text("appointment")))
        case "appointment-not-live": return .appointmentNotLive(AppointmentID(try text("appointment")), state: try text("state"))
        case "office-closed": return .officeClosed(OfficeID(try text("office")), day: try dayField("day"))
        case "before-lead-time": return .beforeLeadTime(requested: try dayField("requested"), earliest: try dayField("earliest"))
        case "beyond-horizon": return .beyondHorizon(requested: try dayField("requested"), last: try dayField("last"))
        case "no-such-slot":
            return .noSuchSlot(OfficeID(try text("office")), service: ServiceID(try text("service")), day: try dayField("day"),
                               time: try time(object["time"]))
        case "day-in-past": return .dayInPast(try dayField("day"), today: try dayField("today"))
        case "invalid-configuration": return .invalidConfiguration(try text("why"))
        case "capacity-below-bookings":
            return .capacityBelowBookings(OfficeID(try text("office")), service: ServiceID(try text("service")),
                                          day: try dayField("day"), time: try time(object["time"]),
                                          booked: UInt16(try integer(object["booked"], "booked")))
        case "pratica-already-registered": return .praticaAlreadyRegistered(PraticaID(try text("pratica")))
        case "cannot-rehouse":
            return .cannotRehouse(AppointmentID(try text("appointment")), searchedThrough: try dayField("searchedThrough"))
        case "visto-already-registered":
            return .vistoAlreadyRegistered(visto: try text("visto"), pratica: PraticaID(try text("pratica")))
        case "outside-transition":
            return .outsideTransition(OfficeID(try text("office")), day: try dayField("day"),
                                      window: try optional(object["window"], transition))
        case let other: throw Malformed(what: "rejection \(other)")
        }
    }

    static func configuration(_ value: Any?) throws -> OfficeConfiguration {
        let object = try dictionary(value, "configuration")
        guard let kind = OfficeConfiguration.Kind(rawValue: try string(object["kind"], "kind")),
              let services = object["services"] as? [Any], let closed = object["closedDays"] as? [Any] else {
            throw Malformed(what: "configuration")
        }
        var configuration = OfficeConfiguration(
            office: OfficeID(try string(object["office"], "office")), kind: kind, name: try string(object["name"], "name"),
            horizonDays: UInt16(try integer(object["horizonDays"], "horizonDays")),
            leadDays: UInt16(try integer(object["leadDays"], "leadDays")),
            services: try services.map { value in
                let service = try dictionary(value, "service")
                guard let weekly = service["weekly"] as? [[[Any]]] else { throw Malformed(what: "weekly") }
                var configuration = ServiceConfiguration(
                    id: ServiceID(try string(service["id"], "id")), name: try string(service["name"], "name"),
                    slotLengthMinutes: UInt16(try integer(service["slotLengthMinutes"], "slotLengthMinutes")),
                    capacityPerSlot: UInt16(try integer(service["capacityPerSlot"], "capacityPerSlot")),
                    requiresReadyPermit: try bool(service["requiresReadyPermit"]),
                    weekly: try weekly.map { day in
                        try day.map { pair in
                            guard pair.count == 2 else { throw Malformed(what: "interval") }
                            return OpeningInterval(start: try time(pair[0]), end: try time(pair[1]))
                        }
                    })
                // Version 2 only (tools/README.md): quotas and releaseDays after weekly.
                if let quotas = service["quotas"] {
                    let object = try dictionary(quotas, "quotas")
                    configuration.quotas = ChannelQuotas(sui: UInt16(try integer(object["sui"], "sui")),
                                                         body: UInt16(try integer(object["body"], "body")),
                                                         applicant: UInt16(try integer(object["applicant"], "applicant")))
                    configuration.releaseDays = UInt16(try integer(service["releaseDays"], "releaseDays"))
                }
                return configuration
            },
            closedDays: try closed.map { try day($0) })
        if object["address"] != nil {
            configuration.address = try string(object["address"], "address")
            configuration.phone = try string(object["phone"], "phone")
            configuration.transition = try optional(object["transition"], transition)
        }
        return configuration
    }

    static func transition(_ value: Any) throws -> TransitionWindow {
        let object = try dictionary(value, "transition")
        return TransitionWindow(from: try day(object["from"]), to: try day(object["to"]))
    }

    static func account(_ value: Any?) throws -> AccountSpec {
        let object = try dictionary(value, "account")
        guard let role = Role(name: try string(object["role"], "role")) else { throw Malformed(what: "role") }
        return AccountSpec(name: try string(object["name"], "name"), role: role,
                           office: try optional(object["office"]) { OfficeID(try string($0, "office")) },
                           body: try string(object["body"], "body"),
                           pratica: try optional(object["pratica"]) { PraticaID(try string($0, "pratica")) })
    }

    static func applicant(_ value: Any?) throws -> Applicant {
        let object = try dictionary(value, "applicant")
        if let sealed = object["sealed"] {
            // Sealed: the keyed hashes and the box; the fields when the dump could open it.
            let seal = try dictionary(sealed, "sealed")
            let opened = !(object["surname"] is NSNull)
            guard let vistoTag = ChainHash(hex: try string(seal["vistoTag"], "vistoTag")),
                  let personTag = ChainHash(hex: try string(seal["personTag"], "personTag")),
                  let box = Hex.decode(try string(seal["box"], "box")) else { throw Malformed(what: "sealed") }
            func field(_ key: String) throws -> String { opened ? try string(object[key], key) : "" }
            return Applicant(pratica: PraticaID(try string(object["pratica"], "pratica")), visto: try field("visto"),
                             surname: try field("surname"), name: try field("name"),
                             birthDate: opened ? try day(object["birthDate"]) : Day(daysSinceEpoch: 0),
                             nationality: try field("nationality"), office: OfficeID(try string(object["office"], "office")),
                             seal: ApplicantSeal(vistoTag: vistoTag, personTag: personTag, box: box, opened: opened,
                                                 erased: object["erased"] as? Bool == true))
        }
        return Applicant(pratica: PraticaID(try string(object["pratica"], "pratica")), visto: try string(object["visto"], "visto"),
                         surname: try string(object["surname"], "surname"), name: try string(object["name"], "name"),
                         birthDate: try day(object["birthDate"]), nationality: try string(object["nationality"], "nationality"),
                         office: OfficeID(try string(object["office"], "office")))
    }

    // MARK: - Primitives

    static func dictionary(_ value: Any?, _ what: String) throws -> [String: Any] {
        guard let object = value as? [String: Any] else { throw Malformed(what: what) }
        return object
    }

    static func string(_ value: Any?, _ what: String) throws -> String {
        guard let text = value as? String else { throw Malformed(what: what) }
        return text
    }

    static func integer(_ value: Any?, _ what: String) throws -> Int {
        guard let number = value as? NSNumber else { throw Malformed(what: what) }
        return number.intValue
    }

    static func unsigned(_ value: Any?, _ what: String) throws -> UInt64 {
        guard let number = value as? NSNumber else { throw Malformed(what: what) }
        return number.uint64Value
    }

    static func bool(_ value: Any?) throws -> Bool {
        guard let flag = value as? Bool else { throw Malformed(what: "bool") }
        return flag
    }

    static func day(_ value: Any?) throws -> Day {
        guard let text = value as? String, let day = Day(text) else { throw Malformed(what: "day \(String(describing: value))") }
        return day
    }

    static func time(_ value: Any?) throws -> LocalTime {
        guard let text = value as? String, let time = LocalTime(text) else { throw Malformed(what: "time") }
        return time
    }

    static func hash(_ value: Any?) throws -> ChainHash {
        guard let text = value as? String, let hash = ChainHash(hex: text) else { throw Malformed(what: "hash") }
        return hash
    }

    static func optional<T>(_ value: Any?, _ read: (Any) throws -> T) throws -> T? {
        guard let value, !(value is NSNull) else { return nil }
        return try read(value)
    }
}
