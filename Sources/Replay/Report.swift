import Engine
import Events
import Foundation

/// `replay report`: per office and ISO week, what the log says of a period — appointments
/// booked, deferred by the engine, cancelled, missed; the capacity used; how long applicants
/// waited for an appointment and for their permit after it was ready. docs/analysts.md
/// defines every figure.
public enum Report {
    public struct Options: Sendable {
        public var from: Day
        public var to: Day
        /// Only these offices' rows (the ALL rows sum them); empty: every office.
        public var offices: [OfficeID]
        /// Days through which an appointment still booked counts as missed. Nil: `to` when the
        /// log goes on past it, else the day before the log's last record.
        public var observedThrough: Day?
        /// Threads decoding the log (this machine has two cores).
        public var workers: Int
        /// Records per chunk a thread decodes in one read transaction.
        public var chunkRecords: UInt64 = Report.chunkRecords
        /// Read every record through the full decoder (a check of the fast one).
        var fullDecode = false

        public init(from: Day, to: Day, offices: [OfficeID] = [], observedThrough: Day? = nil, workers: Int = 2) {
            self.from = from
            self.to = to
            self.offices = offices
            self.observedThrough = observedThrough
            self.workers = workers
        }
    }

    /// The figures of one office (or ALL) over one week (or the whole period).
    public struct Row: Equatable, Sendable {
        public var office: String
        /// `2008-W16`; nil for the whole period.
        public var week: String?
        public var weekStart: Day?
        /// Bookings decided in the week.
        public var booked = 0
        /// Of those, the ones the engine moved past a full requested day or slot.
        public var deferredAtBooking = 0
        /// Appointments `close-day` moved, by the closure's decision time.
        public var movedByClosure = 0
        /// Appointments an operator's `defer` moved (not counted as auto-deferred).
        public var deferredByOperator = 0
        public var cancelled = 0
        /// NOSHOW recorded, by the appointment's day.
        public var noShowsMarked = 0
        /// Still booked once its day had ended (by `observedThrough`), by the appointment's day.
        public var noShowsUnmarked = 0
        /// Places the calendars offered on the week's days inside the period, and places held.
        public var capacity = 0
        public var places = 0
        public var leadCount = 0
        public var leadMedian: Double?
        public var leadP90: Int?
        public var pickupCount = 0
        public var pickupMedian: Double?
        public var pickupP90: Int?

        public var autoDeferred: Int { deferredAtBooking + movedByClosure }
        public var noShows: Int { noShowsMarked + noShowsUnmarked }
        public var utilisation: Double? { capacity > 0 ? Double(places) / Double(capacity) : nil }
    }

    /// One office's service on one day.
    public struct DayRow: Equatable, Sendable {
        public var office: String
        public var service: String
        public var day: Day
        public var capacity: Int
        public var places: Int
        public var closed: Bool
        public var utilisation: Double? { capacity > 0 ? Double(places) / Double(capacity) : nil }
    }

    public struct Result: Sendable {
        public var from: Day
        public var to: Day
        public var observedThrough: Day
        /// Records read (the log up to the end of `to`).
        public var records: UInt64
        public var seconds: Double
        public var offices: [String]
        /// Every office with figures in the period, chosen or not.
        public var officesInLog: [String] = []
        /// Per office then ALL, each week in order.
        public var weekly: [Row]
        /// Per office then ALL, the whole period.
        public var totals: [Row]
        public var daily: [DayRow]
        public var recordsPerSecond: Double { seconds > 0 ? Double(records) / seconds : 0 }
    }

    public static func run(_ directory: DataDirectory, _ options: Options) throws -> Result {
        guard options.from <= options.to else {
            throw ReplayError.badArgument("--from \(options.from) is after --to \(options.to)")
        }
        let started = DispatchTime.now().uptimeNanoseconds
        let environment = directory.environment
        let count = try directory.recordCount()
        let last = try lastSequence(environment, count: count) { $0 <= options.to }
        let observed: Day
        if let given = options.observedThrough {
            observed = given
        } else if last < count {
            observed = options.to
        } else {
            observed = try recordDay(environment, last)?.adding(days: -1) ?? options.from.adding(days: -1)
        }
        var builder = ReportBuilder(from: options.from, to: options.to, records: last)
        try scan(environment, first: 1, last: last, workers: options.workers, chunkRecords: max(1, options.chunkRecords),
                 fullDecode: options.fullDecode) { chunk in builder.fold(chunk) }
        var result = builder.finish(observedThrough: min(observed, options.to), offices: options.offices)
        result.records = last
        result.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return result
    }

