import Events

/// The day's list as CSV (for a spreadsheet or a mail attachment) and as a printable page.
public enum DayListRender {
    // MARK: - CSV

    /// A header row, one row per appointment, and last a row `#head,SEQ:HASH,<when>` padded to
    /// the same width (RFC 4180 wants every record the same length), so the published head
    /// travels with the file; `<when>` is `end-of-day`, `provisional` (the day was still
    /// running) or `as-of` (an agenda, read at that head). A signed list adds a last row
    /// `#signed-head,SIZE:HASH:ROOT:SIGNATURE,<public key>`.
    public static func csv(_ list: DayList) -> String {
        let header = columns(list.kind)
        var output = CSV.record(header.map(\.name))
        for row in list.rows { output += CSV.record(header.map { $0.value(row) }) }
        var last = ["#head", list.head.description, headNote(list)]
        last += Array(repeating: "", count: max(0, header.count - last.count))
        output += CSV.record(last)
        if let signed = list.signedHead {
            var row = ["#signed-head", signed.description, list.signingKey ?? ""]
            row += Array(repeating: "", count: max(0, header.count - row.count))
            output += CSV.record(row)
        }
        return output
    }

    struct Column {
        let name: String
        let title: String
        let value: (DayList.Row) -> String
    }

    static func columns(_ kind: DayList.Kind) -> [Column] {
        let applicantColumns = [
            Column(name: "pratica", title: "Pratica") { $0.pratica.rawValue },
            Column(name: "surname", title: "Cognome") { $0.surname },
            Column(name: "name", title: "Nome") { $0.name },
            Column(name: "birth_date", title: "Nato/a il") { $0.birthDate?.description ?? "" },
            Column(name: "nationality", title: "Cittadinanza") { $0.nationality },
            Column(name: "visto", title: "Visto") { $0.visto },
        ]
        switch kind {
        case .booked:
            return [Column(name: "appointment", title: "Appuntamento") { $0.appointment.rawValue }] + applicantColumns + [
                Column(name: "service", title: "Servizio") { $0.service.rawValue },
                Column(name: "date", title: "Giorno") { $0.day.description },
                Column(name: "time", title: "Ora") { $0.time.description },
                Column(name: "state", title: "Stato") { $0.state },
                Column(name: "moved", title: "Spostato") { $0.moved ? "1" : "0" },
                Column(name: "booked_at", title: "Fissato alle") { $0.bookedAt.map(romeClock) ?? "" },
                Column(name: "booked_by", title: "Fissato da") { $0.bookedBy },
                Column(name: "operator", title: "Operatore") { $0.bookedByOperator },
            ]
        case .agenda:
            return [
                Column(name: "time", title: "Ora") { $0.time.description },
                Column(name: "service", title: "Servizio") { $0.service.rawValue },
                Column(name: "appointment", title: "Appuntamento") { $0.appointment.rawValue },
            ] + applicantColumns + [
                Column(name: "state", title: "Stato") { $0.state },
                Column(name: "booked_by", title: "Fissato da") { $0.bookedBy },
            ]
        }
    }

    static func headNote(_ list: DayList) -> String {
        switch list.kind {
        case .booked: list.dayOver ? "end-of-day" : "provisional"
        case .agenda: "as-of"
        }
    }

    /// `14:05:31`, Rome's wall clock.
    static func romeClock(_ instant: Instant) -> String {
        let local = instant.millisecondsSinceEpoch + Int64(RomeTime.offsetMinutes(at: instant)) * 60_000
        let dayMilliseconds: Int64 = 86_400_000
        let within = ((local % dayMilliseconds) + dayMilliseconds) % dayMilliseconds
        let seconds = Int(within / 1000)
        return ICalendar.pad(seconds / 3600, 2) + ":" + ICalendar.pad(seconds / 60 % 60, 2) + ":"
            + ICalendar.pad(seconds % 60, 2)
    }

    // MARK: - HTML

