import Events
import Foundation
import Projections

/// The outbox (docs/outbox.md): what the node sends because of what it committed (signed
/// webhooks, the end-of-day e-mail), kept beside the log in the same environment and never in
/// the chain. A follower reads the committed records from a durable cursor (`outbox-cursor`),
/// files one entry per message under its idempotency key (`outbox`), and delivers the entries
/// that are due (`outbox-due`), at least once: a restart resumes where the cursor and the
/// entries stand. What was sent, when, and what the receiver answered, stays: `OUTBOX` and
/// `agenda-node outbox list` read it.
public enum Outbox {
    static let entries = "outbox"
    static let due = "outbox-due"
    static let cursor = "outbox-cursor"
    /// Webhooks' secrets by webhook id, like the accounts' password hashes: beside the log.
    static let secrets = "webhook-secrets"
    static let databases = [entries, due, cursor, secrets]
    static let cursorKey = Array("records".utf8)
    static let countsKey = Array("counts".utf8)

    static func counts(_ txn: ReadTransaction) throws -> [State: Int] {
        guard let value = try txn.get(cursor, countsKey) else { return [:] }
        return try value.withUnsafeBytes { bytes in
            var reader = ByteReader(bytes)
            var counts: [State: Int] = [:]
            for state in State.allCases { counts[state] = Int(try reader.u64()) }
            return counts
        }
    }

    /// What an entry is.
    public enum Kind: String, Sendable, CaseIterable {
        /// One committed record POSTed to one webhook.
        case webhook
        /// One office's end-of-day list, e-mailed.
        case dayList = "daylist"
    }

    public enum State: UInt8, Sendable, CaseIterable, CustomStringConvertible {
        case pending = 1
        case sent = 2
        /// Given up after `Limits.outboxAttemptsMax` attempts; reported, kept.
        case parked = 3

        public var description: String {
            switch self {
            case .pending: "pending"
            case .sent: "sent"
            case .parked: "parked"
            }
        }
    }

    /// One message: its idempotency key (the record's sequence, the kind, the receiver), what
    /// to send, and how it went.
    public struct Entry: Equatable, Sendable {
        /// `SEQUENCE-KIND-TARGET`, sequence zero-padded to 20 digits so keys sort by record.
        public var key: String
        public var kind: Kind
        /// The webhook id, or the office.
        public var target: String
        /// The record it follows (for a day list, the head it was rendered at).
        public var sequence: UInt64
        /// For a day list, the day it lists; nil otherwise.
        public var day: Day?
        public var state: State
        public var attempts: UInt16
        public var createdMs: Int64
        /// When the next attempt is due (pending), or was made (sent, parked).
        public var nextAttemptMs: Int64
        public var sentMs: Int64?
        /// What the receiver answered last: the HTTP status and body's start, the SMTP reply.
        public var lastReply: String
        /// What is sent, rendered once when filed so every attempt sends the same bytes: the
        /// webhook's JSON body, or the whole e-mail (RFC 5322).
        public var payload: [UInt8]
        /// The e-mail's recipients; empty for a webhook.
        public var recipients: [String]

        public init(kind: Kind, target: String, sequence: UInt64, day: Day? = nil, createdMs: Int64,
                    payload: [UInt8], recipients: [String] = []) {
            key = Entry.key(sequence: sequence, kind: kind, target: target)
            self.kind = kind
            self.target = target
            self.sequence = sequence
            self.day = day
            state = .pending
            attempts = 0
            self.createdMs = createdMs
            nextAttemptMs = createdMs
            sentMs = nil
            lastReply = ""
            self.payload = payload
            self.recipients = recipients
        }

        public static func key(sequence: UInt64, kind: Kind, target: String) -> String {
            String(sequence).leftPadded(20) + "-" + kind.rawValue + "-" + target
        }
    }

    /// The wait before attempt `attempts + 1`: doubling from `Limits.outboxRetryFirstMs`, at most
    /// `Limits.outboxRetryMaxMs`.
    public static func backoffMs(afterAttempts attempts: UInt16) -> Int64 {
        let doubled = Limits.outboxRetryFirstMs << min(Int64(attempts) - 1, 20)
        return min(max(doubled, Limits.outboxRetryFirstMs), Limits.outboxRetryMaxMs)
    }

    // MARK: - The rule: which webhooks a record goes to