    // MARK: - Finding the period in the log

    /// The Rome date a record was decided on, from its bytes.
    static func recordDay(_ environment: Environment, _ sequence: UInt64) throws -> Day? {
        guard sequence > 0 else { return nil }
        return try environment.read { txn -> Day? in
            let key = LogKey.bytes(sequence)
            return try key.withUnsafeBytes { keyBytes -> Day? in
                guard let value = try txn.get("log", keyBytes) else { return nil }
                var reader = ByteReader(value)
                do {
                    _ = try reader.u8()
                    return RomeTime.day(of: Instant(millisecondsSinceEpoch: try reader.i64()))
                } catch {
                    throw ReplayError.undecodable(sequence: sequence, "\(error)")
                }
            }
        }
    }

    /// The last record whose decision day satisfies `isBefore` (decision times only go
    /// forward, so the records that do form a prefix); 0 when none does.
    static func lastSequence(_ environment: Environment, count: UInt64, _ isBefore: (Day) -> Bool) throws -> UInt64 {
        var low: UInt64 = 0  // satisfies (or is the empty prefix)
        var high = count + 1  // does not
        while high - low > 1 {
            let middle = low + (high - low) / 2
            guard let day = try recordDay(environment, middle) else {
                throw ReplayError.brokenLog(sequence: middle, "the record is missing")
            }
            if isBefore(day) { low = middle } else { high = middle }
        }
        return low
    }

    // MARK: - Reading in parallel

    /// Records per chunk: enough that a read transaction and a hand-off per chunk cost
    /// nothing, few enough that the chunks waiting to be folded stay small.
    public static let chunkRecords: UInt64 = 1 << 17
    /// Chunks decoded ahead of the fold.
    static let chunksAhead = 4

    /// Decodes records `first...last` in chunks on `workers` threads (each chunk in its own read
    /// transaction: the log only grows, so every snapshot holds the same records up to `last`)
    /// and hands the chunks to `consume` in log order on this thread.
    static func scan(_ environment: Environment, first: UInt64, last: UInt64, workers: Int,
                     chunkRecords: UInt64 = Report.chunkRecords, fullDecode: Bool = false,
                     consume: (ReportChunk) throws -> Void) throws {
        guard last >= first else { return }
        let chunkCount = Int((last - first) / chunkRecords) + 1
        let board = ChunkBoard(chunkCount: chunkCount, ahead: chunksAhead)
        var threads: [Thread] = []
        for index in 0..<max(1, workers) {
            let thread = Thread {
                while let chunkIndex = board.claim() {
                    let start = first + UInt64(chunkIndex) * chunkRecords
                    let end = min(last, start + chunkRecords - 1)
                    do {
                        var scanner = ReportScan()
                        scanner.fullDecode = fullDecode
                        try environment.read { txn in
                            try txn.scan("log", from: LogKey.bytes(start)) { key, value in
                                let sequence = try LogKey.sequence(key)
                                guard sequence <= end else { return false }
                                try scanner.add(value, sequence: sequence)
                                return true
                            }
                        }
                        guard scanner.chunk.records == end - start + 1 else {
                            throw ReplayError.brokenLog(sequence: start, "records are missing between \(start) and \(end)")
                        }
                        board.deliver(chunkIndex, .success(scanner.chunk))
                    } catch {
                        board.deliver(chunkIndex, .failure(error))
                    }
                }
                board.workerDone()
            }
            thread.name = "report-scan-\(index)"
            thread.stackSize = 8 << 20
            threads.append(thread)
            thread.start()
        }
        defer { board.cancelAndWait(workers: threads.count) }
        for index in 0..<chunkCount {
            let chunk = try board.take(index).get()
            try consume(chunk)
        }
    }
}