    /// An A4 landscape page: the office, the day, a table (its header repeats on every printed
    /// page) and the head at the bottom. Italian: it is the Questura's own paper.
    public static func html(_ list: DayList) -> String {
        let e = HTML.escape
        let date = CalendarWords.longDate(list.day, .italian)
        let title: String
        let lead: String
        switch list.kind {
        case .booked:
            title = "Appuntamenti fissati nella giornata di \(date)"
            lead = "Elenco degli appuntamenti fissati nella giornata dallo Sportello Unico per l'Immigrazione "
                + "per \(list.officeName), qualunque sia il giorno dell'appuntamento."
        case .agenda:
            title = "Agenda di \(date)"
            lead = "Appuntamenti del giorno presso \(list.officeName), per ora e ordine di prenotazione."
        }
        let header = columns(list.kind)
        var body = "<header class=\"office-head\">\n<div><strong>\(e(list.officeName))</strong> "
            + "<span class=\"muted\">(\(e(list.office.rawValue)))</span></div>\n"
        if !list.officeAddress.isEmpty { body += "<div>\(e(list.officeAddress))</div>\n" }
        body += "</header>\n<main>\n<h1>\(e(title))</h1>\n<p class=\"subtitle\">\(e(lead))</p>\n"
        if list.kind == .booked && !list.dayOver {
            body += "<p class=\"provisional\"><strong>Provvisorio:</strong> la giornata non è ancora terminata; "
                + "l'elenco definitivo si stampa dopo la mezzanotte.</p>\n"
        }
        if list.rows.isEmpty {
            body += "<p class=\"empty\">Nessun appuntamento.</p>\n"
        } else {
            body += "<table class=\"list\">\n<thead><tr><th>N.</th>"
            for column in header { body += "<th>\(e(column.title))</th>" }
            body += "</tr></thead>\n<tbody>\n"
            for (number, row) in list.rows.enumerated() {
                body += "<tr class=\"\(e(row.state))\"><td>\(number + 1)</td>"
                for column in header { body += "<td>\(e(column.value(row)))</td>" }
                body += "</tr>\n"
            }
            body += "</tbody>\n</table>\n"
        }
        body += "<p class=\"count\">Totale: \(list.rows.count)</p>\n</main>\n"
        let headLabel: String
        switch list.kind {
        case .booked where list.dayOver: headLabel = "Head del registro a fine giornata (replay head)"
        case .booked: headLabel = "Head del registro al momento della stampa (provvisorio)"
        case .agenda: headLabel = "Head del registro alla lettura"
        }
        if let signed = list.signedHead {
            let key = list.signingKey.map { " --public-key \($0)" } ?? ""
            body += "<footer class=\"head\">\(e(headLabel)), firmato dal nodo (Ed25519): "
                + "<code class=\"head signed\">\(e(signed.description))</code><br>\n"
                + "<span class=\"muted\">Chiave pubblica del nodo: <code>\(e(list.signingKey ?? ""))</code><br>\n"
                + "Verifica: replay audit --expect-head \(e(signed.description))\(e(key))</span></footer>\n"
        } else {
            body += "<footer class=\"head\">\(e(headLabel)): <code class=\"head\">\(e(list.head.description))</code><br>\n"
                + "<span class=\"muted\">Verifica: replay audit --expect-head \(e(list.head.description))</span></footer>\n"
        }
        let style = """
            table.list { border-collapse: collapse; width: 100%; font-size: 9pt; }
            table.list th, table.list td { border: 0.2mm solid #000; padding: 1mm 1.5mm; text-align: start; vertical-align: top; }
            table.list thead { display: table-header-group; }
            table.list th { background: #eee; }
            table.list tr { page-break-inside: avoid; break-inside: avoid; }
            tr.cancelled td { text-decoration: line-through; color: #555; }
            .provisional { border: 0.3mm dashed #000; padding: 2mm; }
            footer.head { margin-top: 6mm; border-top: 0.3mm solid #000; padding-top: 2mm; font-size: 9pt; }
            code.head { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; word-break: break-all; }
            """
        return HTML.page(title: "\(title) – \(list.officeName)", language: .italian, landscape: true, style: style, body: body)
    }
}
