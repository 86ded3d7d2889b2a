import Engine
import Events
import Foundation
import Logging
import NIOConcurrencyHelpers

/// What every connection shares: the store, the subscriptions hub, the metrics, sign-ins.
public final class NodeContext: Sendable {
    public let store: Store
    let hub = Hub()
    let metrics: NodeMetrics
    let signIns = SignInCache()
    public let logger: Logger
    let startedAt = Date()
    let connections = NIOLockedValueBox(0)
    let connectionIDs = NIOLockedValueBox(0)
    let statusLimiter = RateLimiter(perMinuteMax: Limits.statusPerMinuteMax)
    /// scrypt runs here, off the event loops: a tenth of a second would stall every connection on the loop.
    let passwordQueue = DispatchQueue(label: "agenda-passwords", attributes: .concurrent)
    let clock: @Sendable () -> Instant
    let outputLimits: OutputLimits
    /// Failed commits and reads of the store, logged once per cause (CommitFailureLog.swift).
    let commitFailures: CommitFailureLog

    public init(store: Store, logger: Logger, metrics: NodeMetrics = NodeMetrics(),
                clock: @escaping @Sendable () -> Instant = Store.systemClock,
                outputLimits: OutputLimits = OutputLimits()) {
        self.store = store
        self.logger = logger
        self.metrics = metrics
        self.clock = clock
        self.outputLimits = outputLimits
        commitFailures = CommitFailureLog(logger: logger, metrics: metrics)
        let hub = self.hub
        store.observe { records in hub.publish(records) }
    }
}

/// How much unread output a connection may hold (Limits.outputBytesSoftMax, outputBytesHardMax);
/// a test gives smaller ones, so a few replies reach them.
public struct OutputLimits: Sendable {
    /// Past it the connection is not read (the channel's high water mark; reading resumes below half).
    public var softBytes: Int
    /// Past it the connection is closed.
    public var hardBytes: Int

    public init(softBytes: Int = Limits.outputBytesSoftMax, hardBytes: Int = Limits.outputBytesHardMax) {
        precondition(0 < softBytes && softBytes <= hardBytes, "the soft output limit is positive and at most the hard one")
        self.softBytes = softBytes
        self.hardBytes = hardBytes
    }
}

/// A fixed window per client address: STATUS is public, so it is rationed.
final class RateLimiter: Sendable {
    private struct Window {
        var minute: Int64
        var count: Int
    }
    private let perMinuteMax: Int
    private let windows = NIOLockedValueBox([String: Window]())

    init(perMinuteMax: Int) { self.perMinuteMax = perMinuteMax }

    func allow(_ key: String, now: Instant) -> Bool {
        let minute = now.millisecondsSinceEpoch / 60_000
        return windows.withLockedValue { windows in
            // Old windows are dropped as a whole once a minute has passed: the map stays small.
            if let any = windows.first, any.value.minute != minute, windows.count > 10_000 { windows.removeAll() }
            var window = windows[key] ?? Window(minute: minute, count: 0)
            if window.minute != minute { window = Window(minute: minute, count: 0) }
            guard window.count < perMinuteMax else { return false }
            window.count += 1
            windows[key] = window
            return true
        }
    }
}
