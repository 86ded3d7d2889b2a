import CoreMetrics
import Foundation
import NIOConcurrencyHelpers

/// Counters and latency histograms through swift-metrics; `agenda-node` bootstraps the
/// Prometheus backend and serves them at /metrics. Names follow Prometheus conventions.
public final class NodeMetrics: Sendable {
    private struct PerCommand: Sendable {
        let count: CoreMetrics.Counter
        let latency: CoreMetrics.Timer
    }
    private let perCommand = NIOLockedValueBox([String: PerCommand]())
    private let errors = NIOLockedValueBox([String: CoreMetrics.Counter]())
    let connectionsOpened = CoreMetrics.Counter(label: "agenda_connections_opened_total")
    let connectionsRefused = CoreMetrics.Counter(label: "agenda_connections_refused_total")
    let connectionsOpen = CoreMetrics.Gauge(label: "agenda_connections_open")
    let authFailures = CoreMetrics.Counter(label: "agenda_auth_failures_total")
    /// Connections closed for not reading their replies (outputBytesHardMax, or paused idleSecondsMax).
    let outputLimitCloses = CoreMetrics.Counter(label: "agenda_connections_closed_unread_total")
    private let storeFailures = NIOLockedValueBox([String: CoreMetrics.Counter]())

    public init() {}

    /// One command answered: its name (lowercase, known commands only) and the time from its
    /// arrival to its reply.
    func answered(_ command: String, nanoseconds: UInt64) {
        let metric = perCommand.withLockedValue { table in
            if let found = table[command] { return found }
            let made = PerCommand(
                count: CoreMetrics.Counter(label: "agenda_commands_total", dimensions: [("command", command)]),
                latency: CoreMetrics.Timer(label: "agenda_command_duration_seconds", dimensions: [("command", command)]))
            table[command] = made
            return made
        }
        metric.count.increment()
        metric.latency.recordNanoseconds(Int64(clamping: nanoseconds))
    }

    func error(_ code: String) {
        Self.counter(in: errors, key: code, label: "agenda_errors_total", dimension: "code").increment()
    }

    /// A commit or read the store refused to make: `kind` is `lmdb`, `corrupt` or `cannot-open`,
    /// a short list, so the label stays bounded whatever the causes' sentences say.
    func storeFailed(_ kind: String) {
        Self.counter(in: storeFailures, key: kind, label: "agenda_store_failures_total", dimension: "kind").increment()
    }

    private static func counter(in table: NIOLockedValueBox<[String: CoreMetrics.Counter]>, key: String,
                                label: String, dimension: String) -> CoreMetrics.Counter {
        table.withLockedValue { table in
            if let found = table[key] { return found }
            let made = CoreMetrics.Counter(label: label, dimensions: [(dimension, key)])
            table[key] = made
            return made
        }
    }
}
