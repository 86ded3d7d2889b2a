import Events
import Projections

/// A Questura's list for one day, in one of two readings:
/// - `booked`: the appointments fixed that day for it by the Sportello Unico's operators — the
///   list the 2008 circular (seed 001) had the SUI send each Questura at the end of every day
///   ("le informazioni relative agli appuntamenti fissati") — whatever day they are for, with
///   the head of the log as it stood at the end of that day;
/// - `agenda`: the appointments seated at the office on that day, as the Questura's staff print
///   it in the morning (COPER, seed 003: "vedere … quali appuntamenti sono stati presi per ogni
///   giorno di sportello e stamparli"), with the head the reading was taken at.
public struct DayList: Equatable, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case booked
        case agenda
    }

    public struct Row: Equatable, Sendable {
        public var appointment: AppointmentID
        public var pratica: PraticaID
        public var surname: String
        public var name: String
        public var birthDate: Day?
        public var nationality: String
        public var visto: String
        public var service: ServiceID
        public var day: Day
        public var time: LocalTime
        /// `booked`, `cancelled`, `attended`, `missed`, `completed` — at the list's head.
        public var state: String
        /// The booking moved on (a full day, DEFER, CLOSE) before the list's head.
        public var moved: Bool
        public var bookedBy: String
        /// When it was booked (`booked` lists only).
        public var bookedAt: Instant?
        /// The operator's account that booked it (`booked` lists only).
        public var bookedByOperator: String
        /// The record that booked it: the tie-break after time.
        public var bookedSequence: UInt64
    }

    /// The log's head a list was read at: `SEQ:HASH`, as `replay head` prints it.
    public struct Head: Equatable, Sendable, CustomStringConvertible {
        public var sequence: UInt64
        public var hash: ChainHash
        public init(sequence: UInt64, hash: ChainHash) {
            self.sequence = sequence
            self.hash = hash
        }
        public var description: String { "\(sequence):\(hash)" }
    }

    public var kind: Kind
    public var office: OfficeID
    public var officeName: String
    public var officeAddress: String
    public var day: Day
    public var rows: [Row]
    public var head: Head
    /// `booked`: the day was over when the list was read, so `head` is the end-of-day head
    /// and the list is final; false: read during the day, provisional.
    public var dayOver: Bool
    /// `head` signed by the node's key, and that key's public half (64 hexadecimal digits):
    /// set by whoever holds the key (the node, `replay daylist` beside it), nil otherwise.
    public var signedHead: SignedHead?
    public var signingKey: String?

    public struct Problem: Error, Equatable, Sendable {
        public var code: String
        public var message: String
        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    // MARK: - Building

    /// The `booked` list from the records decided on `day` (in log order) and the views for the
    /// applicants' data. `head` is the last record decided on or before that day (or the head
    /// at reading, while the day runs).
    public static func booked(office: OfficeID, day: Day, records: [Record], views: Views, head: Head,
                              dayOver: Bool) -> Result<DayList, Problem> {
        guard let officeView = views.offices[office] else {
            return .failure(Problem(code: "NOTFOUND", message: "No office \(office); docs/offices.md lists the ids."))
        }
        var rows: [Row] = []
        var index: [AppointmentID: Int] = [:]
        for record in records {
            for event in record.outcome.events {
                switch event {
                case .appointmentBooked(let booked) where booked.office == office:
                    guard isSportelloUnico(record.actor, bookedBy: booked.bookedBy, views) else { continue }
                    index[booked.appointment] = rows.count
                    var row = Self.row(booked.appointment, pratica: booked.pratica, service: booked.service,
                                       day: booked.day, time: booked.time, state: "booked", bookedBy: booked.bookedBy,
                                       bookedSequence: record.sequence, views)
                    row.moved = booked.deferred
                    row.bookedAt = record.decidedAt
                    row.bookedByOperator = record.actor.operator
                    rows.append(row)
                case .appointmentMoved(let moved):
                    guard let at = index[moved.appointment] else { continue }
                    rows[at].day = moved.toDay
                    rows[at].time = moved.toTime
                    rows[at].moved = true
                case .appointmentCancelled(let appointment, _, _, _, _, _, _):
                    if let at = index[appointment] { rows[at].state = "cancelled" }
                case .appointmentAttended(let closed):
                    if let at = index[closed.appointment] { rows[at].state = "attended" }
                case .appointmentMissed(let closed):
                    if let at = index[closed.appointment] { rows[at].state = "missed" }
                case .permitDelivered(_, let completed?):
                    if let at = index[completed] { rows[at].state = "completed" }
                default:
                    // Configuration, accounts, permits and any event added later: not on this list.
                    continue
                }
            }
        }
        rows.sort { ($0.day, $0.time, $0.bookedSequence) < ($1.day, $1.time, $1.bookedSequence) }
        return .success(DayList(kind: .booked, office: office, officeName: officeView.configuration.name,
                                officeAddress: OfficeAddress.of(officeView.configuration), day: day, rows: rows,
                                head: head, dayOver: dayOver))
    }

    /// The `agenda` list: every appointment seated at the office on `day`, by time then booking order.
    public static func agenda(office: OfficeID, day: Day, views: Views) -> Result<DayList, Problem> {
        guard let officeView = views.offices[office] else {
            return .failure(Problem(code: "NOTFOUND", message: "No office \(office); docs/offices.md lists the ids."))
        }
        var rows: [Row] = []
        for service in officeView.configuration.services.map(\.id) {
            for entry in views.day(DayKey(office, service, day))?.entries ?? [] {
                guard let appointment = views.appointments[entry.appointment] else { continue }
                var row = Self.row(entry.appointment, pratica: appointment.pratica, service: service, day: day,
                                   time: entry.time, state: appointment.state.description,
                                   bookedBy: appointment.bookedBy, bookedSequence: entry.bookedSequence, views)
                row.moved = appointment.deferred
                rows.append(row)
            }
        }
        rows.sort { ($0.time, $0.bookedSequence) < ($1.time, $1.bookedSequence) }
        return .success(DayList(kind: .agenda, office: office, officeName: officeView.configuration.name,
                                officeAddress: OfficeAddress.of(officeView.configuration), day: day, rows: rows,
                                head: Head(sequence: views.headSequence, hash: views.headHash), dayOver: false))
    }

    /// Booked through the Sportello Unico: by an account with the `sui` role, or for a body that
    /// is an SUI office (an account the views no longer know, or an admin acting for the SUI).
    static func isSportelloUnico(_ actor: Actor, bookedBy: String, _ views: Views) -> Bool {
        if views.accounts[actor.operator]?.spec.role == .sui { return true }
        return views.offices[OfficeID(bookedBy)]?.configuration.kind == .sui
    }

    static func row(_ appointment: AppointmentID, pratica: PraticaID, service: ServiceID, day: Day, time: LocalTime,
                    state: String, bookedBy: String, bookedSequence: UInt64, _ views: Views) -> Row {
        let applicant = views.applicant(of: pratica)
        return Row(appointment: appointment, pratica: pratica, surname: applicant?.surname ?? "",
                   name: applicant?.name ?? "", birthDate: applicant?.birthDate,
                   nationality: applicant?.nationality ?? "", visto: applicant?.visto ?? "", service: service,
                   day: day, time: time, state: state, moved: false, bookedBy: bookedBy, bookedAt: nil,
                   bookedByOperator: "", bookedSequence: bookedSequence)
    }
}
