import Events

/// Dates and times as each language writes them on a letter: `lunedì 30 marzo 2026`,
/// `Monday 30 March 2026`, `lundi 1er juin 2026`, `الاثنين 30 مارس 2026`. Written out here,
/// not taken from the system's locale data, so a note prints the same on every machine.
enum CalendarWords {
    static func weekday(_ day: Day, _ language: DocumentLanguage) -> String {
        let index = Int(day.weekday.rawValue)  // Monday first
        switch language {
        case .italian: return ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"][index]
        case .english: return ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][index]
        case .french: return ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"][index]
        case .arabic: return ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"][index]
        }
    }

    static func month(_ month: Int, _ language: DocumentLanguage) -> String {
        let index = month - 1
        switch language {
        case .italian:
            return ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
                    "ottobre", "novembre", "dicembre"][index]
        case .english:
            return ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                    "November", "December"][index]
        case .french:
            return ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                    "novembre", "décembre"][index]
        case .arabic:
            // The names used in Egypt and the Maghreb (from the French), read across the Arab world.
            return ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر",
                    "نوفمبر", "ديسمبر"][index]
        }
    }

    /// `30 marzo 2026`; French writes the first of the month `1er`.
    static func date(_ day: Day, _ language: DocumentLanguage) -> String {
        let (year, month, dayOfMonth) = day.civil
        let number = language == .french && dayOfMonth == 1 ? "1er" : String(dayOfMonth)
        return "\(number) \(self.month(month, language)) \(year)"
    }

    /// `lunedì 30 marzo 2026`.
    static func longDate(_ day: Day, _ language: DocumentLanguage) -> String {
        "\(weekday(day, language)) \(date(day, language))"
    }

    /// `09:20`; French writes `9 h 20`.
    static func time(_ time: LocalTime, _ language: DocumentLanguage) -> String {
        guard language == .french else { return time.description }
        let hour = Int(time.minutesSinceMidnight) / 60
        let minute = Int(time.minutesSinceMidnight) % 60
        return "\(hour)\u{00A0}h\u{00A0}" + (minute < 10 ? "0\(minute)" : "\(minute)")
    }
}
