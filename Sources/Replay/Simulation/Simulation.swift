import Engine
import Events
import Foundation
import Projections

/// `replay simulate`: drives the real engine (a `Store` over a fresh data directory) with
/// synthetic applicants over a pilot period, on a simulated clock, and leaves a real log.
///
/// Each simulated day has three ticks, each one instant on the clock (Europe/Rome):
///
///     07:30  Questura back office: closures announced (close-day), permits marked ready
///     10:00  desks: new applicants registered and booked by the SUI; bodies book pickups;
///            rebookings, cancellations and deferrals asked for by applicants
///     18:00  end of day: every appointment of the day attended or missed; permits handed over
///
/// What happens next to an applicant depends on the engine's answers (the day it booked, an
/// auto-deferral, a `full`), so the simulation reads every outcome before the next tick. All
/// chance comes from one `SimulationRandom` seeded with `--seed`, drawn in a fixed order, and
/// nothing is iterated in hash order: the same scenario, seed and period give the same log,
/// byte for byte.
public enum Simulation {
    public struct Options: Sendable {
        public var seed: UInt64
        /// Defaults to the scenario's period.
        public var from: Day?
        public var to: Day?
        /// Multiplies arrivals and every simulated office's places per slot (for big histories).
        public var scale: Int
        /// Keep going, past the period's end if need be, until the log holds this many records.
        public var recordsTarget: UInt64?
        /// The folder holding offices.json.
        public var fixtures: String

        public init(seed: UInt64, from: Day? = nil, to: Day? = nil, scale: Int = 1, recordsTarget: UInt64? = nil,
                    fixtures: String = "fixtures") {
            self.seed = seed
            self.from = from
            self.to = to
            self.scale = scale
            self.recordsTarget = recordsTarget
            self.fixtures = fixtures
        }
    }

    public struct Progress: Sendable {
        public var day: Day
        public var records: UInt64
        public var seconds: Double
    }

    /// The last day the fixtures' calendars cover (their closed days run through 2030).
    public static let lastCalendarDay = Day(daysSinceEpoch: 22_279)  // 2030-12-31

    /// Writes the simulated log into `directory`, which must be new or empty.
    public static func run(_ scenario: Scenario, into directory: String, options: Options,
                           progress: ((Progress) -> Void)? = nil) throws -> Report {
        guard options.scale >= 1, options.scale <= 1_000 else {
            throw SimulationError.badArgument("--scale takes a whole number from 1 to 1000")
        }
        guard let scenarioFrom = scenario.firstDay, let scenarioTo = scenario.lastDay else {
            throw SimulationError.badArgument("the scenario's period is not two days")
        }
        let from = options.from ?? scenarioFrom
        let to = options.to ?? scenarioTo
        guard from <= to else { throw SimulationError.badArgument("--from \(from) is after --to \(to)") }
        guard to <= lastCalendarDay else {
            throw SimulationError.badArgument("--to \(to) is past \(lastCalendarDay), the last day the fixtures' calendars cover")
        }
        try requireEmpty(directory)
        let offices = try Fixtures.loadOffices(path: options.fixtures + "/offices.json")
        let start = Instant(romeDay: from.adding(days: -1), time: Tick.setUp)
        let clock = SimulationClock(start)
        let store = try Store(directory: directory, clock: { clock.now },
                              mapBytes: options.recordsTarget.map { $0 > 1_000_000 ? 8 << 30 : Limits.mapBytesInitial }
                                  ?? Limits.mapBytesInitial,
                              // Synthetic applicants, in clear: the same seed writes the same log.
                              sealsApplicants: false)
        defer { store.close() }
        var simulator = try Simulator(scenario: scenario, offices: offices, options: options, from: from, to: to,
                                      submitter: TickSubmitter(store: store, clock: clock))
        try simulator.run(progress: progress)
        var report = simulator.report
        let head = try store.head()
        report.head = Checkpoint(sequence: head.sequence, hash: head.hash)
        return report
    }

