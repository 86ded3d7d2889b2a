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
        let counter = errors.withLockedValue { table in
            if let found = table[code] { return found }
            let made = CoreMetrics.Counter(label: "agenda_errors_total", dimensions: [("code", code)])
            table[code] = made
            return made
        }
        counter.increment()
    }
}
