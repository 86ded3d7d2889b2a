/// The log's binary format, version 1. docs/log-format.md is its public description; change
/// both together. Tags are forever: new cases take new numbers, old numbers are never reused.
///
///     value = payload ‖ previous hash (32) ‖ hash (32)
///     hash  = SHA-256(previous hash ‖ sequence as u64 big-endian ‖ payload)
public enum RecordCodec {
    public static let formatVersion: UInt8 = 1
    /// Two SHA-256 digests close every record.
    public static let trailerBytes = 64

    /// Encodes a record's payload and seals it into the chain: returns the full value to store
    /// under `sequence`, and the record's hash.
    public static func seal(sequence: UInt64, decidedAt: Instant, actor: Actor, requestID: String,
                            command: Command, outcome: Outcome, previousHash: ChainHash,
                            into writer: inout ByteWriter) -> ChainHash {
        writer.bytes.removeAll(keepingCapacity: true)
        writer.u8(formatVersion)
        writer.i64(decidedAt.millisecondsSinceEpoch)
        writer.string(actor.operator)
        writer.string(actor.body)
        writer.string(requestID)
        encode(command, &writer)
        encode(outcome, &writer)
        let hash = writer.bytes.withUnsafeBytes {
            ChainHash.link(previous: previousHash, sequence: sequence, payload: $0)
        }
        writer.u64(previousHash.words.0)
        writer.u64(previousHash.words.1)
        writer.u64(previousHash.words.2)
        writer.u64(previousHash.words.3)
        writer.u64(hash.words.0)
        writer.u64(hash.words.1)
        writer.u64(hash.words.2)
        writer.u64(hash.words.3)
        return hash
    }

    /// The previous and own hash a stored value carries, without decoding the rest.
    public static func hashes(of value: UnsafeRawBufferPointer) throws(CodecError) -> (previous: ChainHash, hash: ChainHash) {
        guard value.count > trailerBytes else { throw .truncated(offset: value.count) }
        let start = value.count - trailerBytes
        return (ChainHash(bytes: UnsafeRawBufferPointer(rebasing: value[start..<(start + 32)])),
                ChainHash(bytes: UnsafeRawBufferPointer(rebasing: value[(start + 32)...])))
    }

    /// Recomputes the hash of a stored value from its payload and its stated previous hash.
    public static func recomputedHash(sequence: UInt64, value: UnsafeRawBufferPointer) throws(CodecError) -> ChainHash {
        let (previous, _) = try hashes(of: value)
        return ChainHash.link(previous: previous, sequence: sequence,
                              payload: UnsafeRawBufferPointer(rebasing: value[..<(value.count - trailerBytes)]))
    }

    public static func decode(sequence: UInt64, value: UnsafeRawBufferPointer) throws(CodecError) -> Record {
        let (previous, hash) = try hashes(of: value)
        var reader = ByteReader(UnsafeRawBufferPointer(rebasing: value[..<(value.count - trailerBytes)]))
        let version = try reader.u8()
        guard version == formatVersion else { throw .unknownVersion(version) }
        let decidedAt = Instant(millisecondsSinceEpoch: try reader.i64())
        let actor = Actor(operator: try reader.string(), body: try reader.string())
        let requestID = try reader.string()
        let command = try decodeCommand(&reader)
        let outcome = try decodeOutcome(&reader)
        try reader.end()
        return Record(sequence: sequence, decidedAt: decidedAt, actor: actor, requestID: requestID,
                      command: command, outcome: outcome, previousHash: previous, hash: hash)
    }

    public static func decode(sequence: UInt64, value: [UInt8]) throws(CodecError) -> Record {
        let result = value.withUnsafeBytes { buffer in
            Result { () throws(CodecError) -> Record in try decode(sequence: sequence, value: buffer) }
        }
        return try result.get()
    }

    // MARK: - Commands

