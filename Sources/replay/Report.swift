import ArgumentParser
import Events
import Foundation
import Replay

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Per office and ISO week: bookings, deferrals, cancellations, no-shows, utilisation, waits.",
        discussion: """
            Reads the log up to the end of --to (read-only) and writes into --out: weekly.csv, \
            totals.csv and daily.csv (one table each), report.json (all of them), and \
            report.html, one self-contained page with SVG charts (utilisation by office and \
            day, lead time and ready-to-pickup delay over the weeks) that opens offline. \
            docs/analysts.md defines every figure.

            Examples:
              replay report --data ./data --from 2008-04-14 --to 2008-07-31 --out ./report
              replay report --data ./data --from 2008-04-14 --to 2008-04-27 \\
                --office RM-Q --office LT-Q --out ./rm-lt
            """)

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("The period's first day (YYYY-MM-DD).", valueName: "date"))
    var from: String

    @Option(help: ArgumentHelp("The period's last day (YYYY-MM-DD), included.", valueName: "date"))
    var to: String

    @Option(name: .customLong("office"), help: ArgumentHelp("Only this office (repeatable); ALL sums the ones chosen.",
                                                           valueName: "id"))
    var offices: [String] = []

    @Option(help: ArgumentHelp("The directory to write the files into (created if need be).", valueName: "dir"))
    var out: String

    @Flag(help: "Print the totals as one JSON object instead of a table.")
    var json = false

    func run() throws {
        let options = Report.Options(from: try parseDay(from, "--from"), to: try parseDay(to, "--to"),
                                     offices: offices.map { OfficeID($0) })
        guard options.from <= options.to else { throw ValidationError("--from \(from) is after --to \(to)") }
        let directory = try DataDirectory(self.options.data)
        defer { directory.close() }
        let result = try Report.run(directory, options)
        let known = Set(result.officesInLog)
        for office in offices where !known.contains(office) {
            throw ValidationError("no office \(office) in the log's period; offices there: "
                                  + (result.officesInLog.isEmpty ? "none" : result.officesInLog.joined(separator: " ")))
        }
        let paths = try result.write(to: out, title: "Agenda report \(options.from) to \(options.to)")
        if json {
            print(JSON.object([("totals", .array(result.totals.map { Report.Result.rowJSONPublic($0) })),
                               ("files", .array(paths.map { .string($0) })),
                               ("records", .unsigned(result.records)),
                               ("seconds", .decimal(result.seconds, places: 3))]).text)
            return
        }
        printTotals(result)
        print("wrote \(paths.joined(separator: " "))")
        print("\(result.records) records read in \(String(format: "%.2f", result.seconds)) s "
              + "(\(Int(result.recordsPerSecond)) records/s\(peakMemory()))")
    }
}

func printTotals(_ result: Report.Result) {
    let header = ["office", "booked", "auto-def", "cancel", "no-show", "util", "lead med", "lead p90",
                  "pickup med", "pickup p90"]
    print(header.map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined(separator: " "))
    for row in result.totals {
        let utilisation = row.utilisation.map { String(format: "%.1f%%", $0 * 100) } ?? "-"
        let leadMedian = row.leadMedian.map { String(format: "%.1f", $0) } ?? "-"
        let leadP90 = row.leadP90.map { String($0) } ?? "-"
        let pickupMedian = row.pickupMedian.map { String(format: "%.1f", $0) } ?? "-"
        let pickupP90 = row.pickupP90.map { String($0) } ?? "-"
        let counts: [String] = [row.office, String(row.booked), String(row.autoDeferred), String(row.cancelled),
                                String(row.noShows)]
        let cells: [String] = counts + [utilisation, leadMedian, leadP90, pickupMedian, pickupP90]
        print(cells.map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined(separator: " "))
    }
}
