import Events
import Projections

// The node's clock (docs/engine.md, "Retention and the clock"): what time alone decides, such as a retention
// period that ended, is decided by a `tick` the node appends, so the log holds it and
// `replay audit` re-decides it the same.
extension Store {
    /// Appends a `tick` as the node itself when something falls due at the store's clock
    /// (`Decider.due`), and returns its decision; nil when nothing does, and nothing is written.
    public func tickIfDue() async throws -> Decision? {
        let now = clock()
        guard try await query({ views in !Decider.due(views, now: now).isEmpty }) else { return nil }
        return try await execute(.tick, actor: .system)
    }
}
