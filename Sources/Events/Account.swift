/// What an account may do (PROTOCOL.md's roles). Tags are forever: add cases, never reuse one.
public enum Role: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    /// Sportello Unico operator: books fingerprinting when releasing the nulla osta.
    case sui = 1
    /// Ente convenzionato (comune, patronato): books pickups, acts only on what it booked.
    case body = 2
    /// Questura staff: marks permits ready, records pickups, closes days.
    case questura = 3
    /// Prefettura staff and administrators: close days, read every office.
    case prefettura = 4
    /// Read-only: history and agendas, never a change.
    case audit = 5
    /// Manages accounts; acts anywhere.
    case admin = 6
    /// An applicant booking for themselves ("autoconvocazione"): tied to one pratica, acts only on it.
    case applicant = 7

    public var description: String {
        switch self {
        case .sui: "sui"
        case .body: "body"
        case .questura: "questura"
        case .prefettura: "prefettura"
        case .audit: "audit"
        case .admin: "admin"
        case .applicant: "applicant"
        }
    }

    public init?(name: String) {
        guard let role = Role.allCases.first(where: { $0.description == name.lowercased() }) else { return nil }
        self = role
    }
}

/// An operator's account as the log records it: never a password (those live, scrypt-hashed,
/// beside the log in the `credentials` database, and are not part of its history).
public struct AccountSpec: Equatable, Sendable {
    public var name: String
    public var role: Role
    /// The office whose staff it is (sui, questura, prefettura); nil for bodies, audit and admin
    /// unless they are tied to one.
    public var office: OfficeID?
    /// The body it acts for: the ente convenzionato's id for a body; defaults to the office.
    public var body: String
    /// The one pratica an applicant account acts on; nil for every other role. Recorded under
    /// the version-2 account tags, so accounts without it read and encode as before.
    public var pratica: PraticaID?

    public init(name: String, role: Role, office: OfficeID?, body: String, pratica: PraticaID? = nil) {
        self.name = name
        self.role = role
        self.office = office
        self.body = body
        self.pratica = pratica
    }

    /// Who its commands are recorded as.
    public var actor: Actor { Actor(operator: name, body: body) }
}
