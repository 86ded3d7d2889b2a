import Events
import Projections

/// `replay as-of`: the views as they stood at a past instant — the log folded up to the last
/// record decided at or before it.
public enum AsOf {
    /// The state at `instant`: the longest prefix of the log whose records were all decided at
    /// or before it. (Decision times only go forward while a node runs; if a clock was set back
    /// between two runs, the prefix still ends at the first record decided after `instant`.)
    /// With `checkpoints`, the fold starts from the latest one whose records were all decided
    /// by `instant` (checked against the log first) instead of the first record.
    public static func views(_ directory: DataDirectory, at instant: Instant, checkpoints: Checkpoints? = nil,
                             progress: ((UInt64) -> Void)? = nil) throws -> Views {
        var views = Views()
        if let entry = checkpoints?.nearest(decidedBy: instant) { views = try Checkpoints.views(entry, of: directory) }
        var changes = Changes()
        var nextProgress = views.headSequence + ReplayLimits.progressEveryRecords
        try directory.decodedRecords(from: views.headSequence + 1) { records in
            for record in records {
                if record.decidedAt > instant { return false }
                try Rebuild.checkLink(record, views)
                views.apply(record, changes: &changes)
            }
            // Nothing reads the changes: emptied once a chunk, not after every record.
            changes.removeAll()
            if let progress, views.headSequence >= nextProgress {
                progress(views.headSequence)
                nextProgress = views.headSequence + ReplayLimits.progressEveryRecords
            }
            return true
        }
        return views
    }

    /// Parses `2008-06-01T12:00`, `2008-06-01T12:00:30` (Rome wall-clock time, what an office
    /// means), or either with a trailing `Z` (UTC).
    public static func instant(parsing text: String) -> Instant? {
        var text = Substring(text)
        let utc = text.hasSuffix("Z")
        if utc { text = text.dropLast() }
        let parts = text.split(separator: "T", omittingEmptySubsequences: false)
        guard parts.count == 2, let day = Day(parts[0]) else { return nil }
        let clock = parts[1]
        let hourMinute = clock.prefix(5)
        guard let time = LocalTime(hourMinute) else { return nil }
        var seconds: Int64 = 0
        if clock.count > 5 {
            let rest = clock.dropFirst(5)
            guard rest.count == 3, rest.first == ":", let value = Int64(rest.dropFirst()), value < 60 else { return nil }
            seconds = value
        } else if clock.count != 5 {
            return nil
        }
        let base = utc
            ? Instant(millisecondsSinceEpoch: (Int64(day.daysSinceEpoch) * 1440 + Int64(time.minutesSinceMidnight)) * 60_000)
            : Instant(romeDay: day, time: time)
        return Instant(millisecondsSinceEpoch: base.millisecondsSinceEpoch + seconds * 1000)
    }

    // MARK: - agenda OFFICE DATE

    public struct AgendaLine: Equatable, Sendable {
        public var time: LocalTime
        public var service: ServiceID
        public var appointment: AppointmentID
        public var pratica: PraticaID?
        public var state: String
        public var bookedBy: String
        public var bookedSequence: UInt64
    }

    /// The office's day as its agenda showed it: every appointment seated there, by time, then
    /// by the record that booked it.
    public static func agenda(_ views: Views, office: OfficeID, day: Day) throws -> [AgendaLine] {
        guard let officeView = views.offices[office] else {
            throw ReplayError.notFound("\(office) was not configured at that instant; check the office id and --at")
        }
        var lines: [AgendaLine] = []
        for service in officeView.configuration.services.map(\.id) {
            for entry in views.day(DayKey(office, service, day))?.entries ?? [] {
                let appointment = views.appointments[entry.appointment]
                lines.append(AgendaLine(time: entry.time, service: service, appointment: entry.appointment,
                                        pratica: appointment?.pratica, state: appointment?.state.description ?? "unknown",
                                        bookedBy: appointment?.bookedBy ?? "", bookedSequence: entry.bookedSequence))
            }
        }
        return lines.sorted { ($0.time, $0.bookedSequence) < ($1.time, $1.bookedSequence) }
    }

