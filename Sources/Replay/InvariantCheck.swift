import Events
import Projections

/// The invariants every recorded outcome must keep, checked against the state just before its
/// record — independently of `decide`, so a bug in the rules is caught as surely as a forged
/// record: no slot over capacity, no seat on a closed day, every move landed on an open day with
/// room, no pickup (or pickup booking) before the permit was ready, no event that contradicts
/// the state (an unknown or reused appointment id, a move from where the appointment was not).
///
/// It also says whether the record can be folded at all: the fold traps on what must never
/// reach the disk (`precondition`), and an auditor must report a forged record, not crash on it.
public struct InvariantCheck {
    let views: Views
    let sequence: UInt64
    /// Seats taken (+) and freed (−) by the record's earlier events. Small arrays, not
    /// dictionaries: most records hold one event, and then nothing is allocated at all.
    var seatDelta: [(slot: SlotRef, seats: Int)] = []
    /// Appointments as the record's earlier events left them.
    var appointments: [(id: AppointmentID, office: OfficeID, service: ServiceID, day: Day, time: LocalTime, booked: Bool)] = []
    var readied: [PraticaID] = []
    /// Whether a later event of the record may read what this one changes.
    var moreEventsFollow = false
    public private(set) var findings: [Finding] = []
    /// False when folding the record would trap: the audit stops re-deciding there.
    public private(set) var foldable = true

    struct SlotRef: Hashable {
        var office: OfficeID
        var service: ServiceID
        var day: Day
        var time: LocalTime
    }

    /// Checks `events`, the recorded outcome of record `sequence`, against `views` (the state before it).
    public static func check(_ events: [Event], sequence: UInt64, against views: Views) -> InvariantCheck {
        var check = InvariantCheck(views: views, sequence: sequence)
        for (index, event) in events.enumerated() {
            check.moreEventsFollow = index < events.count - 1
            check.check(event)
        }
        return check
    }

    mutating func report(_ kind: Finding.Kind, _ detail: String, blocksFold: Bool = true) {
        findings.append(Finding(sequence, kind, detail))
        if blocksFold { foldable = false }
    }

    mutating func check(_ event: Event) {
        switch event {
        case .officeConfigured(let configuration, let effectiveFrom):
            checkConfiguration(configuration, effectiveFrom: effectiveFrom)
        case .dayClosed(let office, _, _, _):
            if views.offices[office] == nil { report(.inconsistentEvent, "closes a day of \(office), which is not configured") }
        case .appointmentBooked(let booked):
            if views.appointments[booked.appointment] != nil || inRecord(booked.appointment) != nil {
                report(.inconsistentEvent, "books \(booked.appointment), an id already used")
                return
            }
            if let problem = seatProblem(booked.office, booked.service, booked.day, booked.time) {
                report(.overCapacity, "books \(booked.appointment) at \(booked.office) \(booked.service): \(problem)")
                return
            }
            guard let pratica = views.pratiche[booked.pratica] else {
                report(.inconsistentEvent, "books for \(booked.pratica), which is not registered", blocksFold: false)
                return
            }
            if views.offices[booked.office]?.configuration.service(booked.service)?.requiresReadyPermit == true,
               !(pratica.permitReady || readied.contains(booked.pratica)) || pratica.permitDelivered {
                report(.pickupWithoutReadyPermit,
                       "books the pickup \(booked.appointment) for \(booked.pratica), whose permit is "
                           + (pratica.permitDelivered ? "already delivered" : "not marked ready"),
                       blocksFold: false)
            }
            take(booked.office, booked.service, booked.day, booked.time, by: 1)
            remember(booked.appointment, booked.office, booked.service, booked.day, booked.time, booked: true)
        case .appointmentMoved(let moved):
            guard seatedWhereTheEventSays(moved.appointment, moved.office, moved.service, moved.fromDay, moved.fromTime,
                                          verb: "moves") else { return }
            take(moved.office, moved.service, moved.fromDay, moved.fromTime, by: -1)
            if let problem = seatProblem(moved.office, moved.service, moved.toDay, moved.toTime) {
                report(.deferralNotOpen, "moves \(moved.appointment) to \(moved.toDay) \(moved.toTime): \(problem)")
                return
            }
            take(moved.office, moved.service, moved.toDay, moved.toTime, by: 1)
            remember(moved.appointment, moved.office, moved.service, moved.toDay, moved.toTime, booked: true)
        case .appointmentCancelled(let appointment, let office, let service, _, let day, let time, _):
            guard seatedWhereTheEventSays(appointment, office, service, day, time, verb: "cancels") else { return }
            take(office, service, day, time, by: -1)
            remember(appointment, office, service, day, time, booked: false)
        case .permitMarkedReady(let pratica):
            if moreEventsFollow { readied.append(pratica) }
        case .permitDelivered(let id, let completed):
            guard let pratica = views.pratiche[id] else {
                report(.inconsistentEvent, "delivers the permit of \(id), which is not registered", blocksFold: false)
                return
            }
            if !(pratica.permitReady || readied.contains(id)) {
                report(.pickupWithoutReadyPermit, "delivers the permit of \(id), which was not marked ready",
                       blocksFold: false)
            }
            if let completed, views.appointments[completed] == nil, inRecord(completed) == nil {
                report(.inconsistentEvent, "completes \(completed), which does not exist", blocksFold: false)
            }
        case .appointmentMigrated(let migrated):
            // Kept on its day and time past capacity by design: only that it exists once, on an
            // open day's slot, inside the office's transition window, is checked.
            if views.appointments[migrated.appointment] != nil || inRecord(migrated.appointment) != nil {
                report(.inconsistentEvent, "migrates \(migrated.appointment), an id already used")
                return
            }
            if let problem = seatProblem(migrated.office, migrated.service, migrated.day, migrated.time,
                                         ignoringCapacity: true) {
                report(.overCapacity, "migrates \(migrated.appointment) to \(migrated.office) \(migrated.service): \(problem)")
                return
            }
            if views.pratiche[migrated.pratica] == nil {
                report(.inconsistentEvent, "migrates an appointment for \(migrated.pratica), which is not registered",
                       blocksFold: false)
            }
            if views.offices[migrated.office]?.configuration.transition?.contains(migrated.day) != true {
                report(.inconsistentEvent, "migrates \(migrated.appointment) on \(migrated.day), outside "
                           + "\(migrated.office)'s transition window", blocksFold: false)
            }
            take(migrated.office, migrated.service, migrated.day, migrated.time, by: 1)
            remember(migrated.appointment, migrated.office, migrated.service, migrated.day, migrated.time, booked: true)
        case .praticaRegistered, .accountCreated, .accountDisabled, .signingKeyRecorded, .praticaErased, .webhookAdded,
             .webhookRemoved:
            break
        case .appointmentAttended(let closed), .appointmentMissed(let closed):
            // Ends an appointment in place: the seat stays counted, so only its place is checked.
            _ = seatedWhereTheEventSays(closed.appointment, closed.office, closed.service, closed.day, closed.time,
                                        verb: "closes")
        }
    }