    static func encode(_ command: Command, _ writer: inout ByteWriter) {
        switch command {
        case .configureOffice(let configuration):
            writer.u8(configurationCommandTags[configuration.version - 1])
            encode(configuration, &writer)
        case .closeDay(let office, let day, let service, let reason):
            writer.u8(2)
            writer.string(office.rawValue)
            writer.day(day)
            writer.optional(service) { $0.string($1.rawValue) }
            writer.string(reason)
        case .book(let request):
            writer.u8(request.orExisting ? 13 : 3)
            writer.string(request.office.rawValue)
            writer.string(request.service.rawValue)
            writer.string(request.pratica.rawValue)
            writer.optional(request.notBefore) { $0.day($1) }
            writer.optional(request.on) { $0.day($1) }
            writer.optional(request.at) { $0.time($1) }
        case .deferAppointment(let appointment, let target, let reason):
            writer.u8(4)
            writer.string(appointment.rawValue)
            switch target {
            case .nextFree:
                writer.u8(1)
            case .day(let day, let time):
                writer.u8(2)
                writer.day(day)
                writer.optional(time) { $0.time($1) }
            }
            writer.string(reason)
        case .cancel(let appointment, let reason):
            writer.u8(5)
            writer.string(appointment.rawValue)
            writer.string(reason)
        case .permitReady(let pratica):
            writer.u8(6)
            writer.string(pratica.rawValue)
        case .pickup(let pratica):
            writer.u8(7)
            writer.string(pratica.rawValue)
        case .registerPratica(let applicant):
            writer.u8(applicant.seal == nil ? 8 : 20)
            encode(applicant, &writer)
        case .createAccount(let account):
            writer.u8(account.pratica == nil ? 9 : 17)
            encode(account, &writer)
        case .disableAccount(let name, let reason):
            writer.u8(10)
            writer.string(name)
            writer.string(reason)
        case .attend(let appointment):
            writer.u8(11)
            writer.string(appointment.rawValue)
        case .noShow(let appointment):
            writer.u8(12)
            writer.string(appointment.rawValue)
        case .amendOffice(let office, let amendment):
            writer.u8(15)
            writer.string(office.rawValue)
            switch amendment {
            case .quotas(let service, let quotas, let releaseDays):
                writer.u8(1)
                writer.string(service.rawValue)
                encode(quotas, releaseDays: releaseDays, &writer)
            case .address(let address, let phone):
                writer.u8(2)
                writer.string(address)
                writer.string(phone)
            case .transition(let window):
                writer.u8(3)
                encode(window, &writer)
            case .retention(let days):
                writer.u8(4)
                writer.u16(days)
            case .dayListAddress(let address):
                writer.u8(5)
                writer.string(address)
            case .reminder(let service, let days):
                writer.u8(6)
                writer.string(service.rawValue)
                writer.u16(days)
            }
        case .migrate(let request):
            writer.u8(16)
            writer.string(request.office.rawValue)
            writer.string(request.service.rawValue)
            writer.string(request.pratica.rawValue)
            writer.day(request.day)
            writer.time(request.time)
            writer.string(request.legacyID)
        case .recordSigningKey(let publicKey):
            writer.u8(19)
            writer.string(publicKey)
        case .erasePratica(let pratica, let reason):
            writer.u8(21)
            writer.string(pratica.rawValue)
            writer.string(reason)
        case .tick:
            writer.u8(23)
        case .addWebhook(let webhook):
            writer.u8(25)
            encode(webhook, &writer)
        case .removeWebhook(let id):
            writer.u8(26)
            writer.string(id)
        }
    }

    static func decodeCommand(_ reader: inout ByteReader) throws(CodecError) -> Command {
        let at = reader.offset
        let tag = try reader.u8()
        switch tag {
        case 1, 14, 18, 22, 24:
            return .configureOffice(try decodeConfiguration(&reader, version: configurationVersion(tag, configurationCommandTags)))
        case 2:
            return .closeDay(office: OfficeID(try reader.string()), day: try reader.day(),
                             service: try reader.optional { (r) throws(CodecError) in ServiceID(try r.string()) },
                             reason: try reader.string())
        case 3, 13:
            return .book(BookRequest(
                office: OfficeID(try reader.string()), service: ServiceID(try reader.string()),
                pratica: PraticaID(try reader.string()),
                notBefore: try reader.optional { (r) throws(CodecError) in try r.day() },
                on: try reader.optional { (r) throws(CodecError) in try r.day() },
                at: try reader.optional { (r) throws(CodecError) in try r.time() },
                orExisting: tag == 13))
        case 4:
            let appointment = AppointmentID(try reader.string())
            let targetAt = reader.offset
            let target: DeferTarget
            switch try reader.u8() {
            case 1: target = .nextFree
            case 2: target = .day(try reader.day(), at: try reader.optional { (r) throws(CodecError) in try r.time() })
            case let tag: throw .unknownTag(kind: "defer target", tag: tag, offset: targetAt)
            }
            return .deferAppointment(appointment, to: target, reason: try reader.string())
        case 5:
            return .cancel(AppointmentID(try reader.string()), reason: try reader.string())
        case 6:
            return .permitReady(PraticaID(try reader.string()))
        case 7:
            return .pickup(PraticaID(try reader.string()))
        case 8:
            return .registerPratica(try decodeApplicant(&reader))
        case 9, 17:
            return .createAccount(try decodeAccount(&reader, version: tag == 17 ? 2 : 1))
        case 10:
            return .disableAccount(name: try reader.string(), reason: try reader.string())
        case 11:
            return .attend(AppointmentID(try reader.string()))
        case 12:
            return .noShow(AppointmentID(try reader.string()))
        case 15:
            let office = OfficeID(try reader.string())
            let amendmentAt = reader.offset
            switch try reader.u8() {
            case 1:
                let service = ServiceID(try reader.string())
                let (quotas, releaseDays) = try decodeQuotas(&reader)
                return .amendOffice(office, .quotas(service, quotas, releaseDays: releaseDays))
            case 2:
                return .amendOffice(office, .address(try reader.string(), phone: try reader.string()))
            case 3:
                return .amendOffice(office, .transition(try decodeTransition(&reader)))
            case 4:
                return .amendOffice(office, .retention(days: try reader.u16()))
            case 5:
                return .amendOffice(office, .dayListAddress(try reader.string()))
            case 6:
                return .amendOffice(office, .reminder(ServiceID(try reader.string()), days: try reader.u16()))
            case let tag:
                throw .unknownTag(kind: "office amendment", tag: tag, offset: amendmentAt)
            }
        case 16:
            return .migrate(MigrateRequest(
                office: OfficeID(try reader.string()), service: ServiceID(try reader.string()),
                pratica: PraticaID(try reader.string()), day: try reader.day(), time: try reader.time(),
                legacyID: try reader.string()))
        case 19:
            return .recordSigningKey(publicKey: try reader.string())
        case 20:
            return .registerPratica(try decodeSealedApplicant(&reader))
        case 21:
            return .erasePratica(PraticaID(try reader.string()), reason: try reader.string())
        case 23:
            return .tick
        case 25:
            return .addWebhook(try decodeWebhook(&reader))
        case 26:
            return .removeWebhook(try reader.string())
        case let tag:
            throw .unknownTag(kind: "command", tag: tag, offset: at)
        }
    }