/// The chunks between the decoding threads and the fold.
private final class ChunkBoard: @unchecked Sendable {
    private let condition = NSCondition()
    private var nextClaim = 0
    private var nextTake = 0
    private var ready: [Int: Result<ReportChunk, Error>] = [:]
    private var cancelled = false
    private var workersDone = 0
    private let chunkCount: Int
    private let ahead: Int

    init(chunkCount: Int, ahead: Int) {
        self.chunkCount = chunkCount
        self.ahead = ahead
    }

    func claim() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled && nextClaim < chunkCount && nextClaim - nextTake >= ahead { condition.wait() }
        guard !cancelled, nextClaim < chunkCount else { return nil }
        defer { nextClaim += 1 }
        return nextClaim
    }

    func deliver(_ index: Int, _ result: Result<ReportChunk, Error>) {
        condition.lock()
        ready[index] = result
        condition.broadcast()
        condition.unlock()
    }

    func take(_ index: Int) -> Result<ReportChunk, Error> {
        condition.lock()
        defer { condition.unlock() }
        while ready[index] == nil { condition.wait() }
        nextTake = index + 1
        condition.broadcast()
        return ready.removeValue(forKey: index)!  // waited for just above
    }

    func workerDone() {
        condition.lock()
        workersDone += 1
        condition.broadcast()
        condition.unlock()
    }

    func cancelAndWait(workers: Int) {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while workersDone < workers { condition.wait() }
        condition.unlock()
    }
}

/// Integer day counts, for exact medians and percentiles without keeping every value.
struct DayHistogram: Sendable {
    var counts: [Int] = []
    var total = 0

    mutating func add(_ days: Int) {
        let value = max(0, days)
        if value >= counts.count { counts.append(contentsOf: repeatElement(0, count: value - counts.count + 1)) }
        counts[value] += 1
        total += 1
    }

    mutating func merge(_ other: DayHistogram) {
        if other.counts.count > counts.count {
            counts.append(contentsOf: repeatElement(0, count: other.counts.count - counts.count))
        }
        for (value, count) in other.counts.enumerated() { counts[value] += count }
        total += other.total
    }

    /// The value of rank `rank` (1-based) in sorted order.
    func value(rank: Int) -> Int {
        var seen = 0
        for (value, count) in counts.enumerated() {
            seen += count
            if seen >= rank { return value }
        }
        return counts.count - 1
    }

    /// The middle value; for an even count, the mean of the two middle ones.
    var median: Double? {
        guard total > 0 else { return nil }
        if total % 2 == 1 { return Double(value(rank: (total + 1) / 2)) }
        return Double(value(rank: total / 2) + value(rank: total / 2 + 1)) / 2
    }

    /// The 90th percentile by nearest rank: the smallest value with at least 90% of the values
    /// at or below it.
    var p90: Int? {
        guard total > 0 else { return nil }
        return value(rank: (9 * total + 9) / 10)
    }
}

/// One office's figures for one week while the log is folded.
struct WeekTally: Sendable {
    var booked = 0
    var deferredAtBooking = 0
    var movedByClosure = 0
    var deferredByOperator = 0
    var cancelled = 0
    var noShowsMarked = 0
    var noShowsUnmarked = 0
    var lead = DayHistogram()
    var pickup = DayHistogram()

    mutating func merge(_ other: WeekTally) {
        booked += other.booked
        deferredAtBooking += other.deferredAtBooking
        movedByClosure += other.movedByClosure
        deferredByOperator += other.deferredByOperator
        cancelled += other.cancelled
        noShowsMarked += other.noShowsMarked
        noShowsUnmarked += other.noShowsUnmarked
        lead.merge(other.lead)
        pickup.merge(other.pickup)
    }
}

/// The fold of the facts, in log order.
struct ReportBuilder {
    let from: Day
    let to: Day
    let firstMonday: Day
    let weekCount: Int
    let dayCount: Int

