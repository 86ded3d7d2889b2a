import Events

/// What a batch of records changed, so the store rewrites only those entries, once each.
public struct Changes: Sendable {
    public var offices: Set<OfficeID> = []
    public var days: Set<DayKey> = []
    /// The last day inserted: a batch of bookings mostly lands on the same day, so the set's
    /// hashing is skipped for repeats.
    var lastDay: DayKey?
    /// May repeat an id: writing an entry twice writes the same bytes, and is cheaper than hashing.
    public var appointments: [AppointmentID] = []
    public var pratiche: [PraticaID] = []
    public var applicants: [PraticaID] = []
    public var visti: Set<String> = []
    public var requests: Set<RequestKey> = []
    public var history: [HistoryEntry] = []
    public var accounts: Set<String> = []
    /// Index entries to delete: the applicants an erasure took out of STATUS's reach.
    public var unindexed: [(ApplicantKey, PraticaID)] = []
    /// The sequences of the records that recorded a signing key.
    public var signingKeys: [UInt64] = []
    public var webhooks: Set<String> = []
    /// In order: an entry added then removed in one batch must end removed.
    public var agenda: [AgendaChange] = []

    public init() {}

    mutating func touch(_ day: DayKey) {
        if lastDay == day { return }
        days.insert(day)
        lastDay = day
    }

    public mutating func removeAll() {
        lastDay = nil
        offices.removeAll(keepingCapacity: true)
        days.removeAll(keepingCapacity: true)
        appointments.removeAll(keepingCapacity: true)
        pratiche.removeAll(keepingCapacity: true)
        applicants.removeAll(keepingCapacity: true)
        visti.removeAll(keepingCapacity: true)
        requests.removeAll(keepingCapacity: true)
        history.removeAll(keepingCapacity: true)
        accounts.removeAll(keepingCapacity: true)
        unindexed.removeAll(keepingCapacity: true)
        signingKeys.removeAll(keepingCapacity: true)
        webhooks.removeAll(keepingCapacity: true)
        agenda.removeAll(keepingCapacity: true)
    }
}

/// How the STATUS check finds a person: case and surrounding spaces do not matter.
public struct ApplicantKey: Hashable, Sendable {
    public var surname: String
    public var name: String
    public var birthDate: Day

    public init(surname: String, name: String, birthDate: Day) {
        self.surname = ApplicantKey.normalised(surname)
        self.name = ApplicantKey.normalised(name)
        self.birthDate = birthDate
    }

    /// The applicant's key: their name for data in clear; for sealed data the person's keyed
    /// hash (`tagged`), which is all the index holds of them.
    public init(_ applicant: Applicant) {
        if let seal = applicant.seal {
            self.init(tagged: seal.personTag)
        } else {
            self.init(surname: applicant.surname, name: applicant.name, birthDate: applicant.birthDate)
        }
    }

    /// A sealed applicant's key: a 0x01 byte then the keyed hash in hexadecimal as the surname
    /// (a name in clear never starts so), nothing else.
    public init(tagged: ChainHash) {
        surname = "\u{1}" + tagged.description
        name = ""
        birthDate = Day(daysSinceEpoch: 0)
    }

    /// As STATUS compares names (the sealed data's keyed hash normalises them the same way).
    static func normalised(_ text: String) -> String { ApplicantSealing.normalised(text) }
}

public struct HistoryEntry: Hashable, Sendable {
    public var pratica: PraticaID
    public var sequence: UInt64
    /// The appointment the record booked or migrated for the pratica: a pratica's appointments
    /// are read back from its history, so a booking writes no other pratica-keyed entry.
    public var booked: AppointmentID?
}

public struct AgendaChange: Sendable {
    public var office: OfficeID
    public var day: Day
    public var service: ServiceID
    public var entry: AgendaEntry
    public var added: Bool
}
