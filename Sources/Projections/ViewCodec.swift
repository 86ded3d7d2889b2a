import Events

/// The LMDB databases that hold the views, beside `log` and `meta`.
public enum ViewDatabase: String, CaseIterable, Sendable {
    /// office id → configuration in force and close-day closures
    case offices
    /// office ‖ 0 ‖ service ‖ 0 ‖ day → closed flag, slots (time, capacity, booked)
    case days
    /// appointment id → the appointment
    case appointments
    /// office ‖ 0 ‖ day ‖ time ‖ booked sequence ‖ service ‖ 0 ‖ appointment → nothing: the agenda, in
    /// order, by range scan
    case agenda
    /// pratica → permit state (ready, delivered). Its appointments and the live one per service
    /// are not repeated here: `load` derives them from `appointments`, so a booking writes no
    /// random-keyed entry (one random page per booking is what bounds a disk's commits).
    case pratiche
    /// pratica → the applicant's data, written once when the pratica is registered (kept apart
    /// from the status a booking rewrites, so personal data is neither rewritten nor copied)
    case applicants
    /// numero di visto → pratica
    case visti
    /// operator ‖ 0 ‖ request id → sequence number of the first record that carried it
    case requests
    /// pratica ‖ 0 ‖ sequence (big-endian) → the appointment that record booked or migrated for the
    /// pratica, or nothing: every record that touched each pratica, read by pratica (HISTORY), and
    /// with it the pratica's appointments, so a booking writes no other pratica-keyed entry.
    /// The writer does not put entries here one commit at a time (a random page per booking):
    /// it appends them to `historyTail` and moves the tail here in bulk.
    case history
    /// account name → role, office, body, enabled, creating record (never a password)
    case accounts
    /// surname ‖ 0 ‖ name ‖ 0 ‖ birth date ‖ pratica → nothing, the names as STATUS compares them
    /// (`ApplicantKey`): the public check finds a person without holding every applicant in memory
    case applicantIndex = "applicant-index"
    /// sequence (big-endian) ‖ pratica → as in `history`: the history entries the writer has
    /// not yet moved into `history`, appended by each commit (`Store.indexHistoryTail` moves
    /// them, in key order, when the writer loads its working set). A fold writes none.
    case historyTail = "history-tail"
    /// sequence (big-endian) → the public signing key that record recorded (64 hexadecimal
    /// digits): the node's keys, in the order they took over
    case signingKeys = "signing-keys"
    /// office ‖ 0 ‖ pickup day ‖ pratica → nothing: the sealed, not yet erased pratiche whose
    /// permit was handed over, by the office that opened them and the day, so the clock finds
    /// those whose retention period ended by range scan (`Views.retentionDue`)
    case retention
    /// webhook id → the webhook (url, scope, the secret's digest), the record that added it and
    /// the one that removed it, if any
    case webhooks
}

/// How each view entry is laid out in its database. Deterministic: the same views give the
/// same bytes, which is what lets `replay rebuild` compare byte for byte.
public enum ViewCodec {
    public typealias Sink = (ViewDatabase, UnsafeRawBufferPointer, UnsafeRawBufferPointer?) -> Void

