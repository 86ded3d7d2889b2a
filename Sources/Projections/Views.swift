import Events

/// Every view of the log, folded record by record. The engine decides against it; the store
/// persists it in the same transaction as the log; `Store.foldLog` refolds it from scratch.
public struct Views: Sendable {
    public internal(set) var offices: [OfficeID: OfficeView] = [:]
    /// The materialised days. With a source, every persisted day from `completeFrom` on is
    /// here; an earlier one is read from the source when asked (`day(_:)`).
    public internal(set) var loads: [OfficeService: ServiceLoad] = [:]
    public internal(set) var appointments: ReadThrough<AppointmentID, AppointmentView>
    public internal(set) var pratiche: ReadThrough<PraticaID, PraticaView>
    /// numero di visto → pratica, for LOOKUP VISTO.
    public internal(set) var visti: ReadThrough<String, PraticaID>
    /// The record that first carried each request id.
    public internal(set) var requests: ReadThrough<RequestKey, UInt64>
    /// Every record that touched each pratica, in order: HISTORY and `replay history` read it
    /// through `history(of:)`. With a source, only what was folded since the views were loaded.
    public internal(set) var history: [PraticaID: [UInt64]] = [:]
    /// Operators' accounts by name.
    public internal(set) var accounts: [String: AccountView] = [:]
    /// The node's signing keys, in the order they took over (a few in a node's life).
    public internal(set) var signingKeys: [SigningKeyView] = []
    /// Webhook receivers by id, removed ones kept (an id is given once): the outbox reads which
    /// were registered when each record was committed.
    public internal(set) var webhooks: [String: WebhookView] = [:]
    /// Surname, name and birth date → pratiche, for the public STATUS check (`pratiche(of:)`).
    /// With a source, only those registered since the views were loaded.
    public internal(set) var praticheByApplicant: [ApplicantKey: [PraticaID]] = [:]
    /// By the office that opened them, the pratiche whose retention counts (`retainedSince`), in
    /// pickup-day order. With a source, only those delivered since the views were loaded.
    public internal(set) var retained: [OfficeID: ArraySlice<Delivery>] = [:]
    public internal(set) var headSequence: UInt64 = 0
    public internal(set) var headHash: ChainHash = .genesis
    /// How many pratiche are registered and appointments were ever booked or migrated (INFO).
    public internal(set) var praticaCount = 0
    public internal(set) var appointmentCount = 0
    /// Where what is not in memory is read; nil for views that hold everything.
    public let source: ViewSource?
    /// The applicants' keys, when the reader has them: queries compute keyed hashes with them
    /// (STATUS, LOOKUP VISTO), and `opened` reads sealed data.
    public var keys: (any ApplicantKeys)?
    /// With a source: the first day whose persisted load is certainly in `loads`.
    public let completeFrom: Day?

    /// Views that hold everything (a fold from the first record, a full decode).
    public init() {
        source = nil
        completeFrom = nil
        appointments = ReadThrough()
        pratiche = ReadThrough()
        visti = ReadThrough()
        requests = ReadThrough()
    }

    /// Views that hold the working set and read the rest from `source`.
    public init(source: ViewSource, completeFrom: Day) {
        self.source = source
        self.completeFrom = completeFrom
        appointments = ReadThrough { [source] in source.appointment($0) }
        pratiche = ReadThrough { [source] in source.pratica($0) }
        visti = ReadThrough { [source] in source.visto($0) }
        requests = ReadThrough { [source] in source.request($0) }
    }

    /// How many entries memory holds that the source also could give (0 without a source):
    /// what the writer lets grow to `Limits.heldEntriesMax` before it loads its working set anew.
    public var heldEntries: Int {
        guard source != nil else { return 0 }
        return appointments.memory.count + pratiche.memory.count + visti.memory.count + requests.memory.count
            + appointments.cached + pratiche.cached + visti.cached + requests.cached
            + history.count + praticheByApplicant.count + retained.values.reduce(0) { $0 + $1.count }
    }

