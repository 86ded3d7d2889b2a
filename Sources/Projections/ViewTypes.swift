import Events

/// An office and one of its services: the unit that has a calendar and a capacity.
public struct OfficeService: Hashable, Sendable {
    public var office: OfficeID
    public var service: ServiceID
    public init(_ office: OfficeID, _ service: ServiceID) {
        self.office = office
        self.service = service
    }
}

/// One day of one office's service, as persisted in the `days` database.
public struct DayKey: Hashable, Sendable {
    public var office: OfficeID
    public var service: ServiceID
    public var day: Day
    public init(_ office: OfficeID, _ service: ServiceID, _ day: Day) {
        self.office = office
        self.service = service
        self.day = day
    }
}

public struct SlotLoad: Equatable, Sendable {
    public var time: LocalTime
    public var capacity: UInt16
    /// Every seat taken, migrated ones included.
    public var booked: UInt16
    /// Of `booked`: the seats booked through the sui, body and applicant channels (quotas).
    public var bookedSui: UInt16
    public var bookedBody: UInt16
    public var bookedApplicant: UInt16
    /// Of `booked`: appointments migrated from the previous system, which may pass `capacity`.
    public var migrated: UInt16

    public init(time: LocalTime, capacity: UInt16, booked: UInt16, bookedSui: UInt16 = 0, bookedBody: UInt16 = 0,
                bookedApplicant: UInt16 = 0, migrated: UInt16 = 0) {
        self.time = time
        self.capacity = capacity
        self.booked = booked
        self.bookedSui = bookedSui
        self.bookedBody = bookedBody
        self.bookedApplicant = bookedApplicant
        self.migrated = migrated
    }
    public var free: UInt16 { capacity > booked ? capacity - booked : 0 }

    /// Seats booked through `channel` (open: the unrestricted ones, migrated included).
    public func booked(_ channel: Channel) -> UInt16 {
        switch channel {
        case .open: booked - bookedSui - bookedBody - bookedApplicant
        case .sui: bookedSui
        case .body: bookedBody
        case .applicant: bookedApplicant
        }
    }

    /// The bookings the capacity must hold: migrated appointments may sit past it.
    public var normallyBooked: UInt16 { booked - migrated }

    /// How many more seats `channel` may take here. Each channel fills its own quota first,
    /// then the open share (capacity minus every quota); unrestricted bookings take the open
    /// share first. Once `released`, any free seat is anyone's.
    public func room(for channel: Channel, quotas: ChannelQuotas, released: Bool) -> Int {
        let free = Int(capacity) - Int(booked)
        guard free > 0 else { return 0 }
        guard channel != .open, quotas.total > 0, !released else { return free }
        let openShare = max(0, Int(capacity) - quotas.total)
        var openUsed = Int(booked(.open))
        for restricted in [Channel.sui, .body, .applicant] {
            openUsed += max(0, Int(booked(restricted)) - Int(quotas[restricted]))
        }
        let ownLeft = max(0, Int(quotas[channel]) - Int(booked(channel)))
        return min(free, ownLeft + max(0, openShare - openUsed))
    }

    mutating func count(_ channel: Channel, migrated isMigrated: Bool, by delta: Int) {
        func apply(_ value: inout UInt16) { value = UInt16(Int(value) + delta) }
        apply(&booked)
        switch channel {
        case .open: break
        case .sui: apply(&bookedSui)
        case .body: apply(&bookedBody)
        case .applicant: apply(&bookedApplicant)
        }
        if isMigrated { apply(&migrated) }
    }
}

/// A day's capacity and bookings for one service, down to the slot, and its live appointments.
public struct DayLoad: Equatable, Sendable {
    public internal(set) var closed: Bool
    public internal(set) var slots: [SlotLoad]
    /// The appointments seated on this day (booked, or served there), in `AgendaEntry` order.
    public internal(set) var entries: [AgendaEntry]
    public private(set) var capacity: Int
    public private(set) var booked: Int
    /// The seats still free, slot by slot: not `capacity - booked` when migrated appointments
    /// take a slot past its capacity (that slot has none free, the others keep theirs).
    public private(set) var free: Int