    /// Calls `sink` with (database, key, value) for every entry `changes` names; value nil means
    /// delete. History entries go to `history`, or with `historyTail` to the tail (the writer).
    public static func write(_ views: Views, _ changes: Changes, historyTail: Bool = false, into sink: Sink) {
        var key = ByteWriter(capacity: 64)
        var value = ByteWriter(capacity: 256)
        func emit(_ database: ViewDatabase, delete: Bool = false) {
            key.bytes.withUnsafeBytes { keyBytes in
                if delete {
                    sink(database, keyBytes, nil)
                } else {
                    value.bytes.withUnsafeBytes { sink(database, keyBytes, $0) }
                }
            }
        }
        for id in changes.offices {
            guard let office = views.offices[id] else { continue }
            reset(&key, &value)
            key.raw(id.rawValue)
            encode(office, &value)
            emit(.offices)
        }
        for dayKey in changes.days {
            reset(&key, &value)
            encodeKey(dayKey, &key)
            guard let load = views.day(dayKey) else {
                emit(.days, delete: true)
                continue
            }
            encode(load, &value)
            emit(.days)
        }
        for id in changes.appointments {
            guard let appointment = views.appointments[id] else { continue }
            reset(&key, &value)
            key.raw(id.rawValue)
            encode(appointment, &value)
            emit(.appointments)
        }
        for change in changes.agenda {
            reset(&key, &value)
            encodeAgendaKey(office: change.office, day: change.day, service: change.service, entry: change.entry, &key)
            emit(.agenda, delete: !change.added)
        }
        for id in changes.pratiche {
            guard let pratica = views.pratiche[id] else { continue }
            reset(&key, &value)
            key.raw(id.rawValue)
            encode(pratica, &value)
            emit(.pratiche)
            if let day = pratica.retainedSince {
                reset(&key, &value)
                encodeRetentionKey(pratica.applicant.office, day, id, &key)
                emit(.retention)
            }
        }
        for id in changes.applicants {
            guard let pratica = views.pratiche[id] else { continue }
            reset(&key, &value)
            key.raw(id.rawValue)
            encodeStoredApplicant(pratica.applicant, &value)
            emit(.applicants)
            // An erased applicant is in no index: STATUS no longer finds them, the clock no
            // longer counts their retention.
            guard !pratica.applicant.isErased else {
                if let day = pratica.deliveredOn {
                    reset(&key, &value)
                    encodeRetentionKey(pratica.applicant.office, day, id, &key)
                    emit(.retention, delete: true)
                }
                continue
            }
            reset(&key, &value)
            encodeApplicantKey(ApplicantKey(pratica.applicant), &key)
            key.raw(id.rawValue)
            emit(.applicantIndex)
        }
        for (applicantKey, pratica) in changes.unindexed {
            reset(&key, &value)
            encodeApplicantKey(applicantKey, &key)
            key.raw(pratica.rawValue)
            emit(.applicantIndex, delete: true)
        }
        for visto in changes.visti {
            guard let pratica = views.visti[visto] else { continue }
            reset(&key, &value)
            key.raw(visto)
            value.raw(pratica.rawValue)
            emit(.visti)
        }
        for request in changes.requests {
            guard let sequence = views.requests[request] else { continue }
            reset(&key, &value)
            key.raw(request.operator)
            key.u8(0)
            key.raw(request.requestID)
            value.u64(sequence)
            emit(.requests)
        }
        for entry in changes.history {
            reset(&key, &value)
            if historyTail {
                encodeTailKey(entry.pratica, entry.sequence, &key)
            } else {
                encodeHistoryKey(entry.pratica, entry.sequence, &key)
            }
            if let booked = entry.booked { value.raw(booked.rawValue) }
            emit(historyTail ? .historyTail : .history)
        }
        for name in changes.accounts {
            guard let account = views.accounts[name] else { continue }
            reset(&key, &value)
            key.raw(name)
            encode(account, &value)
            emit(.accounts)
        }
        for sequence in changes.signingKeys {
            guard let signingKey = views.signingKeys.first(where: { $0.sequence == sequence }) else { continue }
            reset(&key, &value)
            key.u64(sequence)
            value.raw(signingKey.publicKey)
            emit(.signingKeys)
        }
        for id in changes.webhooks {
            guard let webhook = views.webhooks[id] else { continue }
            reset(&key, &value)
            key.raw(id)
            encode(webhook, &value)
            emit(.webhooks)
        }
    }

