import CLMDB
import Events
import Foundation
import Projections

extension Store {
    static let viewDatabases = ViewDatabase.allCases.map(\.rawValue)

    /// The committer: each sealed batch in ONE write transaction (log appends, changed view
    /// entries, head), one durable commit, then the observers and every command's completion.
    func runCommitter() {
        while true {
            handoff.lock()
            while sealedBatches.isEmpty && !deciderFinished { handoff.wait() }
            if sealedBatches.isEmpty {
                handoff.unlock()
                break
            }
            var sealed = sealedBatches.removeFirst()
            committing = true
            let doomed = failedEpoch == sealed.epoch
            handoff.unlock()

            var failed = doomed
            if doomed {
                for index in sealed.results.indices {
                    sealed.results[index] = .failure(.notCommitted)
                }
            } else {
                do {
                    try commit(&sealed)
                } catch {
                    failed = true
                    for index in sealed.results.indices { sealed.results[index] = .failure(error) }
                }
            }
            let committed = DispatchTime.now().uptimeNanoseconds
            handoff.lock()
            if failed { failedEpoch = sealed.epoch }
            committing = false
            handoff.broadcast()
            handoff.unlock()
            condition.lock()
            totals.batches += 1
            totals.commands += sealed.results.count
            totals.decideNanoseconds += sealed.decided - sealed.started
            totals.commitNanoseconds += committed - sealed.decided
            let observers = self.observers
            condition.unlock()
            if !failed && !observers.isEmpty {
                let records = sealed.results.compactMap { result -> Record? in
                    guard case .success(let decision?) = result, !decision.repeated else { return nil }
                    return decision.record
                }
                if !records.isEmpty { for observer in observers { observer(records) } }
            }
            for (index, completion) in sealed.completions.enumerated() { completion(sealed.results[index]) }
        }
        committerFinished.signal()
    }

    /// One write transaction for the whole batch; on a full map, grow it and write again.
    func commit(_ sealed: inout SealedBatch) throws(StoreError) {
        // The keys this batch's records seal with are on disk before the records are, and its
        // erasures are marked (finished on the next opening should the process stop between).
        do {
            try keyRing.flush(erasing: sealed.erasing)
        } catch let error as LMDBError {
            throw .lmdb(error)  // a full disk, as for the records themselves
        } catch {
            throw .corrupt("cannot write the applicants' keys: \(error)")
        }
        try commitRecords(&sealed)
        // Committed: the erased applicants' keys are destroyed, and their file compacted.
        do {
            try keyRing.destroy(sealed.erasing)
        } catch {
            // The marks stay: the next opening finishes them.
        }
    }

    func commitRecords(_ sealed: inout SealedBatch) throws(StoreError) {
        while true {
            do {
                try environment.writeTransaction { txn in
                    if failingCommits.takeOne() {
                        throw LMDBError(code: MDB_PANIC, operation: "commit (failure injected by a test)")
                    }
                    try sealed.log.withUnsafeBytes { bytes in
                        for span in sealed.spans {
                            var key = span.sequence.bigEndian
                            try withUnsafeMutableBytes(of: &key) { keyBytes in
                                try environment.put(txn, "log", UnsafeRawBufferPointer(keyBytes),
                                        UnsafeRawBufferPointer(rebasing: bytes[span.start..<span.end]), flags: UInt32(MDB_APPEND))
                            }
                        }
                    }
                    if let first = sealed.spans.first {
                        try sealed.log.withUnsafeBytes { bytes in
                            try environment.appendToTree(txn, first: first.sequence, log: bytes,
                                                         spans: sealed.spans.map { $0.start..<$0.end })
                        }
                    }
                    try sealed.viewBytes.withUnsafeBytes { bytes in
                        for write in sealed.viewWrites {
                            let database = Store.viewDatabases[write.database]
                            let key = UnsafeRawBufferPointer(rebasing: bytes[write.keyStart..<write.keyEnd])
                            if let valueEnd = write.valueEnd {
                                try environment.put(txn, database, key, UnsafeRawBufferPointer(rebasing: bytes[write.keyEnd..<valueEnd]),
                                        flags: 0)
                            } else {
                                try environment.delete(txn, database, key)
                            }
                        }
                    }
                    try environment.put(txn, "meta", Array("head".utf8),
                                        Environment.headEntry(sequence: sealed.headSequence, hash: sealed.headHash))
                    try environment.put(txn, "meta", Array("views-format".utf8), [Store.viewsFormat])
                }
                return
            } catch let error as LMDBError where error.isMapFull {
                environment.grow()
            } catch let error as LMDBError {
                throw .lmdb(error)
            } catch let error as StoreError {
                throw error
            } catch {
                throw .corrupt("\(error)")
            }
        }
    }
}
