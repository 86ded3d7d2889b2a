import Engine
import Events
import Projections

/// OFFICE (read an office's configuration), QUOTA, ADDRESS, TRANSITION, RETENTION (change one part of it)
/// and MIGRATE (take over an appointment from the previous booking system).
enum Offices {
    static func office(_ call: Call) {
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 1, usage: "OFFICE office")
            let id = OfficeID(try Arguments.id(words[0], "office"))
            if call.refuses(.operators(verb: "office")) { return }
            call.query { views in
                guard let office = views.offices[id] else { return Replies.rejection(.unknownOffice(id)) }
                return configurationReply(office.configuration)
            }
        } catch {
            call.fail(error)
        }
    }

    static func quota(_ call: Call) {
        let usage = "QUOTA office service [SUI n] [BODY n] [APPLICANT n] [RELEASE days] [REQID id]"
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 2,
                                      options: ["SUI", "BODY", "APPLICANT", "RELEASE", "REQID"], usage: usage)
            let office = OfficeID(try Arguments.id(words[0], "office"))
            let service = ServiceID(try Arguments.id(words[1], "service"))
            func count(_ name: String) throws(ArgumentError) -> UInt16 {
                guard let text = words.option(name) else { return 0 }
                guard let value = UInt16(text) else { throw .syntax("\(name) must be a whole number from 0 to 65535.") }
                return value
            }
            let quotas = ChannelQuotas(sui: try count("SUI"), body: try count("BODY"), applicant: try count("APPLICANT"))
            amend(call, office, .quotas(service, quotas, releaseDays: try count("RELEASE")), requestID: try words.requestID)
        } catch {
            call.fail(error)
        }
    }

    static func address(_ call: Call) {
        let usage = "ADDRESS office text [PHONE number] [REQID id]"
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 2, options: ["PHONE", "REQID"], usage: usage)
            let office = OfficeID(try Arguments.id(words[0], "office"))
            let text = try Arguments.text(words[1], "address")
            let phone = try Arguments.text(words.option("PHONE") ?? "", "phone")
            amend(call, office, .address(text, phone: phone), requestID: try words.requestID)
        } catch {
            call.fail(error)
        }
    }

    static func transition(_ call: Call) {
        let usage = "TRANSITION office (from to | OFF) [REQID id]"
        do throws(ArgumentError) {
            let off = call.arguments.dropFirst().first?.uppercased() == "OFF"
            let words = try Arguments(call.arguments, positional: off ? 2 : 3, options: ["REQID"], usage: usage)
            let office = OfficeID(try Arguments.id(words[0], "office"))
            var window: TransitionWindow?
            if !off {
                let from = try Arguments.day(words[1], "from date")
                let to = try Arguments.day(words[2], "to date")
                guard from <= to else { throw .syntax("The from date comes after the to date.") }
                window = TransitionWindow(from: from, to: to)
            }
            amend(call, office, .transition(window), requestID: try words.requestID)
        } catch {
            call.fail(error)
        }
    }

    /// RETENTION office days: the applicants' data of the pratiche the office opened is erased
    /// that many days after the pickup; 0 or OFF keeps it until ERASE.
    static func retention(_ call: Call) {
        let usage = "RETENTION office (days | OFF) [REQID id]"
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 2, options: ["REQID"], usage: usage)
            let office = OfficeID(try Arguments.id(words[0], "office"))
            let days: UInt16
            if words[1].uppercased() == "OFF" {
                days = 0
            } else {
                guard let value = UInt16(words[1]) else {
                    throw .syntax("The retention period is a whole number of days from 0 to 65535, or OFF.")
                }
                days = value
            }
            amend(call, office, .retention(days: days), requestID: try words.requestID)
        } catch {
            call.fail(error)
        }
    }

    /// Who may (its questura, its province's prefettura, an admin; for RETENTION its
    /// province's prefettura or an admin) is the engine's rule.
    static func amend(_ call: Call, _ office: OfficeID, _ amendment: OfficeAmendment, requestID: String) {
        call.submit(.amendOffice(office, amendment), requestID: requestID) { decision in
            for case .officeConfigured(let configuration, _) in decision.record.outcome.events {
                return configurationReply(configuration, seq: decision.record.sequence)
            }
            return .error(code: "INTERNAL", message: "The change was accepted without a configuration; tell the administrator.")
        }
    }

    static func migrate(_ call: Call) {
        let usage = "MIGRATE office service pratica date time [LEGACY id] [REQID id]"
        do throws(ArgumentError) {
            let words = try Arguments(call.arguments, positional: 5, options: ["LEGACY", "REQID"], usage: usage)
            let request = MigrateRequest(
                office: OfficeID(try Arguments.id(words[0], "office")),
                service: ServiceID(try Arguments.id(words[1], "service")),
                pratica: PraticaID(try Arguments.id(words[2], "pratica")),
                day: try Arguments.day(words[3], "date"), time: try Arguments.time(words[4]),
                legacyID: try words.option("LEGACY").map { (text) throws(ArgumentError) in try Arguments.id(text, "legacy id") } ?? "")
            call.submit(.migrate(request), requestID: try words.requestID) { decision in
                if case .appointmentMigrated(let migrated)? = decision.record.outcome.events.first {
                    let reply = Replies.migrated(migrated, seq: decision.record.sequence)
                    // A repeated REQID (re-importing the same row) changed nothing: say so.
                    guard decision.repeated, case .map(let fields) = reply else { return reply }
                    return .map(fields + [ReplyField("repeated", .bulk("1"))])
                }
                return .error(code: "INTERNAL", message: "MIGRATE was accepted without an appointment; tell the administrator.")
            }
        } catch {
            call.fail(error)
        }
    }

    /// The configuration as OFFICE shows it: hours as `mon 08:30-12:30 14:00-16:00` lines.
    static func configurationReply(_ configuration: OfficeConfiguration, seq: UInt64? = nil) -> Reply {
        var fields: [ReplyField] = [
            ReplyField("office", .bulk(configuration.office.rawValue)),
            ReplyField("kind", .bulk(configuration.kind.rawValue)),
            ReplyField("name", .bulk(configuration.name)),
            ReplyField("address", .bulk(configuration.address)),
            ReplyField("phone", .bulk(configuration.phone)),
            ReplyField("horizonDays", .integer(Int(configuration.horizonDays))),
            ReplyField("leadDays", .integer(Int(configuration.leadDays))),
            ReplyField("transitionFrom", .bulk(configuration.transition?.from.description ?? "")),
            ReplyField("transitionTo", .bulk(configuration.transition?.to.description ?? "")),
            ReplyField("closedDays", .integer(configuration.closedDays.count)),
            ReplyField("retentionDays", .integer(Int(configuration.retentionDays))),
            ReplyField("services", .array(configuration.services.map { service in
                .map([
                    ReplyField("service", .bulk(service.id.rawValue)),
                    ReplyField("name", .bulk(service.name)),
                    ReplyField("slotLengthMinutes", .integer(Int(service.slotLengthMinutes))),
                    ReplyField("capacityPerSlot", .integer(Int(service.capacityPerSlot))),
                    ReplyField("requiresReadyPermit", .bulk(service.requiresReadyPermit ? "1" : "0")),
                    ReplyField("hours", .array(Weekday.allCases.map { weekday in
                        let intervals = Int(weekday.rawValue) < service.weekly.count ? service.weekly[Int(weekday.rawValue)] : []
                        return .bulk(([weekday.shortName] + intervals.map { "\($0.start)-\($0.end)" }).joined(separator: " "))
                    })),
                    ReplyField("quotaSui", .integer(Int(service.quotas.sui))),
                    ReplyField("quotaBody", .integer(Int(service.quotas.body))),
                    ReplyField("quotaApplicant", .integer(Int(service.quotas.applicant))),
                    ReplyField("quotaOpen", .integer(max(0, Int(service.capacityPerSlot) - service.quotas.total))),
                    ReplyField("releaseDays", .integer(Int(service.releaseDays))),
                ])
            })),
        ]
        if let seq { fields.append(ReplyField("seq", .bulk(String(seq)))) }
        return .map(fields)
    }
}
