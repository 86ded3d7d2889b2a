import Events

// Decoding every persisted view into memory: tests, tools and small stores (the writer loads
// its working set instead, ViewCodec+WorkingSet.swift).
extension ViewCodec {
    /// Rebuilds the views from their persisted entries.
    public static func load(headSequence: UInt64, headHash: ChainHash,
                            entries: (ViewDatabase, (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws -> Void)
        throws -> Views {
        var views = Views()
        views.headSequence = headSequence
        views.headHash = headHash
        try entries(.offices) { keyBytes, valueBytes in
            var reader = ByteReader(valueBytes)
            let office = try decodeOffice(&reader)
            guard office.configuration.office.rawValue == String(decoding: keyBytes, as: UTF8.self) else {
                throw CodecError.invalidValue(kind: "office key", offset: 0)
            }
            views.offices[office.configuration.office] = office
        }
        try entries(.days) { keyBytes, valueBytes in
            let key = try decodeDayKey(keyBytes)
            var reader = ByteReader(valueBytes)
            let load = try decodeDayLoad(&reader)
            views.loads[OfficeService(key.office, key.service), default: ServiceLoad(baseDay: key.day)]
                .update(key.day, make: { load }) { $0 = load }
        }
        try entries(.agenda) { keyBytes, _ in
            let (office, day, service, entry) = try decodeAgendaKey(keyBytes)
            guard views.restore(entry, office, service, day) else {
                throw CodecError.invalidValue(kind: "agenda entry for a day the days database lacks", offset: 0)
            }
        }
        try entries(.appointments) { keyBytes, valueBytes in
            var reader = ByteReader(valueBytes)
            let id = AppointmentID(String(decoding: keyBytes, as: UTF8.self))
            views.appointments.load(id, try decodeAppointment(id, &reader))
        }
        views.appointmentCount = views.appointments.memory.count
        var applicants: [PraticaID: Applicant] = [:]
        try entries(.applicants) { _, valueBytes in
            var reader = ByteReader(valueBytes)
            let applicant = try decodeStoredApplicant(&reader)
            try reader.end()
            applicants[applicant.pratica] = applicant
        }
        try entries(.pratiche) { keyBytes, valueBytes in
            let id = PraticaID(String(decoding: keyBytes, as: UTF8.self))
            guard let applicant = applicants[id] else {
                throw CodecError.invalidValue(kind: "pratica without an applicant entry", offset: 0)
            }
            var reader = ByteReader(valueBytes)
            views.pratiche.load(id, try decodePratica(applicant, &reader))
            if !applicant.isErased { views.praticheByApplicant[ApplicantKey(applicant), default: []].append(id) }
        }
        views.praticaCount = views.pratiche.memory.count
        for pratica in views.pratiche.memory.values.filter({ $0.retainedSince != nil }).sorted(by: {
            Delivery.precedes(Delivery(day: $0.retainedSince!, pratica: $0.applicant.pratica),
                              Delivery(day: $1.retainedSince!, pratica: $1.applicant.pratica))
        }) {
            views.retain(pratica)
        }
        // Each pratica's appointments, in booking order, and the live one per service, as the
        // fold keeps them.
        for appointment in views.appointments.memory.values.sorted(by: {
            ($0.bookedSequence, $0.id.rawValue) < ($1.bookedSequence, $1.id.rawValue)
        }) {
            let found: Void? = views.pratiche.modify(appointment.pratica) { $0.add(appointment) }
            guard found != nil else {
                throw CodecError.invalidValue(kind: "appointment of an unregistered pratica", offset: 0)
            }
        }
        try entries(.visti) { keyBytes, valueBytes in
            views.visti.load(String(decoding: keyBytes, as: UTF8.self), PraticaID(String(decoding: valueBytes, as: UTF8.self)))
        }
        try entries(.requests) { keyBytes, valueBytes in
            var keyReader = ByteReader(keyBytes)
            let key = RequestKey(operator: try keyReader.rawUntilZero(), requestID: try keyReader.rawUntilZero())
            var reader = ByteReader(valueBytes)
            views.requests.load(key, try reader.u64())
        }
        try entries(.history) { keyBytes, _ in
            let (pratica, sequence) = try decodeHistoryKey(keyBytes)
            views.history[pratica, default: []].append(sequence)
        }
        // The tail follows everything in `history`, in log order.
        try entries(.historyTail) { keyBytes, _ in
            let (pratica, sequence) = try decodeTailKey(keyBytes)
            views.history[pratica, default: []].append(sequence)
        }
        try entries(.accounts) { keyBytes, valueBytes in
            var reader = ByteReader(valueBytes)
            let account = try decodeAccount(name: String(decoding: keyBytes, as: UTF8.self), &reader)
            views.accounts[account.spec.name] = account
        }
        try entries(.webhooks) { keyBytes, valueBytes in
            let webhook = try decodeWebhook(keyBytes, valueBytes)
            views.webhooks[webhook.webhook.id] = webhook
        }
        try entries(.signingKeys) { keyBytes, valueBytes in
            views.signingKeys.append(try decodeSigningKey(keyBytes, valueBytes))
        }
        return views
    }

    /// The appointments each record in the pratica's history booked for it, by sequence.
    static func bookings(of pratica: PraticaID, in views: Views) -> [UInt64: AppointmentID] {
        var booked: [UInt64: AppointmentID] = [:]
        for id in views.pratiche[pratica]?.appointments ?? [] {
            if let appointment = views.appointments[id] { booked[appointment.bookedSequence] = id }
        }
        return booked
    }
}
