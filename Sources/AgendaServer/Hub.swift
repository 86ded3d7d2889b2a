import Events
import Foundation

/// SUBSCRIBE agenda:OFFICE. The store tells the hub of every committed batch; the hub tells
/// each connection subscribed to an office of every event touching it, as one message each.
final class Hub: @unchecked Sendable {
    typealias Deliver = @Sendable (_ channel: String, _ message: String) -> Void

    private let lock = NSLock()
    private var subscribers: [OfficeID: [Int: Deliver]] = [:]

    func subscribe(_ office: OfficeID, connection: Int, deliver: @escaping Deliver) {
        lock.withLock { subscribers[office, default: [:]][connection] = deliver }
    }

    func unsubscribe(_ office: OfficeID, connection: Int) {
        lock.withLock {
            subscribers[office]?[connection] = nil
            if subscribers[office]?.isEmpty == true { subscribers[office] = nil }
        }
    }

    /// On the store's committer thread: only look up and hand over, never block.
    func publish(_ records: [Record]) {
        let current = lock.withLock { subscribers }
        guard !current.isEmpty else { return }
        for record in records {
            for event in record.outcome.events {
                guard let office = Hub.office(of: event), let targets = current[office] else { continue }
                let message = EventJSON.message(record, event)
                let channel = "agenda:" + office.rawValue
                for deliver in targets.values { deliver(channel, message) }
            }
        }
    }

    static func office(of event: Event) -> OfficeID? {
        switch event {
        case .officeConfigured(let configuration, _): configuration.office
        case .dayClosed(let office, _, _, _): office
        case .appointmentBooked(let booked): booked.office
        case .appointmentMoved(let moved): moved.office
        case .appointmentCancelled(_, let office, _, _, _, _, _): office
        case .appointmentAttended(let closed), .appointmentMissed(let closed): closed.office
        case .appointmentMigrated(let migrated): migrated.office
        case .permitMarkedReady, .permitDelivered, .praticaRegistered, .accountCreated, .accountDisabled,
             .signingKeyRecorded, .praticaErased, .webhookAdded, .webhookRemoved: nil
        }
    }
}

/// One event as a JSON object, the payload of a pub/sub message: flat, stable field names.
enum EventJSON {
    static func message(_ record: Record, _ event: Event) -> String {
        var fields: [(String, String)] = [("seq", String(record.sequence)), ("at", IsoTime.string(record.decidedAt)),
                                          ("actor", record.actor.description)]
        switch event {
        case .officeConfigured(let configuration, let effectiveFrom):
            fields += [("event", "office-configured"), ("office", configuration.office.rawValue),
                       ("from", effectiveFrom.description)]
        case .dayClosed(let office, let day, let service, let reason):
            fields += [("event", "day-closed"), ("office", office.rawValue), ("date", day.description),
                       ("service", service?.rawValue ?? ""), ("reason", reason)]
        case .appointmentBooked(let booked):
            fields += [("event", "appointment-booked"), ("appointment", booked.appointment.rawValue),
                       ("office", booked.office.rawValue), ("service", booked.service.rawValue),
                       ("pratica", booked.pratica.rawValue), ("date", booked.day.description),
                       ("time", booked.time.description), ("deferred", booked.deferred ? "1" : "0")]
        case .appointmentMoved(let moved):
            fields += [("event", "appointment-moved"), ("appointment", moved.appointment.rawValue),
                       ("office", moved.office.rawValue), ("service", moved.service.rawValue),
                       ("from", "\(moved.fromDay) \(moved.fromTime)"), ("date", moved.toDay.description),
                       ("time", moved.toTime.description), ("reason", moved.reason)]
        case .appointmentCancelled(let appointment, let office, let service, let pratica, let day, let time, let reason):
            fields += [("event", "appointment-cancelled"), ("appointment", appointment.rawValue),
                       ("office", office.rawValue), ("service", service.rawValue), ("pratica", pratica.rawValue),
                       ("date", day.description), ("time", time.description), ("reason", reason)]
        case .appointmentAttended(let closed), .appointmentMissed(let closed):
            let name = if case .appointmentAttended = event { "appointment-attended" } else { "appointment-missed" }
            fields += [("event", name), ("appointment", closed.appointment.rawValue), ("office", closed.office.rawValue),
                       ("service", closed.service.rawValue), ("pratica", closed.pratica.rawValue),
                       ("date", closed.day.description), ("time", closed.time.description)]
        case .appointmentMigrated(let migrated):
            fields += [("event", "appointment-migrated"), ("appointment", migrated.appointment.rawValue),
                       ("office", migrated.office.rawValue), ("service", migrated.service.rawValue),
                       ("pratica", migrated.pratica.rawValue), ("date", migrated.day.description),
                       ("time", migrated.time.description), ("legacyId", migrated.legacyID)]
        case .permitMarkedReady, .permitDelivered, .praticaRegistered, .accountCreated, .accountDisabled,
             .signingKeyRecorded, .praticaErased, .webhookAdded, .webhookRemoved:
            fields += [("event", "other")]
        }
        return "{" + fields.map { "\"\($0.0)\":\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let control where control.value < 0x20: out += String(format: "\\u%04x", control.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// Decision times as operators read them: ISO 8601 in Rome's local time with its offset.
enum IsoTime {
    static func string(_ instant: Instant) -> String {
        let offsetHours = RomeTime.offsetMinutes(at: instant) / 60
        let seconds = ((instant.millisecondsSinceEpoch / 1000) % 60 + 60) % 60
        return "\(RomeTime.day(of: instant))T\(RomeTime.time(of: instant)):\(seconds < 10 ? "0" : "")\(seconds)+0\(offsetHours):00"
    }
}
