import ArgumentParser
import Engine
import Documents
import Events
import Foundation
import Replay

struct DayListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daylist",
        abstract: "A Questura's list for a day, as CSV or a printable page, with the day's head at the bottom.",
        discussion: """
            --kind booked (the default): the appointments the Sportello Unico fixed for the office \
            during that day (Europe/Rome), whatever day they are for, each as it stood at the end \
            of the day, and the head of the log at the end of the day (`SEQ:HASH`, as `replay \
            head` prints it; while the day runs, the newest record, marked provisional). \
            --kind agenda: the appointments seated at the office on that day, as they stand now. \
            The same rendering as agenda-node's DAYLIST; docs/documents.md describes both. When \
            the node's signing key is at hand (DIR.signing-key, or --signing-key), the head is \
            signed as `replay head --sign` signs it.

            Examples:
              replay daylist --data ./data --office RM-Q --date 2008-04-21
              replay daylist --data ./data --office RM-Q --date 2008-04-21 --format html --out rm-q-2008-04-21.html
              replay daylist --data ./data --office PV-Q --date 2009-03-02 --kind agenda
            """)

    @OptionGroup var options: DataOptions
    @OptionGroup var key: SigningKeyOptions

    @Option(help: "The Questura (or any office), e.g. RM-Q.")
    var office: String

    @Option(help: "The day, YYYY-MM-DD (Europe/Rome).")
    var date: String

    @Option(help: "booked (fixed that day) or agenda (seated on that day).")
    var kind: String = "booked"

    @Option(help: "csv or html.")
    var format: String = "csv"

    @Option(help: ArgumentHelp("Write here instead of standard output.", valueName: "file"))
    var out: String?

    func validate() throws {
        guard Day(date) != nil else { throw ValidationError("--date '\(date)' is not a date; write YYYY-MM-DD.") }
        guard DayList.Kind(rawValue: kind.lowercased()) != nil else {
            throw ValidationError("--kind must be booked or agenda, not '\(kind)'.")
        }
        guard ["csv", "html"].contains(format.lowercased()) else {
            throw ValidationError("--format must be csv or html, not '\(format)'.")
        }
    }

    func run() throws {
        guard let day = Day(date), let kind = DayList.Kind(rawValue: kind.lowercased()) else {
            throw ValidationError("check --date and --kind")  // validate() has already refused these
        }
        let directory = try DataDirectory(options.data)
        defer { directory.close() }
        let now = Instant(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
        // The key is optional here: a copy of the log without it prints the head unsigned.
        let path = key.path(data: options.data)
        let nodeKey = FileManager.default.fileExists(atPath: path) ? try NodeKey.load(path) : nil
        let list = try DayLog.list(directory, office: OfficeID(office), day: day, kind: kind, now: now, key: nodeKey)
        let text = format.lowercased() == "html" ? DayListRender.html(list) : DayListRender.csv(list)
        if let out {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: out))
            } catch {
                throw ValidationError("cannot write \(out): \(error.localizedDescription)")
            }
            FileHandle.standardError.write(Data("wrote \(list.rows.count) appointments, head \(list.head), to \(out)\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
