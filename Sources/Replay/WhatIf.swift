import Engine
import Events
import Foundation
import HeapModule
import Projections

/// `replay whatif`: the recorded demand of a period decided again, by the real `Decider` and
/// fold, under a changed calendar, in a scratch data directory (the data directory is only
/// read). docs/analysts.md tells the rules.
///
/// 1. The state before the period is the log's, folded up to the last record decided before
///    `from`; those records are copied into the scratch log unchanged.
/// 2. The change is one `configure-office` record per office changed, decided at the start of
///    `from` (or at the last earlier record's time, if later) by the operator `whatif@agenda`.
///    If the engine would refuse it (an appointment already booked left without a place: a
///    slot over its new capacity, a day now closed), the office first moves those
///    appointments, the last booked first, to the first place the new calendar has free,
///    by `defer` records the engine decides (`displacement`); they are counted.
/// 3. Every recorded command of the period is decided again in log order with its recorded
///    time, operator and request id. A recorded `configure-office` of a changed office gets
///    the same change applied.
/// 4. Appointment ids come from the record's sequence, and step 2 shifts the sequences, so a
///    recorded appointment maps to the one its booking record made when decided again
///    (appointments booked before the period keep their ids). A command about an appointment
///    whose booking the what-if refused (or that booked nothing) is dropped and counted.
/// 5. A recorded mark of attendance (attend, no-show, a pickup that completed an appointment)
///    whose appointment the what-if seats on a later day is held and decided on that day, at
///    its recorded time of day: the applicant behaves as recorded (`markDue`). Marks due after
///    the days the report observes stay held, and are counted.
public enum WhatIf {
    /// One `--set`: `OFFICE SERVICE capacity=+20` (or `capacity=-5`, `capacity=30`,
    /// `slot=15`, `closed=2008-05-02`; several key=value pairs may follow one another; SERVICE
    /// `*` means every service of the office).
    public struct Change: Equatable, Sendable {
        public enum Edit: Equatable, Sendable {
            case capacityBy(Int)
            case capacity(Int)
            case slotMinutes(Int)
            case closed(Day)
        }
        public var office: OfficeID
        /// Nil: every service.
        public var service: ServiceID?
        public var edits: [Edit]

        public init(office: OfficeID, service: ServiceID?, edits: [Edit]) {
            self.office = office
            self.service = service
            self.edits = edits
        }

        public init(parsing text: String) throws {
            let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard words.count >= 3 else {
                throw ReplayError.badArgument("--set '\(text)': give OFFICE SERVICE key=value, e.g. 'RM-Q fotosegnalamento capacity=+20'")
            }
            office = OfficeID(words[0])
            service = words[1] == "*" ? nil : ServiceID(words[1])
            edits = try words.dropFirst(2).map { word in
                let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[1].isEmpty else {
                    throw ReplayError.badArgument("--set '\(text)': '\(word)' is not key=value")
                }
                let value = parts[1]
                switch parts[0] {
                case "capacity":
                    if value.hasPrefix("+") || value.hasPrefix("-") {
                        guard let delta = Int(value) else { throw ReplayError.badArgument("--set '\(text)': capacity=\(value) is not a number") }
                        return .capacityBy(delta)
                    }
                    guard let capacity = Int(value) else { throw ReplayError.badArgument("--set '\(text)': capacity=\(value) is not a number") }
                    return .capacity(capacity)
                case "slot":
                    guard let minutes = Int(value), (1...1440).contains(minutes) else {
                        throw ReplayError.badArgument("--set '\(text)': slot takes minutes from 1 to 1440")
                    }
                    return .slotMinutes(minutes)
                case "closed":
                    guard let day = Day(value) else { throw ReplayError.badArgument("--set '\(text)': closed takes YYYY-MM-DD") }
                    return .closed(day)
                default:
                    throw ReplayError.badArgument("--set '\(text)': unknown key \(parts[0]) (capacity, slot, closed)")
                }
            }
        }