    var officeNames: [String] = []
    var officeIndex: [String: Int] = [:]
    var serviceNames: [String] = []
    var serviceIndex: [String: Int] = [:]
    /// Configurations in log order per office, each with the first day it governs.
    var timelines: [Int: [(from: Int32, configuration: OfficeConfiguration)]] = [:]
    /// office << 48 | service (0xFFFF: all) << 32 | day.
    var closures: Set<UInt64> = []
    /// Per office << 16 | service, places held and appointments done per day of the period.
    var counterByOffice: [[Int]] = []
    var counterKeys: [Int] = []
    var places: [[Int32]] = []
    var done: [[Int32]] = []
    /// Appointment key → office << 48 | service << 32 | day.
    var appointments: AppointmentTable
    /// Appointment ids of another shape than `SequenceIDs`', numbered here.
    var otherAppointmentIDs: [String: UInt64] = [:]
    /// Pratica (by hash of its id) → the day its permit was marked ready; the id's bytes kept in
    /// `readyArena` to tell two ids with one hash apart (those go to `readyByText`).
    var ready = HashIndex()
    var readyEntries: [(start: UInt32, length: UInt16, day: Int32)] = []
    var readyArena: [UInt8] = []
    var readyByText: [String: Int32] = [:]
    /// Per office (−1: a pickup no office can be named for), one tally per week, back to back
    /// from office −1 on; `tallied` says which offices have any.
    var tallies: [WeekTally] = []
    var talliedFlags: [Bool] = []

    init(from: Day, to: Day, records: UInt64 = 0) {
        appointments = AppointmentTable(expectedSequences: records)
        ready = HashIndex(capacity: Int(records / 8))
        self.from = from
        self.to = to
        firstMonday = from.adding(days: -Int(from.weekday.rawValue))
        weekCount = to.days(since: firstMonday) / 7 + 1
        dayCount = to.days(since: from) + 1
    }

    @inline(__always) func inPeriod(_ day: Int32) -> Bool {
        day >= from.daysSinceEpoch && day <= to.daysSinceEpoch
    }

    @inline(__always) func week(_ day: Int32) -> Int { Int(day - firstMonday.daysSinceEpoch) / 7 }

    mutating func tally(_ office: Int, _ week: Int, _ body: (inout WeekTally) -> Void) {
        let index = (office + 1) * weekCount + week
        if index >= tallies.count {
            tallies.append(contentsOf: repeatElement(WeekTally(), count: (office + 2) * weekCount - tallies.count))
            talliedFlags.append(contentsOf: repeatElement(false, count: office + 2 - talliedFlags.count))
        }
        talliedFlags[office + 1] = true
        body(&tallies[index])
    }

    mutating func office(_ name: String) -> Int {
        if let index = officeIndex[name] { return index }
        officeNames.append(name)
        officeIndex[name] = officeNames.count - 1
        return officeNames.count - 1
    }

    mutating func service(_ name: String) -> Int {
        if let index = serviceIndex[name] { return index }
        serviceNames.append(name)
        serviceIndex[name] = serviceNames.count - 1
        return serviceNames.count - 1
    }

    mutating func counter(_ office: Int, _ service: Int) -> Int {
        if office < counterByOffice.count, service < counterByOffice[office].count, counterByOffice[office][service] >= 0 {
            return counterByOffice[office][service]
        }
        let key = office << 16 | service
        if office >= counterByOffice.count {
            counterByOffice.append(contentsOf: repeatElement([], count: office - counterByOffice.count + 1))
        }
        if service >= counterByOffice[office].count {
            counterByOffice[office].append(contentsOf: repeatElement(-1, count: service - counterByOffice[office].count + 1))
        }
        counterByOffice[office][service] = places.count
        counterKeys.append(key)
        places.append(Array(repeating: 0, count: dayCount))
        done.append(Array(repeating: 0, count: dayCount))
        return places.count - 1
    }

    mutating func seat(_ counter: Int, _ day: Int32, _ delta: Int32) {
        guard inPeriod(day) else { return }
        places[counter][Int(day - from.daysSinceEpoch)] += delta
    }

    mutating func markDone(_ counter: Int, _ day: Int32) {
        guard inPeriod(day) else { return }
        done[counter][Int(day - from.daysSinceEpoch)] += 1
    }

    mutating func resolve(_ key: UInt64, _ chunk: ReportChunk) -> UInt64 {
        guard key & ReportScan.arenaKeyBit != 0 else { return key }
        let start = Int(key & 0xFFFF_FFFF)
        let length = Int(key >> 32 & 0x7FFF_FFFF)
        let text = String(decoding: chunk.arena[start..<(start + length)], as: UTF8.self)
        if let known = otherAppointmentIDs[text] { return known }
        let assigned = ReportScan.arenaKeyBit | UInt64(otherAppointmentIDs.count)
        otherAppointmentIDs[text] = assigned
        return assigned
    }

