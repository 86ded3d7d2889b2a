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
    /// The node's signing key: the day's lists carry their head signed with it.
    public let signingKey: NodeKey?

    public init(store: Store, logger: Logger, metrics: NodeMetrics = NodeMetrics(),
                clock: @escaping @Sendable () -> Instant = Store.systemClock,
                outputLimits: OutputLimits = OutputLimits(), signingKey: NodeKey? = nil) {
        self.store = store
        self.signingKey = signingKey
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

/// At most `perMinuteMax` in any sixty seconds per client address: STATUS is public, so it is
/// rationed (and the portal's failed sign-ins). A sliding window (the times of the last counted
/// events), not a calendar minute's count, so no address gets twice the ration either side of
/// a minute's turn.
public final class RateLimiter: Sendable {
    private let perMinuteMax: Int
    /// Per address, the times (ms) of its checks in the last minute, oldest first.
    private let recent = NIOLockedValueBox([String: [Int64]]())
    /// Past this many addresses, those idle for a minute are dropped: the map stays small.
    static let addressesMax = 10_000

    public init(perMinuteMax: Int) { self.perMinuteMax = perMinuteMax }

    /// Counts one for `key` and says yes, or says no (and counts nothing) when its ration is spent.
    public func allow(_ key: String, now: Instant) -> Bool {
        update(key, now: now, count: true)
    }

    /// Whether `key`'s ration is spent, counting nothing (a sign-in is checked before it is tried).
    public func isExhausted(_ key: String, now: Instant) -> Bool {
        !update(key, now: now, count: false)
    }

    /// Counts one for `key` whatever its ration (a failed sign-in happened, allowed or not).
    public func record(_ key: String, now: Instant) {
        _ = update(key, now: now, count: true, always: true)
    }

    private func update(_ key: String, now instant: Instant, count: Bool, always: Bool = false) -> Bool {
        let now = instant.millisecondsSinceEpoch
        let since = now - 60_000
        return recent.withLockedValue { recent in
            if recent.count > Self.addressesMax, recent[key] == nil {
                recent = recent.filter { ($0.value.last ?? 0) > since }
            }
            var times = recent[key, default: []]
            if let stale = times.firstIndex(where: { $0 > since }) {
                times.removeFirst(stale)
            } else {
                times.removeAll()
            }
            let room = times.count < perMinuteMax
            if count && (room || always) { times.append(now) }
            recent[key] = times.isEmpty ? nil : times
            return room
        }
    }
}
