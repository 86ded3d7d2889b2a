import Dispatch
import Foundation
import ServiceLifecycle

/// SIGTERM and SIGINT, caught from the moment `serve` starts, before the store opens and long
/// before the socket listens. The service group traps signals only once it runs, after the
/// listener is up and the demo banner printed; a signal in between used to kill the node with
/// its default action (exit 143, no orderly stop). Caught here, a signal asks for the graceful
/// shutdown whenever it comes: before the group runs, it is remembered and the group stops at once.
///
/// `@unchecked Sendable`: `sources` is set in `init` and only kept alive after; `state` is
/// read and written under `lock`.
final class StopSignals: @unchecked Sendable {
    private struct State {
        var requested = false
        var group: ServiceGroup?
    }

    private let lock = NSLock()
    private var state = State()
    /// Kept for the life of the process: a cancelled or released source stops catching.
    private let sources: [any DispatchSourceSignal]

    init(_ signals: [Int32] = [SIGTERM, SIGINT]) {
        let queue = DispatchQueue(label: "agenda-stop-signals")
        sources = signals.map { number in
            // Ignored by the process, so only the dispatch source sees it.
            signal(number, SIG_IGN)
            return DispatchSource.makeSignalSource(signal: number, queue: queue)
        }
        for source in sources {
            source.setEventHandler { [self] in requestStop() }
            source.resume()
        }
    }

    /// Whether a signal has come (checked before listening: a node told to stop does not start).
    var requested: Bool { lock.withLock { state.requested } }

    /// From now on a signal shuts `group` down; one that came already does so at once.
    func stop(_ group: ServiceGroup) {
        let already = lock.withLock { () -> Bool in
            state.group = group
            return state.requested
        }
        if already { Task { await group.triggerGracefulShutdown() } }
    }

    private func requestStop() {
        let group = lock.withLock { () -> ServiceGroup? in
            state.requested = true
            return state.group
        }
        if let group { Task { await group.triggerGracefulShutdown() } }
    }
}
