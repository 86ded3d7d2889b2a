// The small value types every other module speaks in: ids, days, local times, instants.

/// A short office id an operator can type: `RM-Q` (Questura di Roma), `RM-P`, `RM-S`.
public struct OfficeID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A service an office offers: `fotosegnalamento`, `consegna-permesso`, ...
public struct ServiceID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A numero di pratica: the application dossier, e.g. `P-RM-2008-000123`.
public struct PraticaID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// An appointment id, made by the id source the decider is given (never read inside it).
public struct AppointmentID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A civil date, counted in days since 1970-01-01. No time zone: a Day is the office's own date.
public struct Day: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let daysSinceEpoch: Int32
    public init(daysSinceEpoch: Int32) { self.daysSinceEpoch = daysSinceEpoch }

    /// Returns nil for a date that does not exist (2009-02-29) or lies outside years 1900...9999.
    public init?(year: Int, month: Int, day: Int) {
        guard (1900...9999).contains(year), (1...12).contains(month), day >= 1,
              day <= Day.daysIn(month: month, year: year) else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        self.daysSinceEpoch = Int32(era * 146_097 + dayOfEra - 719_468)
    }

    /// Parses `YYYY-MM-DD`.
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = Day.digits(bytes[0..<4]), let month = Day.digits(bytes[5..<7]),
              let day = Day.digits(bytes[8..<10]) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public var civil: (year: Int, month: Int, day: Int) {
        // Howard Hinnant's civil_from_days.
        let z = Int(daysSinceEpoch) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Monday is 0, Sunday is 6 (1970-01-01 was a Thursday).
    public var weekday: Weekday {
        let index = (Int(daysSinceEpoch) % 7 + 7 + 3) % 7
        return Weekday(rawValue: UInt8(index))!  // index is in 0...6 by construction
    }

    public func adding(days: Int) -> Day { Day(daysSinceEpoch: daysSinceEpoch + Int32(days)) }
    public func days(since other: Day) -> Int { Int(daysSinceEpoch) - Int(other.daysSinceEpoch) }

    public var description: String {
        let (year, month, day) = civil
        return Day.pad(year, 4) + "-" + Day.pad(month, 2) + "-" + Day.pad(day, 2)
    }

    public static func < (lhs: Day, rhs: Day) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func digits(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

public enum Weekday: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case monday, tuesday, wednesday, thursday, friday, saturday, sunday
    /// The short English names the fixtures use (`mon` ... `sun`).
    public var shortName: String { ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][Int(rawValue)] }
    public var description: String { shortName }
}

/// A local wall-clock time in the office's zone (Europe/Rome), as minutes since midnight.
/// Appointments are kept in local time so a daylight-saving change never moves them.
public struct LocalTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let minutesSinceMidnight: UInt16
    public init(minutesSinceMidnight: UInt16) { self.minutesSinceMidnight = minutesSinceMidnight }
    public init?(hour: Int, minute: Int) {
        guard (0..<24).contains(hour), (0..<60).contains(minute) else { return nil }
        self.minutesSinceMidnight = UInt16(hour * 60 + minute)
    }
    /// Parses `HH:MM`.
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":"),
              let hour = Day.digits(bytes[0..<2]), let minute = Day.digits(bytes[3..<5]) else { return nil }
        self.init(hour: hour, minute: minute)
    }
    public static let midnight = LocalTime(minutesSinceMidnight: 0)
    public var description: String {
        Day.pad(Int(minutesSinceMidnight) / 60, 2) + ":" + Day.pad(Int(minutesSinceMidnight) % 60, 2)
    }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.minutesSinceMidnight < rhs.minutesSinceMidnight }
}

/// A point in time: milliseconds since 1970-01-01T00:00:00Z. Given to the decider, never read by it.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let millisecondsSinceEpoch: Int64
    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch }

    /// The UTC instant of a local date and time in Europe/Rome.
    public init(romeDay: Day, time: LocalTime) {
        let localMilliseconds = (Int64(romeDay.daysSinceEpoch) * 1440 + Int64(time.minutesSinceMidnight)) * 60_000
        // Try winter time first; a local time that exists in summer time is read as such.
        let summer = localMilliseconds - 7_200_000
        self.millisecondsSinceEpoch = RomeTime.isSummerTime(Instant(millisecondsSinceEpoch: summer))
            ? summer : localMilliseconds - 3_600_000
    }

    /// `2008-04-21T09:15:00.000Z`.
    public var description: String {
        let milliseconds = millisecondsSinceEpoch
        let dayNumber = milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000
        let rest = milliseconds - dayNumber * 86_400_000
        let day = Day(daysSinceEpoch: Int32(dayNumber))
        let seconds = rest / 1000
        return day.description + "T" + Day.pad(Int(seconds / 3600), 2) + ":" + Day.pad(Int(seconds / 60 % 60), 2)
            + ":" + Day.pad(Int(seconds % 60), 2) + "." + Day.pad(Int(rest % 1000), 3) + "Z"
    }
}

/// Europe/Rome: CET (UTC+1), and CEST (UTC+2) from the last Sunday of March 01:00 UTC to the
/// last Sunday of October 01:00 UTC — the EU rule in force since 1996, covering every year
/// Agenda deals with. Computed here rather than read from the system's zone database so a
/// replay decides the same on any machine.
public enum RomeTime {
    public static func isSummerTime(_ instant: Instant) -> Bool {
        let utcDay = Day(daysSinceEpoch: Int32(floorDivide(instant.millisecondsSinceEpoch, 86_400_000)))
        let year = utcDay.civil.year
        let start = lastSunday(month: 3, year: year)
        let end = lastSunday(month: 10, year: year)
        let startInstant = Int64(start.daysSinceEpoch) * 86_400_000 + 3_600_000
        let endInstant = Int64(end.daysSinceEpoch) * 86_400_000 + 3_600_000
        return instant.millisecondsSinceEpoch >= startInstant && instant.millisecondsSinceEpoch < endInstant
    }

    /// The offset from UTC in minutes at that instant: 60 or 120.
    public static func offsetMinutes(at instant: Instant) -> Int { isSummerTime(instant) ? 120 : 60 }

    /// The office's local date at that instant.
    public static func day(of instant: Instant) -> Day {
        let local = instant.millisecondsSinceEpoch + Int64(offsetMinutes(at: instant)) * 60_000
        return Day(daysSinceEpoch: Int32(floorDivide(local, 86_400_000)))
    }

    /// The office's local wall-clock time at that instant.
    public static func time(of instant: Instant) -> LocalTime {
        let local = instant.millisecondsSinceEpoch + Int64(offsetMinutes(at: instant)) * 60_000
        let minutes = floorDivide(local, 60_000) - floorDivide(local, 86_400_000) * 1440
        return LocalTime(minutesSinceMidnight: UInt16(minutes))
    }

    static func lastSunday(month: Int, year: Int) -> Day {
        // Both months have 31 days.
        let last = Day(year: year, month: month, day: 31) ?? Day(daysSinceEpoch: 0)
        return last.adding(days: -Int((last.weekday.rawValue + 1) % 7))
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }
}
