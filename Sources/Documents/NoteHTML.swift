import Events

/// The note as a self-contained HTML page laid out for one A4 sheet.
public enum NoteHTML {
    public static func render(_ note: AppointmentNote, language: DocumentLanguage) -> String {
        let wording = Wording.note(for: note, language)
        let labels = Wording.labels(language)
        let italian = Wording.note(for: note, .italian)
        let e = HTML.escape
        let latin = language.isRightToLeft ? HTML.latin : HTML.escape
        var body = "<header class=\"office-head\">\n<div class=\"office-name\"><strong>\(e(note.officeName))</strong></div>\n"
        if !note.officeAddress.isEmpty { body += "<div class=\"office-address\">\(e(note.officeAddress))</div>\n" }
        body += "</header>\n<main>\n<h1>\(e(wording.title))</h1>\n<p class=\"subtitle\">\(e(wording.subtitle))</p>\n"
        if language != .italian {
            body += "<p class=\"muted\" lang=\"it\" dir=\"ltr\">\(e(italian.title)) – \(e(italian.subtitle))</p>\n"
        }
        let rows: [(String, String, String)] = [
            ("applicant", labels.applicant, latin("\(note.surname.uppercased()) \(note.name)")),
            ("birthdate", labels.birthDate, e(CalendarWords.date(note.birthDate, language))),
            ("pratica", labels.pratica, latin(note.pratica.rawValue)),
            ("visto", labels.visto, note.visto.isEmpty ? "" : latin(note.visto)),
            ("day", labels.day, "<strong>\(e(CalendarWords.longDate(note.day, language)))</strong>"),
            ("time", labels.time, "<strong>\(latin(CalendarWords.time(note.time, language)))</strong>"),
            ("office", labels.office, e(note.officeName)),
            ("address", labels.address, e(note.officeAddress)),
            ("appointment", labels.appointment, "<strong>\(latin(note.appointment.rawValue))</strong>"),
        ].filter { !$0.2.isEmpty }
        body += "<table class=\"fields\">\n"
        for (key, label, value) in rows {
            body += "<tr class=\"\(key)\"><th scope=\"row\">\(e(label))</th><td>\(value)</td></tr>\n"
        }
        body += "</table>\n<p>\(e(wording.intro))</p>\n<h2>\(e(wording.bringHeading))</h2>\n<ol class=\"bring\">\n"
        for item in wording.bring { body += "<li>\(e(item))</li>\n" }
        body += "</ol>\n<p>\(e(wording.closing))</p>\n</main>\n"
        body += "<footer class=\"muted\">\(e(labels.bookedBy))\(e(language.colon)) \(latin(note.bookedBy)) · "
            + "\(e(labels.printedFrom)) \(latin(String(note.recordSequence)))"
            + "<br><code class=\"record-hash\">\(latin(note.recordHash.description))</code>"
        if let code = QRCode(note.recordReference) {
            body += "\n<div class=\"record-qr\" data-record=\"\(e(note.recordReference))\">"
                + code.svg(sizeMillimetres: 28, label: note.recordReference) + "</div>"
        }
        body += "</footer>\n"
        let style = """
            table.fields { border-collapse: collapse; width: 100%; margin: 0 0 5mm; }
            table.fields th, table.fields td { border: 0.3mm solid #000; padding: 2mm 3mm; text-align: start; vertical-align: top; }
            table.fields th { width: 38%; font-weight: normal; background: #eee; }
            tr.day td, tr.time td, tr.appointment td { font-size: 13pt; }
            ol.bring li { margin: 1mm 0; }
            footer { margin-top: 8mm; border-top: 0.2mm solid #888; padding-top: 2mm; }
            code.record-hash { font-size: 7pt; word-break: break-all; }
            div.record-qr { margin-top: 2mm; }
            """
        return HTML.page(title: "\(wording.title) \(note.appointment.rawValue)", language: language, style: style, body: body)
    }
}
