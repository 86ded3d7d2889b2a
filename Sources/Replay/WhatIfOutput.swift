import Events
import Foundation

// `whatif`'s files: the two full reports (recorded/ and whatif/, as `report` writes them),
// compare.csv and compare.json (every figure of every row side by side), and whatif.html.

extension WhatIf.Result {
    /// Office, week ("" for the whole period), metric, recorded, what-if, change.
    public func compareCSV() -> String {
        var lines = ["office,week,metric,recorded,whatif,change"]
        for (recorded, whatIf) in pairs {
            let a = Report.Result.figures(recorded)
            let b = Report.Result.figures(whatIf)
            for (index, column) in Report.Result.rowColumns.enumerated() {
                let change = a[index].flatMap { x in b[index].map { $0 - x } }
                lines.append([Report.Result.csvField(recorded.office), recorded.week ?? "", column,
                              Report.Result.text(a[index], column: column), Report.Result.text(b[index], column: column),
                              Report.Result.text(change, column: column)].joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Rows of the two reports that stand for the same office and week, totals first.
    var pairs: [(Report.Row, Report.Row)] {
        func key(_ row: Report.Row) -> String { row.office + "\u{0}" + (row.week ?? "") }
        let other = Dictionary((whatIf.totals + whatIf.weekly).map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        return (recorded.totals + recorded.weekly).map { row in
            (row, other[key(row)] ?? Report.Row(office: row.office, week: row.week, weekStart: row.weekStart))
        }
    }

    public func json(changes: [String]) -> JSON {
        .object([
            ("from", .string(recorded.from.description)), ("to", .string(recorded.to.description)),
            ("changes", .array(changes.map { .string($0) })),
            ("redecided", .int(Int64(redecided))), ("same_outcome", .int(Int64(sameOutcome))),
            ("dropped", .int(Int64(dropped))), ("displaced", .int(Int64(displaced))),
            ("held", .int(Int64(held))),
            ("differences", .array(differences.map { difference in
                .object([("sequence", .unsigned(difference.sequence)), ("command", .string(difference.command)),
                         ("recorded", .string(difference.recorded)), ("whatif", .string(difference.whatIf))])
            })),
            ("totals", .array(pairs.filter { $0.0.week == nil }.map { pair in
                .object([("recorded", Report.Result.rowJSON(pair.0)), ("whatif", Report.Result.rowJSON(pair.1))])
            })),
            ("weekly", .array(pairs.filter { $0.0.week != nil }.map { pair in
                .object([("recorded", Report.Result.rowJSON(pair.0)), ("whatif", Report.Result.rowJSON(pair.1))])
            })),
        ])
    }

    /// Writes recorded/ and whatif/ (each as `report` does), compare.csv, compare.json and
    /// whatif.html into `directory`.
    @discardableResult
    public func write(to directory: String, changes: [String]) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var paths = try recorded.write(to: directory + "/recorded", title: "Recorded \(recorded.from) to \(recorded.to)")
        paths += try whatIf.write(to: directory + "/whatif", title: "What if: " + changes.joined(separator: "; "))
        for (name, text) in [("compare.csv", compareCSV()), ("compare.json", json(changes: changes).text + "\n"),
                             ("whatif.html", page(changes: changes))] {
            let path = directory + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
        }
        return paths
    }

    func page(changes: [String]) -> String {
        let title = "What if: " + (changes.isEmpty ? "no change" : changes.joined(separator: "; "))
        var html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(ReportHTML.escape(title))</title>"
        html += "<style>\(ReportHTML.style) .up{color:#a00}.down{color:#070}</style></head><body>\n"
        html += "<h1>\(ReportHTML.escape(title))</h1>\n"
        html += "<p>\(recorded.from) to \(recorded.to): \(redecided) recorded commands decided again under the changed "
            + "calendar, \(sameOutcome) with the recorded outcome; \(dropped) dropped (about an appointment the what-if "
            + "never made). "
            + (displaced > 0 ? "Before the change, \(displaced) appointments booked earlier that the new calendar "
                + "had no place for were moved forward by whatif@agenda (counted as deferred by an operator). " : "")
            + (held > 0 ? "\(held) recorded attendance marks wait for appointments the what-if seats after "
                + "\(recorded.observedThrough) and are not decided. " : "")
            + "Appointments still booked count as missed through \(recorded.observedThrough) in both.</p>\n"
        html += ReportHTML.definitions
        html += "<h2>Totals, recorded and what-if</h2>\n<table><tr><th>office</th><th>figure</th><th>recorded</th>"
            + "<th>what-if</th><th>change</th></tr>\n"
        for (a, b) in pairs where a.week == nil {
            let left = ReportHTML.cells(a)
            let right = ReportHTML.cells(b)
            let x = Report.Result.figures(a)
            let y = Report.Result.figures(b)
            let order = [0, 3, 1, 2, 4, 5, 8, 7, 9, 10, 11, 13, 14, 16, 17, 15]  // figures() index per heading
            for (index, heading) in ReportHTML.headings.enumerated() {
                let delta = x[order[index]].flatMap { p in y[order[index]].map { $0 - p } }
                let deltaText = delta.map { ($0 > 0 ? "+" : "") + (index == 10 ? ReportHTML.percent($0) : ReportHTML.number($0)) } ?? "–"
                let css = (delta ?? 0) > 0 ? "up" : (delta ?? 0) < 0 ? "down" : ""
                html += "<tr><td>\(ReportHTML.escape(a.office))</td><td>\(ReportHTML.escape(heading))</td><td>\(left[index])</td>"
                    + "<td>\(right[index])</td><td class=\"\(css)\">\(deltaText)</td></tr>\n"
            }
        }
        html += "</table>\n"
        html += "<h2>Lead time from request to appointment, ALL offices</h2>\n"
        let weeks = ReportHTML.weekLabels(recorded)
        let a = recorded.weekly.filter { $0.office == "ALL" }
        let b = whatIf.weekly.filter { $0.office == "ALL" }
        html += ReportHTML.lineChart(title: "lead time, recorded and what-if", weeks: weeks, series: [
            ("recorded median", a.map(\.leadMedian), "#1f77b4", false, true),
            ("recorded p90", a.map { $0.leadP90.map(Double.init) }, "#1f77b4", true, false),
            ("what-if median", b.map(\.leadMedian), "#d62728", false, true),
            ("what-if p90", b.map { $0.leadP90.map(Double.init) }, "#d62728", true, false),
        ])
        html += "<h2>Utilisation by office and day: recorded</h2>\n" + ReportHTML.heatMap(recorded)
        html += "<h2>Utilisation by office and day: what-if</h2>\n" + ReportHTML.heatMap(whatIf)
        if !differences.isEmpty {
            html += "<h2>First outcomes that differ</h2>\n<table><tr><th>record</th><th>command</th><th>recorded</th>"
                + "<th>what-if</th></tr>\n"
            for difference in differences {
                html += "<tr><td>\(difference.sequence)</td><td>\(ReportHTML.escape(difference.command))</td>"
                    + "<td>\(ReportHTML.escape(difference.recorded))</td><td>\(ReportHTML.escape(difference.whatIf))</td></tr>\n"
            }
            html += "</table>\n"
        }
        html += "<p>The full reports: recorded/report.html and whatif/report.html.</p>\n"
        return html + "</body></html>\n"
    }
}
