import Events
import Foundation
import Projections

// MARK: - The writer: a decider and a committer
//
// Deciding is CPU work on in-memory views; committing is mostly waiting for the disk. Two
// threads overlap them: while batch N is being written and fsynced, batch N+1 is decided on
// top of N's views. Replies still leave only after their own commit. If a commit fails,
// every batch decided on top of it is failed too and the decider refolds from the disk.

extension Store {
    /// The decider's own state, kept in a local so its accesses need no exclusivity checks.
    struct DeciderState {
        var core: EngineCore
        var lastDecidedAt = Instant(millisecondsSinceEpoch: 0)
        /// Bumped each time the views are refolded after a failed commit.
        var epoch = 0
        /// The records of the batch being committed and of the one being decided: what a
        /// repeated request id's answer may need before LMDB holds it.
        var recent: [Record] = []
        var recentFirstOfThisBatch = 0
    }

    /// A decided batch on its way to the disk.
    struct SealedBatch {
        var epoch: Int
        var started: UInt64
        var decided: UInt64 = 0
        /// The records' stored values, back to back.
        var log: [UInt8] = []
        var spans: [(sequence: UInt64, start: Int, end: Int)] = []
        /// The changed view entries: keys and values back to back in `viewBytes`.
        var viewBytes: [UInt8] = []
        var viewWrites: [(database: Int, keyStart: Int, keyEnd: Int, valueEnd: Int?)] = []
        var headSequence: UInt64 = 0
        var headHash = ChainHash.genesis
        /// The pratiche this batch erases: their keys go once it is committed.
        var erasing: [PraticaID] = []
        var results: [Result<Decision?, StoreError>] = []
        var completions: [@Sendable (Result<Decision?, StoreError>) -> Void] = []
    }

