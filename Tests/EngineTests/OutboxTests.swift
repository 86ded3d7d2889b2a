import Engine
import Events
import Foundation
import Projections
import Testing

/// The outbox's rule (which webhooks a record goes to) and its storage beside the log
/// (docs/outbox.md): an entry is filed once under its key, its state and the due index move
/// together, and the counts INFO reads follow.
@Suite("The outbox's rule and storage")
struct OutboxTests {
    static let office: OfficeID = "TS-Q"

    static func view(_ id: String, _ scope: Webhook.Scope, added: UInt64, removed: UInt64? = nil) -> WebhookView {
        WebhookView(webhook: Webhook(id: id, url: "http://127.0.0.1:9/\(id)", scope: scope, secretDigest: String(repeating: "a", count: 64)),
                    addedSequence: added, removedSequence: removed)
    }

    static func record(_ sequence: UInt64, _ outcome: Outcome) -> Record {
        Record(sequence: sequence, decidedAt: pilotMorning, actor: .system, requestID: "", command: .tick, outcome: outcome,
               previousHash: .genesis, hash: .genesis)
    }

    static let booked = Event.appointmentBooked(AppointmentBooked(
        appointment: "A-00010", office: office, service: "fotosegnalamento", pratica: "P-1", requestedDay: pilotMonday,
        day: pilotMonday, time: LocalTime(hour: 9, minute: 0)!, deferred: false, bookedBy: "CAF-A"))
    static let cancelled = Event.appointmentCancelled(appointment: "A-00010", office: office, service: "fotosegnalamento",
                                                     pratica: "P-1", day: pilotMonday, time: LocalTime(hour: 9, minute: 0)!,
                                                     reason: "asked")

    @Test("an office's webhook gets its office's events, a body's those of its bookings, only while registered")
    func whichWebhooks() {
        let webhooks = [Self.view("office", .office(Self.office), added: 5), Self.view("other", .office("RM-Q"), added: 5),
                        Self.view("caf", .body("CAF-A"), added: 5), Self.view("gone", .office(Self.office), added: 5, removed: 9),
                        Self.view("later", .office(Self.office), added: 20)]
        let bookedBy: (AppointmentID) -> String? = { $0 == "A-00010" ? "CAF-A" : nil }
        func ids(_ record: Record) -> [String] {
            Outbox.webhooks(for: record, among: webhooks, bookedBy: bookedBy).map(\.webhook.id)
        }
        #expect(ids(Self.record(8, .accepted([Self.booked]))) == ["caf", "gone", "office"])
        // The body is read from the views for an event that does not carry it.
        #expect(ids(Self.record(12, .accepted([Self.cancelled]))) == ["caf", "office"])
        // Removed at 9: not for record 9 on; added at 20: not for records before 21.
        #expect(ids(Self.record(21, .accepted([Self.booked]))) == ["caf", "later", "office"])
        // A refusal, or an acceptance that changed nothing, goes nowhere.
        #expect(ids(Self.record(12, .rejected(.unknownOffice("TS-Q")))).isEmpty)
        #expect(ids(Self.record(12, .accepted([]))).isEmpty)
        #expect(ids(Self.record(12, .accepted([.permitMarkedReady("P-1")]))).isEmpty)
    }

    @Test("retries wait 2 s, then double, up to 15 minutes")
    func backoff() {
        #expect(Outbox.backoffMs(afterAttempts: 1) == 2_000)
        #expect(Outbox.backoffMs(afterAttempts: 2) == 4_000)
        #expect(Outbox.backoffMs(afterAttempts: 5) == 32_000)
        #expect(Outbox.backoffMs(afterAttempts: 12) == 15 * 60_000)
    }

    @Test("an entry is filed once under its key; its state, the due index and the counts move together")
    func storage() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = try Store(directory: directory, clock: { pilotMorning })
        defer { store.close() }
        let environment = store.environment
        #expect(try environment.outboxCursor() == 0)
        var first = Outbox.Entry(kind: .webhook, target: "caf", sequence: 42, createdMs: 1_000, payload: Array("{}".utf8))
        let second = Outbox.Entry(kind: .dayList, target: "TS-Q", sequence: 40, day: pilotMonday, createdMs: 2_000,
                                  payload: Array("mail".utf8), recipients: ["q@example.org"])
        #expect(first.key == "00000000000000000042-webhook-caf")
        try environment.writeOutbox(new: [first, second], cursor: 42, markers: [("daylist:TS-Q", Array("x".utf8))])
        // Filed again (a step repeated after a crash): the first stays as it was.
        var again = first
        again.payload = Array("other".utf8)
        try environment.writeOutbox(new: [again], cursor: 43)
        #expect(try environment.outboxCursor() == 43)
        #expect(try environment.outboxMarker("daylist:TS-Q") == Array("x".utf8))
        let stored = try environment.outboxEntries()
        #expect(stored.map(\.key) == [second.key, first.key], "in key order: by record")
        #expect(stored.first { $0.key == first.key }?.payload == Array("{}".utf8))
        #expect(stored.first { $0.key == second.key } == second)
        #expect(try environment.outboxCounts()[.pending] == 2)
        // Due by time: only the first at 1.5 s.
        #expect(try environment.outboxDue(nowMs: 1_500, limit: 10).map(\.key) == [first.key])
        #expect(try environment.outboxNextDueMs() == 1_000)
        // A failed attempt moves it later; a sent one leaves the due index.
        first.attempts = 1
        first.nextAttemptMs = 10_000
        first.lastReply = "HTTP 503 down"
        try environment.writeOutbox(updated: [first])
        #expect(try environment.outboxDue(nowMs: 5_000, limit: 10).map(\.key) == [second.key])
        #expect(try environment.outboxDue(nowMs: 10_000, limit: 10).map(\.key) == [second.key, first.key])
        first.state = .sent
        first.sentMs = 10_100
        try environment.writeOutbox(updated: [first])
        #expect(try environment.outboxDue(nowMs: .max, limit: 10).map(\.key) == [second.key])
        #expect(try environment.outboxCounts() == [.pending: 1, .sent: 1, .parked: 0])
        #expect(try environment.outboxEntries { $0.state == .sent }.first == first)
    }
}
