import CLMDB
import Events
import Foundation
import Projections

/// An LMDB return code with the operation that produced it.
public struct LMDBError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let operation: String
    public var description: String {
        let message = mdb_strerror(code).map { String(cString: $0) } ?? "error \(code)"
        return "LMDB \(operation): \(message)"
    }
    public var isMapFull: Bool { code == MDB_MAP_FULL }

    @inline(__always) static func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
        if code != 0 { throw LMDBError(code: code, operation: operation()) }
    }
}

/// A read-only view of the environment for the length of one LMDB read transaction. Readers
/// never block the writer (LMDB's MVCC): they see the last commit before they began.
public struct ReadTransaction {
    let txn: OpaquePointer
    let databases: [String: MDB_dbi]
    /// Where the log entries this transaction visits are counted (`Environment.logEntriesRead`).
    var counts: ReadCounts? = nil

    /// A view database a read-only environment found missing (a directory from before it was
    /// added): it reads as empty.
    func absent(_ name: String) -> Bool {
        databases[name] == nil && (ViewDatabase(rawValue: name) != nil || name == Environment.tree
                                   || Outbox.databases.contains(name))
    }

    func dbi(_ name: String) throws(StoreError) -> MDB_dbi {
        guard let dbi = databases[name] else { throw .corrupt("no database named \(name)") }
        return dbi
    }

    /// The value under `key`, valid only inside the transaction.
    public func get(_ database: String, _ key: UnsafeRawBufferPointer) throws(StoreError) -> UnsafeRawBufferPointer? {
        if absent(database) { return nil }
        var keyValue = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var value = MDB_val()
        let code = mdb_get(txn, try dbi(database), &keyValue, &value)
        if database == "log" { counts?.add(1) }
        if code == MDB_NOTFOUND { return nil }
        do { try LMDBError.check(code, "get \(database)") } catch { throw .lmdb(error) }
        return UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)
    }

    public func get(_ database: String, _ key: [UInt8]) throws(StoreError) -> [UInt8]? {
        let result = key.withUnsafeBytes { bytes in Result { () throws(StoreError) in try get(database, bytes).map { Array($0) } } }
        return try result.get()
    }

    /// Calls `body` with each (key, value) from the first key ≥ `start` (or the first key) on,
    /// in key order, until it returns false.
    public func scan(_ database: String, from start: [UInt8]? = nil,
                     _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws {
        if absent(database) { return }
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(txn, try dbi(database), &cursor), "cursor \(database)")
        defer { mdb_cursor_close(cursor) }
        var key = MDB_val()
        var value = MDB_val()
        var code: Int32
        if let start {
            code = start.withUnsafeBytes { bytes in
                key = MDB_val(mv_size: bytes.count, mv_data: UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                return mdb_cursor_get(cursor, &key, &value, MDB_SET_RANGE)
            }
        } else {
            code = mdb_cursor_get(cursor, &key, &value, MDB_FIRST)
        }
        var visited = 0
        defer { if database == "log" { counts?.add(visited) } }
        while code == 0 {
            visited += 1
            let keep = try body(UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size),
                                UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
            if !keep { return }
            code = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)
        }
        if code != MDB_NOTFOUND { try LMDBError.check(code, "scan \(database)") }
    }

    /// The number of entries in a database.
    public func count(_ database: String) throws -> Int {
        if absent(database) { return 0 }
        var stat = MDB_stat()
        try LMDBError.check(mdb_stat(txn, try dbi(database), &stat), "stat \(database)")
        return stat.ms_entries
    }
}

/// The log's key: the sequence number, big-endian, so LMDB's byte order is the log's order.
public enum LogKey {
    public static func bytes(_ sequence: UInt64) -> [UInt8] {
        withUnsafeBytes(of: sequence.bigEndian) { Array($0) }
    }
    public static func sequence(_ key: UnsafeRawBufferPointer) throws(StoreError) -> UInt64 {
        guard key.count == 8 else { throw .corrupt("a log key of \(key.count) bytes; log keys are 8") }
        return key.loadUnaligned(as: UInt64.self).bigEndian
    }
}

/// Guards resizing the map: LMDB allows `mdb_env_set_mapsize` only while this process has no
/// transaction open, so readers hold the shared side and a resize takes the exclusive one.
final class ResizeLock: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
    init() { pthread_rwlock_init(lock, nil) }
    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }
    func shared<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
    func exclusive<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}

extension ReadTransaction {
    /// The last (key, value) of a database, copied out.
    public func last(_ database: String) throws -> (key: [UInt8], value: [UInt8])? {
        if absent(database) { return nil }
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(txn, try dbi(database), &cursor), "cursor \(database)")
        defer { mdb_cursor_close(cursor) }
        var key = MDB_val()
        var value = MDB_val()
        let code = mdb_cursor_get(cursor, &key, &value, MDB_LAST)
        if database == "log" { counts?.add(1) }
        if code == MDB_NOTFOUND { return nil }
        try LMDBError.check(code, "last \(database)")
        return (Array(UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size)),
                Array(UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)))
    }

    /// The decoded record at `sequence`, or nil.
    public func record(_ sequence: UInt64) throws -> Record? {
        let key = LogKey.bytes(sequence)
        let found = try key.withUnsafeBytes { bytes throws -> Record? in
            guard let value = try get("log", bytes) else { return nil }
            return try RecordCodec.decode(sequence: sequence, value: value)
        }
        return found
    }

    /// Every record from `start` on, decoded, in order, until `body` returns false.
    public func records(from start: UInt64 = 1, _ body: (Record) throws -> Bool) throws {
        try scan("log", from: LogKey.bytes(start)) { key, value in
            try body(try RecordCodec.decode(sequence: try LogKey.sequence(key), value: value))
        }
    }
}

/// How many log entries an environment's read transactions have visited, in this process: a
/// test asks it how much of the log opening a store read (it must not refold the log).
public final class ReadCounts: @unchecked Sendable {
    private let lock = NSLock()
    private var logEntries = 0
    private var transactionsBegun = 0

    func add(_ entries: Int) {
        guard entries > 0 else { return }
        lock.lock()
        logEntries += entries
        lock.unlock()
    }

    func beganTransaction() {
        lock.lock()
        transactionsBegun += 1
        lock.unlock()
    }

    /// Read transactions begun in this environment by this process.
    public var readTransactions: Int {
        lock.lock()
        defer { lock.unlock() }
        return transactionsBegun
    }

    public var logEntriesRead: Int {
        lock.lock()
        defer { lock.unlock() }
        return logEntries
    }
}
