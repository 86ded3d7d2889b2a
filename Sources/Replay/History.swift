import Events
import Foundation

/// `replay history`: a pratica's whole story, from the log alone.
public enum History {
    public struct Entry: Sendable {
        public var record: Record
        /// Rome wall-clock time of the decision.
        public var when: String { RecordText.romeTime(record.decidedAt) }
        public var who: String { "\(record.actor.operator)@\(record.actor.body)" }
        public var what: String { RecordText.command(record.command) }
        public var outcome: String { RecordText.outcome(record.outcome) }

        public var json: JSON {
            .object([
                ("sequence", .unsigned(record.sequence)),
                ("when", .string(when)),
                ("decidedAt", RecordJSON.instant(record.decidedAt)),
                ("operator", .string(record.actor.operator)),
                ("body", .string(record.actor.body)),
                ("requestID", .string(record.requestID)),
                ("what", .string(what)),
                ("outcome", .string(outcome)),
                ("record", RecordJSON.record(record)),
            ])
        }
    }

    /// Every record about `pratica`, in log order: its registration, bookings, their moves and
    /// cancellations (which name only the appointment), permit and pickup, and refusals.
    public static func entries(_ directory: DataDirectory, pratica: PraticaID,
                               progress: ((UInt64) -> Void)? = nil) throws -> [Entry] {
        var filter = RecordFilter(pratica: pratica)
        var entries: [Entry] = []
        var nextProgress = ReplayLimits.progressEveryRecords
        try directory.decodedRecords { records in
            for record in records where filter.matches(record) { entries.append(Entry(record: record)) }
            if let progress, let last = records.last, last.sequence >= nextProgress {
                progress(last.sequence)
                nextProgress = last.sequence + ReplayLimits.progressEveryRecords
            }
            return true
        }
        return entries
    }

    public static func json(pratica: PraticaID, _ entries: [Entry]) -> JSON {
        .object([("pratica", .string(pratica.rawValue)), ("entries", .array(entries.map(\.json)))])
    }

    /// The table: sequence, when, who, what, outcome; the outcome wraps under its column.
    public static func table(pratica: PraticaID, _ entries: [Entry]) -> String {
        guard !entries.isEmpty else { return "no record names \(pratica)\n" }
        let rows = entries.map { ["\($0.record.sequence)", $0.when, $0.who, $0.what, $0.outcome] }
        return Table.render(header: ["seq", "when (Rome)", "who", "what", "outcome"], rows: rows)
    }
}

/// Plain-text tables with aligned columns; the last column is left ragged.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        var widths = header.map(\.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < row.count - 1 { widths[index] = max(widths[index], cell.count) }
        }
        var text = ""
        for (number, row) in all.enumerated() {
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            text += cells.joined(separator: "  ") + "\n"
            if number == 0 {
                text += widths.enumerated().map { index, width in
                    String(repeating: "-", count: index == widths.count - 1 ? max(width, 7) : width)
                }.joined(separator: "  ") + "\n"
            }
        }
        return text
    }
}