    /// The pratica with its sealed applicant read with `keys`. The views hold sealed data as
    /// stored (the rules never read it): only what shows a person opens it, here, so the writer
    /// decrypts nothing it decides.
    public func opened(_ pratica: PraticaView) -> PraticaView {
        guard pratica.applicant.isLocked, !pratica.applicant.isErased, let keys,
              let key = keys.openingKey(for: pratica.applicant.pratica) else { return pratica }
        var opened = pratica
        opened.applicant = ApplicantSealing.open(pratica.applicant, key: key)
        return opened
    }

    /// A pratica's applicant, read (`opened`).
    public func applicant(of id: PraticaID) -> Applicant? { pratiche[id].map { opened($0).applicant } }

    /// The pratica whose visto this is: sealed data's keyed hash first, then the visto in clear.
    public func pratica(forVisto visto: String) -> PraticaID? {
        if let keys, let sealed = visti[Applicant.vistoKey(tag: ApplicantSealing.vistoTag(visto, indexKey: keys.indexKey))] {
            return sealed
        }
        return visti[visto]
    }

    /// One day's load, materialised or persisted; nil for a day no booking or closure touched.
    public func day(_ key: DayKey) -> DayLoad? {
        if let load = loads[OfficeService(key.office, key.service)]?[key.day] { return load }
        return persistedDay(key)
    }

    /// A persisted day that memory may not hold (before `completeFrom`).
    func persistedDay(_ key: DayKey) -> DayLoad? {
        guard let source, let completeFrom, key.day < completeFrom else { return nil }
        return source.day(key)
    }

    /// Puts a persisted day in memory before the fold changes it.
    mutating func fault(_ key: DayKey) {
        // The common case first, without hashing: a day from `completeFrom` on is in memory.
        guard let source, let completeFrom, key.day < completeFrom else { return }
        let service = OfficeService(key.office, key.service)
        guard loads[service]?[key.day] == nil, let load = source.day(key) else { return }
        loads[service, default: ServiceLoad(baseDay: key.day)].update(key.day, make: { load }) { _ in }
    }

    /// Every record that touched the pratica, in order.
    public func history(of pratica: PraticaID) -> [UInt64] {
        let folded = history[pratica] ?? []
        guard let source else { return folded }
        let stored = source.history(pratica)
        guard let last = stored.last else { return folded }
        return stored + folded.filter { $0 > last }
    }

    /// The pratiche registered for this surname, name and birth date: in registration order
    /// without a source; with one, the stored ones in id order, then those registered since.
    public func pratiche(of applicant: ApplicantKey) -> [PraticaID] {
        let folded = praticheByApplicant[applicant] ?? []
        guard let source else { return folded }
        let stored = source.pratiche(of: applicant)
        return stored + folded.filter { !stored.contains($0) }
    }

    /// Folds one record. `changes` collects what the store must write back.
    public mutating func apply(_ record: Record, changes: inout Changes) {
        precondition(record.sequence == headSequence + 1, "record \(record.sequence) after \(headSequence)")
        precondition(record.previousHash == headHash, "record \(record.sequence) does not link to the head")
        if !record.requestID.isEmpty {
            let key = RequestKey(operator: record.actor.operator, requestID: record.requestID)
            if requests[key] == nil {
                requests.load(key, record.sequence)
                changes.requests.insert(key)
            }
        }
        let channel = self.channel(of: record.actor)
        for event in record.outcome.events {
            evolve(event, sequence: record.sequence, decidedAt: record.decidedAt, channel: channel, changes: &changes)
        }
        recordHistory(record, changes: &changes)
        headSequence = record.sequence
        headHash = record.hash
    }

    /// The quota channel a record's bookings come through: the role of the account that sent
    /// it, as the accounts view holds it then (docs/engine.md, "Channel quotas").
    public func channel(of actor: Actor) -> Channel { Channel(role: accounts[actor.operator]?.spec.role) }

