import CLMDB
import Events
import Foundation
import Projections

/// An open LMDB environment and its named databases: the store writes through one; `replay`
/// opens one read-only beside a running node, never blocking it.
public final class Environment: @unchecked Sendable {
    /// The log, the head, one database per view, the accounts' password hashes (not a view:
    /// nothing in the log derives them) and the Merkle tree: `mdb_stat -a DIR` lists them.
    public static let databaseNames = ["log", "meta"] + ViewDatabase.allCases.map(\.rawValue) + [credentials, tree]
        + Outbox.databases
    static let credentials = "credentials"

    public let directory: String
    public let readOnly: Bool
    let env: OpaquePointer
    let databases: [String: MDB_dbi]
    /// LMDB resizes the map only while this process has no transaction open: readers hold the
    /// shared side, a resize the exclusive one.
    private let resizeLock = ResizeLock()
    /// The log entries this process's read transactions of this environment have visited.
    public let reads = ReadCounts()
    /// Guarded by `resizeLock`'s exclusive side.
    private var mapBytes: Int
    private let closeLock = NSLock()
    private var closed = false

    /// Opens the environment in `directory`. Read-write creates it and its databases if need
    /// be; read-only requires an existing Agenda data directory.
    public init(directory: String, readOnly: Bool = false, mapBytes: Int = Limits.mapBytesInitial) throws(StoreError) {
        self.directory = directory
        self.readOnly = readOnly
        if readOnly {
            guard FileManager.default.fileExists(atPath: directory + "/data.mdb") else {
                throw .cannotOpen("no Agenda data directory at \(directory) (no data.mdb); check --data")
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .cannotOpen("cannot create the data directory \(directory): \(error.localizedDescription)")
            }
        }
        var created: OpaquePointer?
        do {
            try LMDBError.check(mdb_env_create(&created), "env_create")
            guard let env = created else { throw LMDBError(code: -1, operation: "env_create") }
            try LMDBError.check(mdb_env_set_maxdbs(env, Limits.databasesMax), "set_maxdbs")
            try LMDBError.check(mdb_env_set_mapsize(env, mapBytes), "set_mapsize")
            // NOTLS: read transactions are not tied to a thread, so event loops may share them.
            let flags = UInt32(MDB_NOTLS) | (readOnly ? UInt32(MDB_RDONLY) : 0)
            try LMDBError.check(mdb_env_open(env, directory, flags, 0o644), "open \(directory)")
            var info = MDB_envinfo()
            mdb_env_info(env, &info)
            self.env = env
            self.mapBytes = max(mapBytes, info.me_mapsize)
            var txn: OpaquePointer?
            try LMDBError.check(mdb_txn_begin(env, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &txn), "txn_begin")
            var handles: [String: MDB_dbi] = [:]
            for name in Environment.databaseNames {
                var dbi = MDB_dbi()
                let code = mdb_dbi_open(txn, name, readOnly ? 0 : UInt32(MDB_CREATE), &dbi)
                // A directory written before a view database was added, read beside (or before)
                // the node that will add it: the view reads as empty; its log is whole.
                if code == MDB_NOTFOUND, readOnly,
                   ViewDatabase(rawValue: name) != nil || name == Environment.tree || Outbox.databases.contains(name) { continue }
                if code != 0 { mdb_txn_abort(txn) }
                if code == MDB_NOTFOUND { throw StoreError.corrupt("no database named \(name) in \(directory)") }
                try LMDBError.check(code, "dbi_open \(name)")
                handles[name] = dbi
            }
            // Committing (even a read transaction) makes the handles the environment's own.
            try LMDBError.check(mdb_txn_commit(txn), "commit")
            databases = handles
        } catch let error as StoreError {
            if let created { mdb_env_close(created) }
            throw error
        } catch {
            if let created { mdb_env_close(created) }
            throw .lmdb(error as? LMDBError ?? LMDBError(code: -1, operation: "open \(directory)"))
        }
    }

    /// Closes the environment; call once no transaction is open.
    public func close() {
        closeLock.lock()
        defer { closeLock.unlock() }
        guard !closed else { return }
        closed = true
        mdb_env_close(env)
    }