    /// Refuses a directory that holds anything: a simulation writes a whole new log.
    static func requireEmpty(_ directory: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else { throw SimulationError.notEmpty(directory) }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? ["?"]
        if !entries.isEmpty { throw SimulationError.notEmpty(directory) }
    }
}

public enum SimulationError: Error, CustomStringConvertible, Equatable {
    case notEmpty(String)
    case badArgument(String)
    case unknownOffice(String)
    case setupRefused(String)

    public var description: String {
        switch self {
        case .notEmpty(let path):
            "\(path) is not empty: simulate writes a whole new log and never adds to an existing one; give --data a new or empty directory"
        case .badArgument(let why): why
        case .unknownOffice(let id):
            "the scenario names office \(id), which is not in the fixtures' offices.json; use an id from docs/offices.md"
        case .setupRefused(let why):
            "the engine refused the scenario's set-up (\(why)); fix the scenario file"
        }
    }
}

/// The instants of a simulated day, Europe/Rome local time.
enum Tick {
    static let setUp = LocalTime(minutesSinceMidnight: 7 * 60)
    static let morning = LocalTime(minutesSinceMidnight: 7 * 60 + 30)
    static let desk = LocalTime(minutesSinceMidnight: 10 * 60)
    static let endOfDay = LocalTime(minutesSinceMidnight: 18 * 60)
}

// MARK: - The simulator

/// The four appointments of an applicant's path, in order.
public enum AppointmentKind: Int, CaseIterable, Sendable {
    /// At the SUI: the documents for the nulla osta checked (Roma–Latina pilot only).
    case suiDocuments
    /// At the SUI: the nulla osta handed over, the contract signed, the Modello 209 released.
    case suiContract
    /// At the Questura: identification and fingerprints, booked by the SUI.
    case fingerprinting
    /// At the Questura: the permit handed over, booked by a body.
    case pickup

    public var service: ServiceID {
        switch self {
        case .suiDocuments: "nulla-osta-documenti"
        case .suiContract: "nulla-osta-consegna"
        case .fingerprinting: "fotosegnalamento"
        case .pickup: "consegna-permesso"
        }
    }

    var atSui: Bool { self == .suiDocuments || self == .suiContract }
    var name: String { ["suiDocuments", "suiContract", "fingerprinting", "pickup"][rawValue] }
}

struct Simulator {
    struct Flow {
        let spec: Scenario.Flow
        let sui: OfficeConfiguration
        let questura: OfficeConfiguration
        let suiActors: [Actor]
        let questuraActors: [Actor]
        let bodyActors: [Actor]
        let arrivalsPerYear: Double
        let sigla: String
    }

    struct Pratica {
        let id: PraticaID
        let flow: Int
        let body: Int
        var fullRetries = 0
    }

    struct Tracked {
        let id: AppointmentID
        let pratica: Int
        let kind: AppointmentKind
        var day: Int32
        var live = true
    }

    enum Action {
        case permitReady(pratica: Int)
        case close(flow: Int, questura: Bool, day: Day, reason: String)
        case book(pratica: Int, AppointmentKind)
        case cancel(appointment: Int)
        case deferNext(appointment: Int)
        case deferTo(appointment: Int, days: Int)
    }

    enum Intent {
        case setup
        case register
        case book(pratica: Int, AppointmentKind)
        case cancel(appointment: Int)
        case deferral(appointment: Int)
        case close
        case permitReady(pratica: Int)
        case attend(appointment: Int)
        case noShow(appointment: Int)
        case pickup(appointment: Int)
    }

