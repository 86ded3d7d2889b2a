import Events

// Comparing stored views with folded ones entry by entry, without materialising and sorting
// every entry of the fold (`allEntries`): `replay rebuild` walks the stored databases in key
// order and asks the fold for each key. Millions of entries then cost a lookup each.
extension ViewCodec {
    /// How many entries `views` puts in `database`.
    public static func entryCount(_ database: ViewDatabase, in views: Views) -> Int {
        switch database {
        case .offices: views.offices.count
        case .days: views.loads.values.reduce(0) { $0 + $1.days.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }
        case .appointments: views.appointments.memory.count
        case .agenda: views.loads.values.reduce(0) { $0 + $1.days.reduce(0) { $0 + ($1?.entries.count ?? 0) } }
        case .pratiche, .applicants: views.pratiche.memory.count
        case .applicantIndex: views.pratiche.memory.values.reduce(0) { $0 + ($1.applicant.isErased ? 0 : 1) }
        case .visti: views.visti.memory.count
        case .requests: views.requests.memory.count
        case .history: views.history.values.reduce(0) { $0 + $1.count }
        case .historyTail: 0  // a fold puts every entry in `history`; stored tail entries are met there (`value`)
        case .accounts: views.accounts.count
        case .signingKeys: views.signingKeys.count
        case .retention: views.pratiche.memory.values.reduce(0) { $0 + ($1.retainedSince == nil ? 0 : 1) }
        case .webhooks: views.webhooks.count
        }
    }