    mutating func evolve(_ event: Event, sequence: UInt64, decidedAt: Instant, channel: Channel, changes: inout Changes) {
        switch event {
        case .officeConfigured(let configuration, let effectiveFrom):
            configure(configuration, effectiveFrom: effectiveFrom, changes: &changes)

        case .dayClosed(let office, let day, let service, _):
            guard var view = offices[office] else { preconditionFailure("closing a day of unknown office \(office)") }
            if let service {
                view.serviceClosures[service, default: []].insert(day)
            } else {
                view.closures.insert(day)
            }
            offices[office] = view
            changes.offices.insert(office)
            let services = service.map { [$0] } ?? view.configuration.services.map(\.id)
            for service in services {
                fault(DayKey(office, service, day))
                let key = OfficeService(office, service)
                loads[key, default: ServiceLoad(baseDay: day)].update(day, make: { view.freshLoad(service, on: day) }) { load in
                    // The moves came first; what still sits here was already served (a permit
                    // handed over today) and stays, with no room left beside it.
                    let kept = load.slots.filter { $0.booked > 0 }.map { slot in
                        var kept = slot
                        kept.capacity = slot.booked
                        return kept
                    }
                    load = DayLoad(closed: true, slots: kept, entries: load.entries)
                }
                changes.touch(DayKey(office, service, day))
            }

        case .appointmentBooked(let booked):
            let appointment = AppointmentView(booked: booked, sequence: sequence, channel: channel)
            precondition(appointments.memory[booked.appointment] == nil, "appointment id \(booked.appointment) reused")
            appointments.load(booked.appointment, appointment)
            appointmentCount += 1
            changes.appointments.append(booked.appointment)
            seat(AgendaEntry(time: booked.time, bookedSequence: sequence, appointment: booked.appointment),
                 booked.office, booked.service, booked.day, channel: channel, migrated: false, changes: &changes)
            // The pratica's appointment list and live ones are persisted through its history
            // entry, which names the appointment (see ViewCodec): no pratiche write per booking.
            pratiche.modify(booked.pratica) { $0.booked(booked.appointment, for: booked.service) }

        case .appointmentMigrated(let migrated):
            let appointment = AppointmentView(
                id: migrated.appointment, office: migrated.office, service: migrated.service, pratica: migrated.pratica,
                requestedDay: migrated.day, day: migrated.day, time: migrated.time, deferred: false, state: .booked,
                bookedBy: migrated.bookedBy, bookedSequence: sequence, updatedSequence: sequence, channel: .open,
                migrated: true, legacyID: migrated.legacyID)
            precondition(appointments.memory[migrated.appointment] == nil, "appointment id \(migrated.appointment) reused")
            appointments.load(migrated.appointment, appointment)
            appointmentCount += 1
            changes.appointments.append(migrated.appointment)
            seat(AgendaEntry(time: migrated.time, bookedSequence: sequence, appointment: migrated.appointment),
                 migrated.office, migrated.service, migrated.day, channel: .open, migrated: true, changes: &changes)
            pratiche.modify(migrated.pratica) { $0.booked(migrated.appointment, for: migrated.service) }

        case .appointmentMoved(let moved):
            guard let view = appointments[moved.appointment] else {
                preconditionFailure("moving unknown appointment \(moved.appointment)")
            }
            unseat(AgendaEntry(time: moved.fromTime, bookedSequence: view.bookedSequence, appointment: moved.appointment),
                   moved.office, moved.service, moved.fromDay, channel: view.channel, migrated: view.migrated,
                   changes: &changes)
            seat(AgendaEntry(time: moved.toTime, bookedSequence: view.bookedSequence, appointment: moved.appointment),
                 moved.office, moved.service, moved.toDay, channel: view.channel, migrated: view.migrated,
                 changes: &changes)
            appointments[moved.appointment]?.day = moved.toDay
            appointments[moved.appointment]?.time = moved.toTime
            appointments[moved.appointment]?.updatedSequence = sequence
            changes.appointments.append(moved.appointment)

        case .appointmentCancelled(let appointment, let office, let service, let pratica, let day, let time, _):
            guard let view = appointments[appointment] else {
                preconditionFailure("cancelling unknown appointment \(appointment)")
            }
            unseat(AgendaEntry(time: time, bookedSequence: view.bookedSequence, appointment: appointment),
                   office, service, day, channel: view.channel, migrated: view.migrated, changes: &changes)
            appointments[appointment]?.state = .cancelled
            appointments[appointment]?.updatedSequence = sequence
            changes.appointments.append(appointment)
            if pratiche[pratica]?.live[service] == appointment { pratiche[pratica]?.live[service] = nil }

        case .permitMarkedReady(let pratica):
            pratiche[pratica]?.permitReady = true
            changes.pratiche.append(pratica)

        case .permitDelivered(let pratica, let completed):
            pratiche[pratica]?.permitDelivered = true
            pratiche[pratica]?.deliveredOn = RomeTime.day(of: decidedAt)
            if let view = pratiche[pratica] { retain(view) }
            if let completed, let appointment = appointments[completed] {
                // The slot was used: it stays counted as booked on its (past or present) day.
                appointments[completed]?.state = .completed
                appointments[completed]?.updatedSequence = sequence
                changes.appointments.append(completed)
                pratiche[pratica]?.live[appointment.service] = nil
            }
            changes.pratiche.append(pratica)

        case .praticaRegistered(let applicant):
            pratiche.load(applicant.pratica, PraticaView(applicant: applicant))
            praticaCount += 1
            praticheByApplicant[ApplicantKey(applicant), default: []].append(applicant.pratica)
            visti.load(applicant.vistoKey, applicant.pratica)
            changes.pratiche.append(applicant.pratica)
            changes.applicants.append(applicant.pratica)
            changes.visti.insert(applicant.vistoKey)

        case .praticaErased(let pratica, _):
            guard let before = pratiche[pratica]?.applicant, !before.isErased else { break }
            let key = ApplicantKey(before)
            praticheByApplicant[key]?.removeAll { $0 == pratica }
            if praticheByApplicant[key]?.isEmpty == true { praticheByApplicant[key] = nil }
            pratiche[pratica]?.applicant = Applicant.erased(before)
            release(pratica, of: before.office)
            changes.applicants.append(pratica)
            changes.unindexed.append((key, pratica))

        case .accountCreated(let spec):
            accounts[spec.name] = AccountView(spec: spec, enabled: true, createdSequence: sequence)
            changes.accounts.insert(spec.name)

        case .accountDisabled(let name, _):
            accounts[name]?.enabled = false
            changes.accounts.insert(name)

        case .appointmentAttended(let closed):
            close(closed, as: .attended, sequence: sequence, changes: &changes)

        case .appointmentMissed(let closed):
            close(closed, as: .missed, sequence: sequence, changes: &changes)

        case .signingKeyRecorded(let publicKey):
            signingKeys.append(SigningKeyView(sequence: sequence, publicKey: publicKey))
            changes.signingKeys.append(sequence)

        case .webhookAdded(let webhook):
            webhooks[webhook.id] = WebhookView(webhook: webhook, addedSequence: sequence)
            changes.webhooks.insert(webhook.id)

        case .webhookRemoved(let id):
            webhooks[id]?.removedSequence = sequence
            changes.webhooks.insert(id)
        }
    }