        /// The configuration with this change made, or why it cannot be.
        public func applied(to configuration: OfficeConfiguration) throws -> OfficeConfiguration {
            var changed = configuration
            let indices = changed.services.indices.filter { service == nil || changed.services[$0].id == service }
            guard !indices.isEmpty else {
                throw ReplayError.badArgument("office \(office) has no service \(service?.rawValue ?? "*"); it has "
                                              + configuration.services.map(\.id.rawValue).joined(separator: " "))
            }
            for edit in edits {
                switch edit {
                case .capacityBy(let delta), .capacity(let delta):
                    for index in indices {
                        let old = Int(changed.services[index].capacityPerSlot)
                        let new = if case .capacityBy = edit { old + delta } else { delta }
                        guard (1...Int(Limits.capacityPerSlotMax)).contains(new) else {
                            throw ReplayError.badArgument("\(office) \(changed.services[index].id): capacity per slot would be "
                                                          + "\(new); it must be 1 to \(Limits.capacityPerSlotMax)")
                        }
                        changed.services[index].capacityPerSlot = UInt16(new)
                    }
                case .slotMinutes(let minutes):
                    for index in indices { changed.services[index].slotLengthMinutes = UInt16(minutes) }
                case .closed(let day):
                    if !changed.closedDays.contains(day) { changed.closedDays = (changed.closedDays + [day]).sorted() }
                }
            }
            return changed
        }
    }

    public struct Result: Sendable {
        public var recorded: Report.Result
        public var whatIf: Report.Result
        /// Records decided again (the period's), and of those whose outcome (ids mapped) equals
        /// the recorded one.
        public var redecided: Int
        public var sameOutcome: Int
        /// Commands about an appointment the what-if never made.
        public var dropped: Int
        /// The first records whose outcome differs: sequence, command, recorded, what-if.
        public var differences: [(sequence: UInt64, command: String, recorded: String, whatIf: String)]
        /// The scratch data directory, when kept.
        public var scratch: String?
        public var seconds: Double
        /// Appointments booked before the period that the changed calendar could not hold where
        /// they were, moved by `whatif@agenda` before the change (step 2).
        public var displaced = 0
        /// Attendance marks (attend, no-show, a pickup at its appointment) whose appointment
        /// the what-if seats after the period observed: not decided (rule 5).
        public var held = 0
        /// Where the time went: folding the state before the period, deciding again (and writing
        /// the scratch log and views), the two reports.
        public var foldSeconds = 0.0
        public var decideSeconds = 0.0
        public var reportSeconds = 0.0
        public var recordsPerSecond: Double { seconds > 0 ? Double(redecided) / seconds : 0 }
    }

    public static let actor = Actor(operator: "whatif", body: "agenda")
    static let differencesKept = 20
    /// Records per write transaction of the scratch log.
    static let recordsPerTransaction = 50_000

