// What the decider tests stand on: a small office, a calendar of named days, and `Given`,
// which builds state the way the store does (decide, seal, fold), minus LMDB.

@testable import Engine
import Events
import Projections
import Testing

// MARK: - The fixture calendar
//
// April–May 2008, Europe/Rome. The clock starts on Monday 21 April at 08:00, so with a lead
// of one day and a horizon of ten the bookable days run from Tuesday 22 April to Thursday
// 1 May. Inside that window: a holiday on a Friday (25 April, Liberazione), a weekend, and the
// last day of the horizon is itself a holiday (1 May, Festa del Lavoro).
//
//     Mon 21  Tue 22  Wed 23  Thu 24  Fri 25  Sat 26  Sun 27  Mon 28  Tue 29  Wed 30  Thu 1
//     today   first   open    open    holiday closed  closed  open    open    open    holiday, last

extension Day {
    static let april18 = Day(year: 2008, month: 4, day: 18)!  // Friday, before today
    static let april21 = Day(year: 2008, month: 4, day: 21)!  // Monday, today
    static let april22 = Day(year: 2008, month: 4, day: 22)!  // Tuesday, the first bookable day
    static let april23 = Day(year: 2008, month: 4, day: 23)!  // Wednesday
    static let april24 = Day(year: 2008, month: 4, day: 24)!  // Thursday
    static let april25 = Day(year: 2008, month: 4, day: 25)!  // Friday, Liberazione: a holiday
    static let april26 = Day(year: 2008, month: 4, day: 26)!  // Saturday
    static let april28 = Day(year: 2008, month: 4, day: 28)!  // Monday
    static let april29 = Day(year: 2008, month: 4, day: 29)!  // Tuesday
    static let april30 = Day(year: 2008, month: 4, day: 30)!  // Wednesday
    static let may1 = Day(year: 2008, month: 5, day: 1)!      // Thursday, Festa del Lavoro: holiday, last of the horizon
    static let may2 = Day(year: 2008, month: 5, day: 2)!      // Friday, beyond the horizon
}

extension LocalTime {
    static let eight = LocalTime(hour: 8, minute: 0)!
    static let nine = LocalTime(hour: 9, minute: 0)!
    static let nineFifteen = LocalTime(hour: 9, minute: 15)!
    static let nineThirty = LocalTime(hour: 9, minute: 30)!
    static let ten = LocalTime(hour: 10, minute: 0)!
    static let tenFive = LocalTime(hour: 10, minute: 5)!
    static let tenThirty = LocalTime(hour: 10, minute: 30)!
    static let eleven = LocalTime(hour: 11, minute: 0)!
}

// MARK: - The fixture office

/// Questura di Trieste, cut down to what the rules need.
enum Fixture {
    static let office: OfficeID = "TS-Q"
    /// Two places in each of two slots, 09:00 and 09:30, Monday to Friday: four a day.
    static let fotosegnalamento: ServiceID = "fotosegnalamento"
    /// One place in each of two slots, 10:00 and 10:30, Monday to Friday; only for a ready permit.
    static let consegna: ServiceID = "consegna-permesso"

    static let operatorActor = Actor(operator: "mrossi", body: "TS-Q")
    /// Monday 21 April 2008, 08:00 in Rome.
    static let monday = Instant(romeDay: .april21, time: .eight)

    static func weekdays(_ start: LocalTime, _ end: LocalTime) -> [[OpeningInterval]] {
        let open = [OpeningInterval(start: start, end: end)]
        return [open, open, open, open, open, [], []]
    }

    static func configuration(fotosegnalamentoCapacity: UInt16 = 2,
                              fotosegnalamentoWeekly: [[OpeningInterval]] = weekdays(.nine, .ten))
        -> OfficeConfiguration {
        OfficeConfiguration(
            office: office, kind: .questura, name: "Questura di Trieste", horizonDays: 10, leadDays: 1,
            services: [
                ServiceConfiguration(id: fotosegnalamento, name: "Fotosegnalamento", slotLengthMinutes: 30,
                                     capacityPerSlot: fotosegnalamentoCapacity, requiresReadyPermit: false,
                                     weekly: fotosegnalamentoWeekly),
                ServiceConfiguration(id: consegna, name: "Consegna permesso", slotLengthMinutes: 30,
                                     capacityPerSlot: 1, requiresReadyPermit: true,
                                     weekly: weekdays(.ten, .eleven)),
            ],
            closedDays: [.april25, .may1])
    }

    /// The numero di pratica of the fixture's `number`th applicant.
    static func pratica(_ number: Int) -> PraticaID {
        PraticaID("P-TS-2008-" + zeroPadded(number, 6))
    }

    static func visto(_ number: Int) -> String { "V-" + zeroPadded(number, 8) }