    func runDecider(_ views: Views, lastDecidedAt: Instant?) {
        var state = DeciderState(core: EngineCore(views: views, keys: sealsApplicants ? keyRing : nil))
        if let lastDecidedAt { state.lastDecidedAt = lastDecidedAt }
        var batch: [Pending] = []
        batch.reserveCapacity(batchCommandsMax)
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty {
                condition.unlock()
                break
            }
            let count = min(queue.count, batchCommandsMax)
            batch.append(contentsOf: queue[0..<count])
            queue.removeFirst(count)
            condition.unlock()
            reloadWhenDue(&state)
            let sealed = decide(batch, &state)
            handoff.lock()
            // One batch written, one waiting: deciding further ahead would only hold replies back.
            while !sealedBatches.isEmpty { handoff.wait() }
            sealedBatches.append(sealed)
            handoff.broadcast()
            handoff.unlock()
            batch.removeAll(keepingCapacity: true)
        }
        handoff.lock()
        deciderFinished = true
        handoff.broadcast()
        handoff.unlock()
    }

    /// Loads the working set anew from the last commit, once nothing decided is still on its
    /// way to the disk, when the views must start over: after a failed commit (they are ahead
    /// of the disk; the committer first fails what was decided on top), or past
    /// `heldEntriesMax` entries read or changed since the last load (memory stays bounded by
    /// the future, not by how long the node has run).
    private func reloadWhenDue(_ state: inout DeciderState) {
        let grew = state.core.views.heldEntries > heldEntriesMax
        handoff.lock()
        guard grew || failedEpoch == state.epoch else {
            handoff.unlock()
            return
        }
        while !sealedBatches.isEmpty || committing { handoff.wait() }
        // Read after the wait: a commit may have failed meanwhile.
        let failed = failedEpoch == state.epoch
        handoff.unlock()
        // Nothing is on its way to the disk: move the history tail into `history` now. If that
        // fails (a full disk), loading holds the tail in memory instead, and nothing is lost.
        let indexed = indexHistoryTail()
        guard failed || indexed else { return }
        do {
            state.core = EngineCore(views: try loadViews(), keys: sealsApplicants ? keyRing : nil)
        } catch {
            preconditionFailure("the store cannot re-read its own last commit: \(error)")
        }
        publish(state.core.views.offices)
        state.recent.removeAll()
        state.recentFirstOfThisBatch = 0
        if failed {
            state.epoch += 1
        } else {
            condition.lock()
            totals.workingSetLoads += 1
            condition.unlock()
        }
    }

    private func decide(_ batch: [Pending], _ state: inout DeciderState) -> SealedBatch {
        var sealed = SealedBatch(epoch: state.epoch, started: DispatchTime.now().uptimeNanoseconds)
        sealed.results = [Result<Decision?, StoreError>](repeating: .failure(.closed), count: batch.count)
        sealed.completions = batch.map(\.completion)
        sealed.log.reserveCapacity(batch.count * 200)
        sealed.spans.reserveCapacity(batch.count)
        // Keep the previous batch's records (still being committed) and this one's.
        state.recent.removeFirst(state.recentFirstOfThisBatch)
        state.recentFirstOfThisBatch = state.recent.count
        // Decision time never goes backwards, even if the system clock does.
        let now = max(clock(), state.lastDecidedAt)
        state.lastDecidedAt = now

        for (index, item) in batch.enumerated() {
            guard let command = item.command else {
                item.query?(state.core.views)
                sealed.results[index] = .success(nil)
                continue
            }
            if let check = item.check, let refusal = check(state.core.views) {
                sealed.results[index] = .failure(refusal)
                continue
            }
            switch state.core.step(command, actor: item.actor, requestID: item.requestID, now: now) {
            case .refused(let problem):
                sealed.results[index] = .failure(problem.isLimit ? .overLimit(problem.description) : .invalid(problem.description))
            case .repeated(let first):
                sealed.results[index] = repeatedAnswer(first, state)
            case .decided(let record):
                let bytes = state.core.sealed.bytes
                sealed.spans.append((record.sequence, sealed.log.count, sealed.log.count + bytes.count))
                sealed.log.append(contentsOf: bytes)
                state.recent.append(record)
                for case .praticaErased(let pratica, _) in record.outcome.events { sealed.erasing.append(pratica) }
                let subjects = state.core.subjects(of: record) { _ in nil }
                sealed.results[index] = .success(Decision(record: record, repeated: false, subjects: subjects))
            }
        }
        if !state.core.changes.offices.isEmpty { publish(state.core.views.offices) }
        state.core.takeChanges { views, changes in
            ViewCodec.write(views, changes, historyTail: true) { database, key, value in
                let keyStart = sealed.viewBytes.count
                sealed.viewBytes.append(contentsOf: key)
                let keyEnd = sealed.viewBytes.count
                if let value { sealed.viewBytes.append(contentsOf: value) }
                sealed.viewWrites.append((Store.viewDatabaseIndex(database), keyStart, keyEnd,
                                          value == nil ? nil : sealed.viewBytes.count))
            }
        }
        sealed.headSequence = state.core.views.headSequence
        sealed.headHash = state.core.views.headHash
        sealed.decided = DispatchTime.now().uptimeNanoseconds
        return sealed
    }

    /// A request id seen before: the first record's decision, with its subjects as they stood
    /// then, read from the recent batches or the log.
    private func repeatedAnswer(_ first: UInt64, _ state: DeciderState) -> Result<Decision?, StoreError> {
        let recent = state.recent
        let answer = try? read { txn -> Decision? in
            // One read transaction for the first record and the later ones of its pratica.
            let records: (UInt64) -> Record? = { sequence in
                if let oldest = recent.first?.sequence, sequence >= oldest, sequence - oldest < UInt64(recent.count) {
                    return recent[Int(sequence - oldest)]
                }
                return (try? txn.record(sequence)).map { self.keyRing.opening($0, markingErased: true) }
            }
            guard let record = records(first) else { return nil }
            return Decision(record: record, repeated: true, subjects: state.core.subjects(of: record, reading: records))
        }
        guard let answer else { return .failure(.corrupt("request id points at missing record \(first)")) }
        return .success(answer)
    }

    static func viewDatabaseIndex(_ database: ViewDatabase) -> Int {
        guard let index = ViewDatabase.allCases.firstIndex(of: database) else { preconditionFailure("every case is in allCases") }
        return index
    }
}