    static func pack(_ office: Int, _ service: Int, _ day: Int32) -> UInt64 {
        UInt64(office) << 48 | UInt64(service) << 32 | UInt64(UInt32(bitPattern: day))
    }

    mutating func noteReady(_ chunk: ReportChunk, _ fact: ReportFact) {
        let start = Int(fact.praticaStart)
        let bytes = chunk.arena[start..<(start + Int(fact.praticaLength))]
        let hash = bytes.withUnsafeBytes { ReportScan.hash($0) }
        if let found = ready.find(hash) {
            let existing = readyEntries[Int(found)]
            let known = readyArena[Int(existing.start)..<(Int(existing.start) + Int(existing.length))]
            if known.elementsEqual(bytes) { return }  // marked once per pratica; keep the first
            let text = String(decoding: bytes, as: UTF8.self)
            if readyByText[text] == nil { readyByText[text] = fact.recordDay }
            return
        }
        ready.insert(hash, Int32(readyEntries.count))
        readyEntries.append((UInt32(readyArena.count), fact.praticaLength, fact.recordDay))
        readyArena.append(contentsOf: bytes)
    }

    func readyDay(_ chunk: ReportChunk, _ fact: ReportFact) -> Int32? {
        let start = Int(fact.praticaStart)
        let bytes = chunk.arena[start..<(start + Int(fact.praticaLength))]
        let hash = bytes.withUnsafeBytes { ReportScan.hash($0) }
        if let found = ready.find(hash), case let existing = readyEntries[Int(found)],
           readyArena[Int(existing.start)..<(Int(existing.start) + Int(existing.length))].elementsEqual(bytes) {
            return existing.day
        }
        return readyByText[String(decoding: bytes, as: UTF8.self)]
    }

    mutating func fold(_ chunk: ReportChunk) {
        let offices = chunk.offices.map { office($0) }
        let services = chunk.services.map { service($0) }
        var lastCounterKey = -1
        var lastCounter = 0
        func counterOf(_ builder: inout ReportBuilder, _ office: Int, _ service: Int) -> Int {
            let key = office << 16 | service
            if key == lastCounterKey { return lastCounter }
            lastCounterKey = key
            lastCounter = builder.counter(office, service)
            return lastCounter
        }
        for fact in chunk.facts {
            switch fact.kind {
            case .booked:
                let office = offices[Int(fact.office)]
                let service = services[Int(fact.service)]
                appointments[resolve(fact.key, chunk)] = ReportBuilder.pack(office, service, fact.day)
                seat(counterOf(&self, office, service), fact.day, 1)
                if inPeriod(fact.recordDay) {
                    let deferred = fact.flag == 1
                    let lead = Int(fact.day - fact.recordDay)
                    tally(office, week(fact.recordDay)) {
                        $0.booked += 1
                        if deferred { $0.deferredAtBooking += 1 }
                        $0.lead.add(lead)
                    }
                }
            case .migrated:
                // Held a place and may be missed, but was booked in the previous system: no booking, no lead time.
                let office = offices[Int(fact.office)]
                let service = services[Int(fact.service)]
                appointments[resolve(fact.key, chunk)] = ReportBuilder.pack(office, service, fact.day)
                seat(counterOf(&self, office, service), fact.day, 1)
            case .moved:
                let office = offices[Int(fact.office)]
                let service = services[Int(fact.service)]
                let counter = counterOf(&self, office, service)
                seat(counter, fact.fromDay, -1)
                seat(counter, fact.day, 1)
                let key = resolve(fact.key, chunk)
                if appointments[key] != nil { appointments[key] = ReportBuilder.pack(office, service, fact.day) }
                if inPeriod(fact.recordDay) {
                    let byClosure = fact.flag == AppointmentMoved.Cause.dayClosed.rawValue
                    tally(office, week(fact.recordDay)) {
                        if byClosure { $0.movedByClosure += 1 } else { $0.deferredByOperator += 1 }
                    }
                }
            case .cancelled:
                let office = offices[Int(fact.office)]
                seat(counterOf(&self, office, services[Int(fact.service)]), fact.day, -1)
                if inPeriod(fact.recordDay) { tally(office, week(fact.recordDay)) { $0.cancelled += 1 } }
            case .attended, .missed:
                let office = offices[Int(fact.office)]
                markDone(counterOf(&self, office, services[Int(fact.service)]), fact.day)
                if fact.kind == .missed && inPeriod(fact.day) {
                    tally(office, week(fact.day)) { $0.noShowsMarked += 1 }
                }
            case .ready:
                noteReady(chunk, fact)
            case .delivered:
                var office = -1
                if fact.flag == 1, let packed = appointments[resolve(fact.key, chunk)] {
                    office = Int(packed >> 48)
                    let service = Int(packed >> 32 & 0xFFFF)
                    markDone(counterOf(&self, office, service), Int32(bitPattern: UInt32(packed & 0xFFFF_FFFF)))
                } else if fact.flag == 2 {
                    office = offices[Int(fact.office)]
                }
                if inPeriod(fact.recordDay), let readyDay = readyDay(chunk, fact) {
                    let delay = Int(fact.recordDay - readyDay)
                    tally(office, week(fact.recordDay)) { $0.pickup.add(delay) }
                }
            case .configured:
                let office = offices[Int(fact.office)]
                timelines[office, default: []].append((fact.day, chunk.configurations[Int(fact.key)]))
            case .closed:
                let office = offices[Int(fact.office)]
                let service = fact.flag == 1 ? services[Int(fact.service)] : 0xFFFF
                closures.insert(UInt64(office) << 48 | UInt64(service) << 32 | UInt64(UInt32(bitPattern: fact.day)))
            }
        }
    }