    static func zeroPadded(_ number: Int, _ width: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static func applicant(_ number: Int, visto: String? = nil) -> Applicant {
        Applicant(pratica: pratica(number), visto: visto ?? self.visto(number), surname: "Hossain",
                  name: "Applicant \(number)", birthDate: Day(year: 1980, month: 1, day: 1)!, nationality: "BGD",
                  office: "TS-S")
    }

    static func book(_ pratica: PraticaID, _ service: ServiceID = fotosegnalamento, notBefore: Day? = nil,
                     on day: Day? = nil, at time: LocalTime? = nil) -> Command {
        .book(BookRequest(office: office, service: service, pratica: pratica, notBefore: notBefore, on: day, at: time))
    }

    /// The event a booking by the fixture operator produces.
    static func booked(_ appointment: AppointmentID, _ pratica: PraticaID, _ service: ServiceID = fotosegnalamento,
                       requested: Day, day: Day, time: LocalTime, deferred: Bool = false) -> Event {
        .appointmentBooked(AppointmentBooked(
            appointment: appointment, office: office, service: service, pratica: pratica, requestedDay: requested,
            day: day, time: time, deferred: deferred, bookedBy: operatorActor.body))
    }

    static func moved(_ appointment: AppointmentID, _ service: ServiceID = fotosegnalamento,
                      from: (Day, LocalTime), to: (Day, LocalTime), cause: AppointmentMoved.Cause,
                      reason: String) -> Event {
        .appointmentMoved(AppointmentMoved(
            appointment: appointment, office: office, service: service, fromDay: from.0, fromTime: from.1,
            toDay: to.0, toTime: to.1, cause: cause, reason: reason))
    }
}

// MARK: - Given

/// A setup step the test expected to be accepted was refused.
struct GivenRejected: Error, CustomStringConvertible {
    let command: String
    let rejection: Rejection
    var description: String { "given: \(command) was rejected (\(rejection.rule)): \(rejection)" }
}

/// The state a test starts from, built by stepping commands through `EngineCore` (decide,
/// seal, fold), as the store does, minus LMDB. The sequence counter and the head hash are the
/// views' own (`headSequence`, `headHash`), so `apply`'s chain preconditions check every step.
struct Given {
    private(set) var core = EngineCore()
    var views: Views { core.views }
    /// Every record stepped, in order.
    private(set) var records: [Record] = []
    /// The clock: every following decision is made at this instant.
    var now: Instant
    var actor: Actor

    init(now: Instant = Fixture.monday, actor: Actor = Fixture.operatorActor) {
        self.now = now
        self.actor = actor
    }

    /// The fixture office, configured on Monday 21 April, with applicants 1...`pratiche` registered.
    static func office(pratiche: Int = 0, configuration: OfficeConfiguration = Fixture.configuration()) throws -> Given {
        var given = Given()
        try given.accept(.configureOffice(configuration))
        for number in stride(from: 1, through: pratiche, by: 1) {
            try given.accept(.registerPratica(Fixture.applicant(number)))
        }
        return given
    }

    /// Moves the clock to that day and time in Rome.
    mutating func setClock(_ day: Day, _ time: LocalTime) {
        now = Instant(romeDay: day, time: time)
    }

    /// The sequence number the next record will have.
    var nextSequence: UInt64 { views.headSequence + 1 }

    /// The id the next decision's first booking will get.
    var nextAppointmentID: AppointmentID {
        var ids = SequenceIDs(sequence: nextSequence)
        return ids.nextAppointmentID()
    }

    /// Decides against the current views without recording: the command under test.
    func decide(_ command: Command) -> Outcome {
        var ids = SequenceIDs(sequence: nextSequence)
        return Decider.decide(command, views, now: now, actor: actor, ids: &ids)
    }

    /// Decides, seals into the chain and folds, whatever the outcome (a rejection is logged too).
    @discardableResult
    mutating func record(_ command: Command) -> Outcome {
        let record = core.decide(command, actor: actor, now: now)
        core.discardChanges()
        records.append(record)
        return record.outcome
    }

    /// Records a setup step that must be accepted; its events.
    @discardableResult
    mutating func accept(_ command: Command) throws -> [Event] {
        switch record(command) {
        case .accepted(let events): return events
        case .rejected(let rejection): throw GivenRejected(command: command.name, rejection: rejection)
        }
    }

    /// Books for a pratica and returns the booking.
    @discardableResult
    mutating func book(_ pratica: PraticaID, _ service: ServiceID = Fixture.fotosegnalamento, notBefore: Day? = nil,
                       on day: Day? = nil, at time: LocalTime? = nil) throws -> AppointmentBooked {
        let events = try accept(Fixture.book(pratica, service, notBefore: notBefore, on: day, at: time))
        guard events.count == 1, case .appointmentBooked(let booked) = events[0] else {
            throw GivenUnexpected(what: "book gave \(events)")
        }
        return booked
    }

    /// The day's load of a fixture service, as operators see it.
    func day(_ day: Day, _ service: ServiceID = Fixture.fotosegnalamento) -> DayLoad? {
        views.day(DayKey(Fixture.office, service, day))
    }
}

struct GivenUnexpected: Error, CustomStringConvertible {
    let what: String
    var description: String { "given: \(what)" }
}

extension DayLoad {
    /// Places taken per slot, in slot order.
    var bookedPerSlot: [UInt16] { slots.map(\.booked) }
    var capacityPerSlot: [UInt16] { slots.map(\.capacity) }
}

extension Outcome {
    var rejection: Rejection? {
        if case .rejected(let rejection) = self { return rejection }
        return nil
    }

    /// The booking, when the outcome is exactly one.
    var booking: AppointmentBooked? {
        guard case .accepted(let events) = self, events.count == 1,
              case .appointmentBooked(let booked) = events[0] else { return nil }
        return booked
    }
}