    /// Runs the what-if. `keep`: write the scratch directory there and leave it (it must not
    /// hold data yet); otherwise one under the temporary directory is removed at the end.
    /// With `checkpoints`, the state before the period is folded from the nearest checkpoint.
    public static func run(_ directory: DataDirectory, _ options: Report.Options, changes: [Change],
                           keep: String? = nil, checkpoints: Checkpoints? = nil,
                           foldFlushRecords: Int = Limits.viewFoldFlushRecords) throws -> Result {
        let started = DispatchTime.now().uptimeNanoseconds
        guard options.from <= options.to else {
            throw ReplayError.badArgument("--from \(options.from) is after --to \(options.to)")
        }
        let environment = directory.environment
        let count = try directory.recordCount()
        let before = try Report.lastSequence(environment, count: count) { $0 < options.from }
        let last = try Report.lastSequence(environment, count: count) { $0 <= options.to }
        // Both reports count unmarked appointments through the same day: the recorded log's.
        let lastDay = try Report.recordDay(environment, last)
        let observed = options.observedThrough
            ?? (last < count ? options.to : (lastDay?.adding(days: -1) ?? options.from.adding(days: -1)))
        var reportOptions = options
        reportOptions.observedThrough = observed

        // The scratch directory: a copy of the nearest checkpoint's views (or none), then the
        // log up to the period, folded on into its views through a ViewFold, whose memory is the
        // working set's; the period's records are decided on through the same fold.
        let scratch = keep ?? (NSTemporaryDirectory() + "agenda-whatif-\(getpid())-\(UUID().uuidString.prefix(8))")
        if let keep, FileManager.default.fileExists(atPath: keep + "/data.mdb") { throw ReplayError.targetExists(keep) }
        if keep == nil { try? FileManager.default.removeItem(atPath: scratch) }
        var complete = false
        defer { if keep == nil || !complete { try? FileManager.default.removeItem(atPath: scratch) } }
        if let entry = checkpoints?.nearest(through: before) {
            try Checkpoints.copy(entry, of: directory, to: scratch)
        }
        let sourceBytes = (try? FileManager.default.attributesOfItem(atPath: directory.path + "/data.mdb")[.size] as? Int) ?? 0
        let target = try Environment(directory: scratch, mapBytes: max(Limits.mapBytesInitial, sourceBytes * 3))
        defer { target.close() }
        try target.copyLog(from: environment, through: before)
        var fold = try ViewFold(target: target, log: target, flushRecords: foldFlushRecords)
        if before > fold.core.views.headSequence {
            var failure: Error?
            try directory.decodedRecords(from: fold.core.views.headSequence + 1, through: before) { records in
                do {
                    for record in records {
                        try Rebuild.checkLink(record, fold.core.views)
                        try fold.fold(record)
                    }
                    return true
                } catch {
                    failure = error
                    return false
                }
            }
            if let failure { throw failure }
        }
        try fold.flush()
        let folded = DispatchTime.now().uptimeNanoseconds
        for change in changes {
            guard let office = fold.core.views.offices[change.office] else {
                throw ReplayError.badArgument("office \(change.office) is not configured before \(options.from); "
                                              + "offices then: "
                                              + (fold.core.views.offices.isEmpty ? "none"
                                                 : fold.core.views.offices.keys.map(\.rawValue).sorted().joined(separator: " ")))
            }
            _ = try change.applied(to: office.configuration)
        }

        var pending: [UInt8] = []
        var spans: [(sequence: UInt64, start: Int, end: Int)] = []
        var lastTime = Instant(millisecondsSinceEpoch: .min)
        if before > 0, let lastBefore = try environment.read({ try $0.record(before) }) { lastTime = lastBefore.decidedAt }

        /// The engine's one step; its sealed bytes go to the scratch log.
        func append(_ command: Command, actor: Actor, requestID: String, at now: Instant) -> Record {
            let record = fold.decide(command, actor: actor, requestID: requestID, now: now)
            spans.append((record.sequence, pending.count, pending.count + fold.core.sealed.bytes.count))
            pending.append(contentsOf: fold.core.sealed.bytes)
            return record
        }
        func flush() throws {
            guard !spans.isEmpty else { return }
            try target.appendLog(pending, spans: spans)
            pending.removeAll(keepingCapacity: true)
            spans.removeAll(keepingCapacity: true)
            // After the log: the fold's reload reads the record its views stop at.
            try fold.flush()
        }

        // The change, as the period's first records.
        let start = max(lastTime, Instant(romeDay: options.from, time: .midnight))
        var changedOffices: [OfficeID: [Change]] = [:]
        for change in changes { changedOffices[change.office, default: []].append(change) }
        var displaced = 0
        for office in changedOffices.keys.sorted() {
            guard var configuration = fold.core.views.offices[office]?.configuration else { continue }
            for change in changedOffices[office] ?? [] { configuration = try change.applied(to: configuration) }
            // The office first moves what the new calendar cannot hold, as it would have to.
            while let move = try displacement(office, for: configuration, fold.core.views, at: start) {
                let record = append(.deferAppointment(move.appointment, to: .day(move.day, at: move.time),
                                                      reason: "whatif: the changed calendar has no place for it"),
                                    actor: actor, requestID: "", at: start)
                guard case .accepted = record.outcome else {
                    throw ReplayError.badArgument("the engine refuses the changed calendar of \(office) on \(options.from), "
                                                  + "and moving appointment \(move.appointment) to \(move.day) \(move.time) "
                                                  + "to make room was refused: \(RecordText.outcome(record.outcome))")
                }
                displaced += 1
            }
            let record = append(.configureOffice(configuration), actor: actor, requestID: "", at: start)
            if case .rejected(let rejection) = record.outcome {
                throw ReplayError.badArgument("the engine refuses the changed calendar of \(office) on \(options.from): "
                                              + "\(RecordText.outcome(.rejected(rejection)))")
            }
        }

        var mapped: [AppointmentID: AppointmentID] = [:]
        var missing: Set<AppointmentID> = []
        var redecided = 0
        var same = 0
        var dropped = 0
        var differences: [(sequence: UInt64, command: String, recorded: String, whatIf: String)] = []
        func map(_ id: AppointmentID) -> AppointmentID? {
            if let to = mapped[id] { return to }
            return missing.contains(id) ? nil : id
        }
        // Attendance marks held back until the day the what-if seats their appointment on (rule 5).
        var held = Heap<HeldMark>()
        var clock = start
        func decideAgain(_ command: Command, _ recorded: Record, at now: Instant) throws {
            let decided = append(command, actor: recorded.actor, requestID: recorded.requestID, at: now)
            clock = now
            redecided += 1
            let was = booked(recorded.outcome)
            let made = booked(decided.outcome)
            if let was {
                if let made { if made != was { mapped[was] = made } } else { missing.insert(was) }
            }
            let expected = remap(recorded.outcome) { map($0) ?? $0 }
            if expected == decided.outcome {
                same += 1
            } else if differences.count < differencesKept {
                differences.append((recorded.sequence, recorded.command.name, RecordText.outcome(recorded.outcome),
                                    RecordText.outcome(decided.outcome)))
            }
            if spans.count >= recordsPerTransaction || fold.isDue { try flush() }
        }
        /// Decides the held marks due by `time`, in the order they fall due; one whose
        /// appointment has moved on again waits for its new day.
        func release(through time: Instant) throws {
            while let first = held.min, first.due <= time {
                held.removeMin()
                if let due = markDue(first.command, first.recorded, fold.core.views, today: RomeTime.day(of: first.due)) {
                    held.insert(HeldMark(due: due, order: first.order, command: first.command, recorded: first.recorded))
                } else {
                    try decideAgain(first.command, first.recorded, at: max(first.due, clock))
                }
            }
        }
        if last > before {
            try directory.decodedRecords(from: before + 1, through: last) { records in
                for recorded in records {
                    try release(through: recorded.decidedAt)
                    guard var command = remap(recorded.command, map) else {
                        dropped += 1
                        continue
                    }
                    if case .configureOffice(var configuration) = command, let edits = changedOffices[configuration.office] {
                        for change in edits { configuration = try change.applied(to: configuration) }
                        command = .configureOffice(configuration)
                    }
                    if let due = markDue(command, recorded, fold.core.views, today: RomeTime.day(of: recorded.decidedAt)) {
                        held.insert(HeldMark(due: due, order: recorded.sequence, command: command, recorded: recorded))
                        continue
                    }
                    try decideAgain(command, recorded, at: recorded.decidedAt)
                }
                return true
            }
        }
        // Marks due on days the report observes are decided; later ones stay held (their
        // appointments are still booked, and the report does not count them as missed).
        try release(through: Instant(romeDay: observed.adding(days: 1), time: .midnight))
        let stillHeld = held.count
        try flush()
        // The fold has written the views beside the log: a kept directory is a whole data
        // directory (audit, rebuild and a node open it).
        complete = true
        target.close()

        let decided = DispatchTime.now().uptimeNanoseconds
        let scratchDirectory = try DataDirectory(scratch)
        defer { scratchDirectory.close() }
        let recordedReport = try Report.run(directory, reportOptions)
        let whatIfReport = try Report.run(scratchDirectory, reportOptions)
        let finished = DispatchTime.now().uptimeNanoseconds
        var result = Result(recorded: recordedReport, whatIf: whatIfReport, redecided: redecided, sameOutcome: same,
                            dropped: dropped, differences: differences, scratch: keep,
                            seconds: Double(finished - started) / 1e9)
        result.displaced = displaced
        result.held = stillHeld
        result.foldSeconds = Double(folded - started) / 1e9
        result.decideSeconds = Double(decided - folded) / 1e9
        result.reportSeconds = Double(finished - decided) / 1e9
        return result
    }

