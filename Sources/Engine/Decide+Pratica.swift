import Events
import Projections

extension Decider {
    /// `permit-ready`: the Questura marks the permit ready; its pickup can now be booked.
    /// Marking it again changes nothing.
    static func permitReady(_ id: PraticaID, _ views: Views) -> Outcome {
        guard let pratica = views.pratiche[id] else { return .rejected(.unknownPratica(id)) }
        if pratica.permitDelivered { return .rejected(.permitAlreadyDelivered(id)) }
        return .accepted(pratica.permitReady ? [] : [.permitMarkedReady(id)])
    }

    /// `pickup`: only for a ready permit. Closes the pratica's pickup appointment when it is
    /// today or earlier; one on a later day is cancelled, so its slot goes back to others.
    static func pickup(_ id: PraticaID, _ views: Views, now: Instant) -> Outcome {
        guard let pratica = views.pratiche[id] else { return .rejected(.unknownPratica(id)) }
        if pratica.permitDelivered { return .rejected(.permitAlreadyDelivered(id)) }
        if !pratica.permitReady { return .rejected(.permitNotReady(id)) }
        let today = RomeTime.day(of: now)
        var events: [Event] = []
        var completed: AppointmentID?
        for (service, appointmentID) in pratica.live.entries {
            guard let appointment = views.appointments[appointmentID],
                  views.offices[appointment.office]?.configuration.service(service)?.requiresReadyPermit == true else {
                continue
            }
            if appointment.day <= today {
                completed = appointmentID
            } else {
                events.append(.appointmentCancelled(
                    appointment: appointmentID, office: appointment.office, service: service, pratica: id,
                    day: appointment.day, time: appointment.time, reason: "permit delivered before the appointment"))
            }
        }
        events.append(.permitDelivered(id, completedAppointment: completed))
        return .accepted(events)
    }

    /// `register-pratica`: the applicant's data, once, from the nulla osta system.
    /// Sealed data is compared by its keyed hashes only (`vistoKey`): the rule never reads a
    /// personal field, so it is re-decided the same after an erasure.
    static func register(_ applicant: Applicant, _ views: Views) -> Outcome {
        if views.isRegistered(applicant.pratica) { return .rejected(.praticaAlreadyRegistered(applicant.pratica)) }
        if let owner = views.visti[applicant.vistoKey] {
            return .rejected(.vistoAlreadyRegistered(visto: applicant.vistoKey, pratica: owner))
        }
        return .accepted([.praticaRegistered(applicant)])
    }

    /// `erase-pratica`: the applicant's key is destroyed once the record is committed. Only
    /// sealed data can be: data registered in clear is refused (`not-sealed`). Erasing again
    /// changes nothing.
    static func erase(_ id: PraticaID, reason: String, _ views: Views) -> Outcome {
        guard let pratica = views.pratiche[id] else { return .rejected(.unknownPratica(id)) }
        guard pratica.applicant.seal != nil else { return .rejected(.notSealed(id)) }
        return .accepted(pratica.applicant.isErased ? [] : [.praticaErased(id, reason: reason)])
    }

    /// `tick`, the node's clock: what fell due by its instant. Today that is the erasure of
    /// every sealed pratica whose office's retention period after the pickup ended
    /// (`Views.retentionDue`), at most `Limits.erasuresPerTickMax` a tick; nothing due is an
    /// empty acceptance.
    static func tick(_ views: Views, now: Instant) -> Outcome {
        .accepted(due(views, now: now).map { .praticaErased($0.pratica, reason: $0.reason) })
    }

    /// What a tick at `now` would erase: the one list the decision and the node's clock read.
    public static func due(_ views: Views, now: Instant) -> [RetentionDue] {
        views.retentionDue(today: RomeTime.day(of: now), limit: Limits.erasuresPerTickMax)
    }
}