    public init(closed: Bool, slots: [SlotLoad], entries: [AgendaEntry] = []) {
        self.closed = closed
        self.slots = slots
        self.entries = entries
        capacity = slots.reduce(0) { $0 + Int($1.capacity) }
        booked = slots.reduce(0) { $0 + Int($1.booked) }
        free = slots.reduce(0) { $0 + Int($1.free) }
    }

    public func slotIndex(_ time: LocalTime) -> Int? {
        // Slots are few (tens) and sorted; a linear scan beats a binary search's branches.
        slots.firstIndex { $0.time == time }
    }

    mutating func add(_ entry: AgendaEntry, channel: Channel, migrated: Bool) {
        guard let index = slotIndex(entry.time) else {
            preconditionFailure("an appointment at \(entry.time) on a day with no such slot passed decide")
        }
        if slots[index].booked < slots[index].capacity { free -= 1 }
        slots[index].count(channel, migrated: migrated, by: 1)
        booked += 1
        precondition(slots[index].normallyBooked <= slots[index].capacity, "slot \(entry.time) over capacity")
        entries.insert(entry, at: insertionIndex(entry))
    }

    mutating func remove(_ entry: AgendaEntry, channel: Channel, migrated: Bool) {
        guard let index = slotIndex(entry.time), slots[index].booked > 0, slots[index].booked(channel) > 0,
              !migrated || slots[index].migrated > 0 else {
            preconditionFailure("removing \(entry.appointment) from an empty slot at \(entry.time)")
        }
        slots[index].count(channel, migrated: migrated, by: -1)
        if slots[index].booked < slots[index].capacity { free += 1 }
        booked -= 1
        let position = insertionIndex(entry) - 1
        precondition(position >= 0 && entries[position] == entry, "\(entry.appointment) is not on this day's agenda")
        entries.remove(at: position)
    }

    /// Where `entry` goes (after any equal one): a binary search, as a busy day holds thousands.
    func insertionIndex(_ entry: AgendaEntry) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entry < entries[middle] { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

/// One appointment on a day's agenda. Ordered by time, then by the record that booked it: the
/// order `close-day` keeps, the same however the views were built.
public struct AgendaEntry: Equatable, Comparable, Sendable {
    public var time: LocalTime
    public var bookedSequence: UInt64
    public var appointment: AppointmentID
    public init(time: LocalTime, bookedSequence: UInt64, appointment: AppointmentID) {
        self.time = time
        self.bookedSequence = bookedSequence
        self.appointment = appointment
    }
    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.time, lhs.bookedSequence) < (rhs.time, rhs.bookedSequence)
    }
}

/// The materialised days of one office's service, as an array indexed from `baseDay`: a day
/// lookup is an index, not a hash, so scanning a horizon of full days stays cheap.
public struct ServiceLoad: Equatable, Sendable {
    public private(set) var baseDay: Day
    public private(set) var days: [DayLoad?]

    public init(baseDay: Day) {
        self.baseDay = baseDay
        days = []
    }

    public subscript(day: Day) -> DayLoad? {
        let index = day.days(since: baseDay)
        guard index >= 0, index < days.count else { return nil }
        return days[index]
    }

    /// Every materialised day, in order.
    public var materialised: [(Day, DayLoad)] {
        days.enumerated().compactMap { index, load in load.map { (baseDay.adding(days: index), $0) } }
    }

    /// Runs `body` on that day's load, creating it with `make` when absent.
    mutating func update<R>(_ day: Day, make: () -> DayLoad, _ body: (inout DayLoad) -> R) -> R {
        var index = day.days(since: baseDay)
        if days.isEmpty {
            baseDay = day
            index = 0
        } else if index < 0 {
            days.insert(contentsOf: [DayLoad?](repeating: nil, count: -index), at: 0)
            baseDay = day
            index = 0
        }
        if index >= days.count { days.append(contentsOf: [DayLoad?](repeating: nil, count: index - days.count + 1)) }
        if days[index] == nil { days[index] = make() }
        return body(&days[index]!)  // set just above
    }
}

public enum AppointmentState: UInt8, Sendable, CustomStringConvertible {
    case booked = 1
    case cancelled = 2
    /// The permit was handed over at this pickup appointment.
    case completed = 3
    /// The applicant came (ATTEND).
    case attended = 4
    /// The applicant did not come (NOSHOW).
    case missed = 5