    // MARK: - Outcomes and events

    static func encode(_ outcome: Outcome, _ writer: inout ByteWriter) {
        switch outcome {
        case .accepted(let events):
            writer.u8(1)
            precondition(events.count <= Int(UInt16.max), "a command produced \(events.count) events")
            writer.u16(UInt16(events.count))
            for event in events { encode(event, &writer) }
        case .rejected(let rejection):
            writer.u8(2)
            encode(rejection, &writer)
        }
    }

    static func decodeOutcome(_ reader: inout ByteReader) throws(CodecError) -> Outcome {
        let at = reader.offset
        switch try reader.u8() {
        case 1:
            let count = Int(try reader.u16())
            var events: [Event] = []
            events.reserveCapacity(count)
            for _ in 0..<count { events.append(try decodeEvent(&reader)) }
            return .accepted(events)
        case 2:
            return .rejected(try decodeRejection(&reader))
        case let tag:
            throw .unknownTag(kind: "outcome", tag: tag, offset: at)
        }
    }

    static func encode(_ event: Event, _ writer: inout ByteWriter) {
        switch event {
        case .officeConfigured(let configuration, let effectiveFrom):
            writer.u8(configurationEventTags[configuration.version - 1])
            encode(configuration, &writer)
            writer.day(effectiveFrom)
        case .dayClosed(let office, let day, let service, let reason):
            writer.u8(2)
            writer.string(office.rawValue)
            writer.day(day)
            writer.optional(service) { $0.string($1.rawValue) }
            writer.string(reason)
        case .appointmentBooked(let booked):
            writer.u8(3)
            writer.string(booked.appointment.rawValue)
            writer.string(booked.office.rawValue)
            writer.string(booked.service.rawValue)
            writer.string(booked.pratica.rawValue)
            writer.day(booked.requestedDay)
            writer.day(booked.day)
            writer.time(booked.time)
            writer.bool(booked.deferred)
            writer.string(booked.bookedBy)
        case .appointmentMoved(let moved):
            writer.u8(4)
            writer.string(moved.appointment.rawValue)
            writer.string(moved.office.rawValue)
            writer.string(moved.service.rawValue)
            writer.day(moved.fromDay)
            writer.time(moved.fromTime)
            writer.day(moved.toDay)
            writer.time(moved.toTime)
            writer.u8(moved.cause.rawValue)
            writer.string(moved.reason)
        case .appointmentCancelled(let appointment, let office, let service, let pratica, let day, let time, let reason):
            writer.u8(5)
            writer.string(appointment.rawValue)
            writer.string(office.rawValue)
            writer.string(service.rawValue)
            writer.string(pratica.rawValue)
            writer.day(day)
            writer.time(time)
            writer.string(reason)
        case .permitMarkedReady(let pratica):
            writer.u8(6)
            writer.string(pratica.rawValue)
        case .permitDelivered(let pratica, let appointment):
            writer.u8(7)
            writer.string(pratica.rawValue)
            writer.optional(appointment) { $0.string($1.rawValue) }
        case .praticaRegistered(let applicant):
            writer.u8(applicant.seal == nil ? 8 : 18)
            encode(applicant, &writer)
        case .accountCreated(let account):
            writer.u8(account.pratica == nil ? 9 : 15)
            encode(account, &writer)
        case .accountDisabled(let name, let reason):
            writer.u8(10)
            writer.string(name)
            writer.string(reason)
        case .appointmentAttended(let closed):
            writer.u8(11)
            encode(closed, &writer)
        case .appointmentMissed(let closed):
            writer.u8(12)
            encode(closed, &writer)
        case .appointmentMigrated(let migrated):
            writer.u8(14)
            writer.string(migrated.appointment.rawValue)
            writer.string(migrated.office.rawValue)
            writer.string(migrated.service.rawValue)
            writer.string(migrated.pratica.rawValue)
            writer.day(migrated.day)
            writer.time(migrated.time)
            writer.string(migrated.legacyID)
            writer.string(migrated.bookedBy)
        case .signingKeyRecorded(let publicKey):
            writer.u8(17)
            writer.string(publicKey)
        case .webhookAdded(let webhook):
            writer.u8(22)
            encode(webhook, &writer)
        case .webhookRemoved(let id):
            writer.u8(23)
            writer.string(id)
        case .praticaErased(let pratica, let reason):
            writer.u8(19)
            writer.string(pratica.rawValue)
            writer.string(reason)
        }
    }

