import Events

/// The appointment as an iCalendar file (RFC 5545): one VEVENT whose start and end are local
/// times in `TZID=Europe/Rome`, with the zone's rules in a VTIMEZONE, so a calendar shows
/// 09:20 on both sides of a daylight-saving change — the appointment is kept in local time,
/// and the file says so instead of converting it to UTC.
public enum ICalendar {
    public static func render(_ note: AppointmentNote, language: DocumentLanguage) -> String {
        let wording = Wording.note(for: note, language)
        let labels = Wording.labels(language)
        let colon = language.colon
        let end = endOf(note.day, note.time, minutes: note.durationMinutes)
        var description = [wording.subtitle, "",
                           "\(labels.appointment)\(colon) \(note.appointment.rawValue)",
                           "\(labels.pratica)\(colon) \(note.pratica.rawValue)",
                           "\(labels.applicant)\(colon) \(note.surname.uppercased()) \(note.name)", "",
                           wording.intro, "", wording.bringHeading + colon]
        description += wording.bring.enumerated().map { "\($0.offset + 1). \($0.element)" }
        description += ["", wording.closing]
        let location = note.officeAddress.isEmpty ? note.officeName : "\(note.officeName), \(note.officeAddress)"
        let lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Agenda//Documents 1//IT",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
        ] + romeTimeZone + [
            "BEGIN:VEVENT",
            // Stable: the same appointment gives the same UID however often it is printed, so a
            // calendar replaces the event when a deferral is printed again.
            "UID:\(text(note.appointment.rawValue))@agenda.\(text(note.office.rawValue))",
            "DTSTAMP:" + utc(note.recordedAt),
            "SEQUENCE:0",
            "DTSTART;TZID=Europe/Rome:" + local(note.day, note.time),
            "DTEND;TZID=Europe/Rome:" + local(end.day, end.time),
            "SUMMARY;LANGUAGE=\(language.tag):" + text("\(wording.title)\(colon) \(note.serviceName) – \(note.appointment.rawValue)"),
            "LOCATION;LANGUAGE=\(language.tag):" + text(location),
            "DESCRIPTION;LANGUAGE=\(language.tag):" + text(description.joined(separator: "\n")),
            "STATUS:CONFIRMED",
            "TRANSP:OPAQUE",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "DESCRIPTION:" + text(wording.title),
            "TRIGGER:-P1D",
            "END:VALARM",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
        return lines.map(fold).joined()
    }

    /// Europe/Rome since 1996 (the EU rule): CEST from the last Sunday of March 02:00 local,
    /// CET from the last Sunday of October 03:00 local — the rule `RomeTime` applies.
    static let romeTimeZone = [
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Rome",
        "X-LIC-LOCATION:Europe/Rome",
        "BEGIN:DAYLIGHT",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "TZNAME:CEST",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "TZNAME:CET",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]

    /// `20260330T092000`: a local date-time, read in the TZID it is given with.
    static func local(_ day: Day, _ time: LocalTime) -> String {
        let (year, month, dayOfMonth) = day.civil
        return pad(year, 4) + pad(month, 2) + pad(dayOfMonth, 2) + "T" + pad(Int(time.minutesSinceMidnight) / 60, 2)
            + pad(Int(time.minutesSinceMidnight) % 60, 2) + "00"
    }

    /// `20260330T071500Z`.
    static func utc(_ instant: Instant) -> String {
        let seconds = instant.millisecondsSinceEpoch >= 0 ? instant.millisecondsSinceEpoch / 1000
            : (instant.millisecondsSinceEpoch - 999) / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = Int(seconds - days * 86_400)
        let (year, month, dayOfMonth) = Day(daysSinceEpoch: Int32(days)).civil
        return pad(year, 4) + pad(month, 2) + pad(dayOfMonth, 2) + "T" + pad(rest / 3600, 2) + pad(rest / 60 % 60, 2)
            + pad(rest % 60, 2) + "Z"
    }

    /// The end of a slot, in local time; a slot never runs past midnight, but if one did the
    /// date would roll over rather than the time wrap.
    static func endOf(_ day: Day, _ time: LocalTime, minutes: Int) -> (day: Day, time: LocalTime) {
        let total = Int(time.minutesSinceMidnight) + max(minutes, 0)
        return (day.adding(days: total / 1440), LocalTime(minutesSinceMidnight: UInt16(total % 1440)))
    }

    /// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped, a line break as `\n`.
    static func text(_ value: String) -> String {
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case ";": escaped += "\\;"
            case ",": escaped += "\\,"
            case "\n": escaped += "\\n"
            case "\r": break
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// One content line, CRLF-terminated and folded (§3.1) so no line passes 75 octets: a
    /// continuation starts with a space, and a cut never falls inside a UTF-8 sequence.
    static func fold(_ line: String) -> String {
        var output = ""
        var octets = 0
        for scalar in line.unicodeScalars {
            let size = String(scalar).utf8.count
            if octets + size > 75 {
                output += "\r\n "
                octets = 1  // the continuation's leading space
            }
            output.unicodeScalars.append(scalar)
            octets += size
        }
        return output + "\r\n"
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
