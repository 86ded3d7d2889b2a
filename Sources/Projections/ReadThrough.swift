import Events
import Foundation

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
    /// The committed retention index's entries of `office` up to day `through`, in key order
    /// (day, then the pratica id's bytes): whole days, stopping after the day on which `limit`
    /// entries were reached. `complete`: every entry up to `through` was read.
    func retained(_ office: OfficeID, through day: Day, limit: Int) -> (entries: [Delivery], complete: Bool)
}

/// A dictionary that reads through to a `ViewSource` on a miss. What is set stays in memory;
/// `memory` is what is held (all of it when there is no source). What the source answered,
/// found or not, is kept in a cache beside it, so a decision and its fold read an entry once:
/// the source changes only when the writer commits what it holds in `memory`, which comes
/// first.
public struct ReadThrough<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    public private(set) var memory: [Key: Value] = [:]
    let fetch: (@Sendable (Key) -> Value?)?
    let cache: ReadCache<Key, Value>?

    init(_ fetch: (@Sendable (Key) -> Value?)? = nil) {
        self.fetch = fetch
        cache = fetch == nil ? nil : ReadCache()
    }

    /// Entries read from the source and kept.
    public var cached: Int { cache?.count ?? 0 }

    public subscript(key: Key) -> Value? {
        get {
            if let value = memory[key] { return value }
            guard let fetch, let cache else { return nil }
            return cache.value(key, fetch)
        }
        set {
            guard let newValue else {
                // `views.pratiche[id]?.live[service] = nil` for an id nobody holds writes the
                // absent value back (a replayed record naming an unknown pratica): nothing to forget.
                if memory[key] == nil, self[key] == nil { return }
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
            guard let fetched = self[key] else { return nil }
            memory[key] = fetched
        }
        return body(&memory[key]!)  // present: checked or set just above
    }

    mutating func load(_ key: Key, _ value: Value) { memory[key] = value }
}

/// What a source answered, by key; nil answers included. One writer thread asks it; the lock
/// keeps a copy of the views that reached another thread safe.
final class ReadCache<Key: Hashable & Sendable, Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [Key: Value?] = [:]

    var count: Int { lock.withLock { answers.count } }

    func value(_ key: Key, _ fetch: (Key) -> Value?) -> Value? {
        if let answer = lock.withLock({ answers[key] }) { return answer }
        let answer = fetch(key)
        lock.withLock { answers[key] = .some(answer) }
        return answer
    }
}