    static func decodeEvent(_ reader: inout ByteReader) throws(CodecError) -> Event {
        let at = reader.offset
        let tag = try reader.u8()
        switch tag {
        case 1, 13, 16, 20, 21:
            return .officeConfigured(try decodeConfiguration(&reader, version: configurationVersion(tag, configurationEventTags)),
                                     effectiveFrom: try reader.day())
        case 2:
            return .dayClosed(office: OfficeID(try reader.string()), day: try reader.day(),
                              service: try reader.optional { (r) throws(CodecError) in ServiceID(try r.string()) },
                              reason: try reader.string())
        case 3:
            return .appointmentBooked(AppointmentBooked(
                appointment: AppointmentID(try reader.string()), office: OfficeID(try reader.string()),
                service: ServiceID(try reader.string()), pratica: PraticaID(try reader.string()),
                requestedDay: try reader.day(), day: try reader.day(), time: try reader.time(),
                deferred: try reader.bool(), bookedBy: try reader.string()))
        case 4:
            let appointment = AppointmentID(try reader.string())
            let office = OfficeID(try reader.string())
            let service = ServiceID(try reader.string())
            let fromDay = try reader.day()
            let fromTime = try reader.time()
            let toDay = try reader.day()
            let toTime = try reader.time()
            let causeAt = reader.offset
            let causeTag = try reader.u8()
            guard let cause = AppointmentMoved.Cause(rawValue: causeTag) else {
                throw .unknownTag(kind: "move cause", tag: causeTag, offset: causeAt)
            }
            return .appointmentMoved(AppointmentMoved(
                appointment: appointment, office: office, service: service, fromDay: fromDay, fromTime: fromTime,
                toDay: toDay, toTime: toTime, cause: cause, reason: try reader.string()))
        case 5:
            return .appointmentCancelled(
                appointment: AppointmentID(try reader.string()), office: OfficeID(try reader.string()),
                service: ServiceID(try reader.string()), pratica: PraticaID(try reader.string()),
                day: try reader.day(), time: try reader.time(), reason: try reader.string())
        case 6:
            return .permitMarkedReady(PraticaID(try reader.string()))
        case 7:
            return .permitDelivered(PraticaID(try reader.string()),
                                    completedAppointment: try reader.optional { (r) throws(CodecError) in
                                        AppointmentID(try r.string())
                                    })
        case 8:
            return .praticaRegistered(try decodeApplicant(&reader))
        case 9, 15:
            return .accountCreated(try decodeAccount(&reader, version: tag == 15 ? 2 : 1))
        case 10:
            return .accountDisabled(name: try reader.string(), reason: try reader.string())
        case 11:
            return .appointmentAttended(try decodeAppointmentClosed(&reader))
        case 12:
            return .appointmentMissed(try decodeAppointmentClosed(&reader))
        case 14:
            return .appointmentMigrated(AppointmentMigrated(
                appointment: AppointmentID(try reader.string()), office: OfficeID(try reader.string()),
                service: ServiceID(try reader.string()), pratica: PraticaID(try reader.string()),
                day: try reader.day(), time: try reader.time(), legacyID: try reader.string(),
                bookedBy: try reader.string()))
        case 17:
            return .signingKeyRecorded(publicKey: try reader.string())
        case 18:
            return .praticaRegistered(try decodeSealedApplicant(&reader))
        case 19:
            return .praticaErased(PraticaID(try reader.string()), reason: try reader.string())
        case 22:
            return .webhookAdded(try decodeWebhook(&reader))
        case 23:
            return .webhookRemoved(try reader.string())
        case let tag:
            throw .unknownTag(kind: "event", tag: tag, offset: at)
        }
    }