    /// Every entry of every view database, sorted by key as LMDB keeps them.
    public static func allEntries(_ views: Views) -> [ViewDatabase: [(key: [UInt8], value: [UInt8])]] {
        var changes = Changes()
        changes.offices = Set(views.offices.keys)
        changes.appointments = Array(views.appointments.memory.keys)
        changes.pratiche = Array(views.pratiche.memory.keys)
        changes.applicants = Array(views.pratiche.memory.keys)
        changes.visti = Set(views.visti.memory.keys)
        changes.requests = Set(views.requests.memory.keys)
        changes.accounts = Set(views.accounts.keys)
        changes.signingKeys = views.signingKeys.map(\.sequence)
        changes.webhooks = Set(views.webhooks.keys)
        for (pratica, sequences) in views.history {
            let booked = bookings(of: pratica, in: views)
            for sequence in sequences {
                changes.history.append(HistoryEntry(pratica: pratica, sequence: sequence, booked: booked[sequence]))
            }
        }
        for (key, load) in views.loads {
            for (day, dayLoad) in load.materialised {
                changes.days.insert(DayKey(key.office, key.service, day))
                for entry in dayLoad.entries {
                    changes.agenda.append(AgendaChange(office: key.office, day: day, service: key.service, entry: entry,
                                                       added: true))
                }
            }
        }
        var result: [ViewDatabase: [(key: [UInt8], value: [UInt8])]] = [:]
        for database in ViewDatabase.allCases { result[database] = [] }
        write(views, changes) { database, key, value in
            result[database, default: []].append((Array(key), value.map { Array($0) } ?? []))
        }
        for database in ViewDatabase.allCases {
            result[database]?.sort { $0.key.lexicographicallyPrecedes($1.key) }
        }
        return result
    }


    // MARK: - Values

    static func reset(_ key: inout ByteWriter, _ value: inout ByteWriter) {
        key.bytes.removeAll(keepingCapacity: true)
        value.bytes.removeAll(keepingCapacity: true)
    }

    static func encode(_ office: OfficeView, _ writer: inout ByteWriter) {
        writer.u8(UInt8(office.configuration.version))
        RecordCodec.encode(office.configuration, &writer)
        encodeDays(office.closures, &writer)
        writer.u16(UInt16(office.serviceClosures.count))
        for service in office.serviceClosures.keys.sorted() {
            writer.string(service.rawValue)
            encodeDays(office.serviceClosures[service] ?? [], &writer)
        }
    }

    public static func decodeOffice(_ reader: inout ByteReader) throws(CodecError) -> OfficeView {
        let versionAt = reader.offset
        let version = try reader.u8()
        guard (1...5).contains(version) else {
            throw .unknownTag(kind: "configuration version", tag: version, offset: versionAt)
        }
        let configuration = try RecordCodec.decodeConfiguration(&reader, version: Int(version))
        let closures = try decodeDays(&reader)
        var serviceClosures: [ServiceID: Set<Day>] = [:]
        for _ in 0..<Int(try reader.u16()) {
            let service = ServiceID(try reader.string())
            serviceClosures[service] = try decodeDays(&reader)
        }
        try reader.end()
        return OfficeView(configuration: configuration, closures: closures, serviceClosures: serviceClosures)
    }

    static func encodeDays(_ days: Set<Day>, _ writer: inout ByteWriter) {
        writer.u32(UInt32(days.count))
        for day in days.sorted() { writer.day(day) }
    }

    static func decodeDays(_ reader: inout ByteReader) throws(CodecError) -> Set<Day> {
        let count = Int(try reader.u32())
        guard count <= reader.remaining / 4 else { throw .truncated(offset: reader.offset) }
        var days = Set<Day>(minimumCapacity: count)
        for _ in 0..<count { days.insert(try reader.day()) }
        return days
    }

    static func encode(_ load: DayLoad, _ writer: inout ByteWriter) {
        writer.bool(load.closed)
        writer.u16(UInt16(load.slots.count))
        for slot in load.slots {
            writer.time(slot.time)
            writer.u16(slot.capacity)
            writer.u16(slot.booked)
            writer.u16(slot.bookedSui)
            writer.u16(slot.bookedBody)
            writer.u16(slot.bookedApplicant)
            writer.u16(slot.migrated)
        }
    }