    /// Files a pratica whose retention counts under the office that opened it, in day order.
    mutating func retain(_ pratica: PraticaView) {
        guard let day = pratica.retainedSince else { return }
        let entry = Delivery(day: day, pratica: pratica.applicant.pratica)
        var list = retained[pratica.applicant.office] ?? []
        retained[pratica.applicant.office] = nil
        // Decision times never go back, so a pickup is almost always the latest.
        if let last = list.last, last.day > day {
            list.insert(entry, at: list.firstIndex { $0.day > day } ?? list.endIndex)
        } else {
            list.append(entry)
        }
        retained[pratica.applicant.office] = list
    }

    /// Takes an erased pratica out of the retention index; the clock erases from the front.
    mutating func release(_ pratica: PraticaID, of office: OfficeID) {
        guard var list = retained[office], let index = list.firstIndex(where: { $0.pratica == pratica }) else { return }
        retained[office] = nil
        if index == list.startIndex { list.removeFirst() } else { list.remove(at: index) }
        retained[office] = list.isEmpty ? nil : list
    }

    /// The pratiche whose retention period ended by `today`: for each office (in id order) with
    /// a period, those picked up `retentionDays` or more days before, in pickup-day order then
    /// by the pratica id's bytes, at most `limit` of them. The same views give the same list
    /// however they are held (folded, loaded, or read through a source): the clock's decision
    /// is re-decided from it (`replay audit`).
    public func retentionDue(today: Day, limit: Int) -> [RetentionDue] {
        var due: [RetentionDue] = []
        let periods = offices.values.map(\.configuration).filter { $0.retentionDays > 0 }
            .sorted { $0.office.rawValue.utf8.lexicographicallyPrecedes($1.office.rawValue.utf8) }
        for configuration in periods where due.count < limit {
            let office = configuration.office
            let cutoff = today.adding(days: -Int(configuration.retentionDays))
            let wanted = limit - due.count
            let held = (retained[office] ?? []).prefix { $0.day <= cutoff }
            var fetch = wanted
            while true {
                // What the source read is whole days up to `through` (all of them when complete).
                var through = cutoff
                var candidates = Array(held)
                if let source {
                    let read = source.retained(office, through: cutoff, limit: fetch)
                    candidates += read.entries
                    if !read.complete, let last = read.entries.last?.day { through = last }
                }
                // One entry per pratica that still counts, in (day, id bytes) order.
                var seen: Set<PraticaID> = []
                let ordered = candidates.filter { entry in
                    guard entry.day <= through, seen.insert(entry.pratica).inserted,
                          let pratica = pratiche[entry.pratica] else { return false }
                    return pratica.retainedSince == entry.day && pratica.applicant.office == office
                }.sorted(by: Delivery.precedes)
                // Short of what is wanted with days left unread: read further.
                if ordered.count < wanted && through < cutoff {
                    fetch *= 2
                    continue
                }
                for entry in ordered.prefix(wanted) {
                    due.append(RetentionDue(pratica: entry.pratica, office: office, pickedUp: entry.day,
                                            days: configuration.retentionDays))
                }
                break
            }
        }
        return due
    }

