import Foundation

/// One writer per data directory. LMDB would let two processes write turn by turn, but each
/// store keeps the views in memory and would decide against a stale copy: a second
/// `agenda-node` (or `agenda-node user add` beside a running node) must be refused, not
/// allowed to fork the history. `flock` is released by the kernel if the process dies.
final class WriterLock: @unchecked Sendable {
    private var descriptor: Int32
    private let lock = NSLock()

    init(directory: String) throws(StoreError) {
        let path = directory + "/writer.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .cannotOpen("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno == EWOULDBLOCK
                ? "another agenda-node (or agenda-node user ...) is writing to \(directory); stop it first, or use "
                    + "the protocol (replay reads beside it safely)"
                : "cannot lock \(path): \(String(cString: strerror(errno)))"
            close(descriptor)
            throw .cannotOpen(reason)
        }
        self.descriptor = descriptor
    }

    func release() {
        lock.lock()
        defer { lock.unlock() }
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }
}