    /// The value `views` stores under `key` in `database`, written into `value`; false when the
    /// views hold no such key (a key that is not in the canonical layout included).
    public static func value(_ database: ViewDatabase, key: UnsafeRawBufferPointer, in views: Views,
                             into value: inout ByteWriter) -> Bool {
        value.bytes.removeAll(keepingCapacity: true)
        switch database {
        case .offices:
            guard let (id, office) = entry(views.offices, key, { OfficeID($0) }, \.rawValue) else { return false }
            _ = id
            encode(office, &value)
        case .days:
            var reader = ByteReader(key)
            guard let office = try? reader.rawUntilZero(), let service = try? reader.rawUntilZero(),
                  let day = try? reader.dayKey(), reader.remaining == 0,
                  let index = views.loads.index(forKey: OfficeService(OfficeID(office), ServiceID(service))) else { return false }
            let (stored, serviceLoad) = views.loads[index]
            guard canonical(key, { encodeKey(DayKey(stored.office, stored.service, day), &$0) }),
                  let load = serviceLoad[day] else { return false }
            encode(load, &value)
        case .appointments:
            guard let (_, appointment) = entry(views.appointments.memory, key, { AppointmentID($0) }, \.rawValue) else { return false }
            encode(appointment, &value)
        case .agenda:
            var reader = ByteReader(key)
            guard let office = try? reader.rawUntilZero(), let day = try? reader.dayKey(), let time = try? reader.time(),
                  let sequence = try? reader.u64(), let service = try? reader.rawUntilZero(),
                  let appointment = try? reader.rawUntilZero(),
                  let index = views.loads.index(forKey: OfficeService(OfficeID(office), ServiceID(service))) else { return false }
            let (stored, serviceLoad) = views.loads[index]
            let wanted = AgendaEntry(time: time, bookedSequence: sequence, appointment: AppointmentID(appointment))
            guard let load = serviceLoad[day] else { return false }
            let position = load.insertionIndex(wanted) - 1
            guard position >= 0, load.entries[position] == wanted else { return false }
            let found = load.entries[position]
            guard canonical(key, {
                encodeAgendaKey(office: stored.office, day: day, service: stored.service, entry: found, &$0)
            }) else { return false }
        case .pratiche:
            guard let (_, pratica) = entry(views.pratiche.memory, key, { PraticaID($0) }, \.rawValue) else { return false }
            encode(pratica, &value)
        case .applicants:
            guard let (_, pratica) = entry(views.pratiche.memory, key, { PraticaID($0) }, \.rawValue) else { return false }
            encodeStoredApplicant(pratica.applicant, &value)
        case .visti:
            guard let (_, pratica) = entry(views.visti.memory, key, { $0 }, { $0 }) else { return false }
            value.raw(pratica.rawValue)
        case .requests:
            var reader = ByteReader(key)
            guard let operatorName = try? reader.rawUntilZero(), let requestID = try? reader.rawUntilZero(),
                  let index = views.requests.memory.index(forKey: RequestKey(operator: operatorName, requestID: requestID))
            else { return false }
            let (stored, sequence) = views.requests.memory[index]
            guard canonical(key, { $0.raw(stored.operator); $0.u8(0); $0.raw(stored.requestID) }) else { return false }
            value.u64(sequence)
        case .history:
            guard let zero = key.firstIndex(of: 0), key.count == zero + 9,
                  let (pratica, sequences) = entry(views.history, UnsafeRawBufferPointer(rebasing: key[..<zero]),
                                                   { PraticaID($0) }, \.rawValue) else { return false }
            var reader = ByteReader(UnsafeRawBufferPointer(rebasing: key[(zero + 1)...]))
            guard let sequence = try? reader.u64(), sequences.contains(sequence) else { return false }
            if let booked = bookings(of: pratica, in: views)[sequence] { value.raw(booked.rawValue) }
        case .historyTail:
            guard let (pratica, sequence) = try? decodeTailKey(key),
                  canonical(key, { encodeTailKey(pratica, sequence, &$0) }),
                  let (_, sequences) = entry(views.history, UnsafeRawBufferPointer(rebasing: key[8...]),
                                             { PraticaID($0) }, \.rawValue),
                  sequences.contains(sequence) else { return false }
            if let booked = bookings(of: pratica, in: views)[sequence] { value.raw(booked.rawValue) }
        case .applicantIndex:
            var reader = ByteReader(key)
            guard let surname = try? reader.rawUntilZero(), let name = try? reader.rawUntilZero(),
                  let birthDate = try? reader.dayKey(),
                  let (_, pratica) = entry(views.pratiche.memory, UnsafeRawBufferPointer(rebasing: key[reader.offset...]),
                                           { PraticaID($0) }, \.rawValue) else { return false }
            let applicantKey = ApplicantKey(pratica.applicant)
            guard !pratica.applicant.isErased, applicantKey.surname == surname, applicantKey.name == name, applicantKey.birthDate == birthDate,
                  canonical(key, { encodeApplicantKey(applicantKey, &$0); $0.raw(pratica.applicant.pratica.rawValue) })
            else { return false }
        case .accounts:
            guard let (_, account) = entry(views.accounts, key, { $0 }, { $0 }) else { return false }
            encode(account, &value)
        case .signingKeys:
            var reader = ByteReader(key)
            guard let sequence = try? reader.u64(), reader.remaining == 0,
                  let signingKey = views.signingKeys.first(where: { $0.sequence == sequence }) else { return false }
            value.raw(signingKey.publicKey)
        case .webhooks:
            guard let (_, webhook) = entry(views.webhooks, key, { $0 }, { $0 }) else { return false }
            encode(webhook, &value)
        case .retention:
            guard let (office, day, id) = try? decodeRetentionKey(key),
                  let (_, pratica) = entry(views.pratiche.memory, UnsafeRawBufferPointer(rebasing: key[(key.count - id.rawValue.utf8.count)...]),
                                           { PraticaID($0) }, \.rawValue),
                  pratica.retainedSince == day, pratica.applicant.office == office,
                  canonical(key, { encodeRetentionKey(office, day, pratica.applicant.pratica, &$0) }) else { return false }
        }
        return true
    }

    /// The entry of a dictionary keyed by an id whose UTF-8 bytes are exactly `key` (Swift's
    /// string equality is Unicode-canonical; a byte-for-byte comparison must not be).
    static func entry<Key: Hashable, Value>(_ dictionary: [Key: Value], _ key: UnsafeRawBufferPointer,
                                            _ make: (String) -> Key, _ raw: (Key) -> String) -> (Key, Value)? {
        guard let text = String(validating: key, as: UTF8.self), let index = dictionary.index(forKey: make(text)) else {
            return nil
        }
        let found = dictionary[index]
        return raw(found.key).utf8.elementsEqual(key) ? (found.key, found.value) : nil
    }

    /// The key re-encoded from what was parsed out of it is the same bytes: two stored keys
    /// never stand for one folded entry.
    static func canonical(_ key: UnsafeRawBufferPointer, _ encode: (inout ByteWriter) -> Void) -> Bool {
        var writer = ByteWriter(capacity: key.count)
        encode(&writer)
        return writer.bytes.elementsEqual(key)
    }
}
