import Events

/// The note as plain text, for a terminal, a text printer or a mail body.
public enum NoteText {
    public static func render(_ note: AppointmentNote, language: DocumentLanguage) -> String {
        let wording = Wording.note(for: note, language)
        let labels = Wording.labels(language)
        let colon = language.colon
        // In right-to-left text, ids, dates in digits and times are isolated left to right
        // (U+2066 LEFT-TO-RIGHT ISOLATE … U+2069 POP DIRECTIONAL ISOLATE), as <bdi> does in HTML.
        let latin: (String) -> String = language.isRightToLeft ? { "\u{2066}\($0)\u{2069}" } : { $0 }
        var lines: [String] = []
        lines.append(note.officeName)
        if !note.officeAddress.isEmpty { lines.append(note.officeAddress) }
        lines.append("")
        lines.append(wording.title.uppercased())
        lines.append(wording.subtitle)
        if language != .italian {
            lines.append("(" + Wording.note(for: note, .italian).title + " – " + Wording.note(for: note, .italian).subtitle + ")")
        }
        lines.append("")
        let fields: [(String, String)] = [
            (labels.applicant, latin("\(note.surname.uppercased()) \(note.name)")),
            (labels.birthDate, CalendarWords.date(note.birthDate, language)),
            (labels.pratica, latin(note.pratica.rawValue)),
            (labels.visto, latin(note.visto)),
            (labels.office, note.officeName),
            (labels.address, note.officeAddress),
            (labels.day, CalendarWords.longDate(note.day, language)),
            (labels.time, latin(CalendarWords.time(note.time, language))),
            (labels.appointment, latin(note.appointment.rawValue)),
        ].filter { !$0.1.isEmpty }
        if language.isRightToLeft {
            // Padding aligns nothing in right-to-left text; one field a line.
            lines += fields.map { "\($0.0)\(colon) \($0.1)" }
        } else {
            let width = fields.map(\.0.count).max() ?? 0
            lines += fields.map { $0.0 + colon + String(repeating: " ", count: width - $0.0.count + 1) + $0.1 }
        }
        lines.append("")
        lines += wrap(wording.intro, width: 78)
        lines.append("")
        lines.append(wording.bringHeading + colon)
        for (index, item) in wording.bring.enumerated() {
            let wrapped = wrap(item, width: 74)
            lines.append("\(index + 1). " + (wrapped.first ?? ""))
            lines += wrapped.dropFirst().map { "   " + $0 }
        }
        lines.append("")
        lines += wrap(wording.closing, width: 78)
        lines.append("")
        lines.append("\(labels.bookedBy)\(colon) \(latin(note.bookedBy)) · \(labels.printedFrom) \(latin(String(note.recordSequence)))")
        lines.append(latin(note.recordHash.description))
        // The record and its hash as a QR code, for a phone to read back (`replay proof`).
        if let code = QRCode(note.recordReference) { lines += code.textLines }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Breaks at spaces so no line passes `width` characters (a longer word stays whole).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if line.isEmpty {
                line = String(word)
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
