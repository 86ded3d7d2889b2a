import AgendaServer
import AsyncHTTPClient
import Crypto
import Documents
import Engine
import Events
import Foundation
import Logging
import Mail
import NIOCore
import NIOHTTP1
import Projections
import Replay
import ServiceLifecycle

/// How the node sends mail; nil relay: no mail is filed (webhooks still are).
public struct OutboxConfiguration: Sendable {
    public var smtp: SMTPConfiguration?
    /// The envelope sender and From: of every message.
    public var mailFrom: String
    /// When each day's end-of-day lists are filed (Europe/Rome).
    public var dayListAt: LocalTime
    /// The right-hand side of the Message-IDs (`<KEY@HOST>`).
    public var messageIDHost: String
    /// How often the follower looks for new records and due entries.
    public var pollInterval: Duration

    public init(smtp: SMTPConfiguration? = nil, mailFrom: String = "agenda@localhost",
                dayListAt: LocalTime = LocalTime(hour: 19, minute: 0)!, messageIDHost: String = "agenda.localhost",
                pollInterval: Duration = .milliseconds(250)) {
        self.smtp = smtp
        self.mailFrom = mailFrom
        self.dayListAt = dayListAt
        self.messageIDHost = messageIDHost
        self.pollInterval = pollInterval
    }
}

/// The follower of the committed log (docs/outbox.md). It runs beside the writer, never in its
/// transactions: it reads the log through read transactions and writes only the outbox's own
/// databases, in small transactions of its own. Files then delivers, at least once.
public final class OutboxFollower: Service, Sendable {
    let node: NodeContext
    let configuration: OutboxConfiguration
    let http: HTTPClient
    let logger: Logger
    let clock: @Sendable () -> Instant
    let metrics = OutboxMetrics()

    public init(node: NodeContext, configuration: OutboxConfiguration, http: HTTPClient = .shared,
                clock: @escaping @Sendable () -> Instant = Store.systemClock) {
        self.node = node
        self.configuration = configuration
        self.http = http
        logger = node.logger
        self.clock = clock
    }