    /// What `configuration` leaves without a place, one appointment at a time: nil once the
    /// engine would accept it. The engine names the first slot over its new capacity (or on a
    /// day now closed); of that slot's appointments the one booked last moves, by a `defer`
    /// the real engine decides, to the first place after its own that the new calendar has
    /// free. Each move goes forward, so the caller's loop ends. Throws when an appointment
    /// finds no place within the booking horizon, or when the change alters the slot grid (a
    /// defer lands on the grid in force, which the new one may not share).
    static func displacement(_ office: OfficeID, for configuration: OfficeConfiguration, _ views: Views,
                             at now: Instant) throws -> (appointment: AppointmentID, day: Day, time: LocalTime)? {
        guard let current = views.offices[office] else { return nil }
        let trial = EngineCore(views: views).outcome(of: .configureOffice(configuration), actor: actor, now: now)
        guard case .rejected(.capacityBelowBookings(_, let service, let day, let time, _)) = trial else { return nil }
        let next = OfficeView(configuration: configuration, closures: current.closures,
                              serviceClosures: current.serviceClosures)
        let today = RomeTime.day(of: now)
        let reason = RecordText.outcome(trial)
        let refusal = "the engine refuses the changed calendar of \(office) from \(today): "
            + (reason.hasSuffix(".") ? String(reason.dropLast()) : reason)
        guard next.grids[service] == current.grids[service] else {
            throw ReplayError.badArgument(refusal + "; a new slot length applies only from a day with nothing booked "
                                          + "on or after it (choose a later --from)")
        }
        let key = OfficeService(office, service)
        let offGrid = next.freshLoad(service, on: day).slotIndex(time) == nil
        guard let dayLoad = views.loads[key]?[day],
              let moving = dayLoad.entries.last(where: { entry in
                  guard entry.time == time, let appointment = views.appointments[entry.appointment] else { return false }
                  // Migrated appointments may sit past capacity, but not on a day now closed.
                  return appointment.state == .booked && (!appointment.migrated || offGrid)
              }) else {
            throw ReplayError.badArgument(refusal)
        }
        if let place = Queries.firstFree(under: configuration, views, service: service, after: day, time, now: now) {
            return (moving.appointment, place.day, place.time)
        }
        let last = today.adding(days: Int(current.configuration.horizonDays))
        throw ReplayError.badArgument(refusal + "; appointment \(moving.appointment) finds no place under the new "
                                      + "calendar through \(last), the end of the booking horizon")
    }

