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
    let logger: Logger
    let startedAt = Date()
    let connections = NIOLockedValueBox(0)
    let connectionIDs = NIOLockedValueBox(0)
    let statusLimiter = RateLimiter(perMinuteMax: Limits.statusPerMinuteMax)
    /// scrypt runs here, off the event loops: a tenth of a second would stall every connection on the loop.
    let passwordQueue = DispatchQueue(label: "agenda-passwords", attributes: .concurrent)
    let clock: @Sendable () -> Instant

    public init(store: Store, logger: Logger, metrics: NodeMetrics = NodeMetrics(),
                clock: @escaping @Sendable () -> Instant = Store.systemClock) {
        self.store = store
        self.logger = logger
        self.metrics = metrics
        self.clock = clock
        let hub = self.hub
        store.observe { records in hub.publish(records) }
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
