import Events
import Foundation

// The report's files: one CSV per table, one JSON document, one HTML page with inline SVG
// charts (no script, no external asset: it opens offline, and prints).

extension Report.Result {
    /// Every figure of a row, named as in the CSV header, in order.
    static let rowColumns = [
        "booked", "deferred_at_booking", "moved_by_closure", "auto_deferred", "deferred_by_operator", "cancelled",
        "no_shows_marked", "no_shows_unmarked", "no_shows", "capacity", "booked_places", "utilisation",
        "lead_count", "lead_median_days", "lead_p90_days", "pickup_count", "pickup_delay_median_days",
        "pickup_delay_p90_days",
    ]

    static func figures(_ row: Report.Row) -> [Double?] {
        [Double(row.booked), Double(row.deferredAtBooking), Double(row.movedByClosure), Double(row.autoDeferred),
         Double(row.deferredByOperator), Double(row.cancelled), Double(row.noShowsMarked), Double(row.noShowsUnmarked),
         Double(row.noShows), Double(row.capacity), Double(row.places), row.utilisation, Double(row.leadCount),
         row.leadMedian, row.leadP90.map(Double.init), Double(row.pickupCount), row.pickupMedian,
         row.pickupP90.map(Double.init)]
    }

    static func text(_ value: Double?, column: String) -> String {
        guard let value else { return "" }
        if column == "utilisation" { return JSON.fixed(value, places: 4) }
        if value == value.rounded() { return String(Int64(value)) }
        return JSON.fixed(value, places: 1)
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public func weeklyCSV() -> String { Report.Result.rowsCSV(weekly, weeks: true) }
    public func totalsCSV() -> String { Report.Result.rowsCSV(totals, weeks: false) }

    static func rowsCSV(_ rows: [Report.Row], weeks: Bool) -> String {
        var lines = [((weeks ? ["office", "week", "week_start"] : ["office"]) + rowColumns).joined(separator: ",")]
        for row in rows {
            var fields = [csvField(row.office)]
            if weeks { fields += [row.week ?? "", row.weekStart?.description ?? ""] }
            fields += zip(rowColumns, figures(row)).map { text($1, column: $0) }
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func dailyCSV() -> String {
        var lines = ["office,service,day,closed,capacity,booked_places,utilisation"]
        for row in daily {
            lines.append([Report.Result.csvField(row.office), Report.Result.csvField(row.service), row.day.description, row.closed ? "1" : "0",
                          String(row.capacity), String(row.places),
                          row.utilisation.map { JSON.fixed($0, places: 4) } ?? ""].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func rowJSON(_ row: Report.Row) -> JSON {
        var fields: [(String, JSON)] = [("office", .string(row.office))]
        if let week = row.week, let start = row.weekStart {
            fields += [("week", .string(week)), ("week_start", .string(start.description))]
        }
        for (column, value) in zip(rowColumns, figures(row)) {
            guard let value else {
                fields.append((column, .null))
                continue
            }
            if column == "utilisation" {
                fields.append((column, .decimal(value, places: 4)))
            } else if value == value.rounded() {
                fields.append((column, .int(Int64(value))))
            } else {
                fields.append((column, .decimal(value, places: 1)))
            }
        }
        return .object(fields)
    }

    public static func rowJSONPublic(_ row: Report.Row) -> JSON { rowJSON(row) }

    public var json: JSON {
        .object([
            ("from", .string(from.description)), ("to", .string(to.description)),
            ("observed_through", .string(observedThrough.description)),
            ("records", .unsigned(records)),
            ("offices", .array(offices.map { .string($0) })),
            ("totals", .array(totals.map(Report.Result.rowJSON))),
            ("weekly", .array(weekly.map(Report.Result.rowJSON))),
            ("daily", .array(daily.map { row in
                .object([("office", .string(row.office)), ("service", .string(row.service)),
                         ("day", .string(row.day.description)), ("closed", .bool(row.closed)),
                         ("capacity", .int(Int64(row.capacity))), ("booked_places", .int(Int64(row.places))),
                         ("utilisation", JSON.optional(row.utilisation) { .decimal($0, places: 4) })])
            })),
        ])
    }

    /// Writes weekly.csv, totals.csv, daily.csv, report.json and report.html into `directory`
    /// (created if need be); returns the paths.
    @discardableResult
    public func write(to directory: String, title: String = "Agenda report") throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let files = [
            ("weekly.csv", weeklyCSV()), ("totals.csv", totalsCSV()), ("daily.csv", dailyCSV()),
            ("report.json", json.text + "\n"), ("report.html", ReportHTML.page(self, title: title)),
        ]
        return try files.map { name, text in
            let path = directory + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }
}

/// The HTML page and its SVG charts.
enum ReportHTML {
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }

    static let style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
        table{border-collapse:collapse;margin:8px 0 24px}
        th,td{border:1px solid #ccc;padding:2px 6px;text-align:right}
        th:first-child,td:first-child{text-align:left}
        th{background:#f3f3f3}
        .note{color:#555;max-width:60em}
        svg text{font:11px sans-serif}
        """

    static func percent(_ value: Double?) -> String { value.map { JSON.fixed($0 * 100, places: 1) + "%" } ?? "–" }

    static func number(_ value: Double?) -> String {
        guard let value else { return "–" }
        return value == value.rounded() ? String(Int64(value)) : JSON.fixed(value, places: 1)
    }

    static let headings = [
        "booked", "auto-deferred", "of which at booking", "of which by closure", "deferred by operator", "cancelled",
        "no-shows", "of which unmarked", "capacity", "places held", "utilisation", "lead median (d)", "lead p90 (d)",
        "ready→pickup median (d)", "ready→pickup p90 (d)", "pickups",
    ]

    static func cells(_ row: Report.Row) -> [String] {
        [String(row.booked), String(row.autoDeferred), String(row.deferredAtBooking), String(row.movedByClosure),
         String(row.deferredByOperator), String(row.cancelled), String(row.noShows), String(row.noShowsUnmarked),
         String(row.capacity), String(row.places), percent(row.utilisation), number(row.leadMedian),
         number(row.leadP90.map(Double.init)), number(row.pickupMedian), number(row.pickupP90.map(Double.init)),
         String(row.pickupCount)]
    }

    static func table(_ rows: [Report.Row], weeks: Bool) -> String {
        var html = "<table><tr><th>office</th>" + (weeks ? "<th>week</th>" : "")
        html += headings.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        for row in rows {
            html += "<tr><td>\(escape(row.office))</td>" + (weeks ? "<td>\(row.week ?? "")</td>" : "")
            html += cells(row).map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n"
        }
        return html + "</table>\n"
    }

    /// White through orange to dark red as use rises; grey for a closed day; pale for no calendar.
    static func colour(_ utilisation: Double?, closed: Bool) -> String {
        if closed { return "#9e9e9e" }
        guard let utilisation else { return "#f4f4f4" }
        let u = min(1, max(0, utilisation))
        let r = Int(255 - 75 * u)
        let g = Int(245 - 225 * u)
        let b = Int(235 - 215 * u)
        return "rgb(\(r),\(g),\(b))"
    }

    /// Offices down, days across; each cell the office's places held over places offered that day.
    static func heatMap(_ result: Report.Result) -> String {
        var byOffice: [String: [Day: (capacity: Int, places: Int, closed: Bool)]] = [:]
        for row in result.daily {
            var cell = byOffice[row.office]?[row.day] ?? (0, 0, true)
            cell.capacity += row.capacity
            cell.places += row.places
            cell.closed = cell.closed && row.closed
            byOffice[row.office, default: [:]][row.day] = cell
        }
        let offices = result.offices
        let days = (0...result.to.days(since: result.from)).map { result.from.adding(days: $0) }
        let cell = max(3, min(24, 900 / max(1, days.count)))
        let left = 90
        let top = 30
        let width = left + max(cell * days.count, 480) + 40
        let height = top + 12 * offices.count + 40
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" role=\"img\" "
            + "aria-label=\"utilisation by office and day\">\n"
        // A date over every Monday, or every few Mondays when the weeks are narrow.
        let mondaysPerLabel = max(1, (44 + 7 * cell - 1) / (7 * cell))
        var mondays = 0
        for (index, day) in days.enumerated() where day.weekday == .monday {
            defer { mondays += 1 }
            guard mondays % mondaysPerLabel == 0 else { continue }
            svg += "<line x1=\"\(left + index * cell)\" y1=\"\(top - 4)\" x2=\"\(left + index * cell)\" y2=\"\(top)\" stroke=\"#888\"/>"
            svg += "<text x=\"\(left + index * cell)\" y=\"\(top - 6)\">\(day.description.suffix(5))</text>\n"
        }
        for (row, office) in offices.enumerated() {
            let y = top + row * 12
            svg += "<text x=\"0\" y=\"\(y + 10)\">\(escape(office))</text>\n"
            for (index, day) in days.enumerated() {
                let value = byOffice[office]?[day]
                let utilisation = value.flatMap { $0.capacity > 0 ? Double($0.places) / Double($0.capacity) : nil }
                let closed = value?.closed ?? false
                let label = "\(office) \(day): " + (closed ? "closed" : value.map { "\($0.places) of \($0.capacity) places (\(percent(utilisation)))" } ?? "no calendar")
                svg += "<rect x=\"\(left + index * cell)\" y=\"\(y)\" width=\"\(cell)\" height=\"11\" "
                    + "fill=\"\(colour(utilisation, closed: closed))\"><title>\(escape(label))</title></rect>\n"
            }
        }
        let legendY = top + 12 * offices.count + 12
        for step in 0...10 {
            let u = Double(step) / 10
            svg += "<rect x=\"\(left + step * 24)\" y=\"\(legendY)\" width=\"24\" height=\"10\" fill=\"\(colour(u, closed: false))\"/>\n"
        }
        svg += "<text x=\"\(left)\" y=\"\(legendY + 24)\">0%</text><text x=\"\(left + 240)\" y=\"\(legendY + 24)\">100%</text>"
        svg += "<rect x=\"\(left + 290)\" y=\"\(legendY)\" width=\"24\" height=\"10\" fill=\"#9e9e9e\"/>"
        svg += "<text x=\"\(left + 318)\" y=\"\(legendY + 9)\">closed</text>\n"
        svg += "<rect x=\"\(left + 370)\" y=\"\(legendY)\" width=\"24\" height=\"10\" fill=\"#f4f4f4\" stroke=\"#ddd\"/>"
        svg += "<text x=\"\(left + 398)\" y=\"\(legendY + 9)\">no calendar</text>\n"
        return svg + "</svg>\n"
    }

    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                          "#bcbd22", "#17becf"]

    /// One line per series over the weeks; nil points are gaps.
    static func lineChart(title: String, weeks: [String], series: [(name: String, values: [Double?], colour: String,
                                                                    dashed: Bool, wide: Bool)]) -> String {
        // Four gridlines at whole days.
        let highest = series.flatMap { $0.values.compactMap { $0 } }.max() ?? 0
        let maximum = max(4, (highest / 4).rounded(.up) * 4)
        let left = 50
        let plotWidth = max(200, min(900, 60 * weeks.count))
        let plotHeight = 220
        let top = 20
        let legendRows = series.count
        let width = left + plotWidth + 220
        let height = top + plotHeight + 50 + max(0, legendRows * 14 - plotHeight)
        func x(_ index: Int) -> Int { left + (weeks.count <= 1 ? plotWidth / 2 : index * plotWidth / (weeks.count - 1)) }
        func y(_ value: Double) -> Int { top + plotHeight - Int(Double(plotHeight) * value / maximum) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" role=\"img\" "
            + "aria-label=\"\(escape(title))\">\n"
        svg += "<line x1=\"\(left)\" y1=\"\(top + plotHeight)\" x2=\"\(left + plotWidth)\" y2=\"\(top + plotHeight)\" stroke=\"#888\"/>\n"
        svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + plotHeight)\" stroke=\"#888\"/>\n"
        for step in 0...4 {
            let value = maximum * Double(step) / 4
            svg += "<text x=\"4\" y=\"\(y(value) + 4)\">\(number(value))</text>"
            svg += "<line x1=\"\(left)\" y1=\"\(y(value))\" x2=\"\(left + plotWidth)\" y2=\"\(y(value))\" stroke=\"#eee\"/>\n"
        }
        let labelEvery = max(1, weeks.count / 10)
        for (index, week) in weeks.enumerated() where index % labelEvery == 0 {
            svg += "<text x=\"\(x(index) - 20)\" y=\"\(top + plotHeight + 16)\">\(escape(week))</text>\n"
        }
        svg += "<text x=\"\(left)\" y=\"\(top + plotHeight + 34)\">days</text>\n"
        for (number, line) in series.enumerated() {
            var segments: [[(Int, Int)]] = [[]]
            for (index, value) in line.values.enumerated() {
                if let value {
                    segments[segments.count - 1].append((x(index), y(value)))
                } else if !segments[segments.count - 1].isEmpty {
                    segments.append([])
                }
            }
            for segment in segments where !segment.isEmpty {
                let points = segment.map { "\($0.0),\($0.1)" }.joined(separator: " ")
                svg += "<polyline fill=\"none\" stroke=\"\(line.colour)\" stroke-width=\"\(line.wide ? 3 : 1.5)\""
                    + (line.dashed ? " stroke-dasharray=\"6 4\"" : "") + " points=\"\(points)\"><title>\(escape(line.name))</title></polyline>\n"
                for point in segment {
                    svg += "<circle cx=\"\(point.0)\" cy=\"\(point.1)\" r=\"2\" fill=\"\(line.colour)\"/>"
                }
            }
            let legendY = top + 4 + number * 14
            svg += "<line x1=\"\(left + plotWidth + 12)\" y1=\"\(legendY)\" x2=\"\(left + plotWidth + 32)\" y2=\"\(legendY)\" "
                + "stroke=\"\(line.colour)\" stroke-width=\"\(line.wide ? 3 : 1.5)\"" + (line.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>"
            svg += "<text x=\"\(left + plotWidth + 36)\" y=\"\(legendY + 4)\">\(escape(line.name))</text>\n"
        }
        return svg + "</svg>\n"
    }

    static func weekLabels(_ result: Report.Result) -> [String] {
        result.weekly.filter { $0.office == "ALL" }.map { $0.week ?? "" }
    }

    /// Lead-time medians per office, ALL wide, and ALL's p90 dashed.
    static func leadChart(_ result: Report.Result, pickup: Bool = false) -> String {
        let weeks = weekLabels(result)
        var series: [(name: String, values: [Double?], colour: String, dashed: Bool, wide: Bool)] = []
        let shown = result.offices.count <= palette.count ? result.offices : []
        for (index, office) in shown.enumerated() {
            let rows = result.weekly.filter { $0.office == office }
            series.append(("\(office) median", rows.map { pickup ? $0.pickupMedian : $0.leadMedian },
                           palette[index % palette.count], false, false))
        }
        let all = result.weekly.filter { $0.office == "ALL" }
        series.append(("ALL median", all.map { pickup ? $0.pickupMedian : $0.leadMedian }, "#000", false, true))
        series.append(("ALL p90", all.map { (pickup ? $0.pickupP90 : $0.leadP90).map(Double.init) }, "#000", true, false))
        return lineChart(title: pickup ? "permit ready to pickup, days" : "lead time, days", weeks: weeks, series: series)
    }

    static let definitions = """
        <p class="note">Weeks are ISO weeks (Monday first). <b>booked</b>, <b>auto-deferred</b>, \
        <b>cancelled</b>, lead time and ready→pickup delay count by the day the record was decided; \
        <b>no-shows</b>, capacity, places held and utilisation by the appointment's day. Auto-deferred = \
        booked past a full requested day or slot + moved off a closed day. No-shows = NOSHOW recorded + \
        appointments still booked after their day ended. Lead time = appointment day − request day; \
        ready→pickup = pickup day − permit-ready day (whole days; median, and p90 by nearest rank). \
        docs/analysts.md defines every figure.</p>
        """

    static func page(_ result: Report.Result, title: String) -> String {
        var html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(escape(title))</title>"
        html += "<style>\(style)</style></head><body>\n"
        html += "<h1>\(escape(title))</h1>\n"
        html += "<p>\(result.from) to \(result.to); appointments still booked count as missed through "
            + "\(result.observedThrough); \(result.records) records read.</p>\n"
        html += definitions
        html += "<h2>Totals</h2>\n" + table(result.totals, weeks: false)
        html += "<h2>Utilisation by office and day</h2>\n" + heatMap(result)
        html += "<h2>Lead time from request to appointment</h2>\n" + leadChart(result)
        html += "<h2>Delay from permit ready to pickup</h2>\n" + leadChart(result, pickup: true)
        html += "<h2>By week</h2>\n" + table(result.weekly, weeks: true)
        return html + "</body></html>\n"
    }
}