    var environment: Environment { node.store.environment }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.step()
                try? await Task.sleep(for: self.configuration.pollInterval)
            }
        }
    }

    /// One round: file what the new records and the clock ask for, then deliver what is due.
    /// Errors are logged and the round is tried again on the next step; nothing is lost, since
    /// the cursor moves only with the entries it filed.
    public func step() async {
        do {
            try fileRecords()
            try await fileDayLists()
            try await deliverDue()
            metrics.update(try environment.outboxCounts())
        } catch {
            logger.warning("the outbox's step failed; it is tried again", metadata: ["error": "\(error)"])
        }
    }

    // MARK: - Filing

    /// Files one webhook entry per (record, webhook) after the cursor, a bounded step at a time.
    func fileRecords() throws {
        let environment = self.environment
        while true {
            let cursor = try environment.outboxCursor()
            let nowMs = clock().millisecondsSinceEpoch
            let (entries, last) = try environment.read { txn -> ([Outbox.Entry], UInt64?) in
                let webhooks = try txn.webhooks()
                // No webhook in this snapshot: none of its records goes anywhere, so the cursor
                // moves to its head without reading them (a node's first start over years of log).
                if webhooks.isEmpty {
                    let head = try txn.last("log").map { last in try last.key.withUnsafeBytes { try LogKey.sequence($0) } } ?? cursor
                    return ([], head > cursor ? head : nil)
                }
                var entries: [Outbox.Entry] = []
                var last: UInt64?
                var count = 0
                try txn.records(from: cursor + 1) { record in
                    for view in Outbox.webhooks(for: record, among: webhooks, bookedBy: { id in
                        (try? txn.appointment(id))?.flatMap { $0 }?.bookedBy
                    }) {
                        var entry = Outbox.Entry(kind: .webhook, target: view.webhook.id, sequence: record.sequence,
                                                 createdMs: nowMs, payload: [])
                        entry.payload = Array(WebhookPayload.body(record, key: entry.key, webhook: view.webhook.id).utf8)
                        entries.append(entry)
                    }
                    last = record.sequence
                    count += 1
                    return count < Limits.outboxRecordsPerStep
                }
                return (entries, last)
            }
            guard let last else { return }
            try environment.writeOutbox(new: entries, cursor: last)
            if !entries.isEmpty { logger.debug("outbox filed", metadata: ["entries": "\(entries.count)", "through": "\(last)"]) }
            if last - cursor < UInt64(Limits.outboxRecordsPerStep) { return }
        }
    }

    /// Once a day, at `dayListAt`, files each office's end-of-day list for its address.
    func fileDayLists() async throws {
        guard configuration.smtp != nil else { return }
        let now = clock()
        let today = RomeTime.day(of: now)
        guard now >= Instant(romeDay: today, time: configuration.dayListAt) else { return }
        let offices = try await node.store.query { views in
            views.offices.values.map(\.configuration).filter { !$0.dayListAddress.isEmpty }
                .map { ($0.office, $0.name, $0.dayListAddress) }
        }
        for (office, name, address) in offices.sorted(by: { $0.0.rawValue < $1.0.rawValue }) {
            let marker = "daylist:" + office.rawValue
            if let last = try environment.outboxMarker(marker), last == Array(today.description.utf8) { continue }
            let head = try node.store.head().sequence
            let csv = try await PrintedDocuments.dayList(office: office, day: today, kind: .booked, format: .csv, node: node).get()
            let html = try await PrintedDocuments.dayList(office: office, day: today, kind: .booked, format: .html, node: node).get()
            var entry = Outbox.Entry(kind: .dayList, target: office.rawValue, sequence: head, day: today,
                                     createdMs: now.millisecondsSinceEpoch, payload: [], recipients: [address])
            let message = try MailMessage(
                from: MailAddress(configuration.mailFrom, displayName: "Agenda"),
                to: [MailAddress(address, displayName: name)],
                subject: "Appuntamenti fissati il \(today) — \(name) (\(office))",
                messageID: "<\(entry.key)@\(configuration.messageIDHost)>",
                dateSecondsSince1970: now.millisecondsSinceEpoch / 1000,
                textBody: nil, htmlBody: html,
                attachments: [MailAttachment(filename: "appuntamenti-\(office)-\(today).csv",
                                             contentType: "text/csv; charset=utf-8", bytes: Array(csv.utf8))],
                extraHeaders: [MailHeader(name: "X-Agenda-Idempotency-Key", value: entry.key)])
            entry.payload = message.rendered()
            try environment.writeOutbox(new: [entry], markers: [(marker, Array(today.description.utf8))])
            logger.info("end-of-day list filed", metadata: ["office": "\(office)", "day": "\(today)", "key": "\(entry.key)"])
        }
    }

    // MARK: - Delivering

    /// Delivers the due entries, one at a time per receiver and at most
    /// `Limits.outboxDeliveriesInFlightMax` at once, and records each outcome.
    func deliverDue() async throws {
        let nowMs = clock().millisecondsSinceEpoch
        let due = try environment.outboxDue(nowMs: nowMs, limit: Limits.outboxDeliveriesInFlightMax * 8)
        guard !due.isEmpty else { return }
        // The first due entry of each receiver: a receiver's entries go in record order, and one
        // that is down holds back only its own.
        var seen: Set<String> = []
        var batch: [Outbox.Entry] = []
        for entry in due where batch.count < Limits.outboxDeliveriesInFlightMax {
            // All mail goes through the one relay, a message at a time; each webhook is its own receiver.
            let receiver = entry.kind == .dayList ? "smtp" : "webhook:" + entry.target
            if seen.insert(receiver).inserted { batch.append(entry) }
        }
        let updated = await withTaskGroup(of: Outbox.Entry.self) { group in
            for entry in batch { group.addTask { await self.attempt(entry) } }
            var done: [Outbox.Entry] = []
            for await entry in group { done.append(entry) }
            return done
        }
        try environment.writeOutbox(updated: updated)
    }

    /// One attempt; returns the entry as it now stands.
    func attempt(_ entry: Outbox.Entry) async -> Outbox.Entry {
        var entry = entry
        entry.attempts += 1
        let outcome: Delivery
        switch entry.kind {
        case .webhook: outcome = await postWebhook(entry)
        case .dayList: outcome = await sendMail(entry)
        }
        let nowMs = clock().millisecondsSinceEpoch
        entry.lastReply = String(outcome.reply.prefix(300))
        switch outcome.result {
        case .sent:
            entry.state = .sent
            entry.sentMs = nowMs
            entry.nextAttemptMs = nowMs
        case .retry where entry.attempts < Limits.outboxAttemptsMax:
            entry.nextAttemptMs = nowMs + Outbox.backoffMs(afterAttempts: entry.attempts)
        case .retry, .giveUp:
            entry.state = .parked
            entry.nextAttemptMs = nowMs
            logger.warning("outbox entry parked", metadata: ["key": "\(entry.key)", "attempts": "\(entry.attempts)",
                                                            "reply": "\(entry.lastReply)"])
        }
        return entry
    }

    struct Delivery {
        enum Result { case sent, retry, giveUp }
        var result: Result
        var reply: String
    }

    func postWebhook(_ entry: Outbox.Entry) async -> Delivery {
        let id = entry.target
        let found: (WebhookView?, [UInt8]?)
        do {
            found = try environment.read { txn in (try txn.webhooks().first { $0.webhook.id == id }, nil) }
        } catch {
            return Delivery(result: .retry, reply: "the webhook could not be read: \(error)")
        }
        guard let view = found.0 else { return Delivery(result: .giveUp, reply: "no webhook \(id) in the views") }
        // Kept beside the log just after the webhook's record commits: a moment later, retried.
        guard let secret = try? environment.webhookSecret(id) else {
            return Delivery(result: .retry, reply: "no secret for webhook \(id) beside the log yet")
        }
        let timestamp = clock().millisecondsSinceEpoch / 1000
        var request = HTTPClientRequest(url: view.webhook.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Agenda-Outbox/1")
        request.headers.add(name: WebhookPayload.keyHeader, value: entry.key)
        request.headers.add(name: WebhookPayload.timestampHeader, value: String(timestamp))
        request.headers.add(name: WebhookPayload.signatureHeader,
                            value: WebhookPayload.signature(secret: secret, timestamp: timestamp, body: entry.payload))
        request.body = .bytes(ByteBuffer(bytes: entry.payload))
        do {
            let response = try await http.execute(request, timeout: .seconds(Int64(Limits.outboxAttemptTimeoutSeconds)))
            let body = try await response.body.collect(upTo: 4096)
            let text = "HTTP \(response.status.code) " + String(decoding: body.readableBytesView.prefix(200), as: UTF8.self)
            switch response.status.code {
            case 200..<300: return Delivery(result: .sent, reply: text)
            // The receiver's own refusal of what it was sent: sending the same bytes again changes nothing.
            case 400, 401, 403, 404, 410, 413, 422: return Delivery(result: entry.attempts >= Limits.outboxRefusedAttemptsMax ? .giveUp : .retry, reply: text)
            default: return Delivery(result: .retry, reply: text)
            }
        } catch {
            return Delivery(result: .retry, reply: "\(error)")
        }
    }

    func sendMail(_ entry: Outbox.Entry) async -> Delivery {
        guard let smtp = configuration.smtp else {
            return Delivery(result: .retry, reply: "no SMTP relay configured (agenda-node serve --smtp-host)")
        }
        let client = SMTPClient(configuration: smtp, logger: logger)
        do {
            let receipt = try await client.send(renderedMessage: entry.payload, envelopeFrom: configuration.mailFrom,
                                                recipients: entry.recipients)
            return Delivery(result: .sent, reply: "\(receipt.dataReply)")
        } catch {
            return Delivery(result: error.isTransient ? .retry : .giveUp, reply: error.description)
        }
    }
}