    let scenario: Scenario
    let rates: Scenario.Rates
    let options: Options
    typealias Options = Simulation.Options
    let from: Day
    let to: Day
    let submitter: TickSubmitter
    var flows: [Flow] = []
    var random: SimulationRandom
    var pratiche: [Pratica] = []
    var appointments: [Tracked] = []
    /// Live appointments by id, for the moves a close-day reports.
    var appointmentIndex: [AppointmentID: Int] = [:]
    /// Appointment indices by day number, in booking order (entries that moved away are skipped).
    var byDay: [Int32: [Int]] = [:]
    var morning: [Int32: [Action]] = [:]
    var desk: [Int32: [Action]] = [:]
    /// Days closed by a close-day this simulation sent, per office.
    var closedByUs: Set<ClosedKey> = []
    var praticaCounter: [String: Int] = [:]
    var vistoCounter = 0
    var report = Simulation.Report()
    let started = DispatchTime.now().uptimeNanoseconds

    struct ClosedKey: Hashable {
        let office: OfficeID
        let day: Int32
    }

    // Commands of the tick being built.
    var commands: [Command] = []
    var actors: [Actor] = []
    var intents: [Intent] = []

    init(scenario: Scenario, offices: [OfficeConfiguration], options: Options, from: Day, to: Day,
         submitter: TickSubmitter) throws {
        self.scenario = scenario
        self.rates = scenario.rates
        self.options = options
        self.from = from
        self.to = to
        self.submitter = submitter
        random = SimulationRandom(seed: options.seed)
        var configurations: [OfficeID: OfficeConfiguration] = [:]
        for office in offices { configurations[office.office] = office }
        func office(_ id: String) throws -> OfficeConfiguration {
            guard var configuration = configurations[OfficeID(id)] else { throw SimulationError.unknownOffice(id) }
            for index in configuration.services.indices {
                var service = configuration.services[index]
                if let override = scenario.capacityOverrides.first(where: {
                    $0.office == id && $0.service == service.id.rawValue
                }) {
                    service.capacityPerSlot = override.capacityPerSlot
                }
                service.capacityPerSlot = UInt16(min(Int(Limits.capacityPerSlotMax),
                                                     Int(service.capacityPerSlot) * options.scale))
                configuration.services[index] = service
            }
            return configuration
        }
        for spec in scenario.flows {
            let sui = try office(spec.sui)
            let questura = try office(spec.questura)
            flows.append(Flow(
                spec: spec, sui: sui, questura: questura,
                suiActors: spec.suiOperators.map { Actor(operator: $0, body: spec.sui) },
                questuraActors: spec.questuraOperators.map { Actor(operator: $0, body: spec.questura) },
                bodyActors: spec.bodies.map { Actor(operator: $0.account, body: $0.ente) },
                arrivalsPerYear: spec.newPermitsPerYear * spec.throughSuiShare * Double(options.scale),
                sigla: String(spec.sui.prefix { $0 != "-" })))
        }
        for closure in scenario.closures {
            guard let day = Day(closure.day), day >= from, day <= to else { continue }
            guard let flow = flows.firstIndex(where: { $0.spec.questura == closure.office || $0.spec.sui == closure.office }) else {
                throw SimulationError.unknownOffice(closure.office)
            }
            let announced = max(from, day.adding(days: -closure.announcedDaysBefore))
            morning[announced.daysSinceEpoch, default: []].append(
                .close(flow: flow, questura: flows[flow].spec.questura == closure.office, day: day, reason: closure.reason))
        }
    }

    // MARK: Running