    /// The places a service's calendar offered on a day, and whether the day was closed.
    func offered(_ office: Int, _ service: Int, _ day: Day,
                 _ configuration: OfficeConfiguration?) -> (capacity: Int, closed: Bool) {
        guard let configuration, configuration.service(ServiceID(serviceNames[service])) != nil else { return (0, false) }
        let stamp = UInt64(UInt32(bitPattern: day.daysSinceEpoch))
        if closures.contains(UInt64(office) << 48 | 0xFFFF << 32 | stamp)
            || closures.contains(UInt64(office) << 48 | UInt64(service) << 32 | stamp) {
            return (0, true)
        }
        let offered = Calendars.seats(configuration, ServiceID(serviceNames[service]), on: day)
        return (offered.seats, offered.closed)
    }

    func tallied(_ office: Int) -> Bool { office + 1 < talliedFlags.count && talliedFlags[office + 1] }

    mutating func finish(observedThrough: Day, offices selection: [OfficeID]) -> Report.Result {
        // Every service any configuration of an office names has a calendar, booked or not.
        for (office, timeline) in timelines {
            for entry in timeline {
                for service in entry.configuration.services { _ = counter(office, self.service(service.id.rawValue)) }
            }
        }
        var daily: [Report.DayRow] = []
        var capacityByWeek: [Int: [Int]] = [:]
        var placesByWeek: [Int: [Int]] = [:]
        for (counterIndex, key) in counterKeys.enumerated() {
            let office = key >> 16
            let service = key & 0xFFFF
            let timeline = timelines[office] ?? []
            for offset in 0..<dayCount {
                let day = from.adding(days: offset)
                let configuration = timeline.last { $0.from <= day.daysSinceEpoch }?.configuration
                var (capacity, closed) = offered(office, service, day, configuration)
                let held = Int(places[counterIndex][offset])
                // A closed day keeps only what was served on it, with no room beside it.
                if closed { capacity = held }
                if day <= observedThrough {
                    let unmarked = held - Int(done[counterIndex][offset])
                    if unmarked > 0 { tally(office, week(day.daysSinceEpoch)) { $0.noShowsUnmarked += unmarked } }
                }
                let weekIndex = week(day.daysSinceEpoch)
                capacityByWeek[office, default: Array(repeating: 0, count: weekCount)][weekIndex] += capacity
                placesByWeek[office, default: Array(repeating: 0, count: weekCount)][weekIndex] += held
                daily.append(Report.DayRow(office: officeNames[office], service: serviceNames[service], day: day,
                                           capacity: capacity, places: held, closed: closed))
            }
        }
        let wanted = Set(selection.map(\.rawValue))
        let chosen = officeNames.indices
            .filter { (wanted.isEmpty || wanted.contains(officeNames[$0])) && (tallied($0) || capacityByWeek[$0] != nil) }
            .sorted { officeNames[$0] < officeNames[$1] }
        func row(_ name: String, _ week: Int?, _ tally: WeekTally, capacity: Int, places: Int) -> Report.Row {
            let start = week.map { firstMonday.adding(days: 7 * $0) }
            return Report.Row(
                office: name, week: start.map(ReportBuilder.isoWeek), weekStart: start, booked: tally.booked,
                deferredAtBooking: tally.deferredAtBooking, movedByClosure: tally.movedByClosure,
                deferredByOperator: tally.deferredByOperator, cancelled: tally.cancelled,
                noShowsMarked: tally.noShowsMarked, noShowsUnmarked: tally.noShowsUnmarked, capacity: capacity,
                places: places, leadCount: tally.lead.total, leadMedian: tally.lead.median, leadP90: tally.lead.p90,
                pickupCount: tally.pickup.total, pickupMedian: tally.pickup.median, pickupP90: tally.pickup.p90)
        }
        var weekly: [Report.Row] = []
        var totals: [Report.Row] = []
        var allWeeks = Array(repeating: WeekTally(), count: weekCount)
        var allCapacity = Array(repeating: 0, count: weekCount)
        var allPlaces = Array(repeating: 0, count: weekCount)
        var members = chosen
        // A pickup no office can be named for counts in ALL only, and only when ALL is every office.
        if wanted.isEmpty && tallied(-1) { members.append(-1) }
        for office in members {
            let start = (office + 1) * weekCount
            let tallies = tallied(office) ? Array(self.tallies[start..<(start + weekCount)])
                : Array(repeating: WeekTally(), count: weekCount)
            let capacity = capacityByWeek[office] ?? Array(repeating: 0, count: weekCount)
            let held = placesByWeek[office] ?? Array(repeating: 0, count: weekCount)
            var total = WeekTally()
            for index in 0..<weekCount {
                if office >= 0 {
                    weekly.append(row(officeNames[office], index, tallies[index], capacity: capacity[index], places: held[index]))
                }
                total.merge(tallies[index])
                allWeeks[index].merge(tallies[index])
                allCapacity[index] += capacity[index]
                allPlaces[index] += held[index]
            }
            if office >= 0 {
                totals.append(row(officeNames[office], nil, total, capacity: capacity.reduce(0, +), places: held.reduce(0, +)))
            }
        }
        var allTotal = WeekTally()
        for index in 0..<weekCount {
            weekly.append(row("ALL", index, allWeeks[index], capacity: allCapacity[index], places: allPlaces[index]))
            allTotal.merge(allWeeks[index])
        }
        totals.append(row("ALL", nil, allTotal, capacity: allCapacity.reduce(0, +), places: allPlaces.reduce(0, +)))
        let chosenNames = Set(chosen.map { officeNames[$0] })
        daily = daily.filter { chosenNames.contains($0.office) }
            .sorted { ($0.office, $0.service, $0.day) < ($1.office, $1.service, $1.day) }
        var result = Report.Result(from: from, to: to, observedThrough: observedThrough, records: 0, seconds: 0,
                                   offices: chosen.map { officeNames[$0] }, weekly: weekly, totals: totals, daily: daily)
        result.officesInLog = officeNames.indices.filter { tallied($0) || capacityByWeek[$0] != nil }
            .map { officeNames[$0] }.sorted()
        return result
    }

    /// ISO 8601 week of a Monday: `2008-W16`.
    static func isoWeek(_ monday: Day) -> String {
        let thursday = monday.adding(days: 3)
        let year = thursday.civil.year
        guard let january1 = Day(year: year, month: 1, day: 1) else { return monday.description }
        let number = thursday.days(since: january1) / 7 + 1
        return "\(year)-W\(number < 10 ? "0" : "")\(number)"
    }
}
