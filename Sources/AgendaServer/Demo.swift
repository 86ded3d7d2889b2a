import Engine
import Events
import Foundation

/// `--demo`: a training set on top of the fixtures. A training Questura with room for load
/// tests, synthetic pratiche numbered so `redis-benchmark -r` can pick them
/// (`P-DEMO-__rand_int__`), and one account per role, all with the password `demo`.
public enum Demo {
    public static let office: OfficeID = "DEMO-Q"
    public static let password = "demo"

    public static let accounts: [AccountSpec] = [
        AccountSpec(name: "sui.roma", role: .sui, office: "RM-S", body: "RM-S"),
        AccountSpec(name: "caf.roma", role: .body, office: nil, body: "CAF-ROMA"),
        AccountSpec(name: "comune.roma", role: .body, office: nil, body: "COMUNE-ROMA"),
        AccountSpec(name: "questura.roma", role: .questura, office: "RM-Q", body: "RM-Q"),
        AccountSpec(name: "prefettura.roma", role: .prefettura, office: "RM-P", body: "RM-P"),
        AccountSpec(name: "questura.demo", role: .questura, office: office, body: office.rawValue),
        AccountSpec(name: "audit", role: .audit, office: nil, body: "audit"),
        AccountSpec(name: "admin", role: .admin, office: nil, body: "admin"),
    ]

    /// The accounts `seed` creates: one per role, and, when there are demo pratiche, an
    /// applicant's own (`self.demo`, tied to `P-DEMO-000000000001`) to try self-booking with.
    public static func accounts(pratiche: Int) -> [AccountSpec] {
        guard pratiche > 1 else { return accounts }
        return accounts + [AccountSpec(name: "self.demo", role: .applicant, office: nil, body: pratica(1).rawValue,
                                       pratica: pratica(1))]
    }

    /// `P-DEMO-000000000042`: twelve digits, as `redis-benchmark` writes `__rand_int__`.
    public static func pratica(_ number: Int) -> PraticaID {
        let digits = String(number)
        return PraticaID("P-DEMO-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits)
    }

    static let surnames = ["Rossi", "Hoxha", "Popescu", "Singh", "Chen", "Diallo", "Kovalenko", "Fernandez"]
    static let names = ["Ana", "Arben", "Mihai", "Harpreet", "Wei", "Aminata", "Olena", "Jorge"]
    static let nationalities = ["ALB", "ROU", "IND", "CHN", "SEN", "UKR", "PER", "MAR"]

    public static func applicant(_ number: Int) -> Applicant {
        let birth = Day(year: 1960 + number % 40, month: 1 + number % 12, day: 1 + number % 28) ?? Day(daysSinceEpoch: 0)
        return Applicant(pratica: pratica(number), visto: "V-DEMO-\(number)", surname: surnames[number % 8],
                         name: "\(names[number / 8 % 8]) \(number)", birthDate: birth,
                         nationality: nationalities[number % 8], office: "RM-S")
    }

    /// Ten-minute slots, 08:00–18:00, a hundred places each, Monday to Saturday, a year ahead:
    /// about two million places, so a load test measures the engine, not a full calendar.
    public static func trainingOffice() -> OfficeConfiguration {
        let day = [OpeningInterval(start: LocalTime(hour: 8, minute: 0) ?? .midnight,
                                   end: LocalTime(hour: 18, minute: 0) ?? .midnight)]
        let week = [day, day, day, day, day, day, []]
        return OfficeConfiguration(
            office: office, kind: .questura, name: "Questura di prova (demo)", horizonDays: 365, leadDays: 1,
            services: [
                ServiceConfiguration(id: "fotosegnalamento", name: "Fotosegnalamento", slotLengthMinutes: 10,
                                     capacityPerSlot: 100, requiresReadyPermit: false, weekly: week),
                ServiceConfiguration(id: "consegna-permesso", name: "Consegna permesso di soggiorno", slotLengthMinutes: 10,
                                     capacityPerSlot: 100, requiresReadyPermit: true, weekly: week),
            ],
            closedDays: [])
    }

    /// Seeds the training office, `pratiche` demo pratiche and the demo accounts into a store
    /// the fixtures already seeded. Returns the records written.
    public static func seed(_ store: Store, pratiche: Int) throws -> Int {
        var commands: [Command] = [.configureOffice(trainingOffice())]
        commands += (0..<pratiche).map { .registerPratica(applicant($0)) }
        let accounts = accounts(pratiche: pratiche)
        commands += accounts.map { .createAccount($0) }
        let decisions = try store.executeAll(commands, actor: .system)
        for decision in decisions {
            if case .rejected(let rejection) = decision.record.outcome {
                throw StoreError.corrupt("the demo seed was refused at record \(decision.record.sequence): \(rejection)")
            }
        }
        let hash = try Passwords.hash(password)
        for account in accounts { try store.setCredential(account.name, hash) }
        return decisions.count
    }
}