    /// An appointment whose day came: its seat stays counted, and the pratica may book that
    /// service again.
    mutating func close(_ closed: AppointmentClosed, as state: AppointmentState, sequence: UInt64,
                        changes: inout Changes) {
        precondition(appointments[closed.appointment] != nil, "closing unknown appointment \(closed.appointment)")
        appointments[closed.appointment]?.state = state
        appointments[closed.appointment]?.updatedSequence = sequence
        changes.appointments.append(closed.appointment)
        if pratiche[closed.pratica]?.live[closed.service] == closed.appointment {
            pratiche[closed.pratica]?.live[closed.service] = nil
        }
    }

    /// Files the record under each pratica it names or touched, once, accepted or not, so a
    /// pratica's story includes the attempts that were refused.
    mutating func recordHistory(_ record: Record, changes: inout Changes) {
        var touched: [PraticaID] = []
        func note(_ pratica: PraticaID) {
            if !touched.contains(pratica) { touched.append(pratica) }
        }
        switch record.command {
        case .book(let request): note(request.pratica)
        case .migrate(let request): note(request.pratica)
        case .permitReady(let pratica), .pickup(let pratica): note(pratica)
        case .registerPratica(let applicant): note(applicant.pratica)
        case .deferAppointment(let appointment, _, _), .cancel(let appointment, _), .attend(let appointment),
             .noShow(let appointment):
            if let pratica = appointments[appointment]?.pratica { note(pratica) }
        case .closeDay:
            for event in record.outcome.events {
                if case .appointmentMoved(let moved) = event, let pratica = appointments[moved.appointment]?.pratica {
                    note(pratica)
                }
            }
        case .configureOffice, .createAccount, .disableAccount, .amendOffice, .recordSigningKey:
            break
        case .erasePratica(let pratica, _): note(pratica)
        case .tick:
            for case .praticaErased(let pratica, _) in record.outcome.events { note(pratica) }
        case .addWebhook, .removeWebhook:
            break
        }
        for pratica in touched where isRegistered(pratica) {
            history[pratica, default: []].append(record.sequence)
            changes.history.append(HistoryEntry(pratica: pratica, sequence: record.sequence,
                                                booked: Views.booked(by: record, for: pratica)))
        }
    }