    // MARK: - Rejections

    static func encode(_ rejection: Rejection, _ writer: inout ByteWriter) {
        switch rejection {
        case .unknownOffice(let office):
            writer.u8(1); writer.string(office.rawValue)
        case .unknownService(let office, let service):
            writer.u8(2); writer.string(office.rawValue); writer.string(service.rawValue)
        case .unknownPratica(let pratica):
            writer.u8(3); writer.string(pratica.rawValue)
        case .unknownAppointment(let appointment):
            writer.u8(4); writer.string(appointment.rawValue)
        case .full(let office, let service, let day):
            writer.u8(5); writer.string(office.rawValue); writer.string(service.rawValue); writer.day(day)
        case .permitNotReady(let pratica):
            writer.u8(6); writer.string(pratica.rawValue)
        case .permitAlreadyDelivered(let pratica):
            writer.u8(7); writer.string(pratica.rawValue)
        case .liveAppointmentExists(let pratica, let service, let appointment):
            writer.u8(8); writer.string(pratica.rawValue); writer.string(service.rawValue)
            writer.string(appointment.rawValue)
        case .appointmentNotLive(let appointment, let state):
            writer.u8(9); writer.string(appointment.rawValue); writer.string(state)
        case .officeClosed(let office, let day):
            writer.u8(10); writer.string(office.rawValue); writer.day(day)
        case .beforeLeadTime(let requested, let earliest):
            writer.u8(11); writer.day(requested); writer.day(earliest)
        case .beyondHorizon(let requested, let last):
            writer.u8(12); writer.day(requested); writer.day(last)
        case .noSuchSlot(let office, let service, let day, let time):
            writer.u8(13); writer.string(office.rawValue); writer.string(service.rawValue); writer.day(day)
            writer.time(time)
        case .dayInPast(let day, let today):
            writer.u8(14); writer.day(day); writer.day(today)
        case .invalidConfiguration(let why):
            writer.u8(15); writer.string(why)
        case .capacityBelowBookings(let office, let service, let day, let time, let booked):
            writer.u8(16); writer.string(office.rawValue); writer.string(service.rawValue); writer.day(day)
            writer.time(time); writer.u16(booked)
        case .praticaAlreadyRegistered(let pratica):
            writer.u8(17); writer.string(pratica.rawValue)
        case .cannotRehouse(let appointment, let day):
            writer.u8(18); writer.string(appointment.rawValue); writer.day(day)
        case .vistoAlreadyRegistered(let visto, let pratica):
            writer.u8(19); writer.string(visto); writer.string(pratica.rawValue)
        case .accountExists(let name):
            writer.u8(20); writer.string(name)
        case .unknownAccount(let name):
            writer.u8(21); writer.string(name)
        case .notYetDue(let appointment, let day, let today):
            writer.u8(22); writer.string(appointment.rawValue); writer.day(day); writer.day(today)
        case .outsideTransition(let office, let day, let window):
            writer.u8(23); writer.string(office.rawValue); writer.day(day); encode(window, &writer)
        case .notPermitted(let permission, let role, let subject):
            writer.u8(24); writer.u8(permission.rawValue); writer.u8(role.rawValue); writer.string(subject)
        case .notSealed(let pratica):
            writer.u8(25); writer.string(pratica.rawValue)
        case .webhookExists(let id):
            writer.u8(26); writer.string(id)
        case .unknownWebhook(let id):
            writer.u8(27); writer.string(id)
        }
    }

