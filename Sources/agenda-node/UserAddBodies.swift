import AgendaServer
import ArgumentParser
import Engine
import Events
import Foundation
import RegistryCSV

extension User {
    /// Siamo Digitali: every comune of a province books at its Prefettura, Questura and SUI for
    /// its residents, each with its own `body` account.
    struct AddBodies: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-bodies",
            abstract: "Create one body account per comune of a province, each with a random password.",
            discussion: """
                The comuni come from the fixtures' bodies.csv (ISTAT's list; see fixtures/README.md). \
                Each account is named after its body id in lower case (COMUNE-AT-005005, Asti, gets \
                comune-at-005005), has the role body and acts for that body. The passwords are made \
                here, shown once as `account,password,body,name` CSV (on standard output, or in \
                --out, created with mode 0600 and never overwritten) and kept only as scrypt hashes.

                If any of the accounts exists already, nothing is created unless --skip-existing, \
                which creates only the missing ones (a comune added to ISTAT's list, or a run that \
                stopped half-way); an existing account keeps its password (`user passwd` sets a new one).

                Examples:
                  agenda-node user add-bodies --province AT --data ./data --out asti-accounts.csv
                  agenda-node user add-bodies --province AT --data ./data --skip-existing --out new-accounts.csv
                """)

        /// About 95 bits: 16 characters from 62 letters and digits less the look-alikes.
        static let passwordLength = 16
        static let passwordAlphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")

        @OptionGroup var options: DataOptions
        @Option(help: "The province's sigla, e.g. AT.")
        var province: String
        @Option(help: "Write the account,password CSV here (mode 0600; refused if the file exists) instead of standard output.")
        var out: String?
        @Flag(help: "Create only the accounts that do not exist yet, instead of refusing.")
        var skipExisting = false

        struct Comune {
            let body: String
            let name: String
            var account: String { body.lowercased() }
        }

        func run() throws {
            let sigla = province.uppercased()
            let comuni = try Self.comuni(of: sigla, fixtures: options.fixtures)
            if let out, FileManager.default.fileExists(atPath: out) {
                throw ValidationError("\(out) exists; the passwords are written once, into a new file.")
            }
            try withStore(options) { store in
                let accounts = try store.accounts()
                let existing = comuni.filter { accounts[$0.account] != nil }
                if !existing.isEmpty && !skipExisting {
                    throw ValidationError("\(existing.count) of the \(comuni.count) accounts exist already ("
                                          + existing.prefix(3).map(\.account).joined(separator: ", ")
                                          + (existing.count > 3 ? ", …" : "") + "); nothing created. Pass --skip-existing "
                                          + "to create only the missing ones.")
                }
                let missing = comuni.filter { accounts[$0.account] == nil }
                // scrypt takes a while per password; the cores share the work.
                let passwords = missing.map { _ in Self.randomPassword() }
                let hashes = try Self.hashes(passwords)
                var csv = "account,password,body,name\n"
                for (comune, password) in zip(missing, passwords) {
                    csv += [comune.account, password, comune.body, Self.csvField(comune.name)].joined(separator: ",") + "\n"
                }
                // The passwords are kept before any account exists, so none is created whose
                // password nobody has.
                if let out { try Self.writePrivately(csv, to: out) }
                // Credentials first, in one transaction: a password for an account not yet
                // created lets nobody in; then the accounts, in one commit.
                try store.setCredentials(zip(missing, hashes).map { (name: $0.account, value: $1) })
                let commands = missing.map { comune in
                    Command.createAccount(AccountSpec(name: comune.account, role: .body, office: nil, body: comune.body))
                }
                for (comune, decision) in zip(missing, try store.executeAll(commands, actor: operatorActor)) {
                    if case .rejected(let rejection) = decision.record.outcome {
                        throw ValidationError("\(comune.account): \(rejection)")
                    }
                }
                if out == nil && !missing.isEmpty { print(csv, terminator: "") }
                FileHandle.standardError.write(Data(("created \(missing.count) body accounts for \(sigla)"
                    + (existing.isEmpty ? "" : ", \(existing.count) existed already")
                    + (out.map { "; passwords in \($0)" } ?? "") + "\n").utf8))
            }
        }

        static func comuni(of sigla: String, fixtures: String) throws -> [Comune] {
            let path = fixtures + "/bodies.csv"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("no \(path); pass --fixtures DIR (the project's fixtures folder).")
            }
            let table = CSVReader.read(Array(data), separator: .comma)
            if let problem = table.problems.first { throw ValidationError("\(path): \(problem)") }
            guard let header = table.records.first?.fields,
                  let bodyColumn = header.firstIndex(of: "body"), let nameColumn = header.firstIndex(of: "name"),
                  let provinceColumn = header.firstIndex(of: "province") else {
                throw ValidationError("\(path): the header lacks body, name or province; regenerate with python3 fixtures/generate.py")
            }
            let rows = table.records.dropFirst().filter { $0.fields.count == header.count }
            let comuni = rows.filter { $0.fields[provinceColumn] == sigla }
                .map { Comune(body: $0.fields[bodyColumn], name: $0.fields[nameColumn]) }
            guard !comuni.isEmpty else {
                let known = Set(rows.map { $0.fields[provinceColumn] }).sorted().joined(separator: ", ")
                throw ValidationError("no comuni of \(sigla) in \(path); it lists \(known.isEmpty ? "none" : known).")
            }
            return comuni
        }

        static func randomPassword() -> String {
            var generator = SystemRandomNumberGenerator()
            return String((0..<passwordLength).map { _ in passwordAlphabet[Int.random(in: 0..<passwordAlphabet.count, using: &generator)] })
        }

        static func hashes(_ passwords: [String]) throws -> [[UInt8]] {
            guard !passwords.isEmpty else { return [] }
            let results = HashResults(count: passwords.count)
            DispatchQueue.concurrentPerform(iterations: passwords.count) { index in
                results.set(index, Result { try Passwords.hash(passwords[index]) })
            }
            return try results.values.map { try $0.get() }
        }

        static func csvField(_ text: String) -> String {
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }

        /// Created with mode 0600 and O_EXCL: never another's file, never readable by others.
        static func writePrivately(_ text: String, to path: String) throws {
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            guard descriptor >= 0 else {
                throw ValidationError("cannot create \(path): \(String(cString: strerror(errno))).")
            }
            defer { close(descriptor) }
            let bytes = Array(text.utf8)
            var written = 0
            while written < bytes.count {
                let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                guard count > 0 else { throw ValidationError("cannot write \(path): \(String(cString: strerror(errno))).") }
                written += count
            }
            guard fsync(descriptor) == 0 else { throw ValidationError("cannot sync \(path): \(String(cString: strerror(errno))).") }
        }
    }
}

private final class HashResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<[UInt8], Error>]

    init(count: Int) { results = Array(repeating: .failure(CancellationError()), count: count) }

    func set(_ index: Int, _ result: Result<[UInt8], Error>) {
        lock.lock()
        results[index] = result
        lock.unlock()
    }

    var values: [Result<[UInt8], Error>] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}
