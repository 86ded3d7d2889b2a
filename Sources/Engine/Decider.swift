import Events
import Projections

/// Makes appointment ids. Passed into `decide`, so a replay gives the same ids.
public protocol IDSource {
    mutating func nextAppointmentID() -> AppointmentID
}

/// The ids the writer uses: derived from the record's sequence number (Crockford base-32), so
/// they are short, typeable, unique, and the same when `replay audit` re-decides the record.
public struct SequenceIDs: IDSource, Sendable {
    public let sequence: UInt64
    var issued = 0

    public init(sequence: UInt64) { self.sequence = sequence }

    public mutating func nextAppointmentID() -> AppointmentID {
        defer { issued += 1 }
        let base = "A-" + SequenceIDs.crockford(sequence)
        return AppointmentID(issued == 0 ? base : base + "-\(issued)")
    }

    static let alphabet: [UInt8] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// Base 32 in Crockford's alphabet, at least five digits.
    static func crockford(_ value: UInt64) -> String {
        var digits = 1
        while digits < 13, value >> (5 * UInt64(digits)) != 0 { digits += 1 }
        let width = max(digits, 5)
        return String(unsafeUninitializedCapacity: width) { buffer in
            for index in 0..<width {
                let shift = UInt64(5 * (width - 1 - index))
                buffer[index] = alphabet[Int((value >> shift) & 31)]
            }
            return width
        }
    }
}

/// The rules. `decide` is pure: the same views, command, time, actor and ids give the same
/// outcome, which is what lets `replay audit` re-decide the whole log.
public enum Decider {
    public static func decide(_ command: Command, _ views: Views, now: Instant, actor: Actor,
                              ids: inout some IDSource) -> Outcome {
        // Who may act comes first: a refusal tells nothing of the state it would have met.
        if let refusal = Permissions.refusal(command, actor: actor, views) { return .rejected(refusal) }
        return switch command {
        case .configureOffice(let configuration):
            configure(configuration, views, now: now)
        case .closeDay(let office, let day, let service, let reason):
            closeDay(office, day, service: service, reason: reason, views, now: now)
        case .book(let request):
            book(request, views, now: now, actor: actor, ids: &ids)
        case .deferAppointment(let appointment, let target, let reason):
            deferAppointment(appointment, to: target, reason: reason, views, now: now)
        case .cancel(let appointment, let reason):
            cancel(appointment, reason: reason, views, now: now)
        case .permitReady(let pratica):
            permitReady(pratica, views)
        case .pickup(let pratica):
            pickup(pratica, views, now: now)
        case .registerPratica(let applicant):
            register(applicant, views)
        case .createAccount(let spec):
            createAccount(spec, views)
        case .disableAccount(let name, let reason):
            disableAccount(name, reason: reason, views)
        case .attend(let appointment):
            closeAppointment(appointment, attended: true, views, now: now)
        case .noShow(let appointment):
            closeAppointment(appointment, attended: false, views, now: now)
        case .amendOffice(let office, let amendment):
            amend(office, amendment, views, now: now)
        case .migrate(let request):
            migrate(request, views, now: now, actor: actor, ids: &ids)
        case .recordSigningKey(let publicKey):
            recordSigningKey(publicKey, views)
        case .erasePratica(let pratica, let reason):
            erase(pratica, reason: reason, views)
        case .tick:
            tick(views, now: now)
        case .addWebhook(let webhook):
            addWebhook(webhook, views)
        case .removeWebhook(let id):
            removeWebhook(id, views)
        }
    }
}

/// The days an office takes bookings on, seen from `now`.
struct BookingWindow {
    let today: Day
    /// The minute of now, Europe/Rome.
    let time: LocalTime
    let earliest: Day
    let last: Day

    init(_ configuration: OfficeConfiguration, now: Instant) {
        today = RomeTime.day(of: now)
        time = RomeTime.time(of: now)
        earliest = today.adding(days: Int(configuration.leadDays))
        last = today.adding(days: Int(configuration.horizonDays))
    }
}