    /// The webhooks a committed record is POSTed to: each registered when the record was
    /// committed (`WebhookView.receives`) whose scope the record touches. An office's webhook
    /// gets every record with an event at that office (or naming it); a body's, every record with
    /// an event on an appointment that body booked. A refused command changes nothing and goes
    /// nowhere. `bookedBy` reads an appointment's booking body from the committed views.
    public static func webhooks(for record: Record, among webhooks: [WebhookView],
                                bookedBy: (AppointmentID) -> String?) -> [WebhookView] {
        guard case .accepted(let events) = record.outcome, !events.isEmpty else { return [] }
        let live = webhooks.filter { $0.receives(record.sequence) }
        guard !live.isEmpty else { return [] }
        var offices: Set<OfficeID> = []
        var bodies: Set<String> = []
        for event in events {
            switch event {
            case .officeConfigured(let configuration, _): offices.insert(configuration.office)
            case .dayClosed(let office, _, _, _): offices.insert(office)
            case .appointmentBooked(let booked):
                offices.insert(booked.office)
                bodies.insert(booked.bookedBy)
            case .appointmentMigrated(let migrated):
                offices.insert(migrated.office)
                bodies.insert(migrated.bookedBy)
            case .appointmentMoved(let moved):
                offices.insert(moved.office)
                if let body = bookedBy(moved.appointment) { bodies.insert(body) }
            case .appointmentCancelled(let appointment, let office, _, _, _, _, _):
                offices.insert(office)
                if let body = bookedBy(appointment) { bodies.insert(body) }
            case .appointmentAttended(let closed), .appointmentMissed(let closed):
                offices.insert(closed.office)
                if let body = bookedBy(closed.appointment) { bodies.insert(body) }
            case .permitDelivered(_, let completed?):
                if let body = bookedBy(completed) { bodies.insert(body) }
            case .permitDelivered(_, nil), .permitMarkedReady, .praticaRegistered, .accountCreated, .accountDisabled,
                 .signingKeyRecorded, .praticaErased, .webhookAdded, .webhookRemoved:
                break
            }
        }
        return live.filter { view in
            switch view.webhook.scope {
            case .office(let office): offices.contains(office)
            case .body(let body): bodies.contains(body)
            }
        }.sorted { $0.webhook.id < $1.webhook.id }
    }

    // MARK: - Codec

    static func encode(_ entry: Entry) -> [UInt8] {
        var writer = ByteWriter(capacity: 96 + entry.payload.count)
        writer.string(entry.kind.rawValue)
        writer.string(entry.target)
        writer.u64(entry.sequence)
        writer.optional(entry.day) { $0.day($1) }
        writer.u8(entry.state.rawValue)
        writer.u16(entry.attempts)
        writer.u64(UInt64(bitPattern: entry.createdMs))
        writer.u64(UInt64(bitPattern: entry.nextAttemptMs))
        writer.optional(entry.sentMs) { $0.u64(UInt64(bitPattern: $1)) }
        writer.string(entry.lastReply)
        writer.u32(UInt32(entry.recipients.count))
        for recipient in entry.recipients { writer.string(recipient) }
        writer.u32(UInt32(entry.payload.count))
        for byte in entry.payload { writer.u8(byte) }
        return writer.bytes
    }

    static func decode(key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws(CodecError) -> Entry {
        var reader = ByteReader(value)
        let kindName = try reader.string()
        guard let kind = Kind(rawValue: kindName) else { throw .invalidValue(kind: "outbox kind \(kindName)", offset: 0) }
        let target = try reader.string()
        let sequence = try reader.u64()
        let day = try reader.optional { (r) throws(CodecError) in try r.day() }
        let stateAt = reader.offset
        let stateTag = try reader.u8()
        guard let state = State(rawValue: stateTag) else { throw .unknownTag(kind: "outbox state", tag: stateTag, offset: stateAt) }
        var entry = Entry(kind: kind, target: target, sequence: sequence, day: day, createdMs: 0, payload: [])
        entry.state = state
        entry.attempts = try reader.u16()
        entry.createdMs = Int64(bitPattern: try reader.u64())
        entry.nextAttemptMs = Int64(bitPattern: try reader.u64())
        entry.sentMs = try reader.optional { (r) throws(CodecError) in Int64(bitPattern: try r.u64()) }
        entry.lastReply = try reader.string()
        let recipients = Int(try reader.u32())
        guard recipients <= reader.remaining else { throw .truncated(offset: reader.offset) }
        for _ in 0..<recipients { entry.recipients.append(try reader.string()) }
        let count = Int(try reader.u32())
        guard count <= reader.remaining else { throw .truncated(offset: reader.offset) }
        entry.payload.reserveCapacity(count)
        for _ in 0..<count { entry.payload.append(try reader.u8()) }
        try reader.end()
        entry.key = String(decoding: key, as: UTF8.self)
        return entry
    }

    static func dueKey(_ entry: Entry) -> [UInt8] {
        var writer = ByteWriter(capacity: 8 + entry.key.utf8.count)
        writer.u64(UInt64(max(0, entry.nextAttemptMs)))
        writer.raw(entry.key)
        return writer.bytes
    }
}

extension String {
    /// Zero-padded on the left to `width` characters.
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}

// MARK: - Reading and writing the outbox

extension Environment {
    /// The record the follower has filed everything up to (0: none).
    public func outboxCursor() throws -> UInt64 {
        try read { txn in
            guard let value = try txn.get(Outbox.cursor, Outbox.cursorKey) else { return 0 }
            return try value.withUnsafeBytes { bytes in
                var reader = ByteReader(bytes)
                return try reader.u64()
            }
        }
    }

    /// One of the follower's own markers in `outbox-cursor` (e.g. the last day a list was filed).
    public func outboxMarker(_ name: String) throws -> [UInt8]? {
        try read { txn in try txn.get(Outbox.cursor, Array(("marker:" + name).utf8)) }
    }