    public static func agendaJSON(office: OfficeID, day: Day, at instant: Instant, head: UInt64, _ lines: [AgendaLine]) -> JSON {
        .object([
            ("office", .string(office.rawValue)), ("day", RecordJSON.day(day)), ("at", RecordJSON.instant(instant)),
            ("throughSequence", .unsigned(head)),
            ("appointments", .array(lines.map { line in
                .object([
                    ("time", RecordJSON.time(line.time)), ("service", .string(line.service.rawValue)),
                    ("appointment", .string(line.appointment.rawValue)),
                    ("pratica", .optional(line.pratica) { .string($0.rawValue) }), ("state", .string(line.state)),
                    ("bookedBy", .string(line.bookedBy)), ("bookedSequence", .unsigned(line.bookedSequence)),
                ])
            })),
        ])
    }

    public static func agendaTable(office: OfficeID, day: Day, _ lines: [AgendaLine]) -> String {
        guard !lines.isEmpty else { return "no appointments at \(office) on \(day)\n" }
        return Table.render(header: ["time", "service", "appointment", "pratica", "state", "booked by"], rows: lines.map {
            [$0.time.description, $0.service.rawValue, $0.appointment.rawValue, $0.pratica?.rawValue ?? "?", $0.state,
             $0.bookedBy]
        })
    }

    // MARK: - capacity OFFICE SERVICE FROM TO

    public struct CapacityLine: Equatable, Sendable {
        public var day: Day
        public var closed: Bool
        public var capacity: Int
        public var booked: Int
        /// Slot by slot: a slot migrated past its capacity has no free seat, the others keep theirs.
        public var free: Int
    }

    /// Each day's capacity and bookings, from `from` through `to`; a day nothing touched has
    /// the slots the configuration then in force gave it.
    public static func capacity(_ views: Views, office: OfficeID, service: ServiceID, from: Day, to: Day) throws
        -> [CapacityLine] {
        guard let officeView = views.offices[office] else {
            throw ReplayError.notFound("\(office) was not configured at that instant; check the office id and --at")
        }
        guard officeView.configuration.service(service) != nil else {
            throw ReplayError.notFound("\(office) offered no \(service) at that instant")
        }
        guard from <= to, to.days(since: from) < 3_660 else {
            throw ReplayError.badArgument("FROM must not be after TO, and the range at most ten years")
        }
        var lines: [CapacityLine] = []
        var day = from
        while day <= to {
            let load = views.day(DayKey(office, service, day)) ?? officeView.freshLoad(service, on: day)
            lines.append(CapacityLine(day: day, closed: load.closed, capacity: load.capacity, booked: load.booked,
                                      free: load.free))
            day = day.adding(days: 1)
        }
        return lines
    }

    public static func capacityJSON(office: OfficeID, service: ServiceID, at instant: Instant, head: UInt64,
                                    _ lines: [CapacityLine]) -> JSON {
        .object([
            ("office", .string(office.rawValue)), ("service", .string(service.rawValue)),
            ("at", RecordJSON.instant(instant)), ("throughSequence", .unsigned(head)),
            ("days", .array(lines.map { line in
                .object([
                    ("day", RecordJSON.day(line.day)), ("closed", .bool(line.closed)),
                    ("capacity", .int(Int64(line.capacity))), ("booked", .int(Int64(line.booked))),
                    ("free", .int(Int64(line.free))),
                ])
            })),
        ])
    }

    public static func capacityTable(_ lines: [CapacityLine]) -> String {
        Table.render(header: ["day", "weekday", "capacity", "booked", "free"], rows: lines.map {
            [$0.day.description, $0.day.weekday.shortName, $0.closed ? "closed" : "\($0.capacity)", "\($0.booked)",
             "\($0.free)"]
        })
    }
}
