import Events

/// Where the views read what they do not hold in memory: the store's LMDB databases, through
/// read transactions of the last commit (docs/engine.md, "The working set"). A fold from
/// scratch (rebuild, what-if, the tests) has none and holds everything.
///
/// The views ask only for entries they do not hold. An entry the writer changed stays in
/// memory at least until it is committed, so what a source returns is never older than what
/// the writer decided.
public protocol ViewSource: AnyObject, Sendable {
    func appointment(_ id: AppointmentID) -> AppointmentView?
    /// The pratica with its applicant, its appointments (oldest first) and the live one per
    /// service, as the fold keeps them.
    func pratica(_ id: PraticaID) -> PraticaView?
    /// Whether the pratica is registered (cheaper than `pratica`).
    func hasPratica(_ id: PraticaID) -> Bool
    func visto(_ visto: String) -> PraticaID?
    func request(_ key: RequestKey) -> UInt64?
    /// Every committed record that touched the pratica, in order.
    func history(_ pratica: PraticaID) -> [UInt64]
    /// A persisted day with its agenda entries.
    func day(_ key: DayKey) -> DayLoad?
    /// The pratiche registered for this surname, name and birth date.
    func pratiche(of applicant: ApplicantKey) -> [PraticaID]
}

/// A dictionary that reads through to a `ViewSource` on a miss. What is set stays in memory;
/// `memory` is what is held (all of it when there is no source).
public struct ReadThrough<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    public private(set) var memory: [Key: Value] = [:]
    let fetch: (@Sendable (Key) -> Value?)?

    init(_ fetch: (@Sendable (Key) -> Value?)? = nil) { self.fetch = fetch }

    public subscript(key: Key) -> Value? {
        get {
            if let value = memory[key] { return value }
            return fetch?(key)
        }
        set {
            guard let newValue else {
                precondition(fetch == nil, "the views never forget an entry their source holds")
                memory[key] = nil
                return
            }
            memory[key] = newValue
        }
    }

    /// Holds `key` in memory (read from the source if need be) and runs `body` on it.
    @discardableResult
    mutating func modify<R>(_ key: Key, _ body: (inout Value) -> R) -> R? {
        if memory[key] == nil {
            guard let fetched = fetch?(key) else { return nil }
            memory[key] = fetched
        }
        return body(&memory[key]!)  // present: checked or set just above
    }

    mutating func load(_ key: Key, _ value: Value) { memory[key] = value }

    /// Forgets what memory holds of a key the source has (the entry was committed).
    mutating func forget(_ key: Key) {
        guard fetch != nil else { return }
        memory[key] = nil
    }
}