    /// Runs `body` in a read-only transaction: a consistent snapshot of the last commit.
    public func read<T>(_ body: (ReadTransaction) throws -> T) throws -> T {
        while true {
            let result: T? = try resizeLock.shared {
                var txn: OpaquePointer?
                let code = mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn)
                // Another process grew the map: adopt its size (below), then begin again.
                if code == MDB_MAP_RESIZED { return nil }
                try LMDBError.check(code, "read txn_begin")
                guard let txn else { throw LMDBError(code: -1, operation: "read txn_begin") }
                reads.beganTransaction()
                defer { mdb_txn_abort(txn) }
                return try body(ReadTransaction(txn: txn, databases: databases, counts: reads))
            }
            if let result { return result }
            try resizeLock.exclusive {
                try LMDBError.check(mdb_env_set_mapsize(env, 0), "adopt the grown map")
            }
        }
    }

    /// Calls `body` with each (key, value) of `database` from `start` (or the first key) through
    /// the last key it held when the scan began, in key order, until `body` returns false. It
    /// reads in windows of at most `window` entries, each in a read transaction of its own, so a
    /// long read (an audit of years of log) never holds one snapshot for minutes: LMDB cannot
    /// reuse a page freed after the oldest live reader began, and a node writing beside a pinned
    /// reader grows its file. `atStart` runs in the first window's transaction.
    public func scanInWindows(_ database: String, from start: [UInt8]? = nil, window: Int,
                              atStart: (ReadTransaction) throws -> Void = { _ in },
                              _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws {
        precondition(window > 0, "a window holds at least one entry")
        var resume = start
        var previous: [UInt8]?
        var end: [UInt8]?
        var began = false
        var finished = false
        while !finished {
            try read { txn in
                if !began {
                    began = true
                    end = try txn.last(database)?.key
                    try atStart(txn)
                }
                guard let end else {
                    finished = true
                    return
                }
                var seen = 0
                var full = false
                try txn.scan(database, from: resume) { key, value in
                    if let previous, key.elementsEqual(previous) { return true }  // the last window's last
                    if end.lexicographicallyPrecedes(key) {  // appended since the scan began
                        finished = true
                        return false
                    }
                    guard try body(key, value), !key.elementsEqual(end) else {
                        finished = true
                        return false
                    }
                    seen += 1
                    if seen == window {
                        full = true
                        previous = Array(key)
                        resume = previous
                        return false
                    }
                    return true
                }
                if !full { finished = true }
            }
        }
    }

    /// The last record's sequence number and hash (0 and the genesis hash for an empty log).
    public func head() throws -> (sequence: UInt64, hash: ChainHash) {
        try read { txn in try Environment.head(try txn.get("meta", Array("head".utf8))) }
    }

    /// Decodes the `meta` `head` entry: sequence (u64 big-endian) ‖ hash (32 bytes).
    static func head(_ entry: [UInt8]?) throws -> (sequence: UInt64, hash: ChainHash) {
        guard let entry else { return (0, .genesis) }
        guard entry.count == 40 else { throw StoreError.corrupt("the head entry is \(entry.count) bytes, not 40") }
        return (entry[0..<8].reduce(0) { $0 << 8 | UInt64($1) }, entry[8...].withUnsafeBytes { ChainHash(bytes: $0) })
    }

    static func headEntry(sequence: UInt64, hash: ChainHash) -> [UInt8] {
        var writer = ByteWriter(capacity: 40)
        writer.u64(sequence)
        for byte in hash.bytes { writer.u8(byte) }
        return writer.bytes
    }

    // MARK: - Writing (the store's committer only)

    func writeTransaction(_ body: (OpaquePointer) throws -> Void) throws {
        precondition(!readOnly, "a read-only environment was asked to write")
        var txn: OpaquePointer?
        try LMDBError.check(mdb_txn_begin(env, nil, 0, &txn), "txn_begin")
        guard let txn else { throw LMDBError(code: -1, operation: "txn_begin") }
        do {
            try body(txn)
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        // Commit frees the transaction whether it succeeds or not.
        try LMDBError.check(mdb_txn_commit(txn), "commit")
    }

    /// Doubles the map after `MDB_MAP_FULL`.
    func grow() {
        resizeLock.exclusive {
            mapBytes *= 2
            let code = mdb_env_set_mapsize(env, mapBytes)
            precondition(code == 0, "growing the map to \(mapBytes) bytes failed: \(code)")
        }
    }

    func put(_ txn: OpaquePointer, _ database: String, _ key: UnsafeRawBufferPointer,
             _ value: UnsafeRawBufferPointer, flags: UInt32 = 0) throws(LMDBError) {
        guard let dbi = databases[database] else { preconditionFailure("no database \(database)") }
        var keyValue = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var dataValue = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try LMDBError.check(mdb_put(txn, dbi, &keyValue, &dataValue, flags), "put \(database)")
    }

    func put(_ txn: OpaquePointer, _ database: String, _ key: [UInt8], _ value: [UInt8]) throws {
        try key.withUnsafeBytes { keyBytes in
            try value.withUnsafeBytes { valueBytes in try put(txn, database, keyBytes, valueBytes) }
        }
    }

    func delete(_ txn: OpaquePointer, _ database: String, _ key: UnsafeRawBufferPointer) throws(LMDBError) {
        guard let dbi = databases[database] else { preconditionFailure("no database \(database)") }
        var keyValue = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        let code = mdb_del(txn, dbi, &keyValue, nil)
        if code != MDB_NOTFOUND { try LMDBError.check(code, "del \(database)") }
    }

    /// Empties a database (keeps it).
    func empty(_ txn: OpaquePointer, _ database: String) throws(LMDBError) {
        guard let dbi = databases[database] else { preconditionFailure("no database \(database)") }
        try LMDBError.check(mdb_drop(txn, dbi, 0), "empty \(database)")
    }
}
