import Events
import Projections

/// What a command's reply shows: the appointments and the pratica it was about, as they stood
/// right after its record. A repeated request id gets the same, built from the first record
/// and the log, never from today's views (PROTOCOL.md: a repeat returns the first reply).
public struct Subjects: Sendable {
    /// The appointments the command named (DEFER, CANCEL, ATTEND, NOSHOW), kept (BOOK EXISTING)
    /// or moved (CLOSE); a booking or a migration answers with its event instead.
    public var appointments: [AppointmentView] = []
    /// For READY and PICKUP: the pratica, and its appointments then.
    public var pratica: PraticaView?
    public var praticaAppointments: [AppointmentID: AppointmentView] = [:]

    public init() {}
}

extension EngineCore {
    /// The subjects of `record` as they stood right after it. `records` reads the log; it is
    /// asked only for the records after `record` that changed one of them (a repeat), so for a
    /// record just folded it is never called.
    public func subjects(of record: Record, reading records: (UInt64) -> Record?) -> Subjects {
        var subjects = Subjects()
        let at = record.sequence
        func add(_ id: AppointmentID) {
            if let view = appointment(id, asAt: at, records) { subjects.appointments.append(view) }
        }
        switch record.command {
        case .book(let request):
            // A booking's reply is its event; only EXISTING, accepted with none, names the
            // appointment it kept. Nothing more is looked up on the write path of a BOOK.
            if case .accepted(let events) = record.outcome, events.isEmpty, let kept = keptAppointment(request, at) {
                add(kept)
            }
        case .migrate:
            break  // its reply is its event
        case .deferAppointment(let id, _, _), .cancel(let id, _), .attend(let id), .noShow(let id):
            add(id)
        case .closeDay:
            for case .appointmentMoved(let moved) in record.outcome.events { add(moved.appointment) }
        case .permitReady(let id), .pickup(let id):
            guard var pratica = views.pratiche[id] else { break }
            if at != views.headSequence { pratica = self.pratica(pratica, asAt: at, records) }
            pratica.appointments = pratica.appointments.filter { (views.appointments[$0]?.bookedSequence ?? .max) <= at }
            pratica.live = LiveAppointments()
            for appointment in pratica.appointments {
                let view = self.appointment(appointment, asAt: at, records)
                subjects.praticaAppointments[appointment] = view
                if let view, view.state == .booked { pratica.live[view.service] = appointment }
            }
            subjects.pratica = views.opened(pratica)
        case .configureOffice, .registerPratica, .createAccount, .disableAccount, .amendOffice, .recordSigningKey,
             .erasePratica, .tick, .addWebhook, .removeWebhook:
            break
        }
        return subjects
    }

    /// BOOK EXISTING accepted with no events: the pratica's appointment for the service then,
    /// the last booked before the record (a pratica holds one live appointment per service).
    func keptAppointment(_ request: BookRequest, _ at: UInt64) -> AppointmentID? {
        views.pratiche[request.pratica]?.appointments.last { id in
            guard let view = views.appointments[id] else { return false }
            return view.service == request.service && view.bookedSequence < at
        }
    }

    /// The appointment as it stood right after record `at`: today's view when nothing changed
    /// it since; otherwise the first later record that did says what it was before (a move
    /// names where it came from; every other change leaves a booked appointment in place).
    public func appointment(_ id: AppointmentID, asAt at: UInt64, _ records: (UInt64) -> Record?) -> AppointmentView? {
        guard var view = views.appointments[id], view.bookedSequence <= at else { return nil }
        guard view.updatedSequence > at else { return view }
        let history = views.history(of: view.pratica)
        search: for sequence in history where sequence > at {
            guard let later = records(sequence) else { continue }
            for event in later.outcome.events where event.appointment == id {
                if case .appointmentMoved(let moved) = event {
                    view.day = moved.fromDay
                    view.time = moved.fromTime
                }
                view.state = .booked
                break search
            }
        }
        // The last record up to `at` that changed it (its booking at least).
        view.updatedSequence = view.bookedSequence
        for sequence in history.reversed() where sequence <= at && sequence > view.bookedSequence {
            if records(sequence)?.outcome.events.contains(where: { $0.appointment == id }) == true {
                view.updatedSequence = sequence
                break
            }
        }
        return view
    }

    /// The pratica's permit as it stood right after record `at`, from its history up to it.
    func pratica(_ current: PraticaView, asAt at: UInt64, _ records: (UInt64) -> Record?) -> PraticaView {
        var pratica = current
        pratica.permitReady = false
        pratica.permitDelivered = false
        pratica.deliveredOn = nil
        for sequence in views.history(of: current.applicant.pratica) where sequence <= at {
            guard let record = records(sequence) else { continue }
            for event in record.outcome.events {
                switch event {
                case .permitMarkedReady: pratica.permitReady = true
                case .permitDelivered:
                    pratica.permitDelivered = true
                    pratica.deliveredOn = RomeTime.day(of: record.decidedAt)
                default: break
                }
            }
        }
        return pratica
    }
}

extension Event {
    /// The appointment the event changes, if any.
    var appointment: AppointmentID? {
        switch self {
        case .appointmentBooked(let booked): booked.appointment
        case .appointmentMigrated(let migrated): migrated.appointment
        case .appointmentMoved(let moved): moved.appointment
        case .appointmentCancelled(let appointment, _, _, _, _, _, _): appointment
        case .appointmentAttended(let closed), .appointmentMissed(let closed): closed.appointment
        case .permitDelivered(_, let completed): completed
        case .officeConfigured, .dayClosed, .permitMarkedReady, .praticaRegistered, .accountCreated, .accountDisabled,
             .signingKeyRecorded, .praticaErased, .webhookAdded, .webhookRemoved: nil
        }
    }

}
