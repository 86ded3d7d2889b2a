import Events

// How the view databases' keys are laid out (docs/log-format.md, "The view databases").
extension ViewCodec {
    public static func encodeHistoryPrefix(_ pratica: PraticaID, _ writer: inout ByteWriter) {
        writer.raw(pratica.rawValue)
        writer.u8(0)
    }

    public static func encodeHistoryKey(_ pratica: PraticaID, _ sequence: UInt64, _ writer: inout ByteWriter) {
        encodeHistoryPrefix(pratica, &writer)
        writer.u64(sequence)
    }

    public static func encodeTailKey(_ pratica: PraticaID, _ sequence: UInt64, _ writer: inout ByteWriter) {
        writer.u64(sequence)
        writer.raw(pratica.rawValue)
    }

    public static func decodeTailKey(_ key: UnsafeRawBufferPointer) throws(CodecError) -> (PraticaID, UInt64) {
        var reader = ByteReader(key)
        let sequence = try reader.u64()
        guard reader.remaining > 0 else { throw .truncated(offset: reader.offset) }
        return (PraticaID(try reader.rawUntilZero()), sequence)
    }

    public static func decodeHistoryKey(_ key: UnsafeRawBufferPointer) throws(CodecError) -> (PraticaID, UInt64) {
        var reader = ByteReader(key)
        let pratica = PraticaID(try reader.rawUntilZero())
        let sequence = try reader.u64()
        try reader.end()
        return (pratica, sequence)
    }

    /// The applicant index's key prefix: the names as STATUS compares them, and the birth date.
    public static func encodeApplicantKey(_ key: ApplicantKey, _ writer: inout ByteWriter) {
        writer.raw(key.surname)
        writer.u8(0)
        writer.raw(key.name)
        writer.u8(0)
        writer.dayKey(key.birthDate)
    }

    /// The retention index's key: office ‖ 0 ‖ pickup day ‖ pratica, so one office's pickups
    /// read in day order, then in the pratica ids' byte order.
    public static func encodeRetentionKey(_ office: OfficeID, _ day: Day, _ pratica: PraticaID, _ writer: inout ByteWriter) {
        writer.raw(office.rawValue)
        writer.u8(0)
        writer.dayKey(day)
        writer.raw(pratica.rawValue)
    }

    public static func decodeRetentionKey(_ key: UnsafeRawBufferPointer) throws(CodecError) -> (OfficeID, Day, PraticaID) {
        var reader = ByteReader(key)
        let office = OfficeID(try reader.rawUntilZero())
        let day = try reader.dayKey()
        return (office, day, PraticaID(String(decoding: UnsafeRawBufferPointer(rebasing: key[reader.offset...]), as: UTF8.self)))
    }

    public static func encodeKey(_ key: DayKey, _ writer: inout ByteWriter) {
        writer.raw(key.office.rawValue)
        writer.u8(0)
        writer.raw(key.service.rawValue)
        writer.u8(0)
        writer.dayKey(key.day)
    }

    /// The agenda key; its prefix `office ‖ 0 ‖ day` selects one office's day.
    public static func encodeAgendaKey(office: OfficeID, day: Day, service: ServiceID?, entry: AgendaEntry?,
                                       _ writer: inout ByteWriter) {
        writer.raw(office.rawValue)
        writer.u8(0)
        writer.dayKey(day)
        guard let service, let entry else { return }
        writer.time(entry.time)
        writer.u64(entry.bookedSequence)
        writer.raw(service.rawValue)
        writer.u8(0)
        writer.raw(entry.appointment.rawValue)
    }

    public static func decodeAgendaKey(_ key: UnsafeRawBufferPointer) throws(CodecError)
        -> (office: OfficeID, day: Day, service: ServiceID, entry: AgendaEntry) {
        var reader = ByteReader(key)
        let office = OfficeID(try reader.rawUntilZero())
        let day = try reader.dayKey()
        let time = try reader.time()
        let sequence = try reader.u64()
        let service = ServiceID(try reader.rawUntilZero())
        let appointment = AppointmentID(try reader.rawUntilZero())
        return (office, day, service, AgendaEntry(time: time, bookedSequence: sequence, appointment: appointment))
    }

    public static func decodeDayKey(_ key: UnsafeRawBufferPointer) throws(CodecError) -> DayKey {
        var reader = ByteReader(key)
        let office = OfficeID(try reader.rawUntilZero())
        let service = ServiceID(try reader.rawUntilZero())
        return DayKey(office, service, try reader.dayKey())
    }
}
