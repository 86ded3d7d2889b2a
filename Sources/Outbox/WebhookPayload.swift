import Crypto
import CoreMetrics
import Engine
import Events
import Replay

/// What a webhook receiver gets (docs/outbox.md, "Verifying a webhook"): the record as
/// `replay dump` prints it, wrapped with its idempotency key, and signed.
public enum WebhookPayload {
    public static let keyHeader = "X-Agenda-Idempotency-Key"
    public static let timestampHeader = "X-Agenda-Timestamp"
    public static let signatureHeader = "X-Agenda-Signature"

    /// `{"idempotencyKey", "webhook", "sequence", "hash", "record"}`: one line of JSON.
    public static func body(_ record: Record, key: String, webhook: String) -> String {
        JSON.object([
            ("idempotencyKey", .string(key)), ("webhook", .string(webhook)), ("sequence", .unsigned(record.sequence)),
            ("hash", .string(record.hash.description)), ("record", RecordJSON.record(record)),
        ]).text
    }

    /// `sha256=` and the hexadecimal HMAC-SHA256, under the webhook's secret, of the timestamp
    /// (decimal seconds since 1970), a `.`, and the body's bytes.
    public static func signature(secret: [UInt8], timestamp: Int64, body: [UInt8]) -> String {
        var message = Array(String(timestamp).utf8)
        message.append(UInt8(ascii: "."))
        message += body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }
}

/// The outbox's entries by state, as gauges (`agenda_outbox_entries{state=...}`).
final class OutboxMetrics: Sendable {
    let gauges: [Outbox.State: Gauge] = Dictionary(uniqueKeysWithValues: Outbox.State.allCases.map {
        ($0, Gauge(label: "agenda_outbox_entries", dimensions: [("state", $0.description)]))
    })

    func update(_ counts: [Outbox.State: Int]) {
        for (state, gauge) in gauges { gauge.record(counts[state] ?? 0) }
    }
}