    public var description: String {
        switch self {
        case .booked: "booked"
        case .cancelled: "cancelled"
        case .completed: "completed"
        case .attended: "attended"
        case .missed: "missed"
        }
    }
}

/// An operator's account: what the log says of it (never its password).
public struct AccountView: Equatable, Sendable {
    public var spec: AccountSpec
    public var enabled: Bool
    /// The record that created it.
    public var createdSequence: UInt64

    public init(spec: AccountSpec, enabled: Bool, createdSequence: UInt64) {
        self.spec = spec
        self.enabled = enabled
        self.createdSequence = createdSequence
    }
}

public struct AppointmentView: Equatable, Sendable {
    /// The appointment as the record `sequence` booked it.
    public init(booked: AppointmentBooked, sequence: UInt64, channel: Channel = .open) {
        self.init(id: booked.appointment, office: booked.office, service: booked.service, pratica: booked.pratica,
                  requestedDay: booked.requestedDay, day: booked.day, time: booked.time, deferred: booked.deferred,
                  state: .booked, bookedBy: booked.bookedBy, bookedSequence: sequence, updatedSequence: sequence,
                  channel: channel)
    }


    public var id: AppointmentID
    public var office: OfficeID
    public var service: ServiceID
    public var pratica: PraticaID
    public var requestedDay: Day
    public var day: Day
    public var time: LocalTime
    public var deferred: Bool
    public var state: AppointmentState
    public var bookedBy: String
    /// The record that booked it.
    public var bookedSequence: UInt64
    /// The record that last changed it.
    public var updatedSequence: UInt64
    /// The channel it was booked through (its seat counts against that channel's quota).
    public var channel: Channel
    /// Taken over from the previous booking system (`migrate-appointment`).
    public var migrated: Bool
    /// The previous system's id for it; empty for appointments booked here.
    public var legacyID: String

    public init(id: AppointmentID, office: OfficeID, service: ServiceID, pratica: PraticaID, requestedDay: Day, day: Day,
                time: LocalTime, deferred: Bool, state: AppointmentState, bookedBy: String, bookedSequence: UInt64,
                updatedSequence: UInt64, channel: Channel = .open, migrated: Bool = false, legacyID: String = "") {
        self.channel = channel
        self.migrated = migrated
        self.legacyID = legacyID
        self.id = id
        self.office = office
        self.service = service
        self.pratica = pratica
        self.requestedDay = requestedDay
        self.day = day
        self.time = time
        self.deferred = deferred
        self.state = state
        self.bookedBy = bookedBy
        self.bookedSequence = bookedSequence
        self.updatedSequence = updatedSequence
    }
}

extension AppointmentView {
    /// Booked and its day is over without ATTEND or NOSHOW: it counts as missed
    /// (docs/engine.md, "Attendance"). `today` is the office's date (Europe/Rome).
    public func isUnmarkedPast(today: Day) -> Bool { state == .booked && day < today }

    /// The state operators read: a booked appointment whose day is over reads `missed`.
    public func displayState(today: Day) -> AppointmentState { isUnmarkedPast(today: today) ? .missed : state }
}

public struct PraticaView: Equatable, Sendable {
    public var applicant: Applicant
    public var permitReady: Bool
    public var permitDelivered: Bool
    /// The day (Europe/Rome) the permit was handed over: a retention period counts from it.
    /// Nil before the pickup, and for a pickup the views recorded before they kept it.
    public var deliveredOn: Day?
    /// At most one live appointment per service.
    public var live: LiveAppointments
    /// Every appointment ever booked for it, oldest first.
    public var appointments: [AppointmentID]

    public init(applicant: Applicant, permitReady: Bool = false, permitDelivered: Bool = false, deliveredOn: Day? = nil,
                live: LiveAppointments = LiveAppointments(), appointments: [AppointmentID] = []) {
        self.applicant = applicant
        self.permitReady = permitReady
        self.permitDelivered = permitDelivered
        self.deliveredOn = deliveredOn
        self.live = live
        self.appointments = appointments
    }

    /// One access for both changes a booking makes.
    mutating func booked(_ appointment: AppointmentID, for service: ServiceID) {
        live[service] = appointment
        appointments.append(appointment)
    }