    /// Whether the pratica is registered, without reading its whole story from the source.
    public func isRegistered(_ pratica: PraticaID) -> Bool {
        pratiche.memory[pratica] != nil || source?.hasPratica(pratica) == true
    }

    /// The appointment a record booked or migrated for the pratica (at most one).
    static func booked(by record: Record, for pratica: PraticaID) -> AppointmentID? {
        for event in record.outcome.events {
            switch event {
            case .appointmentBooked(let booked) where booked.pratica == pratica: return booked.appointment
            case .appointmentMigrated(let migrated) where migrated.pratica == pratica: return migrated.appointment
            default: continue
            }
        }
        return nil
    }

    mutating func configure(_ configuration: OfficeConfiguration, effectiveFrom: Day, changes: inout Changes) {
        let id = configuration.office
        let previous = offices[id]
        let view = OfficeView(configuration: configuration, closures: previous?.closures ?? [],
                              serviceClosures: previous?.serviceClosures ?? [:])
        offices[id] = view
        changes.offices.insert(id)
        // Days already materialised from today on take the new slots; their bookings stay where
        // they are (decide refused any configuration that would not hold them). Past days keep
        // the capacity they had.
        for (key, load) in loads where key.office == id {
            var updated = load
            // A closed day stays as it was closed: what was served there keeps its place.
            for (day, dayLoad) in load.materialised where day >= effectiveFrom && !dayLoad.closed {
                var fresh = view.freshLoad(key.service, on: day)
                for slot in dayLoad.slots where slot.booked > 0 {
                    guard let index = fresh.slotIndex(slot.time) else {
                        preconditionFailure("configuration dropped a booked slot \(slot.time) on \(day)")
                    }
                    let capacity = fresh.slots[index].capacity
                    fresh.slots[index] = slot
                    fresh.slots[index].capacity = capacity
                }
                fresh = DayLoad(closed: fresh.closed, slots: fresh.slots, entries: dayLoad.entries)
                precondition(fresh.slots.allSatisfy { $0.normallyBooked <= $0.capacity }, "configuration overbooks \(day)")
                if fresh != dayLoad {
                    updated.update(day, make: { fresh }) { $0 = fresh }
                    changes.touch(DayKey(id, key.service, day))
                }
            }
            loads[key] = updated
        }
    }

    mutating func seat(_ entry: AgendaEntry, _ office: OfficeID, _ service: ServiceID, _ day: Day, channel: Channel,
                       migrated: Bool, changes: inout Changes) {
        guard let view = offices[office] else { preconditionFailure("booking at unknown office \(office)") }
        fault(DayKey(office, service, day))
        let key = OfficeService(office, service)
        loads[key, default: ServiceLoad(baseDay: day)].update(day, make: { view.freshLoad(service, on: day) }) {
            $0.add(entry, channel: channel, migrated: migrated)
        }
        changes.touch(DayKey(office, service, day))
        changes.agenda.append(AgendaChange(office: office, day: day, service: service, entry: entry, added: true))
    }

    mutating func unseat(_ entry: AgendaEntry, _ office: OfficeID, _ service: ServiceID, _ day: Day, channel: Channel,
                         migrated: Bool, changes: inout Changes) {
        fault(DayKey(office, service, day))
        let key = OfficeService(office, service)
        guard loads[key]?[day] != nil else { preconditionFailure("unseating \(entry.appointment) from an empty day") }
        loads[key]?.update(day, make: { preconditionFailure("checked above") }) {
            $0.remove(entry, channel: channel, migrated: migrated)
        }
        changes.touch(DayKey(office, service, day))
        changes.agenda.append(AgendaChange(office: office, day: day, service: service, entry: entry, added: false))
    }

    /// Puts a persisted agenda entry back on its day when the views are loaded.
    mutating func restore(_ entry: AgendaEntry, _ office: OfficeID, _ service: ServiceID, _ day: Day) -> Bool {
        let key = OfficeService(office, service)
        guard loads[key]?[day] != nil else { return false }
        loads[key]?.update(day, make: { preconditionFailure("checked above") }) { $0.entries.append(entry) }
        return true
    }
}