    /// A recorded attendance mark, waiting for the day the what-if seats its appointment on.
    /// Ordered by when it falls due, then by the recorded sequence (marks due at the same
    /// instant go in log order), in a heap: a cut can hold tens of thousands at once.
    struct HeldMark: Comparable {
        var due: Instant
        var order: UInt64
        var command: Command
        var recorded: Record

        static func < (lhs: Self, rhs: Self) -> Bool { (lhs.due, lhs.order) < (rhs.due, rhs.order) }
        static func == (lhs: Self, rhs: Self) -> Bool { (lhs.due, lhs.order) == (rhs.due, rhs.order) }
    }

    /// When a recorded mark of attendance is due, if the what-if seats its appointment on a
    /// later day than `today`: at the mark's recorded time of day, on the appointment's day.
    /// The applicant keeps their recorded behaviour (came, did not come, collected the
    /// permit at the appointment), on the day they now hold. Nil: decide it now.
    static func markDue(_ command: Command, _ recorded: Record, _ views: Views, today: Day) -> Instant? {
        // A mark the engine refused stays a refusal, decided where it was.
        guard case .accepted = recorded.outcome else { return nil }
        let day: Day?
        switch command {
        case .attend(let id), .noShow(let id):
            guard let appointment = views.appointments[id], appointment.state == .booked else { return nil }
            day = appointment.day
        case .pickup(let pratica):
            // Only a pickup that completed an appointment: a walk-in pickup stays where it was.
            guard recorded.outcome.events.contains(where: {
                if case .permitDelivered(_, .some) = $0 { true } else { false }
            }), let view = views.pratiche[pratica] else { return nil }
            day = view.live.entries.compactMap { entry -> Day? in
                guard let appointment = views.appointments[entry.appointment],
                      views.offices[appointment.office]?.configuration.service(entry.service)?.requiresReadyPermit == true
                else { return nil }
                return appointment.day
            }.min()
        default:
            return nil
        }
        guard let day, day > today else { return nil }
        return Instant(romeDay: day, time: RomeTime.time(of: recorded.decidedAt))
    }