    /// Files an appointment read back from storage, in booking order: the latest per service
    /// decides the live one (an older one still `booked` is one whose day passed unmarked, which
    /// a later booking superseded).
    public mutating func add(_ appointment: AppointmentView) {
        appointments.append(appointment.id)
        live[appointment.service] = appointment.state == .booked ? appointment.id : nil
    }

    /// The day its retention period counts from: delivered, sealed and not yet erased (data in
    /// clear cannot be erased, and erased data is gone already).
    public var retainedSince: Day? {
        guard let deliveredOn, let seal = applicant.seal, !seal.erased else { return nil }
        return deliveredOn
    }

    /// open, permit-ready or delivered: the pratica's state as operators see it (PRATICA).
    public var stateName: String { permitDelivered ? "delivered" : permitReady ? "permit-ready" : "open" }
}

/// A client request id, scoped to the operator who sent it.
public struct RequestKey: Hashable, Sendable {
    public var `operator`: String
    public var requestID: String
    public init(operator: String, requestID: String) {
        self.operator = `operator`
        self.requestID = requestID
    }
}

/// A pratica's live appointment per service: a handful at most, kept sorted by service in a
/// small array — cheaper than a dictionary to look up, copy and write out in order.
public struct LiveAppointments: Equatable, Sendable {
    public private(set) var entries: [(service: ServiceID, appointment: AppointmentID)] = []

    public init() {}

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    /// The services that have one, in order.
    public var services: [ServiceID] { entries.map(\.service) }

    public subscript(service: ServiceID) -> AppointmentID? {
        get { entries.first { $0.service == service }?.appointment }
        set {
            let index = entries.firstIndex { $0.service >= service } ?? entries.endIndex
            let present = index < entries.endIndex && entries[index].service == service
            switch (newValue, present) {
            case (let appointment?, true): entries[index].appointment = appointment
            case (let appointment?, false): entries.insert((service, appointment), at: index)
            case (nil, true): entries.remove(at: index)
            case (nil, false): break
            }
        }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.service == $1.service && $0.appointment == $1.appointment }
    }
}

/// A signing key the log recorded, and the record that recorded it: heads of that size and
/// more, up to the next key's record, are signed with it.
public struct SigningKeyView: Equatable, Sendable {
    public var sequence: UInt64
    /// 64 hexadecimal digits: the Ed25519 public key's 32 bytes.
    public var publicKey: String

    public init(sequence: UInt64, publicKey: String) {
        self.sequence = sequence
        self.publicKey = publicKey
    }
}

/// A webhook receiver, from the record that added it to the one that removed it.
public struct WebhookView: Equatable, Sendable {
    public var webhook: Webhook
    public var addedSequence: UInt64
    public var removedSequence: UInt64?

    public init(webhook: Webhook, addedSequence: UInt64, removedSequence: UInt64? = nil) {
        self.webhook = webhook
        self.addedSequence = addedSequence
        self.removedSequence = removedSequence
    }

    /// Registered when record `sequence` was committed: it receives that record's events.
    public func receives(_ sequence: UInt64) -> Bool {
        addedSequence < sequence && (removedSequence.map { sequence < $0 } ?? true)
    }
}

/// A pratica filed by the day its permit was handed over (the retention index).
public struct Delivery: Equatable, Sendable {
    public var day: Day
    public var pratica: PraticaID

    public init(day: Day, pratica: PraticaID) {
        self.day = day
        self.pratica = pratica
    }

    /// The index's order: by day, then by the pratica id's bytes (as LMDB orders its keys).
    public static func precedes(_ a: Delivery, _ b: Delivery) -> Bool {
        a.day != b.day ? a.day < b.day : a.pratica.rawValue.utf8.lexicographicallyPrecedes(b.pratica.rawValue.utf8)
    }
}

/// A pratica whose retention period ended: what the clock erases.
public struct RetentionDue: Equatable, Sendable {
    public var pratica: PraticaID
    /// The office that opened it, whose period counts.
    public var office: OfficeID
    public var pickedUp: Day
    public var days: UInt16

    /// The erasure's recorded reason.
    public var reason: String { "retention: \(days) days after the pickup on \(pickedUp) (\(office))" }
}