    public static func decodeDayLoad(_ reader: inout ByteReader) throws(CodecError) -> DayLoad {
        let closed = try reader.bool()
        var slots: [SlotLoad] = []
        for _ in 0..<Int(try reader.u16()) {
            let slot = SlotLoad(time: try reader.time(), capacity: try reader.u16(), booked: try reader.u16(),
                                bookedSui: try reader.u16(), bookedBody: try reader.u16(),
                                bookedApplicant: try reader.u16(), migrated: try reader.u16())
            guard Int(slot.bookedSui) + Int(slot.bookedBody) + Int(slot.bookedApplicant) <= Int(slot.booked),
                  slot.migrated <= slot.booked else { throw .invalidValue(kind: "slot counts", offset: reader.offset) }
            slots.append(slot)
        }
        try reader.end()
        return DayLoad(closed: closed, slots: slots)
    }

    static func encode(_ appointment: AppointmentView, _ writer: inout ByteWriter) {
        writer.string(appointment.office.rawValue)
        writer.string(appointment.service.rawValue)
        writer.string(appointment.pratica.rawValue)
        writer.day(appointment.requestedDay)
        writer.day(appointment.day)
        writer.time(appointment.time)
        writer.bool(appointment.deferred)
        writer.u8(appointment.state.rawValue)
        writer.string(appointment.bookedBy)
        writer.u64(appointment.bookedSequence)
        writer.u64(appointment.updatedSequence)
        writer.u8(appointment.channel.rawValue)
        writer.bool(appointment.migrated)
        writer.string(appointment.legacyID)
    }

    public static func decodeAppointment(_ id: AppointmentID, _ reader: inout ByteReader) throws(CodecError) -> AppointmentView {
        let office = OfficeID(try reader.string())
        let service = ServiceID(try reader.string())
        let pratica = PraticaID(try reader.string())
        let requestedDay = try reader.day()
        let day = try reader.day()
        let time = try reader.time()
        let deferred = try reader.bool()
        let stateAt = reader.offset
        let stateTag = try reader.u8()
        guard let state = AppointmentState(rawValue: stateTag) else {
            throw .unknownTag(kind: "appointment state", tag: stateTag, offset: stateAt)
        }
        let bookedBy = try reader.string()
        let bookedSequence = try reader.u64()
        let updatedSequence = try reader.u64()
        let channelAt = reader.offset
        let channelTag = try reader.u8()
        guard let channel = Channel(rawValue: channelTag) else {
            throw .unknownTag(kind: "channel", tag: channelTag, offset: channelAt)
        }
        let appointment = AppointmentView(
            id: id, office: office, service: service, pratica: pratica, requestedDay: requestedDay, day: day, time: time,
            deferred: deferred, state: state, bookedBy: bookedBy, bookedSequence: bookedSequence,
            updatedSequence: updatedSequence, channel: channel, migrated: try reader.bool(), legacyID: try reader.string())
        try reader.end()
        return appointment
    }

    static func encode(_ pratica: PraticaView, _ writer: inout ByteWriter) {
        writer.bool(pratica.permitReady)
        writer.bool(pratica.permitDelivered)
        writer.optional(pratica.deliveredOn) { $0.day($1) }
    }

    public static func decodePratica(_ applicant: Applicant, _ reader: inout ByteReader) throws(CodecError) -> PraticaView {
        let permitReady = try reader.bool()
        let permitDelivered = try reader.bool()
        let deliveredOn = try reader.optional { (r) throws(CodecError) in try r.day() }
        try reader.end()
        return PraticaView(applicant: applicant, permitReady: permitReady, permitDelivered: permitDelivered,
                           deliveredOn: deliveredOn)
    }

    static func encode(_ account: AccountView, _ writer: inout ByteWriter) {
        writer.u8(account.spec.role.rawValue)
        writer.optional(account.spec.office) { $0.string($1.rawValue) }
        writer.string(account.spec.body)
        writer.bool(account.enabled)
        writer.u64(account.createdSequence)
        writer.optional(account.spec.pratica) { $0.string($1.rawValue) }
    }

