import Engine
import Events
import Projections

/// The record shapes of PROTOCOL.md: maps (RESP3) or flat field-value arrays (RESP2).
enum Replies {
    /// `existing`: BOOK ... EXISTING found this one already booked; the field is added only then.
    /// `today` (the office's date): a booked appointment whose day is over reads `missed`, with
    /// `unmarked 1` (nobody recorded ATTEND or NOSHOW). A migrated one carries `legacyId`.
    static func appointment(_ view: AppointmentView, seq: UInt64? = nil, existing: Bool = false,
                            today: Day? = nil) -> Reply {
        let unmarked = today.map { view.isUnmarkedPast(today: $0) } ?? false
        var fields: [ReplyField] = [
            ReplyField("appointment", .bulk(view.id.rawValue)),
            ReplyField("office", .bulk(view.office.rawValue)),
            ReplyField("service", .bulk(view.service.rawValue)),
            ReplyField("date", .bulk(view.day.description)),
            ReplyField("time", .bulk(view.time.description)),
            ReplyField("pratica", .bulk(view.pratica.rawValue)),
            ReplyField("requested", .bulk(view.requestedDay.description)),
            ReplyField("deferred", .bulk(view.deferred ? "1" : "0")),
            ReplyField("seq", .bulk(String(seq ?? view.updatedSequence))),
            ReplyField("state", .bulk(unmarked ? AppointmentState.missed.description : view.state.description)),
            ReplyField("bookedBy", .bulk(view.bookedBy)),
            ReplyField("migrated", .bulk(view.migrated ? "1" : "0")),
        ]
        if view.migrated { fields.append(ReplyField("legacyId", .bulk(view.legacyID))) }
        if unmarked { fields.append(ReplyField("unmarked", .bulk("1"))) }
        return .map(existing ? fields + [ReplyField("existing", .bulk("1"))] : fields)
    }

    static func migrated(_ migrated: AppointmentMigrated, seq: UInt64) -> Reply {
        appointment(AppointmentView(
            id: migrated.appointment, office: migrated.office, service: migrated.service, pratica: migrated.pratica,
            requestedDay: migrated.day, day: migrated.day, time: migrated.time, deferred: false, state: .booked,
            bookedBy: migrated.bookedBy, bookedSequence: seq, updatedSequence: seq, migrated: true,
            legacyID: migrated.legacyID))
    }

    /// The appointment a command was about, as its record left it (the same for a repeat).
    static func subject(_ id: AppointmentID, _ decision: Decision) -> Reply {
        guard let view = decision.subjects.appointments.first(where: { $0.id == id }) else {
            return .error(code: "INTERNAL", message: "\(id) was changed but is not in the views; tell the administrator.")
        }
        return appointment(view, seq: decision.record.sequence)
    }

    static func booked(_ booked: AppointmentBooked, seq: UInt64) -> Reply {
        appointment(AppointmentView(booked: booked, sequence: seq))
    }

    static func pratica(_ view: PraticaView, _ views: Views, today: Day? = nil) -> Reply {
        pratica(view, today: today) { views.appointments[$0] }
    }

    static func pratica(_ view: PraticaView, permit: String? = nil, state: String? = nil, today: Day? = nil,
                        appointment lookup: (AppointmentID) -> AppointmentView?) -> Reply {
        let appointments = view.appointments.compactMap(lookup).map { appointment($0, today: today) }
        let permitWord = permit ?? (view.permitDelivered ? "delivered" : view.permitReady ? "ready" : "not-ready")
        return .map([
            ReplyField("pratica", .bulk(view.applicant.pratica.rawValue)),
            ReplyField("applicant", .bulk("\(view.applicant.surname) \(view.applicant.name)")),
            ReplyField("birthdate", .bulk(view.applicant.birthDate.description)),
            ReplyField("nationality", .bulk(view.applicant.nationality)),
            ReplyField("visto", .bulk(view.applicant.visto)),
            ReplyField("office", .bulk(view.applicant.office.rawValue)),
            ReplyField("state", .bulk(state ?? view.stateName)),
            ReplyField("permit", .bulk(permitWord)),
            ReplyField("appointments", .array(appointments)),
        ])
    }

    static func rejection(_ rejection: Rejection) -> Reply {
        .error(code: rejection.code, message: rejection.description)
    }
}