    static func decodeRejection(_ reader: inout ByteReader) throws(CodecError) -> Rejection {
        let at = reader.offset
        switch try reader.u8() {
        case 1: return .unknownOffice(OfficeID(try reader.string()))
        case 2: return .unknownService(OfficeID(try reader.string()), ServiceID(try reader.string()))
        case 3: return .unknownPratica(PraticaID(try reader.string()))
        case 4: return .unknownAppointment(AppointmentID(try reader.string()))
        case 5:
            return .full(office: OfficeID(try reader.string()), service: ServiceID(try reader.string()),
                         searchedThrough: try reader.day())
        case 6: return .permitNotReady(PraticaID(try reader.string()))
        case 7: return .permitAlreadyDelivered(PraticaID(try reader.string()))
        case 8:
            return .liveAppointmentExists(PraticaID(try reader.string()), service: ServiceID(try reader.string()),
                                          appointment: AppointmentID(try reader.string()))
        case 9: return .appointmentNotLive(AppointmentID(try reader.string()), state: try reader.string())
        case 10: return .officeClosed(OfficeID(try reader.string()), day: try reader.day())
        case 11: return .beforeLeadTime(requested: try reader.day(), earliest: try reader.day())
        case 12: return .beyondHorizon(requested: try reader.day(), last: try reader.day())
        case 13:
            return .noSuchSlot(OfficeID(try reader.string()), service: ServiceID(try reader.string()),
                               day: try reader.day(), time: try reader.time())
        case 14: return .dayInPast(try reader.day(), today: try reader.day())
        case 15: return .invalidConfiguration(try reader.string())
        case 16:
            return .capacityBelowBookings(OfficeID(try reader.string()), service: ServiceID(try reader.string()),
                                          day: try reader.day(), time: try reader.time(), booked: try reader.u16())
        case 17: return .praticaAlreadyRegistered(PraticaID(try reader.string()))
        case 18: return .cannotRehouse(AppointmentID(try reader.string()), searchedThrough: try reader.day())
        case 19: return .vistoAlreadyRegistered(visto: try reader.string(), pratica: PraticaID(try reader.string()))
        case 20: return .accountExists(try reader.string())
        case 21: return .unknownAccount(try reader.string())
        case 22: return .notYetDue(AppointmentID(try reader.string()), day: try reader.day(), today: try reader.day())
        case 23:
            return .outsideTransition(OfficeID(try reader.string()), day: try reader.day(),
                                      window: try decodeTransition(&reader))
        case 24:
            let permissionAt = reader.offset
            let permissionTag = try reader.u8()
            guard let permission = Permission(rawValue: permissionTag) else {
                throw .unknownTag(kind: "permission", tag: permissionTag, offset: permissionAt)
            }
            let roleAt = reader.offset
            let roleTag = try reader.u8()
            guard let role = Role(rawValue: roleTag) else { throw .unknownTag(kind: "role", tag: roleTag, offset: roleAt) }
            return .notPermitted(permission, role: role, subject: try reader.string())
        case 25: return .notSealed(PraticaID(try reader.string()))
        case 26: return .webhookExists(try reader.string())
        case 27: return .unknownWebhook(try reader.string())
        case let tag: throw .unknownTag(kind: "rejection", tag: tag, offset: at)
        }
    }

    // MARK: - Shared structures

    package static func encode(_ webhook: Webhook, _ writer: inout ByteWriter) {
        writer.string(webhook.id)
        writer.string(webhook.url)
        switch webhook.scope {
        case .office(let office):
            writer.u8(1)
            writer.string(office.rawValue)
        case .body(let body):
            writer.u8(2)
            writer.string(body)
        }
        writer.string(webhook.secretDigest)
    }

    package static func decodeWebhook(_ reader: inout ByteReader) throws(CodecError) -> Webhook {
        let id = try reader.string()
        let url = try reader.string()
        let scopeAt = reader.offset
        let scope: Webhook.Scope
        switch try reader.u8() {
        case 1: scope = .office(OfficeID(try reader.string()))
        case 2: scope = .body(try reader.string())
        case let tag: throw .unknownTag(kind: "webhook scope", tag: tag, offset: scopeAt)
        }
        return Webhook(id: id, url: url, scope: scope, secretDigest: try reader.string())
    }

    package static func encode(_ configuration: OfficeConfiguration, _ writer: inout ByteWriter) {
        writer.string(configuration.office.rawValue)
        writer.u8(kindTag(configuration.kind))
        writer.string(configuration.name)
        writer.u16(configuration.horizonDays)
        writer.u16(configuration.leadDays)
        writer.u16(UInt16(configuration.services.count))
        for service in configuration.services {
            writer.string(service.id.rawValue)
            writer.string(service.name)
            writer.u16(service.slotLengthMinutes)
            writer.u16(service.capacityPerSlot)
            writer.bool(service.requiresReadyPermit)
            for weekday in 0..<7 {
                let intervals = weekday < service.weekly.count ? service.weekly[weekday] : []
                writer.u8(UInt8(intervals.count))
                for interval in intervals {
                    writer.time(interval.start)
                    writer.time(interval.end)
                }
            }
        }
        writer.u32(UInt32(configuration.closedDays.count))
        for day in configuration.closedDays { writer.day(day) }
        guard !configuration.isVersion1 else { return }
        // Version 2: the version-1 layout, then this extension.
        writer.string(configuration.address)
        writer.string(configuration.phone)
        encode(configuration.transition, &writer)
        for service in configuration.services { encode(service.quotas, releaseDays: service.releaseDays, &writer) }
        guard configuration.version >= 3 else { return }
        // Version 3: the version-2 layout, then the province.
        writer.string(configuration.province)
        guard configuration.version >= 4 else { return }
        // Version 4: the version-3 layout, then the retention period.
        writer.u16(configuration.retentionDays)
        guard configuration.version == 5 else { return }
        // Version 5: the version-4 layout, then the end-of-day address and each service's reminder.
        writer.string(configuration.dayListAddress)
        for service in configuration.services { writer.u16(service.reminderDays) }
    }

