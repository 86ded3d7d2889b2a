import Events
import Foundation
import Projections

extension Store {
    /// Walks the whole log and checks the chain; returns the head, or throws the first finding.
    public func verifyChain() throws -> (sequence: UInt64, hash: ChainHash) {
        try read { txn in
            var walker = ChainWalker()
            try txn.scan("log") { key, value in
                if let finding = walker.check(sequence: try LogKey.sequence(key), value: value) { throw finding }
                return true
            }
            return (walker.expectedSequence - 1, walker.previousHash)
        }
    }
}

extension Store {
    /// Executes many commands in order and returns their decisions. Submits them in chunks of
    /// one batch, a few chunks ahead, and wakes once per chunk rather than once per command.
    public func executeAll(_ commands: [Command], actor: Actor, chunksInFlightMax: Int = 4) throws(StoreError) -> [Decision] {
        let results = DecisionList(count: commands.count)
        let chunksInFlight = DispatchSemaphore(value: chunksInFlightMax)
        let group = DispatchGroup()
        var start = 0
        while start < commands.count {
            let end = min(start + batchCommandsMax, commands.count)
            chunksInFlight.wait()
            group.enter()
            let chunk = ChunkCounter(remaining: end - start) {
                chunksInFlight.signal()
                group.leave()
            }
            for index in start..<end {
                // `busy` is answered at once, on this thread: other callers filled the queue.
                // A bulk caller waits its turn rather than failing.
                let refused = BusyFlag()
                repeat {
                    refused.value = false
                    submit(commands[index], actor: actor) { result in
                        if case .failure(.busy) = result {
                            refused.value = true
                            return
                        }
                        results.set(index, result)
                        chunk.finishOne()
                    }
                    if refused.value { usleep(1_000) }
                } while refused.value
            }
            start = end
        }
        group.wait()
        return try results.values.map { result throws(StoreError) in
            guard let result else { preconditionFailure("every completion ran before the group was left") }
            return try result.get()
        }
    }
}

/// How many of the next commits fail on purpose (tests only).
final class CommitFailures: @unchecked Sendable {
    private let lock = NSLock()
    private var remaining = 0
    func fail(next count: Int) {
        lock.lock()
        remaining = count
        lock.unlock()
    }
    func takeOne() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard remaining > 0 else { return false }
        remaining -= 1
        return true
    }
}

/// Set only by a `busy` answer, which `submit` gives synchronously on the caller's thread.
private final class BusyFlag: @unchecked Sendable {
    var value = false
}

/// Counts a chunk's outstanding commands down and runs `done` once, at zero.
private final class ChunkCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var remaining: Int
    private let done: @Sendable () -> Void
    init(remaining: Int, done: @escaping @Sendable () -> Void) {
        self.remaining = remaining
        self.done = done
    }
    func finishOne() {
        lock.lock()
        remaining -= 1
        let finished = remaining == 0
        lock.unlock()
        if finished { done() }
    }
}

private final class DecisionList: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Result<Decision, StoreError>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ result: Result<Decision, StoreError>) {
        lock.lock()
        values[index] = result
        lock.unlock()
    }
}
