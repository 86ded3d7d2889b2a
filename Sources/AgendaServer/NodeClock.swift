import Engine
import Events
import Logging
import ServiceLifecycle

/// Keeps the node's time: every `interval` it asks the engine to append a `tick` if anything
/// fell due (`Store.tickIfDue`; a retention period that ended). What falls due, and what a tick
/// does, is the engine's rule; this only looks at the clock.
public struct NodeClock: Service {
    let node: NodeContext
    let interval: Duration

    public init(node: NodeContext, interval: Duration = .seconds(Limits.clockCheckSeconds)) {
        self.node = node
        self.interval = interval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                guard await check() else { return }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// One look at the clock; false once the store is closed.
    @discardableResult
    public func check() async -> Bool {
        do {
            guard let decision = try await node.store.tickIfDue() else { return true }
            let erased = decision.record.outcome.events.count { if case .praticaErased = $0 { true } else { false } }
            node.logger.info("tick", metadata: ["record": "\(decision.record.sequence)", "erased": "\(erased)"])
        } catch StoreError.closed {
            return false
        } catch {
            node.logger.warning("the clock's tick failed; it is tried again", metadata: ["error": "\(error)"])
        }
        return true
    }
}