    static func booked(_ outcome: Outcome) -> AppointmentID? {
        for event in outcome.events {
            if case .appointmentBooked(let booked) = event { return booked.appointment }
            if case .appointmentMigrated(let migrated) = event { return migrated.appointment }
        }
        return nil
    }

    /// The command with its appointment ids mapped; nil when one has no counterpart.
    static func remap(_ command: Command, _ map: (AppointmentID) -> AppointmentID?) -> Command? {
        switch command {
        case .deferAppointment(let id, let target, let reason): map(id).map { .deferAppointment($0, to: target, reason: reason) }
        case .cancel(let id, let reason): map(id).map { .cancel($0, reason: reason) }
        case .attend(let id): map(id).map { .attend($0) }
        case .noShow(let id): map(id).map { .noShow($0) }
        case .configureOffice, .closeDay, .book, .permitReady, .pickup, .registerPratica, .createAccount, .disableAccount,
             .amendOffice, .migrate, .recordSigningKey, .erasePratica, .tick, .addWebhook, .removeWebhook:
            command
        }
    }

    /// The outcome with every appointment id it names mapped.
    static func remap(_ outcome: Outcome, _ map: (AppointmentID) -> AppointmentID) -> Outcome {
        switch outcome {
        case .accepted(let events):
            return .accepted(events.map { event in
                switch event {
                case .appointmentBooked(var booked):
                    booked.appointment = map(booked.appointment)
                    return .appointmentBooked(booked)
                case .appointmentMoved(var moved):
                    moved.appointment = map(moved.appointment)
                    return .appointmentMoved(moved)
                case .appointmentCancelled(let id, let office, let service, let pratica, let day, let time, let reason):
                    return .appointmentCancelled(appointment: map(id), office: office, service: service, pratica: pratica,
                                                 day: day, time: time, reason: reason)
                case .permitDelivered(let pratica, let completed):
                    return .permitDelivered(pratica, completedAppointment: completed.map(map))
                case .appointmentAttended(var closed):
                    closed.appointment = map(closed.appointment)
                    return .appointmentAttended(closed)
                case .appointmentMissed(var closed):
                    closed.appointment = map(closed.appointment)
                    return .appointmentMissed(closed)
                case .appointmentMigrated(var migrated):
                    migrated.appointment = map(migrated.appointment)
                    return .appointmentMigrated(migrated)
                case .officeConfigured, .dayClosed, .permitMarkedReady, .praticaRegistered, .accountCreated,
                     .accountDisabled, .signingKeyRecorded, .praticaErased, .webhookAdded, .webhookRemoved:
                    return event
                }
            })
        case .rejected(let rejection):
            switch rejection {
            case .unknownAppointment(let id): return .rejected(.unknownAppointment(map(id)))
            case .liveAppointmentExists(let pratica, let service, let id):
                return .rejected(.liveAppointmentExists(pratica, service: service, appointment: map(id)))
            case .appointmentNotLive(let id, let state): return .rejected(.appointmentNotLive(map(id), state: state))
            case .cannotRehouse(let id, let through): return .rejected(.cannotRehouse(map(id), searchedThrough: through))
            case .notYetDue(let id, let day, let today): return .rejected(.notYetDue(map(id), day: day, today: today))
            case .notPermitted(.appointment, let role, let subject):
                return .rejected(.notPermitted(.appointment, role: role, subject: map(AppointmentID(subject)).rawValue))
            case .unknownOffice, .unknownService, .unknownPratica, .full, .permitNotReady, .permitAlreadyDelivered,
                 .officeClosed, .beforeLeadTime, .beyondHorizon, .noSuchSlot, .dayInPast, .invalidConfiguration,
                 .capacityBelowBookings, .praticaAlreadyRegistered, .vistoAlreadyRegistered, .accountExists,
                 .unknownAccount, .outsideTransition, .notPermitted, .notSealed, .webhookExists, .unknownWebhook:
                return outcome
            }
        }
    }
}
