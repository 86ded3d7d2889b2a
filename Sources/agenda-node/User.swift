import AgendaServer
import ArgumentParser
import Engine
import Events
import Foundation

struct User: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage operators' accounts (stop the node first: one writer per directory).",
        discussion: """
            Creating and disabling an account is recorded in the log (name, role, office, body: \
            never a password). Passwords are read from standard input and kept only as scrypt \
            hashes in the data directory's `credentials` database.

            Examples:
              printf 's3cret\\n' | agenda-node user add sui.roma --role sui --office RM-S --data ./data
              printf 's3cret\\n' | agenda-node user add caf.roma --role body --body CAF-ROMA --data ./data
              printf 's3cret\\n' | agenda-node user add p.rm.123 --role applicant --pratica P-RM-2008-000123 --data ./data
              agenda-node user add-bodies --province AT --data ./data --out asti-accounts.csv
              agenda-node user disable caf.roma --reason "convention ended" --data ./data
              agenda-node user list --data ./data
            """,
        subcommands: [Add.self, AddBodies.self, Disable.self, Passwd.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account; its password is read from standard input.")

        @OptionGroup var options: DataOptions
        @Argument(help: "The account name (letters, digits, '.', '-', '_'), typed at AUTH.")
        var name: String
        @Option(help: "sui, body, questura, prefettura, audit, admin or applicant.")
        var role: String
        @Option(help: "The office whose staff it is (needed for sui, questura, prefettura), e.g. RM-Q.")
        var office: String?
        @Option(help: "The ente convenzionato a body account acts for, e.g. CAF-ROMA (defaults to the office).")
        var body: String?
        @Option(help: "The one pratica an applicant account books for (needed for, and only for, --role applicant).")
        var pratica: String?

        func run() throws {
            guard let role = Role(name: role) else {
                throw ValidationError("unknown role \(role); use sui, body, questura, prefettura, audit, admin or applicant.")
            }
            if role == .applicant, pratica == nil {
                throw ValidationError("an applicant account needs --pratica, the numero di pratica it books for.")
            }
            if role != .applicant, pratica != nil {
                throw ValidationError("--pratica goes only with --role applicant.")
            }
            let password = try readPassword()
            let hash = try Passwords.hash(password)
            let spec = AccountSpec(name: name, role: role, office: office.map { OfficeID($0) },
                                   body: body ?? office ?? pratica ?? (role == .audit || role == .admin ? name : ""),
                                   pratica: pratica.map { PraticaID($0) })
            try withStore(options) { store in
                let decision = try store.execute(.createAccount(spec), actor: operatorActor)
                if case .rejected(let rejection) = decision.record.outcome { throw ValidationError("\(rejection)") }
                try store.setCredential(name, hash)
                print("created \(name) (\(role)) at record \(decision.record.sequence)")
            }
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account for good; its history stays.")
        @OptionGroup var options: DataOptions
        @Argument(help: "The account name.")
        var name: String
        @Option(help: "Why, for the log.")
        var reason: String = ""

        func run() throws {
            try withStore(options) { store in
                let decision = try store.execute(.disableAccount(name: name, reason: reason), actor: operatorActor)
                if case .rejected(let rejection) = decision.record.outcome { throw ValidationError("\(rejection)") }
                print("disabled \(name) at record \(decision.record.sequence)")
            }
        }
    }

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set an account's password, read from standard input.")
        @OptionGroup var options: DataOptions
        @Argument(help: "The account name.")
        var name: String

        func run() throws {
            let hash = try Passwords.hash(try readPassword())
            try withStore(options) { store in
                guard try store.accounts()[name] != nil else { throw ValidationError("no account \(name).") }
                try store.setCredential(name, hash)
                print("password set for \(name)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts (read-only; works beside a running node).")
        @OptionGroup var options: DataOptions

        func run() throws {
            let environment = try Environment(directory: options.data, readOnly: true)
            defer { environment.close() }
            let accounts = try environment.read { try Store.decodeAccounts($0) }
            for account in accounts.values.sorted(by: { $0.spec.name < $1.spec.name }) {
                print([account.spec.name, account.spec.role.description, account.spec.office?.rawValue ?? "-",
                       account.spec.body.isEmpty ? "-" : account.spec.body, account.enabled ? "enabled" : "disabled"]
                    .joined(separator: "\t") + (account.spec.pratica.map { "\t\($0)" } ?? ""))
            }
        }
    }
}

/// Accounts made from the command line are recorded as the machine's operator.
let operatorActor = Actor(operator: "cli:" + (ProcessInfo.processInfo.environment["USER"] ?? "root"), body: "agenda")

func readPassword() throws -> String {
    guard let line = readLine(strippingNewline: true), !line.isEmpty else {
        throw ValidationError("give the password on standard input, e.g. printf 's3cret\\n' | agenda-node user add ...")
    }
    return line
}

func withStore(_ options: DataOptions, _ body: (Store) throws -> Void) throws {
    let isNew = !FileManager.default.fileExists(atPath: options.data + "/data.mdb")
    let seed = isNew ? try Fixtures.load(from: options.fixtures) : nil
    let store = try Store(directory: options.data)
    defer { store.close() }
    if let seed { _ = try store.seedIfEmpty(with: seed) }
    try body(store)
}
