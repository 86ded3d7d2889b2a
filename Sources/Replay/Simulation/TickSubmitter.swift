import Engine
import Events
import Foundation

/// The simulated clock the store reads for each batch: set before a tick's commands are
/// submitted, moved on only once all of them are durable, so every record of a tick carries
/// the tick's instant however the writer cut its batches.
final class SimulationClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Instant
    init(_ start: Instant) { current = start }
    var now: Instant {
        lock.lock()
        defer { lock.unlock() }
        return current
    }
    func set(_ instant: Instant) {
        lock.lock()
        current = instant
        lock.unlock()
    }
}

/// Submits one tick's commands, each with its own actor, in order, keeping the writer's
/// batches full (Store.executeAll takes one actor for all; a tick mixes SUI operators,
/// Questura staff and bodies), and waits until every one is durable.
struct TickSubmitter {
    let store: Store
    let clock: SimulationClock
    /// Commands in flight at once: well under `Limits.queueCommandsMax`, so the queue never
    /// answers `busy`, and many batches' worth, so the decider never waits for us.
    static let inFlightMax = 8 * Limits.batchCommandsMax

    func run(_ commands: [Command], _ actors: [Actor], at instant: Instant) throws -> [Record] {
        precondition(commands.count == actors.count, "one actor per command")
        clock.set(instant)
        guard !commands.isEmpty else { return [] }
        let results = TickResults(count: commands.count)
        let slots = DispatchSemaphore(value: TickSubmitter.inFlightMax)
        let group = DispatchGroup()
        for index in commands.indices {
            slots.wait()
            group.enter()
            while true {
                let busy = BusyAnswer()
                store.submit(commands[index], actor: actors[index]) { result in
                    // `busy` comes back at once, on this thread: wait and send again.
                    if case .failure(.busy) = result {
                        busy.value = true
                        return
                    }
                    results.set(index, result)
                    slots.signal()
                    group.leave()
                }
                if !busy.value { break }
                usleep(1_000)
            }
        }
        group.wait()
        return try results.records()
    }
}

private final class BusyAnswer: @unchecked Sendable {
    var value = false
}

private final class TickResults: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Result<Decision, StoreError>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ result: Result<Decision, StoreError>) {
        lock.lock()
        values[index] = result
        lock.unlock()
    }
    func records() throws -> [Record] {
        lock.lock()
        defer { lock.unlock() }
        return try values.map { value in
            guard let value else { preconditionFailure("every completion ran before the group was left") }
            return try value.get().record
        }
    }
}
