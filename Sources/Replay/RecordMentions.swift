import Events

/// The offices, pratiche and appointments a record names, in its command or its outcome.
/// Exhaustive switches: a new command, event or rejection must say what it names.
public struct RecordMentions {
    public var offices: [OfficeID] = []
    public var pratiche: [PraticaID] = []
    public var appointments: [AppointmentID] = []

    public init(_ record: Record) {
        add(record.command)
        switch record.outcome {
        case .accepted(let events): for event in events { add(event) }
        case .rejected(let rejection): add(rejection)
        }
    }

    mutating func add(_ command: Command) {
        switch command {
        case .configureOffice(let configuration): offices.append(configuration.office)
        case .closeDay(let office, _, _, _): offices.append(office)
        case .book(let request):
            offices.append(request.office)
            pratiche.append(request.pratica)
        case .deferAppointment(let appointment, _, _), .cancel(let appointment, _): appointments.append(appointment)
        case .permitReady(let pratica), .pickup(let pratica): pratiche.append(pratica)
        case .registerPratica(let applicant):
            pratiche.append(applicant.pratica)
            offices.append(applicant.office)
        case .createAccount(let spec):
            if let office = spec.office { offices.append(office) }
        case .disableAccount, .recordSigningKey, .tick, .removeWebhook:
            break
        case .addWebhook(let webhook):
            if case .office(let office) = webhook.scope { offices.append(office) }
        case .erasePratica(let pratica, _):
            pratiche.append(pratica)
        case .attend(let appointment), .noShow(let appointment):
            appointments.append(appointment)
        case .amendOffice(let office, _):
            offices.append(office)
        case .migrate(let request):
            offices.append(request.office)
            pratiche.append(request.pratica)
        }
    }

    mutating func add(_ event: Event) {
        switch event {
        case .officeConfigured(let configuration, _): offices.append(configuration.office)
        case .dayClosed(let office, _, _, _): offices.append(office)
        case .appointmentBooked(let booked):
            appointments.append(booked.appointment)
            offices.append(booked.office)
            pratiche.append(booked.pratica)
        case .appointmentMoved(let moved):
            appointments.append(moved.appointment)
            offices.append(moved.office)
        case .appointmentCancelled(let appointment, let office, _, let pratica, _, _, _):
            appointments.append(appointment)
            offices.append(office)
            pratiche.append(pratica)
        case .permitMarkedReady(let pratica): pratiche.append(pratica)
        case .permitDelivered(let pratica, let completed):
            pratiche.append(pratica)
            if let completed { appointments.append(completed) }
        case .praticaRegistered(let applicant):
            pratiche.append(applicant.pratica)
            offices.append(applicant.office)
        case .accountCreated(let spec):
            if let office = spec.office { offices.append(office) }
        case .accountDisabled, .signingKeyRecorded, .webhookRemoved:
            break
        case .webhookAdded(let webhook):
            if case .office(let office) = webhook.scope { offices.append(office) }
        case .praticaErased(let pratica, _):
            pratiche.append(pratica)
        case .appointmentAttended(let closed), .appointmentMissed(let closed):
            appointments.append(closed.appointment)
            offices.append(closed.office)
            pratiche.append(closed.pratica)
        case .appointmentMigrated(let migrated):
            appointments.append(migrated.appointment)
            offices.append(migrated.office)
            pratiche.append(migrated.pratica)
        }
    }

    mutating func add(_ rejection: Rejection) {
        switch rejection {
        case .unknownOffice(let office), .officeClosed(let office, _), .outsideTransition(let office, _, _):
            offices.append(office)
        case .unknownService(let office, _), .full(let office, _, _), .noSuchSlot(let office, _, _, _),
             .capacityBelowBookings(let office, _, _, _, _):
            offices.append(office)
        case .unknownPratica(let pratica), .permitNotReady(let pratica), .permitAlreadyDelivered(let pratica),
             .praticaAlreadyRegistered(let pratica), .vistoAlreadyRegistered(_, let pratica), .notSealed(let pratica):
            pratiche.append(pratica)
        case .liveAppointmentExists(let pratica, _, let appointment):
            pratiche.append(pratica)
            appointments.append(appointment)
        case .unknownAppointment(let appointment), .appointmentNotLive(let appointment, _),
             .cannotRehouse(let appointment, _):
            appointments.append(appointment)
        case .notYetDue(let appointment, _, _):
            appointments.append(appointment)
        case .notPermitted(let permission, _, let subject):
            switch permission {
            case .office: offices.append(OfficeID(subject))
            case .appointment: appointments.append(AppointmentID(subject))
            case .pratica: pratiche.append(PraticaID(subject))
            case .role, .disabled: break
            }
        case .beforeLeadTime, .beyondHorizon, .dayInPast, .invalidConfiguration, .accountExists, .unknownAccount,
             .webhookExists, .unknownWebhook:
            break
        }
    }
}

/// Selects the records about one office or one pratica. An appointment's later records
/// (defer, cancel) name only the appointment, so the filter remembers the appointments booked
/// for what it selects — which is why it must see the log from its first record.
public struct RecordFilter {
    public var office: OfficeID?
    public var pratica: PraticaID?
    var officeAppointments: Set<AppointmentID> = []
    var praticaAppointments: Set<AppointmentID> = []

    public init(office: OfficeID? = nil, pratica: PraticaID? = nil) {
        self.office = office
        self.pratica = pratica
    }

    public var selectsEverything: Bool { office == nil && pratica == nil }

    /// Whether `record` is about the office and the pratica asked for (both, when both are given).
    public mutating func matches(_ record: Record) -> Bool {
        if selectsEverything { return true }
        let mentions = RecordMentions(record)
        for event in record.outcome.events {
            let seated: (appointment: AppointmentID, office: OfficeID, pratica: PraticaID)
            switch event {
            case .appointmentBooked(let booked): seated = (booked.appointment, booked.office, booked.pratica)
            case .appointmentMigrated(let migrated): seated = (migrated.appointment, migrated.office, migrated.pratica)
            default: continue
            }
            if seated.office == office { officeAppointments.insert(seated.appointment) }
            if seated.pratica == pratica { praticaAppointments.insert(seated.appointment) }
        }
        if let office, !(mentions.offices.contains(office) || mentions.appointments.contains(where: officeAppointments.contains)) {
            return false
        }
        if let pratica,
           !(mentions.pratiche.contains(pratica) || mentions.appointments.contains(where: praticaAppointments.contains)) {
            return false
        }
        return true
    }
}