    /// The command and event tags of configuration versions 1 to 5 (docs/log-format.md).
    static let configurationCommandTags: [UInt8] = [1, 14, 18, 22, 24]
    static let configurationEventTags: [UInt8] = [1, 13, 16, 20, 21]

    /// The configuration version a configuration tag records.
    static func configurationVersion(_ tag: UInt8, _ tags: [UInt8]) -> Int { (tags.firstIndex(of: tag) ?? 0) + 1 }

    static func encode(_ quotas: ChannelQuotas, releaseDays: UInt16, _ writer: inout ByteWriter) {
        writer.u16(quotas.sui)
        writer.u16(quotas.body)
        writer.u16(quotas.applicant)
        writer.u16(releaseDays)
    }

    static func decodeQuotas(_ reader: inout ByteReader) throws(CodecError) -> (ChannelQuotas, UInt16) {
        (ChannelQuotas(sui: try reader.u16(), body: try reader.u16(), applicant: try reader.u16()), try reader.u16())
    }

    static func encode(_ window: TransitionWindow?, _ writer: inout ByteWriter) {
        writer.optional(window) { writer, window in
            writer.day(window.from)
            writer.day(window.to)
        }
    }

    static func decodeTransition(_ reader: inout ByteReader) throws(CodecError) -> TransitionWindow? {
        try reader.optional { (r) throws(CodecError) in TransitionWindow(from: try r.day(), to: try r.day()) }
    }

    /// `version` 2 reads the extension after the version-1 layout, 3 the province after that,
    /// 4 the retention period after that, 5 the end-of-day address and reminders after that
    /// (docs/log-format.md).
    package static func decodeConfiguration(_ reader: inout ByteReader, version: Int = 1) throws(CodecError)
        -> OfficeConfiguration {
        let start = reader.offset
        let office = OfficeID(try reader.string())
        let kindAt = reader.offset
        let kindValue = try reader.u8()
        guard let kind = kind(kindValue) else { throw .unknownTag(kind: "office kind", tag: kindValue, offset: kindAt) }
        let name = try reader.string()
        let horizonDays = try reader.u16()
        let leadDays = try reader.u16()
        let serviceCount = Int(try reader.u16())
        var services: [ServiceConfiguration] = []
        for _ in 0..<serviceCount {
            let id = ServiceID(try reader.string())
            let serviceName = try reader.string()
            let slotLength = try reader.u16()
            let capacity = try reader.u16()
            let requiresReady = try reader.bool()
            var weekly: [[OpeningInterval]] = []
            for _ in 0..<7 {
                let count = Int(try reader.u8())
                var intervals: [OpeningInterval] = []
                for _ in 0..<count { intervals.append(OpeningInterval(start: try reader.time(), end: try reader.time())) }
                weekly.append(intervals)
            }
            services.append(ServiceConfiguration(id: id, name: serviceName, slotLengthMinutes: slotLength,
                                                 capacityPerSlot: capacity, requiresReadyPermit: requiresReady,
                                                 weekly: weekly))
        }
        let closedCount = Int(try reader.u32())
        guard closedCount <= reader.remaining / 4 else { throw .truncated(offset: reader.offset) }
        var closedDays: [Day] = []
        closedDays.reserveCapacity(closedCount)
        for _ in 0..<closedCount { closedDays.append(try reader.day()) }
        var configuration = OfficeConfiguration(office: office, kind: kind, name: name, horizonDays: horizonDays,
                                                leadDays: leadDays, services: services, closedDays: closedDays)
        if version >= 2 {
            configuration.address = try reader.string()
            configuration.phone = try reader.string()
            configuration.transition = try decodeTransition(&reader)
            for index in configuration.services.indices {
                let (quotas, releaseDays) = try decodeQuotas(&reader)
                configuration.services[index].quotas = quotas
                configuration.services[index].releaseDays = releaseDays
            }
            if version >= 3 { configuration.province = try reader.string() }
            if version >= 4 { configuration.retentionDays = try reader.u16() }
            if version >= 5 {
                configuration.dayListAddress = try reader.string()
                for index in configuration.services.indices { configuration.services[index].reminderDays = try reader.u16() }
            }
            // One configuration has one encoding: under a version-2 tag, one that sets nothing
            // of version 2 would be a second encoding of the same record (fuzzing found it,
            // docs/reliability.md F1); under a version-3 tag, one without a province; under a
            // version-4 tag, one without a retention period; under a version-5 tag, one without
            // an address or a reminder.
            guard configuration.version == version else {
                throw .invalidValue(kind: "version-\(version) office configuration that sets nothing of version \(version)",
                                    offset: start)
            }
        }
        return configuration
    }