    mutating func run(progress: ((Simulation.Progress) -> Void)?) throws {
        try setUp()
        report.firstDay = from
        var day = from
        while true {
            if let target = options.recordsTarget {
                if report.records >= target || day > Simulation.lastCalendarDay { break }
            } else if day > to {
                break
            }
            try simulate(day)
            report.lastDay = day
            progress?(Simulation.Progress(day: day, records: report.records, seconds: elapsed))
            day = day.adding(days: 1)
        }
        report.seconds = elapsed
    }

    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }

    /// The offices' configurations and the operators' and bodies' accounts, the day before.
    mutating func setUp() throws {
        var configured: Set<OfficeID> = []
        for flow in flows {
            for office in [flow.sui, flow.questura] where configured.insert(office.office).inserted {
                add(.configureOffice(office), .system, .setup)
            }
        }
        for flow in flows {
            for name in flow.spec.suiOperators {
                add(.createAccount(AccountSpec(name: name, role: .sui, office: flow.sui.office, body: flow.sui.office.rawValue)),
                    .system, .setup)
            }
            for name in flow.spec.questuraOperators {
                add(.createAccount(AccountSpec(name: name, role: .questura, office: flow.questura.office,
                                               body: flow.questura.office.rawValue)), .system, .setup)
            }
            for body in flow.spec.bodies {
                add(.createAccount(AccountSpec(name: body.account, role: .body, office: nil, body: body.ente)), .system, .setup)
            }
        }
        try submit(at: Instant(romeDay: from.adding(days: -1), time: Tick.setUp), day: from.adding(days: -1))
        if !report.setupRefusals.isEmpty { throw SimulationError.setupRefused(report.setupRefusals.joined(separator: "; ")) }
    }

    mutating func add(_ command: Command, _ actor: Actor, _ intent: Intent) {
        commands.append(command)
        actors.append(actor)
        intents.append(intent)
    }

    mutating func simulate(_ day: Day) throws {
        let number = day.daysSinceEpoch
        // 07:30: closures, permits ready.
        randomClosures(day)
        for action in morning.removeValue(forKey: number) ?? [] { perform(action, day) }
        try submit(at: Instant(romeDay: day, time: Tick.morning), day: day)
        if reachedTarget { return }
        // 10:00: the desks.
        arrivals(day)
        for action in desk.removeValue(forKey: number) ?? [] { perform(action, day) }
        try submit(at: Instant(romeDay: day, time: Tick.desk), day: day)
        if reachedTarget { return }
        // 18:00: the day's appointments.
        endOfDay(day)
        try submit(at: Instant(romeDay: day, time: Tick.endOfDay), day: day)
    }

    var reachedTarget: Bool { options.recordsTarget.map { report.records >= $0 } ?? false }

    // MARK: Building a tick

    mutating func randomClosures(_ day: Day) {
        guard rates.randomClosuresPerOfficePerYear > 0 else { return }
        // About 250 working days a year.
        let chance = rates.randomClosuresPerOfficePerYear / 250
        for index in flows.indices {
            for questura in [true, false] {
                if !questura && !flows[index].spec.suiAppointments { continue }
                guard random.chance(chance) else { continue }
                let office = questura ? flows[index].questura : flows[index].sui
                let target = day.adding(days: random.integer(in: 2...10))
                guard isOpen(office, on: target) else { continue }
                let reason = random.pick(["sciopero del personale", "guasto del sistema informatico",
                                          "assemblea sindacale del personale", "disinfestazione dei locali"])
                perform(.close(flow: index, questura: questura, day: target, reason: reason), day)
            }
        }
    }

    mutating func arrivals(_ day: Day) {
        for index in flows.indices {
            let flow = flows[index]
            guard isOpen(flow.sui, on: day) else { continue }
            let openWeekdays = Weekday.allCases.filter { weekday in
                flow.sui.services.contains { !$0.slotTimes(on: weekday).isEmpty }
            }
            let weights = openWeekdays.map { rates.weekdayWeights[$0.shortName] ?? 1 }
            let meanWeight = weights.reduce(0, +) / Double(max(1, weights.count))
            let weight = (rates.weekdayWeights[day.weekday.shortName] ?? 1) / max(meanWeight, 1e-9)
            let perOpenDay = flow.arrivalsPerYear / 365.25 * 7 / Double(max(1, openWeekdays.count))
            let count = random.poisson(perOpenDay * weight)
            for _ in 0..<count {
                let applicant = newApplicant(index, day)
                let pratica = pratiche.count
                pratiche.append(Pratica(id: applicant.pratica, flow: index,
                                        body: random.integer(in: 0...(flow.bodyActors.count - 1))))
                report.applicants += 1
                let actor = random.pick(flow.suiActors)
                add(.registerPratica(applicant), actor, .register)
                let kind: AppointmentKind = flow.spec.suiAppointments ? .suiDocuments : .fingerprinting
                add(bookCommand(pratica, kind), actor, .book(pratica: pratica, kind))
            }
        }
    }

    mutating func endOfDay(_ day: Day) {
        let number = day.daysSinceEpoch
        for index in byDay.removeValue(forKey: number) ?? [] {
            let appointment = appointments[index]
            guard appointment.live, appointment.day == number else { continue }
            appointments[index].live = false
            appointmentIndex[appointment.id] = nil
            let pratica = pratiche[appointment.pratica]
            let flow = flows[pratica.flow]
            let staff = appointment.kind.atSui ? random.pick(flow.suiActors) : random.pick(flow.questuraActors)
            let noShowRate = switch appointment.kind {
            case .suiDocuments, .suiContract: rates.noShowSui
            case .fingerprinting: rates.noShowFingerprinting
            case .pickup: rates.noShowPickup
            }
            if random.chance(noShowRate) {
                add(.noShow(appointment.id), staff, .noShow(appointment: index))
                if random.chance(rates.rebookAfterNoShow) {
                    schedule(.book(pratica: appointment.pratica, appointment.kind), on: day.adding(days: random.days(rates.rebookDelayDays)))
                }
                continue
            }
            switch appointment.kind {
            case .suiDocuments:
                add(.attend(appointment.id), staff, .attend(appointment: index))
                schedule(.book(pratica: appointment.pratica, .suiContract), on: day.adding(days: random.days(rates.nullaOstaDays)))
            case .suiContract:
                // The Modello 209 is released at this appointment, and the fingerprinting booked then.
                add(.attend(appointment.id), staff, .attend(appointment: index))
                add(bookCommand(appointment.pratica, .fingerprinting), staff,
                    .book(pratica: appointment.pratica, .fingerprinting))
            case .fingerprinting:
                add(.attend(appointment.id), staff, .attend(appointment: index))
                schedule(.permitReady(pratica: appointment.pratica), on: day.adding(days: random.days(rates.permitReadyDays)))
            case .pickup:
                add(.pickup(pratica.id), staff, .pickup(appointment: index))
            }
        }
    }

    mutating func perform(_ action: Action, _ day: Day) {
        switch action {
        case .permitReady(let pratica):
            let flow = flows[pratiche[pratica].flow]
            add(.permitReady(pratiche[pratica].id), random.pick(flow.questuraActors), .permitReady(pratica: pratica))
        case .close(let index, let questura, let target, let reason):
            let flow = flows[index]
            let office = questura ? flow.questura : flow.sui
            guard target >= day else { return }
            add(.closeDay(office: office.office, day: target, service: nil, reason: reason),
                random.pick(questura ? flow.questuraActors : flow.suiActors), .close)
        case .book(let pratica, let kind):
            add(bookCommand(pratica, kind), actor(for: pratica, kind), .book(pratica: pratica, kind))
        case .cancel(let index):
            let appointment = appointments[index]
            guard appointment.live, appointment.day > day.daysSinceEpoch else { return }
            add(.cancel(appointment.id, reason: random.pick(["rinuncia del richiedente", "pratica già definita",
                                                              "richiedente trasferito in altra provincia"])),
                actor(for: appointment.pratica, appointment.kind), .cancel(appointment: index))
        case .deferNext(let index):
            let appointment = appointments[index]
            guard appointment.live, appointment.day > day.daysSinceEpoch else { return }
            add(.deferAppointment(appointment.id, to: .nextFree, reason: "richiesta del richiedente"),
                actor(for: appointment.pratica, appointment.kind), .deferral(appointment: index))
        case .deferTo(let index, let days):
            let appointment = appointments[index]
            guard appointment.live, appointment.day > day.daysSinceEpoch else { return }
            let office = officeFor(appointment.pratica, appointment.kind)
            let last = day.adding(days: Int(office.horizonDays))
            var target = Day(daysSinceEpoch: appointment.day).adding(days: days)
            while target <= last && !isOpen(office, service: appointment.kind.service, on: target) {
                target = target.adding(days: 1)
            }
            let deferTarget: DeferTarget = target <= last ? .day(target, at: nil) : .nextFree
            add(.deferAppointment(appointment.id, to: deferTarget, reason: "richiedente non disponibile quel giorno"),
                actor(for: appointment.pratica, appointment.kind), .deferral(appointment: index))
        }
    }

    func bookCommand(_ pratica: Int, _ kind: AppointmentKind) -> Command {
        .book(BookRequest(office: officeFor(pratica, kind).office, service: kind.service, pratica: pratiche[pratica].id))
    }

    func officeFor(_ pratica: Int, _ kind: AppointmentKind) -> OfficeConfiguration {
        let flow = flows[pratiche[pratica].flow]
        return kind.atSui ? flow.sui : flow.questura
    }

    /// Who acts for the applicant: a body for the pickup (only the body that booked may touch
    /// it), the SUI for everything before.
    mutating func actor(for pratica: Int, _ kind: AppointmentKind) -> Actor {
        let flow = flows[pratiche[pratica].flow]
        return kind == .pickup ? flow.bodyActors[pratiche[pratica].body] : random.pick(flow.suiActors)
    }

    mutating func schedule(_ action: Action, on day: Day) {
        switch action {
        case .permitReady, .close: morning[day.daysSinceEpoch, default: []].append(action)
        default: desk[day.daysSinceEpoch, default: []].append(action)
        }
    }

    func isOpen(_ office: OfficeConfiguration, service: ServiceID? = nil, on day: Day) -> Bool {
        if closedByUs.contains(ClosedKey(office: office.office, day: day.daysSinceEpoch)) { return false }
        return Calendars.opens(office, service, on: day)
    }

    // MARK: Submitting and reading the outcomes

    mutating func submit(at instant: Instant, day: Day) throws {
        let records = try submitter.run(commands, actors, at: instant)
        let intents = self.intents
        commands.removeAll(keepingCapacity: true)
        actors.removeAll(keepingCapacity: true)
        self.intents.removeAll(keepingCapacity: true)
        report.records += UInt64(records.count)
        for (record, intent) in zip(records, intents) { handle(record, intent, day) }
    }

    mutating func handle(_ record: Record, _ intent: Intent, _ day: Day) {
        let events: [Event]
        switch record.outcome {
        case .rejected(let rejection):
            refused(rejection, intent, record, day)
            return
        case .accepted(let accepted):
            events = accepted
        }
        switch intent {
        case .setup, .register:
            break
        case .book(let pratica, let kind):
            for case .appointmentBooked(let booked) in events {
                let index = appointments.count
                appointments.append(Tracked(id: booked.appointment, pratica: pratica, kind: kind, day: booked.day.daysSinceEpoch))
                appointmentIndex[booked.appointment] = index
                byDay[booked.day.daysSinceEpoch, default: []].append(index)
                report.booked[kind.rawValue] += 1
                if booked.deferred { report.autoDeferred[kind.rawValue] += 1 }
                pratiche[pratica].fullRetries = 0
                maybeChangeLater(index, booked.day, day)
            }
        case .cancel(let index):
            appointments[index].live = false
            appointmentIndex[appointments[index].id] = nil
            report.cancelled += 1
            if random.chance(rates.rebookAfterCancel) {
                schedule(.book(pratica: appointments[index].pratica, appointments[index].kind),
                         on: day.adding(days: random.days(rates.rebookDelayDays)))
            }
        case .deferral:
            report.deferredOnRequest += 1
            moved(events)
        case .close:
            for case .dayClosed(let office, let closedDay, _, _) in events {
                closedByUs.insert(ClosedKey(office: office, day: closedDay.daysSinceEpoch))
                report.closures += 1
            }
            let movedCount = moved(events)
            report.movedByClosure += movedCount
        case .permitReady(let pratica):
            report.permitsReady += 1
            schedule(.book(pratica: pratica, .pickup), on: day.adding(days: random.days(rates.pickupBookingDays, minimum: 0)))
        case .attend(let index):
            report.attended[appointments[index].kind.rawValue] += 1
        case .noShow(let index):
            report.noShows[appointments[index].kind.rawValue] += 1
        case .pickup:
            report.pickups += 1
        }
    }

    /// Follows the appointments an outcome moved; returns how many.
    @discardableResult
    mutating func moved(_ events: [Event]) -> Int {
        var count = 0
        for case .appointmentMoved(let move) in events {
            guard let index = appointmentIndex[move.appointment] else { continue }
            count += 1
            if appointments[index].day != move.toDay.daysSinceEpoch {
                appointments[index].day = move.toDay.daysSinceEpoch
                byDay[move.toDay.daysSinceEpoch, default: []].append(index)
            }
        }
        return count
    }

    mutating func refused(_ rejection: Rejection, _ intent: Intent, _ record: Record, _ day: Day) {
        switch (intent, rejection) {
        case (.setup, _):
            // Reported by `run`'s check below; recorded here so the caller sees which.
            report.setupRefusals.append("record \(record.sequence) \(record.command.name): \(rejection)")
        case (.book(let pratica, let kind), .full):
            report.refusedFull[kind.rawValue] += 1
            if pratiche[pratica].fullRetries < rates.retryFullAttemptsMax {
                pratiche[pratica].fullRetries += 1
                schedule(.book(pratica: pratica, kind), on: day.adding(days: rates.retryFullDays))
            }
        case (.close, _):
            report.closuresRefused += 1
        default:
            report.otherRefusals += 1
        }
    }

    /// Some applicants cancel or ask for another day before their appointment.
    mutating func maybeChangeLater(_ index: Int, _ appointmentDay: Day, _ today: Day) {
        let gap = appointmentDay.days(since: today)
        guard gap >= 2 else { return }
        let draw = random.unit()
        let when = today.adding(days: random.integer(in: 1...(gap - 1)))
        if draw < rates.cancel {
            schedule(.cancel(appointment: index), on: when)
        } else if draw < rates.cancel + rates.deferral {
            if random.chance(rates.deferNextShare) {
                schedule(.deferNext(appointment: index), on: when)
            } else {
                schedule(.deferTo(appointment: index, days: random.integer(in: rates.deferToDaysMin...rates.deferToDaysMax)),
                         on: when)
            }
        }
    }

    // MARK: Applicants

    mutating func newApplicant(_ flowIndex: Int, _ day: Day) -> Applicant {
        let flow = flows[flowIndex]
        let year = day.civil.year
        let counterKey = flow.sigla + String(year)
        let number = (praticaCounter[counterKey] ?? 0) + 1
        praticaCounter[counterKey] = number
        vistoCounter += 1
        let (nationality, names, surnames) = random.pick(Names.byNationality)
        // Aged 18 to 50.
        let birth = day.adding(days: -(18 * 365 + random.integer(in: 0...(32 * 365))))
        return Applicant(pratica: PraticaID("P-\(flow.sigla)-\(year)-\(pad(number, 6))"), visto: "ITA\(pad(vistoCounter, 7))",
                         surname: random.pick(surnames), name: random.pick(names), birthDate: birth,
                         nationality: nationality, office: flow.sui.office)
    }

    func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
