import Events

// Opening a store without decoding its past: the views the writer decides against hold the
// working set, and read the rest from their source (docs/engine.md, "The working set").
extension ViewCodec {
    /// Calls the body with each (key, value) of a database from the first key ≥ start (or the
    /// first key) on, in key order, until it returns false.
    public typealias Scan = (ViewDatabase, [UInt8]?, (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws -> Void

    /// The working set: every office and account, and every persisted day from `completeFrom`
    /// on with its agenda. Appointments, pratiche, visti, request ids, history and past days stay
    /// in LMDB, read through `source` when a command or a read needs one; `source` reads
    /// `history` only, so what the history tail holds (nothing, once the writer has moved it)
    /// is held in memory, with the pratiche it names.
    public static func loadWorkingSet(headSequence: UInt64, headHash: ChainHash, source: ViewSource, completeFrom: Day,
                                      praticaCount: Int, appointmentCount: Int, scan: Scan) throws -> Views {
        var views = Views(source: source, completeFrom: completeFrom)
        views.headSequence = headSequence
        views.headHash = headHash
        views.praticaCount = praticaCount
        views.appointmentCount = appointmentCount
        try scan(.offices, nil) { keyBytes, valueBytes in
            var reader = ByteReader(valueBytes)
            let office = try decodeOffice(&reader)
            guard office.configuration.office.rawValue.utf8.elementsEqual(keyBytes) else {
                throw CodecError.invalidValue(kind: "office key", offset: 0)
            }
            views.offices[office.configuration.office] = office
            return true
        }
        try scan(.accounts, nil) { keyBytes, valueBytes in
            var reader = ByteReader(valueBytes)
            let account = try decodeAccount(name: String(decoding: keyBytes, as: UTF8.self), &reader)
            views.accounts[account.spec.name] = account
            return true
        }
        try scan(.webhooks, nil) { keyBytes, valueBytes in
            let webhook = try decodeWebhook(keyBytes, valueBytes)
            views.webhooks[webhook.webhook.id] = webhook
            return true
        }
        try scan(.signingKeys, nil) { keyBytes, valueBytes in
            views.signingKeys.append(try decodeSigningKey(keyBytes, valueBytes))
            return true
        }
        // Days are keyed office ‖ service ‖ day: the key is read, the value decoded only for the
        // days kept (a few thousand keys per office and service, one page per hundred).
        try scan(.days, nil) { keyBytes, valueBytes in
            let key = try decodeDayKey(keyBytes)
            guard key.day >= completeFrom else { return true }
            var reader = ByteReader(valueBytes)
            let load = try decodeDayLoad(&reader)
            views.loads[OfficeService(key.office, key.service), default: ServiceLoad(baseDay: key.day)]
                .update(key.day, make: { load }) { $0 = load }
            return true
        }
        // The tail, which `source` does not read: its entries, and the pratiche whose
        // appointments it adds to, in memory.
        try scan(.historyTail, nil) { keyBytes, valueBytes in
            let (pratica, sequence) = try decodeTailKey(keyBytes)
            views.history[pratica, default: []].append(sequence)
            if !valueBytes.isEmpty {
                let id = AppointmentID(String(decoding: valueBytes, as: UTF8.self))
                guard let appointment = views.appointments[id],
                      views.pratiche.modify(pratica, { $0.add(appointment) }) != nil else {
                    throw CodecError.invalidValue(kind: "history tail naming an unknown pratica or appointment", offset: 0)
                }
            }
            return true
        }
        // The agenda is keyed office ‖ day: one range per office, from `completeFrom`.
        var offices = Set(views.offices.keys)
        for service in views.loads.keys { offices.insert(service.office) }
        for office in offices {
            var prefix = ByteWriter(capacity: 32)
            prefix.raw(office.rawValue)
            prefix.u8(0)
            let officePrefix = prefix.bytes
            prefix.dayKey(completeFrom)
            try scan(.agenda, prefix.bytes) { keyBytes, _ in
                guard keyBytes.starts(with: officePrefix) else { return false }
                let (office, day, service, entry) = try decodeAgendaKey(keyBytes)
                guard views.restore(entry, office, service, day) else {
                    throw CodecError.invalidValue(kind: "agenda entry for a day the days database lacks", offset: 0)
                }
                return true
            }
        }
        return views
    }

    /// A persisted day with its agenda entries: the day's value and the agenda keys under
    /// `office ‖ 0 ‖ day`, of that service.
    public static func day(_ key: DayKey, value: UnsafeRawBufferPointer, agenda: (
        [UInt8], (UnsafeRawBufferPointer) throws -> Bool) throws -> Void) throws -> DayLoad {
        var reader = ByteReader(value)
        var load = try decodeDayLoad(&reader)
        var prefix = ByteWriter(capacity: 32)
        encodeAgendaKey(office: key.office, day: key.day, service: nil, entry: nil, &prefix)
        let dayPrefix = prefix.bytes
        var entries: [AgendaEntry] = []
        try agenda(dayPrefix) { keyBytes in
            guard keyBytes.starts(with: dayPrefix) else { return false }
            let found = try decodeAgendaKey(keyBytes)
            if found.service == key.service { entries.append(found.entry) }
            return true
        }
        load = DayLoad(closed: load.closed, slots: load.slots, entries: entries)
        return load
    }

    /// A pratica read back: its applicant, its permit state, and its appointments from its
    /// history's values (the appointment each booking record made), with their states.
    public static func pratica(applicant: UnsafeRawBufferPointer, status: UnsafeRawBufferPointer,
                               booked: [AppointmentID], appointment: (AppointmentID) -> AppointmentView?) throws -> PraticaView {
        var applicantReader = ByteReader(applicant)
        let decodedApplicant = try decodeStoredApplicant(&applicantReader)
        try applicantReader.end()
        var reader = ByteReader(status)
        var pratica = try decodePratica(decodedApplicant, &reader)
        for id in booked {
            guard let found = appointment(id) else {
                throw CodecError.invalidValue(kind: "history naming an appointment the appointments database lacks", offset: 0)
            }
            pratica.add(found)
        }
        return pratica
    }
}