    /// An `applicants` value: `u8` 1 and the applicant in clear (as register-pratica tag 8 holds
    /// it), 2 and the sealed applicant (as tag 20 holds it: ids, keyed hashes, box), or 3 and what
    /// an erasure leaves (pratica, office, the visto's keyed hash).
    public static func encodeStoredApplicant(_ applicant: Applicant, _ writer: inout ByteWriter) {
        if applicant.isErased {
            writer.u8(3)
            writer.string(applicant.pratica.rawValue)
            writer.string(applicant.office.rawValue)
            for byte in (applicant.seal?.vistoTag ?? .genesis).bytes { writer.u8(byte) }
        } else {
            writer.u8(applicant.seal == nil ? 1 : 2)
            RecordCodec.encode(applicant, &writer)
        }
    }

    public static func decodeStoredApplicant(_ reader: inout ByteReader) throws(CodecError) -> Applicant {
        let at = reader.offset
        switch try reader.u8() {
        case 1: return try RecordCodec.decodeApplicant(&reader)
        case 2: return try RecordCodec.decodeSealedApplicant(&reader)
        case 3:
            let pratica = PraticaID(try reader.string())
            let office = OfficeID(try reader.string())
            let vistoTag = ChainHash(bytes: try reader.bytes(32))
            let sealed = Applicant(pratica: pratica, visto: "", surname: "", name: "", birthDate: Day(daysSinceEpoch: 0),
                                   nationality: "", office: office,
                                   seal: ApplicantSeal(vistoTag: vistoTag, personTag: .genesis))
            return Applicant.erased(sealed)
        case let tag: throw .unknownTag(kind: "stored applicant", tag: tag, offset: at)
        }
    }

    static func encode(_ webhook: WebhookView, _ writer: inout ByteWriter) {
        RecordCodec.encode(webhook.webhook, &writer)
        writer.u64(webhook.addedSequence)
        writer.optional(webhook.removedSequence) { $0.u64($1) }
    }

    /// A `webhooks` entry: the id → the webhook as recorded, the adding and removing records.
    public static func decodeWebhook(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws(CodecError) -> WebhookView {
        var reader = ByteReader(value)
        let webhook = try RecordCodec.decodeWebhook(&reader)
        let added = try reader.u64()
        let removed = try reader.optional { (r) throws(CodecError) in try r.u64() }
        try reader.end()
        guard webhook.id.utf8.elementsEqual(key) else { throw .invalidValue(kind: "webhook key", offset: 0) }
        return WebhookView(webhook: webhook, addedSequence: added, removedSequence: removed)
    }

    /// A `signing-keys` entry: the recording record's sequence → the key's 64 hexadecimal digits.
    public static func decodeSigningKey(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws(CodecError) -> SigningKeyView {
        var reader = ByteReader(key)
        let sequence = try reader.u64()
        try reader.end()
        guard let publicKey = String(validating: value, as: UTF8.self) else {
            throw .invalidValue(kind: "signing key", offset: 0)
        }
        return SigningKeyView(sequence: sequence, publicKey: publicKey)
    }

    public static func decodeAccount(name: String, _ reader: inout ByteReader) throws(CodecError) -> AccountView {
        let roleAt = reader.offset
        let roleTag = try reader.u8()
        guard let role = Role(rawValue: roleTag) else { throw .unknownTag(kind: "role", tag: roleTag, offset: roleAt) }
        let office = try reader.optional { (r) throws(CodecError) in OfficeID(try r.string()) }
        var spec = AccountSpec(name: name, role: role, office: office, body: try reader.string())
        let enabled = try reader.bool()
        let createdSequence = try reader.u64()
        spec.pratica = try reader.optional { (r) throws(CodecError) in PraticaID(try r.string()) }
        let account = AccountView(spec: spec, enabled: enabled, createdSequence: createdSequence)
        try reader.end()
        return account
    }
}
