@testable import Documents
import Engine
import Events
import Projections

// A small world for the documents: the Questura di Roma and its SUI, cut down; three
// applicants; accounts for an SUI operator, a Questura officer and a body. Records are sealed
// into a real chain and folded into `Views`, as the store does, minus LMDB.

extension Day {
    static func on(_ year: Int, _ month: Int, _ day: Int) -> Day { Day(year: year, month: month, day: day)! }
}

extension LocalTime {
    static func at(_ hour: Int, _ minute: Int) -> LocalTime { LocalTime(hour: hour, minute: minute)! }
}

enum World {
    static let questura: OfficeID = "RM-Q"
    static let sui: OfficeID = "RM-S"
    static let fotosegnalamento: ServiceID = "fotosegnalamento"
    static let consegna: ServiceID = "consegna-permesso"

    static let suiOperator = Actor(operator: "sui.roma", body: "RM-S")
    static let questuraOfficer = Actor(operator: "questura.roma", body: "RM-Q")
    static let caf = Actor(operator: "caf.roma", body: "CAF-ROMA")

    static func everyDay(_ start: LocalTime, _ end: LocalTime) -> [[OpeningInterval]] {
        Array(repeating: [OpeningInterval(start: start, end: end)], count: 7)
    }

    static let questuraConfiguration = OfficeConfiguration(
        office: questura, kind: .questura, name: "Questura di Roma", horizonDays: 400, leadDays: 0,
        services: [
            ServiceConfiguration(id: fotosegnalamento, name: "Fotosegnalamento", slotLengthMinutes: 20,
                                 capacityPerSlot: 5, requiresReadyPermit: false, weekly: everyDay(.at(8, 0), .at(13, 0))),
            ServiceConfiguration(id: consegna, name: "Consegna permesso di soggiorno", slotLengthMinutes: 10,
                                 capacityPerSlot: 4, requiresReadyPermit: true, weekly: everyDay(.at(8, 0), .at(13, 0))),
        ],
        closedDays: [])

    static let suiConfiguration = OfficeConfiguration(
        office: sui, kind: .sui, name: "Sportello Unico per l'Immigrazione di Roma", horizonDays: 120, leadDays: 1,
        services: [], closedDays: [])

    static let applicants = [
        Applicant(pratica: "P-RM-2008-000001", visto: "ITA0000001", surname: "Benjelloun", name: "Fatima",
                  birthDate: .on(1985, 3, 14), nationality: "MAR", office: sui),
        Applicant(pratica: "P-RM-2008-000002", visto: "ITA0000002", surname: "Diop", name: "Awa, \"Awa\"",
                  birthDate: .on(1990, 7, 1), nationality: "SEN", office: sui),
        Applicant(pratica: "P-RM-2008-000003", visto: "ITA0000003", surname: "<Kola>", name: "Erion",
                  birthDate: .on(1978, 11, 30), nationality: "ALB", office: sui),
    ]
}

/// A log being written: each `append` seals a record of crafted events onto the chain and folds
/// it through the engine's fold (`EngineCore.fold`).
struct Log {
    private var core = EngineCore()
    var views: Views { core.views }
    var records: [Record] = []

    init() {
        append(at: Instant(romeDay: .on(2026, 1, 1), time: .at(8, 0)), .system, events: [
            .officeConfigured(World.questuraConfiguration, effectiveFrom: .on(2026, 1, 1)),
            .officeConfigured(World.suiConfiguration, effectiveFrom: .on(2026, 1, 1)),
            .accountCreated(AccountSpec(name: "sui.roma", role: .sui, office: World.sui, body: "RM-S")),
            .accountCreated(AccountSpec(name: "questura.roma", role: .questura, office: World.questura, body: "RM-Q")),
            .accountCreated(AccountSpec(name: "caf.roma", role: .body, office: nil, body: "CAF-ROMA")),
        ] + World.applicants.map { .praticaRegistered($0) })
    }

    /// The command recorded is a stand-in (the fold reads only the events).
    mutating func append(at instant: Instant, _ actor: Actor, events: [Event]) {
        let sequence = views.headSequence + 1
        var writer = ByteWriter()
        let command = Command.attend("stand-in")
        let hash = RecordCodec.seal(sequence: sequence, decidedAt: instant, actor: actor, requestID: "",
                                    command: command, outcome: .accepted(events), previousHash: views.headHash,
                                    into: &writer)
        let record = Record(sequence: sequence, decidedAt: instant, actor: actor, requestID: "", command: command,
                            outcome: .accepted(events), previousHash: views.headHash, hash: hash)
        core.fold(record)
        core.discardChanges()
        records.append(record)
    }

    mutating func book(_ id: AppointmentID, _ applicant: Int, on day: Day, at time: LocalTime, service: ServiceID = World.fotosegnalamento,
                       by actor: Actor, when instant: Instant, deferred: Bool = false) {
        append(at: instant, actor, events: [.appointmentBooked(AppointmentBooked(
            appointment: id, office: World.questura, service: service, pratica: World.applicants[applicant].pratica,
            requestedDay: day, day: day, time: time, deferred: deferred, bookedBy: actor.body))])
    }

    /// The records decided on `day`, Rome time: what `DayLog.read` hands the list builder.
    func records(on day: Day) -> [Record] {
        let start = Instant(romeDay: day, time: .midnight)
        let end = Instant(romeDay: day.adding(days: 1), time: .midnight)
        return records.filter { $0.decidedAt >= start && $0.decidedAt < end }
    }
}

func note(_ kind: AppointmentNote.Kind = .convocation, day: Day = .on(2026, 3, 30), time: LocalTime = .at(9, 20),
          surname: String = "Benjelloun", name: String = "Fatima") -> AppointmentNote {
    AppointmentNote(
        kind: kind, appointment: "A-0056K", pratica: "P-RM-2008-000123", surname: surname, name: name,
        birthDate: .on(1985, 3, 14), nationality: "MAR", visto: "ITA1234567", office: "RM-Q",
        officeName: "Questura di Roma", officeAddress: "Roma (RM)",
        serviceName: kind == .convocation ? "Fotosegnalamento (identificazione e rilievi dattiloscopici)"
            : "Consegna permesso di soggiorno",
        day: day, time: time, durationMinutes: 20, bookedBy: "RM-S", recordSequence: 1042,
        recordedAt: Instant(romeDay: .on(2026, 3, 20), time: .at(10, 5)))
}
