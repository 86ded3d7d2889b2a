import Events
import Projections

/// What a convocation note or a pickup reminder says: one appointment, its applicant and its
/// office, gathered from the views. Renderers turn it into text, HTML or iCalendar.
public struct AppointmentNote: Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// Workflow 1: fingerprinting at the Questura, booked when the SUI releases the Modello 209;
        /// at a SUI or a Prefettura, the appointment for the service booked (workflows 2 and 5).
        case convocation
        /// Workflow 3: collecting a ready permit, booked by an affiliated body.
        case pickupReminder = "reminder"
    }

    public var kind: Kind
    public var appointment: AppointmentID
    public var pratica: PraticaID
    public var surname: String
    public var name: String
    public var birthDate: Day
    /// ISO 3166-1 alpha-3: picks the default language.
    public var nationality: String
    public var visto: String
    public var office: OfficeID
    /// A Questura's convocation is for fingerprinting (workflow 1); a SUI's or a Prefettura's
    /// names its service (workflows 2 and 5).
    public var officeKind: OfficeConfiguration.Kind
    public var officeName: String
    public var officeAddress: String
    public var serviceName: String
    public var day: Day
    public var time: LocalTime
    /// The service's slot length: the event's length in the calendar file.
    public var durationMinutes: Int
    public var bookedBy: String
    /// The record that last changed the appointment (booked or moved it) and when it was
    /// decided: the calendar file's DTSTAMP, so printing twice gives the same bytes.
    public var recordSequence: UInt64
    public var recordedAt: Instant
    /// That record's hash: the note prints it and its QR code carries it with the sequence, so
    /// the applicant can ask for, and check, the proof that it is in the published history
    /// (`replay proof`). The caller reads it with `recordedAt`.
    public var recordHash = ChainHash.genesis

    /// What the note's QR code encodes (`QRCode.recordText`).
    public var recordReference: String { QRCode.recordText(sequence: recordSequence, hash: recordHash) }

    public init(kind: Kind, appointment: AppointmentID, pratica: PraticaID, surname: String, name: String,
                birthDate: Day, nationality: String, visto: String, office: OfficeID, officeName: String,
                officeAddress: String, serviceName: String, day: Day, time: LocalTime, durationMinutes: Int,
                bookedBy: String, recordSequence: UInt64, recordedAt: Instant,
                officeKind: OfficeConfiguration.Kind = .questura) {
        self.officeKind = officeKind
        self.kind = kind
        self.appointment = appointment
        self.pratica = pratica
        self.surname = surname
        self.name = name
        self.birthDate = birthDate
        self.nationality = nationality
        self.visto = visto
        self.office = office
        self.officeName = officeName
        self.officeAddress = officeAddress
        self.serviceName = serviceName
        self.day = day
        self.time = time
        self.durationMinutes = durationMinutes
        self.bookedBy = bookedBy
        self.recordSequence = recordSequence
        self.recordedAt = recordedAt
    }

    public var defaultLanguage: DocumentLanguage { .preferred(forNationality: nationality) }

    /// Why a note cannot be printed; `code` is the protocol's error code.
    public struct Problem: Error, Equatable, Sendable {
        public var code: String
        public var message: String
        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    /// The note for `appointment` as the views hold it now. `recordedAt` is left at the epoch:
    /// the caller reads it from the record `recordSequence` names.
    public static func make(_ kind: Kind, appointment id: AppointmentID, _ views: Views) -> Result<AppointmentNote, Problem> {
        guard let appointment = views.appointments[id] else {
            return .failure(Problem(code: "NOTFOUND", message: "No appointment \(id); check the code on the booking."))
        }
        guard let office = views.offices[appointment.office],
              let service = office.configuration.service(appointment.service) else {
            return .failure(Problem(code: "NOTFOUND", message: "\(appointment.office) no longer offers "
                                    + "\(appointment.service); nothing to print for \(id)."))
        }
        guard let pratica = views.pratiche[appointment.pratica] else {
            return .failure(Problem(code: "NOTFOUND", message: "No pratica \(appointment.pratica) for \(id)."))
        }
        guard appointment.state == .booked else {
            return .failure(Problem(code: "CONFLICT", message: "\(id) is \(appointment.state), not booked: there is "
                                    + "nothing to convene; book a new appointment and print that one."))
        }
        switch (kind, service.requiresReadyPermit) {
        case (.convocation, true):
            return .failure(Problem(code: "CONFLICT", message: "\(id) is a permit pickup; print it with PRINT REMINDER."))
        case (.pickupReminder, false):
            return .failure(Problem(code: "CONFLICT", message: "\(id) is not a permit pickup; print it with PRINT CONVOCATION."))
        default:
            break
        }
        let applicant = views.opened(pratica).applicant
        return .success(AppointmentNote(
            kind: kind, appointment: id, pratica: appointment.pratica, surname: applicant.surname, name: applicant.name,
            birthDate: applicant.birthDate, nationality: applicant.nationality, visto: applicant.visto,
            office: appointment.office, officeName: office.configuration.name,
            officeAddress: OfficeAddress.of(office.configuration), serviceName: service.name, day: appointment.day,
            time: appointment.time, durationMinutes: Int(service.slotLengthMinutes), bookedBy: appointment.bookedBy,
            recordSequence: appointment.updatedSequence, recordedAt: Instant(millisecondsSinceEpoch: 0),
            officeKind: office.configuration.kind))
    }

    /// The pratica's live pickup appointment: PRINT REMINDER may name the pratica instead.
    public static func pickupAppointment(of id: PraticaID, _ views: Views) -> Result<AppointmentID, Problem> {
        guard let pratica = views.pratiche[id] else {
            return .failure(Problem(code: "NOTFOUND", message: "No pratica or appointment \(id); check the number."))
        }
        for service in pratica.live.services {
            guard let appointment = pratica.live[service], let booked = views.appointments[appointment],
                  views.offices[booked.office]?.configuration.service(service)?.requiresReadyPermit == true else { continue }
            return .success(appointment)
        }
        return .failure(Problem(code: "NOTFOUND", message: "\(id) has no pickup appointment booked; book one with "
                                + "BOOK office consegna-permesso \(id), then print its reminder."))
    }
}
