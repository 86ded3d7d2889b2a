import ArgumentParser
import Crypto
import Engine
import Events
import Foundation
import RegistryCSV

/// `agenda-node import-appointments`: the previous booking system's appointments, from CSV,
/// through the protocol (MIGRATE), as an operator of the office would send them.
struct ImportAppointments: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-appointments",
        abstract: "Import already-booked appointments from the previous booking system (CSV) into a running node.",
        discussion: """
            The file's first line is the header `office,service,pratica,date,time,legacy_id`; each \
            following line is one appointment: office and service ids as Agenda knows them, the \
            numero di pratica (registered already), the date (YYYY-MM-DD) and time (HH:MM, one of the \
            day's slots) it was booked for, and the previous system's id for it. Fields may be quoted \
            ("...", "" for a quote) and separated by `,` or `;`; a UTF-8 byte-order mark is skipped; \
            blank lines are skipped.

            Every row is checked before anything is sent. A bad row is reported as FILE:LINE: reason, \
            and a file with bad rows imports nothing unless --skip-bad is given (then the good rows \
            are imported and the bad ones listed). Each row is sent as MIGRATE with a request id \
            derived from the row's content (mig- and SHA-256), so importing the same file again \
            changes nothing: the node answers the first outcome again. The password is read from \
            the environment variable AGENDA_PASSWORD or, if unset, from standard input.

            Exit status: 0 when every row was imported (or already was); 1 when a row was bad or \
            the node refused one; 2 when the node could not be reached or refused the sign-in.

            Example:
              printf 's3cret\\n' | agenda-node import-appointments dedalo.csv --port 7878 --user questura.asti
            """)

    @Argument(help: "The CSV file.")
    var file: String

    @Option(help: "The node's address.")
    var host: String = "127.0.0.1"

    @Option(help: "The node's port.")
    var port: Int = 7878

    @Option(help: "The account to sign in as (the office's questura or prefettura, or admin).")
    var user: String

    @Flag(help: "Import the good rows even when some are bad (the bad ones are listed and skipped).")
    var skipBad = false

    @Option(help: """
        Another attempt at the same file (2, 3, ...): each row gets a new request id, so rows the node \
        refused before (a day outside the transition window since widened, say) are decided again. \
        Rows already imported are refused then (the pratica has that appointment), never doubled.
        """)
    var attempt: Int = 1

    static let header = ["office", "service", "pratica", "date", "time", "legacy_id"]

    struct Row {
        let line: Int
        let office: String
        let service: String
        let pratica: String
        let date: String
        let time: String
        let legacyID: String

        /// The same row always gives the same id; any change in it, another.
        func requestID(attempt: Int) -> String {
            let canonical = [office, service, pratica, date, time, legacyID].joined(separator: "\u{1F}")
            let digest = SHA256.hash(data: Array(canonical.utf8))
            let base = "mig-" + digest.prefix(16).map { String(format: "%02x", $0) }.joined()
            return attempt == 1 ? base : base + "-a\(attempt)"
        }
    }

    func run() throws {
        guard attempt >= 1 && attempt <= 999 else { throw ValidationError("--attempt is 1 to 999") }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationError("cannot read \(file)")
        }
        // The same bound as the registry importer's: an export past it is not one office's bookings.
        guard data.count <= ImportApplicants.fileBytesMax else {
            throw ValidationError("\(file) is over \(ImportApplicants.fileBytesMax >> 20) MiB; split it.")
        }
        let (rows, problems) = ImportAppointments.parse(Array(data))
        for problem in problems {
            FileHandle.standardError.write(Data("\(file):\(problem.line): \(problem.reason)\n".utf8))
        }
        if !problems.isEmpty && !skipBad {
            FileHandle.standardError.write(Data(
                "\(problems.count) bad row(s); nothing imported. Fix them, or pass --skip-bad to import the rest.\n".utf8))
            throw ExitCode(1)
        }
        let password: String
        if let fromEnvironment = ProcessInfo.processInfo.environment["AGENDA_PASSWORD"], !fromEnvironment.isEmpty {
            password = fromEnvironment
        } else {
            password = try readPassword()
        }
        let client: RESPClientConnection
        do {
            client = try RESPClientConnection(host: host, port: port)
            if case .error(let message) = try client.call(["AUTH", user, password]) {
                FileHandle.standardError.write(Data("sign-in refused: \(message)\n".utf8))
                throw ExitCode(2)
            }
        } catch let failure as RESPClientConnection.ConnectionError {
            FileHandle.standardError.write(Data("\(failure)\n".utf8))
            throw ExitCode(2)
        }
        var imported = 0
        var already = 0
        var refused = 0
        let replies = try client.pipeline(rows.map { row in
            ["MIGRATE", row.office, row.service, row.pratica, row.date, row.time,
             "LEGACY", row.legacyID, "REQID", row.requestID(attempt: attempt)]
        })
        for (row, reply) in zip(rows, replies) {
            if case .error(let message) = reply {
                refused += 1
                FileHandle.standardError.write(Data("\(file):\(row.line): refused: \(message)\n".utf8))
                continue
            }
            let fields = reply.fields
            let repeated = fields["repeated"] == "1"
            if repeated { already += 1 } else { imported += 1 }
            print("\(file):\(row.line): \(row.legacyID) -> \(fields["appointment"] ?? "?") \(fields["date"] ?? "") "
                  + "\(fields["time"] ?? "")\(repeated ? " (already imported)" : "")")
        }
        print("\(rows.count) row(s) sent: \(imported) imported, \(already) already imported, \(refused) refused; "
              + "\(problems.count) bad row(s) skipped")
        if refused > 0 || !problems.isEmpty { throw ExitCode(1) }
    }

    /// Every row checked; the good ones and, for the bad ones, the line number and reason.
    /// The file is read by the importers' shared CSV reader (RFC 4180, `,` or `;`, BOM).
    static func parse(_ bytes: [UInt8]) -> (rows: [Row], problems: [(line: Int, reason: String)]) {
        let table = CSVReader.read(bytes)
        var rows: [Row] = []
        var problems: [(line: Int, reason: String)] = table.problems.map { ($0.line, $0.reason) }
        guard let first = table.records.first,
              first.fields.map({ $0.trimmingCharacters(in: .whitespaces) }) == header else {
            return ([], [(table.records.first?.line ?? 1, "the header must be \(header.joined(separator: ","))")])
        }
        var seenLegacy: [String: Int] = [:]
        for record in table.records.dropFirst() {
            let number = record.line
            let values = record.fields.map { $0.trimmingCharacters(in: .whitespaces) }
            if values.allSatisfy(\.isEmpty) { continue }
            guard values.count == header.count else {
                problems.append((number, "\(values.count) fields, expected \(header.count) (\(header.joined(separator: ",")))"))
                continue
            }
            var reason: String?
            for (name, value) in zip(header, values) where reason == nil {
                if value.isEmpty { reason = "\(name) is empty" }
                else if value.utf8.count > Limits.idBytesMax, name != "date", name != "time" {
                    reason = "\(name) is longer than \(Limits.idBytesMax) bytes"
                } else if value.contains(where: { $0 == " " || $0 == "\t" }) && name != "legacy_id" {
                    reason = "\(name) '\(value)' contains a space"
                }
            }
            if reason == nil, Day(values[3]) == nil { reason = "date '\(values[3])' is not a date (YYYY-MM-DD)" }
            if reason == nil, LocalTime(values[4]) == nil { reason = "time '\(values[4])' is not a time (HH:MM)" }
            if reason == nil, let earlier = seenLegacy[values[5]] {
                reason = "legacy_id \(values[5]) repeats line \(earlier)"
            }
            if let reason {
                problems.append((number, reason))
                continue
            }
            seenLegacy[values[5]] = number
            rows.append(Row(line: number, office: values[0], service: values[1], pratica: values[2], date: values[3],
                            time: values[4], legacyID: values[5]))
        }
        problems.sort { $0.line < $1.line }
        return (rows, problems)
    }
}