    /// Files new entries (an entry already filed under its key is kept as it is: at least once,
    /// never twice), replaces updated ones, and moves the cursor and markers, in one transaction.
    public func writeOutbox(new: [Outbox.Entry] = [], updated: [Outbox.Entry] = [], cursor: UInt64? = nil,
                            markers: [(String, [UInt8])] = []) throws {
        while true {
            do {
                try writeTransaction { txn in
                    let reader = ReadTransaction(txn: txn, databases: databases, counts: nil)
                    var counts = try Outbox.counts(reader)
                    for entry in new {
                        let key = Array(entry.key.utf8)
                        if try reader.get(Outbox.entries, key) != nil { continue }
                        try put(txn, Outbox.entries, key, Outbox.encode(entry))
                        if entry.state == .pending { try put(txn, Outbox.due, Outbox.dueKey(entry), []) }
                        counts[entry.state, default: 0] += 1
                    }
                    for entry in updated {
                        let key = Array(entry.key.utf8)
                        let reader = ReadTransaction(txn: txn, databases: databases, counts: nil)
                        if let old = try reader.get(Outbox.entries, key) {
                            let previous = try old.withUnsafeBytes { value in
                                try key.withUnsafeBytes { try Outbox.decode(key: $0, value) }
                            }
                            try Outbox.dueKey(previous).withUnsafeBytes { try delete(txn, Outbox.due, $0) }
                            counts[previous.state, default: 0] -= 1
                        }
                        counts[entry.state, default: 0] += 1
                        try put(txn, Outbox.entries, key, Outbox.encode(entry))
                        if entry.state == .pending { try put(txn, Outbox.due, Outbox.dueKey(entry), []) }
                    }
                    if let cursor {
                        var writer = ByteWriter(capacity: 8)
                        writer.u64(cursor)
                        try put(txn, Outbox.cursor, Outbox.cursorKey, writer.bytes)
                    }
                    for (name, value) in markers { try put(txn, Outbox.cursor, Array(("marker:" + name).utf8), value) }
                    var writer = ByteWriter(capacity: 24)
                    for state in Outbox.State.allCases { writer.u64(UInt64(max(0, counts[state] ?? 0))) }
                    try put(txn, Outbox.cursor, Outbox.countsKey, writer.bytes)
                }
                return
            } catch let error as LMDBError where error.isMapFull {
                grow()
            }
        }
    }

    /// The pending entries due by `nowMs`, earliest first, at most `limit`.
    public func outboxDue(nowMs: Int64, limit: Int) throws -> [Outbox.Entry] {
        try read { txn in
            var keys: [[UInt8]] = []
            try txn.scan(Outbox.due) { key, _ in
                var reader = ByteReader(key)
                let due = Int64(try reader.u64())
                guard due <= nowMs, keys.count < limit else { return false }
                keys.append(Array(key[8...]))
                return true
            }
            return try keys.compactMap { key in
                guard let value = try txn.get(Outbox.entries, key) else { return nil }
                return try value.withUnsafeBytes { v in try key.withUnsafeBytes { try Outbox.decode(key: $0, v) } }
            }
        }
    }

    /// When the earliest pending entry is due, if any.
    public func outboxNextDueMs() throws -> Int64? {
        try read { txn in
            var next: Int64?
            try txn.scan(Outbox.due) { key, _ in
                var reader = ByteReader(key)
                next = Int64(try reader.u64())
                return false
            }
            return next
        }
    }

    /// Every entry, in key order (by record), filtered by `include`.
    public func outboxEntries(_ include: (Outbox.Entry) -> Bool = { _ in true }) throws -> [Outbox.Entry] {
        try read { txn in
            var found: [Outbox.Entry] = []
            try txn.scan(Outbox.entries) { key, value in
                let entry = try Outbox.decode(key: key, value)
                if include(entry) { found.append(entry) }
                return true
            }
            return found
        }
    }

    /// How many entries are in each state (kept beside the cursor, so reading it is cheap).
    public func outboxCounts() throws -> [Outbox.State: Int] { try read { try Outbox.counts($0) } }

    public func setWebhookSecret(_ id: String, _ secret: [UInt8]) throws {
        try writeTransaction { txn in try put(txn, Outbox.secrets, Array(id.utf8), secret) }
    }

    public func webhookSecret(_ id: String) throws -> [UInt8]? {
        try read { txn in try txn.get(Outbox.secrets, Array(id.utf8)) }
    }
}

extension ReadTransaction {
    /// The webhooks the committed views hold, removed ones included.
    public func webhooks() throws -> [WebhookView] {
        var found: [WebhookView] = []
        try scan(ViewDatabase.webhooks.rawValue) { key, value in
            found.append(try ViewCodec.decodeWebhook(key, value))
            return true
        }
        return found
    }

    /// The committed appointment, as the views hold it.
    public func appointment(_ id: AppointmentID) throws -> AppointmentView? { try LMDBViewSource.appointment(id, self) }
}
