/// Why a command got no decision. Rejections by the rules are not errors: they are outcomes,
/// recorded in the log. These are the cases where nothing was recorded.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    /// The writer's queue is full; retry shortly.
    case busy
    /// The command is malformed (`CommandCheck`: an empty id, a bad name); fix it and send it again.
    case invalid(String)
    /// The command passes a named limit (`CommandCheck`: an id or a text too long, too many services).
    case overLimit(String)
    /// The caller's check refused it before it was decided (a body acting on another's
    /// appointment): nothing was logged. `code` is the protocol's (NOPERM, NOTFOUND).
    case refused(code: String, message: String)
    /// The store is closing or closed.
    case closed
    /// The data directory cannot be opened or created; the sentence says why.
    case cannotOpen(String)
    case lmdb(LMDBError)
    /// The data directory does not hold what Agenda wrote; check its log with tools/verify_log.py.
    case corrupt(String)
    /// Decided on top of a batch whose commit failed (the disk full, say): nothing of it was
    /// written, and the writer refolds from the last commit; send the command again.
    case notCommitted

    public var description: String {
        switch self {
        case .busy: "the writer's queue is full; retry in a moment"
        case .invalid(let why): "invalid command: \(why)"
        case .overLimit(let why): "over a limit: \(why); shorten it and send it again"
        case .refused(_, let message): message
        case .closed: "the store is closed"
        case .cannotOpen(let why): why
        case .lmdb(let error): "\(error)"
        case .notCommitted:
            "an earlier batch failed to commit, so this one was not written; nothing was recorded, send it again"
        case .corrupt(let why):
            "the data directory is damaged: \(why); check its log with python3 tools/verify_log.py DIR"
        }
    }
}

extension StoreError {
    /// Runs `body`, giving any error it throws as a `StoreError`: LMDB's as `.lmdb`, anything
    /// else (a record that does not decode) as `.corrupt`.
    static func typed<T>(_ body: () throws -> T) throws(StoreError) -> T {
        do {
            return try body()
        } catch let error as StoreError {
            throw error
        } catch let error as LMDBError {
            throw .lmdb(error)
        } catch {
            throw .corrupt("\(error)")
        }
    }
}
