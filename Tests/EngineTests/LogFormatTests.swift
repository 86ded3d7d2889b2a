import Engine
import Events
import Foundation
import Testing

/// docs/log-format.md is a public contract: `tools/verify_log.py` was written from that page
/// alone, with Python's LMDB binding. If it walks and decodes a log the engine wrote, and
/// agrees with the Swift decoder field by field, the page says enough.
@Suite("The published log format")
struct LogFormatTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func verifier(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.repository.appendingPathComponent("tools/verify_log.py").path] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("a verifier written only from docs/log-format.md decodes every record the engine wrote, as the engine does")
    func independentVerifierAgrees() throws {
        let probe = try verifier(["--help"])
        try #require(probe.status == 0, "python3 with the lmdb package is needed: make test installs it")
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = try Store(directory: directory, clock: { pilotMorning })
        var commands: [Command] = [.configureOffice(testOffice(capacity: 1, slotsPerDay: 2, horizonDays: 3))]
        commands += (0..<12).map { .registerPratica(applicant($0)) }
        commands += (0..<10).map { book($0) }  // the last ones find no room: recorded rejections
        commands += [
            .deferAppointment("A-0000E", to: .nextFree, reason: "asked"),
            .deferAppointment("A-0000F", to: .day(pilotMonday.adding(days: 2), at: nil), reason: "asked"),
            .cancel("A-0000G", reason: "left"), .cancel("A-0000G", reason: "again"),
            .permitReady(pratica(11)), .permitReady(pratica(11)),
            .book(BookRequest(office: "TS-Q", service: "consegna-permesso", pratica: pratica(11))),
            .pickup(pratica(11)), .pickup(pratica(11)),
            .closeDay(office: "TS-Q", day: pilotMonday.adding(days: 1), service: nil, reason: "sciopero"),
            .registerPratica(applicant(3)),
        ]
        _ = try store.executeAll(commands, actor: sui)

        // Accounts and attendance, so every command, event and rejection tag added since is in
        // the log: the store's clock is the pilot Monday, so appointments on it are due today.
        let booked = try store.persistedViews().appointments.memory.values.filter { $0.state == .booked }
            .sorted { ($0.day, $0.time, $0.id) < ($1.day, $1.time, $1.id) }
        let dueToday = booked.filter { $0.day <= pilotMonday }
        try #require(dueToday.count >= 2, "the workload leaves two appointments booked for today")
        let later = try #require(booked.first { $0.day > pilotMonday }, "and one on a later day")
        let staff: Set<Role> = [.sui, .questura, .prefettura]
        var accountCommands: [Command] = Role.allCases.map { role in
            let office: OfficeID? = staff.contains(role) ? "TS-Q" : nil
            return Command.createAccount(AccountSpec(name: "\(role).trieste", role: role, office: office,
                                                     body: role == .body ? "CAF-TS" : office?.rawValue ?? ""))
        }
        accountCommands += [
            .createAccount(AccountSpec(name: "sui.trieste", role: .sui, office: "TS-Q", body: "TS-Q")),  // exists
            .createAccount(AccountSpec(name: "q.nowhere", role: .questura, office: nil, body: "")),  // no office
            .disableAccount(name: "questura.trieste", reason: "moved"),
            .disableAccount(name: "questura.trieste", reason: "again"),  // accepted, no events
            .disableAccount(name: "nobody", reason: ""),  // unknown account
            .attend(dueToday[0].id), .noShow(dueToday[1].id),
            .attend(later.id), .noShow(later.id),  // not yet due
            .noShow(dueToday[0].id),  // already attended: not live
            // BOOK ... EXISTING: accepted unchanged while the pratica has a live appointment,
            // otherwise decided as a booking.
            .book(BookRequest(office: "TS-Q", service: "fotosegnalamento", pratica: later.pratica, orExisting: true)),
            .book(BookRequest(office: "TS-Q", service: "fotosegnalamento", pratica: dueToday[1].pratica,
                              orExisting: true)),
            // Issue 5: an applicant account (version 2), office amendments, the transition
            // window and migrations, one refused for lack of a window.
            .createAccount(AccountSpec(name: "self.0", role: .applicant, office: nil, body: pratica(0).rawValue,
                                       pratica: pratica(0))),
            .migrate(MigrateRequest(office: "TS-Q", service: "fotosegnalamento", pratica: pratica(10),
                                    day: later.day, time: later.time, legacyID: "DED-1")),
            .amendOffice("TS-Q", .quotas("fotosegnalamento", ChannelQuotas(sui: 1, body: 0, applicant: 0), releaseDays: 1)),
            .amendOffice("TS-Q", .address("Via Tor Bandena 6, Trieste", phone: "040 0000")),
            .amendOffice("TS-Q", .transition(TransitionWindow(from: pilotMonday, to: later.day))),
            // Configuration version 3 (tags 18 and 16): an office that names its province.
            .configureOffice({
                var prefettura = testOffice("TS-P")
                prefettura.kind = .prefettura
                prefettura.province = "TS"
                return prefettura
            }()),
            // Configuration version 4 (tags 22 and 20): a retention period, with a province
            // (amended) and without one; amendment tag 4; the node's clock (command tag 23).
            .amendOffice("TS-P", .retention(days: 30)),
            .configureOffice({
                var sportello = testOffice("TS-S")
                sportello.kind = .sui
                sportello.retentionDays = 365
                return sportello
            }()),
            .tick,
            // Configuration version 5 (tags 24 and 21), amendments 5 and 6, webhooks (commands
            // 25 and 26, events 22 and 23, rejections 26 and 27).
            .amendOffice("TS-Q", .dayListAddress("immigrazione.ts@example.org")),
            .amendOffice("TS-Q", .reminder("fotosegnalamento", days: 2)),
            .addWebhook(Webhook(id: "crm", url: "https://crm.example.org/agenda", scope: .office("TS-Q"),
                                secretDigest: String(repeating: "ab", count: 32))),
            .addWebhook(Webhook(id: "crm", url: "https://crm.example.org/other", scope: .body("CAF-TS"),
                                secretDigest: String(repeating: "cd", count: 32))),
            .removeWebhook("crm"), .removeWebhook("nothing"),
            .migrate(MigrateRequest(office: "TS-Q", service: "fotosegnalamento", pratica: pratica(10),
                                    day: later.day, time: later.time, legacyID: "DED-1")),
        ]
        _ = try store.executeAll(accountCommands, actor: sui)
        // A refusal of who may act is a record too (rejection tag 24): the audit account changes nothing.
        _ = try store.execute(.cancel("A-00001", reason: "not mine"), actor: Actor(operator: "audit.trieste", body: "audit"))
        // The node's key (command tag 19, event tag 17), recorded as the node records it.
        let (key, _) = try NodeKey.loadOrCreate(directory + ".signing-key")
        defer { removeDirectory(directory + ".signing-key") }
        #expect(try store.adoptSigningKey(key) != nil)

        var records: [Record] = []
        try store.read { txn in
            try txn.records { records.append($0); return true }
        }
        let head = try store.head()
        let signed = try store.signedHead(key: key)
        store.close()

        // The reader recomputes the Merkle tree from the log alone and finds the store's root
        // in the `tree` database by the key formula the page gives.
        let summary = try verifier([directory])
        #expect(summary.status == 0)
        #expect(summary.output.contains("\(records.count) records, head \(head.sequence) \(head.hash), chain ok; "
                                            + "tree root \(signed.root)"), "\(summary.output)")
        #expect(try verifier(["--head", signed.description, directory]).status == 0)
        var forged = signed
        forged.root = signed.hash
        let refused = try verifier(["--head", forged.description, directory])
        #expect(refused.status == 1 && refused.output.contains("chain NOT ok: 1 problem"), "\(refused.output)")

        let lines = try verifier(["--json", directory]).output.split(separator: "\n")
        #expect(lines.count == records.count)
        var outcomeKinds: Set<String> = []
        var names: Set<String> = []
        for (line, record) in zip(lines, records) {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(json["sequence"] as? Int == Int(record.sequence))
            #expect(json["hash"] as? String == record.hash.description)
            #expect(json["previousHash"] as? String == record.previousHash.description)
            #expect((json["decidedAtMs"] as? NSNumber)?.int64Value == record.decidedAt.millisecondsSinceEpoch)
            #expect(json["operator"] as? String == record.actor.operator)
            #expect(json["body"] as? String == record.actor.body)
            #expect(json["requestID"] as? String == record.requestID)
            let command = try #require(json["command"] as? [String: Any])
            #expect(command["type"] as? String == Self.pageName(record.command))
            names.insert("command " + Self.pageName(record.command))
            switch record.command {
            case .book(let request):
                #expect(command["pratica"] as? String == request.pratica.rawValue)
            case .createAccount(let spec):
                expectAccount(command["account"], spec)
            case .migrate(let request):
                #expect(command["legacyID"] as? String == request.legacyID)
                #expect(command["time"] as? String == request.time.description)
            case .amendOffice(let office, _):
                #expect(command["office"] as? String == office.rawValue)
                #expect((command["amendment"] as? [String: Any])?["type"] != nil)
            case .disableAccount(let name, let reason):
                #expect(command["name"] as? String == name)
                #expect(command["reason"] as? String == reason)
            case .attend(let appointment), .noShow(let appointment):
                #expect(command["appointment"] as? String == appointment.rawValue)
            default:
                break
            }
            let outcome = try #require(json["outcome"] as? [String: Any])
            switch record.outcome {
            case .accepted(let events):
                #expect(outcome["type"] as? String == "accepted")
                let decoded = try #require(outcome["events"] as? [[String: Any]])
                #expect(decoded.count == events.count)
                for (object, event) in zip(decoded, events) { names.insert(expectEvent(object, event)) }
                outcomeKinds.insert(events.isEmpty ? "no events" : "events")
            case .rejected(let rejection):
                #expect(outcome["type"] as? String == "rejected")
                let decoded = try #require(outcome["rejection"] as? [String: Any])
                #expect(decoded["type"] as? String == rejection.rule)
                if case .notYetDue(let appointment, let day, let today) = rejection {
                    #expect(decoded["appointment"] as? String == appointment.rawValue)
                    #expect(decoded["day"] as? String == day.description)
                    #expect(decoded["today"] as? String == today.description)
                }
                if case .accountExists(let name) = rejection { #expect(decoded["name"] as? String == name) }
                if case .unknownAccount(let name) = rejection { #expect(decoded["name"] as? String == name) }
                if case .notPermitted(let permission, let role, let subject) = rejection {
                    #expect(decoded["permission"] as? String == permission.name)
                    #expect(decoded["role"] as? String == role.description)
                    #expect(decoded["subject"] as? String == subject)
                }
                names.insert("rejection " + rejection.rule)
                outcomeKinds.insert("rejected")
            }
        }
        #expect(outcomeKinds == ["events", "no events", "rejected"])
        // Every tag added with accounts and attendance was written, and decoded.
        let added: Set<String> = [
            "command create-account", "command disable-account", "command attend", "command no-show",
            "command book-or-existing",
            "event account-created", "event account-disabled", "event appointment-attended", "event appointment-missed",
            "rejection account-exists", "rejection unknown-account", "rejection not-yet-due",
            "command amend-office", "command migrate-appointment", "event appointment-migrated",
            "rejection outside-transition", "rejection not-permitted", "command tick",
            "command add-webhook", "command remove-webhook", "event webhook-added", "event webhook-removed",
            "rejection webhook-exists", "rejection unknown-webhook",
        ]
        #expect(added.subtracting(names).isEmpty, "not in the log: \(added.subtracting(names).sorted())")

        // And it catches a changed byte, naming the record.
        try tamperWithLog(directory) { txn, dbi in
            var value = logValue(txn, dbi, 20)
            value[30] ^= 0x04
            putLogValue(txn, dbi, 20, value)
        }
        let tampered = try verifier([directory])
        #expect(tampered.status == 1)
    }

    /// The page's name for a command: a `book` with `orExisting` has a tag, and a name, of its own.
    static func pageName(_ command: Command) -> String {
        if case .book(let request) = command, request.orExisting { return "book-or-existing" }
        return command.name
    }

    func expectAccount(_ decoded: Any?, _ spec: AccountSpec, sourceLocation: SourceLocation = #_sourceLocation) {
        let account = decoded as? [String: Any]
        #expect(account?["name"] as? String == spec.name, sourceLocation: sourceLocation)
        #expect(account?["role"] as? String == spec.role.description, sourceLocation: sourceLocation)
        if let office = spec.office {
            #expect(account?["office"] as? String == office.rawValue, sourceLocation: sourceLocation)
        } else {
            #expect(account?["office"] is NSNull, sourceLocation: sourceLocation)
        }
        #expect(account?["body"] as? String == spec.body, sourceLocation: sourceLocation)
        #expect(account?["pratica"] as? String == spec.pratica?.rawValue, sourceLocation: sourceLocation)
    }

    /// Checks the fields of the events added with accounts and attendance; returns "event <name>".
    func expectEvent(_ decoded: [String: Any], _ event: Event) -> String {
        let type = decoded["type"] as? String ?? "?"
        switch event {
        case .accountCreated(let spec):
            #expect(type == "account-created")
            expectAccount(decoded["account"], spec)
        case .accountDisabled(let name, let reason):
            #expect(type == "account-disabled")
            #expect(decoded["name"] as? String == name)
            #expect(decoded["reason"] as? String == reason)
        case .appointmentAttended(let closed), .appointmentMissed(let closed):
            if case .appointmentAttended = event { #expect(type == "appointment-attended") } else {
                #expect(type == "appointment-missed")
            }
            #expect(decoded["appointment"] as? String == closed.appointment.rawValue)
            #expect(decoded["office"] as? String == closed.office.rawValue)
            #expect(decoded["service"] as? String == closed.service.rawValue)
            #expect(decoded["pratica"] as? String == closed.pratica.rawValue)
            #expect(decoded["day"] as? String == closed.day.description)
            #expect(decoded["time"] as? String == closed.time.description)
        case .appointmentMigrated(let migrated):
            #expect(type == "appointment-migrated")
            #expect(decoded["legacyID"] as? String == migrated.legacyID)
            #expect(decoded["day"] as? String == migrated.day.description)
        case .officeConfigured(let configuration, _) where !configuration.isVersion1:
            let decodedConfiguration = decoded["configuration"] as? [String: Any]
            #expect(decodedConfiguration?["address"] as? String == configuration.address)
            let quotas = (decodedConfiguration?["services"] as? [[String: Any]])?.first?["quotas"] as? [String: Any]
            #expect(quotas?["sui"] as? Int == Int(configuration.services[0].quotas.sui))
        default:
            break
        }
        return "event " + type
    }
}
