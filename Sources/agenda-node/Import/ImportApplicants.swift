import ArgumentParser
import Events
import Foundation
import RegistryCSV

/// `agenda-node import-applicants FILE`: the ELI2 workflow. A comune's registry export (CSV)
/// becomes pratiche on a running node, through REGISTER, so no operator retypes a name.
struct ImportApplicants: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-applicants",
        abstract: "Register applicants from a comune's registry export (CSV) on a running node.",
        discussion: """
            The file's first line names the columns: numero_pratica, numero_visto, cognome, nome, \
            data_nascita (YYYY-MM-DD or DD/MM/YYYY), cittadinanza (ISO 3166-1 alpha-3), sportello \
            (the SUI's office id); other columns are ignored. ',' or ';' between fields, UTF-8 with \
            or without a byte-order mark, as Excel's "CSV UTF-8" writes it.

            Every row is checked first and every bad row is reported with its line; a file with a \
            bad row imports nothing unless --skip-bad. Then the rows go to the node over one \
            connection, pipelined, each as REGISTER under a request id made from the row, so \
            importing the same file again changes nothing. The password is read from \
            AGENDA_PASSWORD, else from the first line of standard input.

            Exit status: 0 every row sent is imported or already there; 1 a bad row (nothing sent \
            without --skip-bad) or a row the node refused; 2 the node could not be reached or the \
            sign-in failed.

            Examples:
              printf 's3cret\\n' | agenda-node import-applicants anagrafe.csv --user comune.asti
              AGENDA_PASSWORD=s3cret agenda-node import-applicants anagrafe.csv --host 10.0.0.5 --user comune.asti --skip-bad
              agenda-node import-applicants anagrafe.csv --dry-run
            """)

    /// A comune's whole foreign population is at most a few hundred thousand rows of about 150
    /// bytes; a file past this is not a registry export.
    static let fileBytesMax = 64 << 20

    @Argument(help: "The registry export, a CSV file.")
    var file: String

    @Option(help: "The node's address.")
    var host: String = "127.0.0.1"

    @Option(help: "The node's port.")
    var port: Int = 7878

    @Option(help: "The account to sign in as (a sui, body or admin account).")
    var user: String?

    @Flag(help: "Import the good rows of a file that has bad ones (the bad ones are still listed).")
    var skipBad = false

    @Flag(help: "Check the file and say what would be sent; connect to nothing.")
    var dryRun = false

    @Flag(help: "Print every row's outcome, not only the refused ones.")
    var verbose = false

    func validate() throws {
        if !dryRun && user == nil { throw ValidationError("--user is needed to sign in (or give --dry-run).") }
        guard (1...65_535).contains(port) else { throw ValidationError("--port \(port) is not a TCP port.") }
    }

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationError("cannot read \(file).")
        }
        guard data.count <= Self.fileBytesMax else {
            throw ValidationError("\(file) is over \(Self.fileBytesMax >> 20) MiB; split it.")
        }
        let now = Instant(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
        let parsed = ApplicantRegistry.read(Array(data), today: RomeTime.day(of: now))
        let badLines = Set(parsed.problems.map(\.line))
        print("\(file): \(parsed.rows.count) good rows, \(badLines.count) bad, separator '\(parsed.separator)'")
        for problem in parsed.problems {
            print("line \(problem.line): \(problem.reason)")
        }
        if !badLines.isEmpty && !skipBad {
            print("nothing imported: fix the rows above, or pass --skip-bad to import the \(parsed.rows.count) good ones")
            throw ExitCode(1)
        }
        if dryRun {
            print("dry run: would send \(parsed.rows.count) rows")
            throw ExitCode(badLines.isEmpty ? 0 : 1)
        }
        guard let user else { throw ValidationError("--user is needed to sign in.") }
        let password = try Self.password()

        let connection: RESPClientConnection
        do {
            connection = try RESPClientConnection(host: host, port: port)
            let signIn = try connection.call(["AUTH", user, password])
            guard signIn == .simple("OK") else {
                print("sign-in as \(user) refused: \(signIn)")
                throw ExitCode(2)
            }
        } catch let error as RESPClientConnection.ConnectionError {
            print("error: \(error)")
            throw ExitCode(2)
        }

        let commands = parsed.rows.map { row in
            let applicant = row.applicant
            return ["REGISTER", applicant.pratica.rawValue, applicant.visto, applicant.surname, applicant.name,
                    applicant.birthDate.description, applicant.nationality, applicant.office.rawValue,
                    "REQID", row.requestID]
        }
        var imported = 0
        var present = 0
        var refused = 0
        do {
            _ = try connection.pipeline(commands) { index, reply in
                let row = parsed.rows[index]
                let pratica = row.applicant.pratica
                switch reply {
                case .error(let message):
                    refused += 1
                    print("line \(row.line): \(pratica) refused: \(message)")
                case .array:
                    if reply.fields["existing"] == "1" {
                        present += 1
                        if verbose { print("line \(row.line): \(pratica) already present") }
                    } else {
                        imported += 1
                        if verbose { print("line \(row.line): \(pratica) imported at record \(reply.fields["seq"] ?? "?")") }
                    }
                default:
                    refused += 1
                    print("line \(row.line): \(pratica) unexpected reply: \(reply)")
                }
            }
        } catch let error as RESPClientConnection.ConnectionError {
            print("error after \(imported + present + refused) of \(commands.count) rows: \(error); "
                  + "run the import again: rows already done change nothing")
            throw ExitCode(2)
        }
        print("imported \(imported), already present \(present), refused \(refused)"
              + (badLines.isEmpty ? "" : ", bad rows skipped \(badLines.count)"))
        if refused > 0 { throw ExitCode(1) }
    }

    static func password() throws -> String {
        if let password = ProcessInfo.processInfo.environment["AGENDA_PASSWORD"], !password.isEmpty { return password }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw ValidationError("give the password in AGENDA_PASSWORD or on standard input.")
        }
        return line
    }
}