    /// The appointment exists, is booked, and sits at that office, service, day and time.
    mutating func seatedWhereTheEventSays(_ id: AppointmentID, _ office: OfficeID, _ service: ServiceID, _ day: Day,
                                          _ time: LocalTime, verb: String) -> Bool {
        let current: (office: OfficeID, service: ServiceID, day: Day, time: LocalTime, booked: Bool)
        if let inRecord = inRecord(id) {
            current = (inRecord.office, inRecord.service, inRecord.day, inRecord.time, inRecord.booked)
        } else if let view = views.appointments[id] {
            current = (view.office, view.service, view.day, view.time, view.state == .booked)
        } else {
            report(.inconsistentEvent, "\(verb) \(id), which does not exist")
            return false
        }
        guard current.booked else {
            report(.inconsistentEvent, "\(verb) \(id), which is not booked")
            return false
        }
        guard current.office == office, current.service == service, current.day == day, current.time == time else {
            report(.inconsistentEvent, "\(verb) \(id) from \(office) \(service) \(day) \(time), but it is at "
                       + "\(current.office) \(current.service) \(current.day) \(current.time)")
            return false
        }
        return true
    }

    /// Why nobody can be seated there now, or nil.
    /// Migrated appointments (`ignoringCapacity`) may pass capacity; every other seat counts
    /// them as taken.
    func seatProblem(_ office: OfficeID, _ service: ServiceID, _ day: Day, _ time: LocalTime,
                     ignoringCapacity: Bool = false) -> String? {
        guard let officeView = views.offices[office] else { return "\(office) is not configured" }
        guard officeView.configuration.service(service) != nil else { return "\(office) offers no \(service)" }
        let load = views.day(DayKey(office, service, day)) ?? officeView.freshLoad(service, on: day)
        if load.closed { return "\(day) is closed" }
        guard let index = load.slotIndex(time) else { return "\(day) has no slot at \(time)" }
        if ignoringCapacity { return nil }
        let slot = SlotRef(office: office, service: service, day: day, time: time)
        let taken = Int(load.slots[index].booked) + seatDelta.reduce(0) { $0 + ($1.slot == slot ? $1.seats : 0) }
        if taken >= Int(load.slots[index].capacity) {
            return "the slot at \(time) on \(day) already holds \(taken) of \(load.slots[index].capacity)"
        }
        return nil
    }

    mutating func take(_ office: OfficeID, _ service: ServiceID, _ day: Day, _ time: LocalTime, by seats: Int) {
        guard moreEventsFollow else { return }
        seatDelta.append((SlotRef(office: office, service: service, day: day, time: time), seats))
    }

    mutating func remember(_ id: AppointmentID, _ office: OfficeID, _ service: ServiceID, _ day: Day, _ time: LocalTime,
                           booked: Bool) {
        guard moreEventsFollow else { return }
        appointments.append((id, office, service, day, time, booked))
    }

    /// The appointment as this record's earlier events left it (the latest entry wins).
    func inRecord(_ id: AppointmentID) -> (id: AppointmentID, office: OfficeID, service: ServiceID, day: Day, time: LocalTime,
                                          booked: Bool)? {
        appointments.last { $0.id == id }
    }

    /// As the fold applies it: days from `effectiveFrom` on that are open keep their bookings.
    mutating func checkConfiguration(_ configuration: OfficeConfiguration, effectiveFrom: Day) {
        guard let previous = views.offices[configuration.office] else { return }
        let next = OfficeView(configuration: configuration, closures: previous.closures,
                              serviceClosures: previous.serviceClosures)
        for (key, load) in views.loads where key.office == configuration.office {
            for (day, dayLoad) in load.materialised where day >= effectiveFrom && !dayLoad.closed && dayLoad.booked > 0 {
                let fresh = next.freshLoad(key.service, on: day)
                for slot in dayLoad.slots where slot.booked > 0 {
                    let slotIndex = fresh.slotIndex(slot.time)
                    let capacity = slotIndex.map { fresh.slots[$0].capacity } ?? 0
                    // Migrated seats may pass capacity, but must keep their slot.
                    if capacity < slot.normallyBooked || (slotIndex == nil && slot.migrated > 0) {
                        report(.overCapacity, "configures \(configuration.office) so that \(key.service) on \(day) at "
                                   + "\(slot.time) holds \(slot.normallyBooked) bookings with room for \(capacity)")
                        return
                    }
                }
            }
        }
    }
}