    static func kindTag(_ kind: OfficeConfiguration.Kind) -> UInt8 {
        switch kind {
        case .questura: 1
        case .prefettura: 2
        case .sui: 3
        }
    }

    static func kind(_ tag: UInt8) -> OfficeConfiguration.Kind? {
        switch tag {
        case 1: .questura
        case 2: .prefettura
        case 3: .sui
        default: nil
        }
    }

    package static func encode(_ applicant: Applicant, _ writer: inout ByteWriter) {
        if let seal = applicant.seal {
            precondition(!seal.box.isEmpty, "a sealed applicant is encoded only once its box is made")
            // Sealed (command tag 20, event tag 18): the ids, the two keyed hashes, the box.
            writer.string(applicant.pratica.rawValue)
            writer.string(applicant.office.rawValue)
            for byte in seal.vistoTag.bytes { writer.u8(byte) }
            for byte in seal.personTag.bytes { writer.u8(byte) }
            precondition(seal.box.count <= Int(UInt16.max), "a box of \(seal.box.count) bytes")
            writer.u16(UInt16(seal.box.count))
            for byte in seal.box { writer.u8(byte) }
            return
        }
        writer.string(applicant.pratica.rawValue)
        writer.string(applicant.visto)
        writer.string(applicant.surname)
        writer.string(applicant.name)
        writer.day(applicant.birthDate)
        writer.string(applicant.nationality)
        writer.string(applicant.office.rawValue)
    }

    /// A sealed applicant as the record holds it: not opened (the personal fields empty).
    package static func decodeSealedApplicant(_ reader: inout ByteReader) throws(CodecError) -> Applicant {
        let pratica = PraticaID(try reader.string())
        let office = OfficeID(try reader.string())
        let vistoTag = ChainHash(bytes: try reader.bytes(32))
        let personTag = ChainHash(bytes: try reader.bytes(32))
        let count = Int(try reader.u16())
        let box = Array(try reader.bytes(count))
        return Applicant(pratica: pratica, visto: "", surname: "", name: "", birthDate: Day(daysSinceEpoch: 0),
                         nationality: "", office: office,
                         seal: ApplicantSeal(vistoTag: vistoTag, personTag: personTag, box: box))
    }

    package static func decodeApplicant(_ reader: inout ByteReader) throws(CodecError) -> Applicant {
        Applicant(pratica: PraticaID(try reader.string()), visto: try reader.string(), surname: try reader.string(),
                  name: try reader.string(), birthDate: try reader.day(), nationality: try reader.string(),
                  office: OfficeID(try reader.string()))
    }

    package static func encode(_ account: AccountSpec, _ writer: inout ByteWriter) {
        writer.string(account.name)
        writer.u8(account.role.rawValue)
        writer.optional(account.office) { $0.string($1.rawValue) }
        writer.string(account.body)
        // Version 2 (tags 17 and 15): the pratica an applicant account is tied to.
        if let pratica = account.pratica { writer.string(pratica.rawValue) }
    }

    package static func decodeAccount(_ reader: inout ByteReader, version: Int = 1) throws(CodecError) -> AccountSpec {
        let name = try reader.string()
        let roleAt = reader.offset
        let roleTag = try reader.u8()
        guard let role = Role(rawValue: roleTag) else { throw .unknownTag(kind: "role", tag: roleTag, offset: roleAt) }
        var spec = AccountSpec(name: name, role: role,
                               office: try reader.optional { (r) throws(CodecError) in OfficeID(try r.string()) },
                               body: try reader.string())
        if version >= 2 { spec.pratica = PraticaID(try reader.string()) }
        return spec
    }

    static func encode(_ closed: AppointmentClosed, _ writer: inout ByteWriter) {
        writer.string(closed.appointment.rawValue)
        writer.string(closed.office.rawValue)
        writer.string(closed.service.rawValue)
        writer.string(closed.pratica.rawValue)
        writer.day(closed.day)
        writer.time(closed.time)
    }

    static func decodeAppointmentClosed(_ reader: inout ByteReader) throws(CodecError) -> AppointmentClosed {
        AppointmentClosed(appointment: AppointmentID(try reader.string()), office: OfficeID(try reader.string()),
                          service: ServiceID(try reader.string()), pratica: PraticaID(try reader.string()),
                          day: try reader.day(), time: try reader.time())
    }
}
