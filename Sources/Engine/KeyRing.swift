import CLMDB
import Crypto
import Events
import Foundation

/// The applicants' keys (crypto-shredding): one AES-256 key per pratica, and the node's index
/// key for the keyed hashes, in an LMDB environment of their own, `DIR/keys`, never in the log
/// and never in `data.mdb`. LMDB frees a page without zeroing it, so a destroyed key would
/// survive on a free page: after each erasure the environment is copied without its free pages
/// and the copy takes the file's place (docs/log-format.md, "Sealed applicants").
///
/// Keys made for new registrations are held until `flush`, which the committer calls before it
/// commits their records: a record never names a key that is not on disk.
public final class KeyRing: ApplicantKeys, @unchecked Sendable {
    public let directory: String
    public let readOnly: Bool
    public let indexKey: SymmetricKey
    private let lock = NSLock()
    private var env: OpaquePointer?
    private var dbi = MDB_dbi()
    private var cache: [PraticaID: SymmetricKey] = [:]
    private var pending: [PraticaID: SymmetricKey] = [:]
    /// Cleared by `flush`: what a caller made since.
    private var pendingErasures: Set<PraticaID> = []

    static let indexEntry = Array("\u{0}index".utf8)
    static let erasurePrefix = Array("\u{0}erasing:".utf8)

    /// The keys environment of a data directory.
    public static func path(forData directory: String) -> String { directory + "/keys" }

    /// Opens (read-write: creates, with its index key) the keys of `dataDirectory`; read-only,
    /// nil when the directory has none (written before personal data was sealed).
    public static func open(dataDirectory: String, readOnly: Bool) throws(StoreError) -> KeyRing? {
        let path = KeyRing.path(forData: dataDirectory)
        if readOnly && !FileManager.default.fileExists(atPath: path + "/data.mdb") { return nil }
        return try KeyRing(directory: path, readOnly: readOnly)
    }

    init(directory: String, readOnly: Bool) throws(StoreError) {
        self.directory = directory
        self.readOnly = readOnly
        if !readOnly {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw .cannotOpen("cannot create the keys directory \(directory): \(error.localizedDescription)")
            }
        }
        var opened: (OpaquePointer, MDB_dbi)
        do {
            opened = try KeyRing.openEnvironment(directory, readOnly: readOnly)
        } catch {
            throw .cannotOpen("cannot open the applicants' keys in \(directory): \(error)")
        }
        env = opened.0
        dbi = opened.1
        var found: SymmetricKey?
        do {
            found = try KeyRing.get(opened.0, opened.1, KeyRing.indexEntry).map { SymmetricKey(data: $0) }
            if found == nil, !readOnly {
                let made = SymmetricKey(size: .bits256)
                try KeyRing.write(opened.0, opened.1, puts: [(KeyRing.indexEntry, made.withUnsafeBytes { Array($0) })])
                found = made
            }
        } catch {
            mdb_env_close(opened.0)
            throw .cannotOpen("cannot read the index key in \(directory): \(error)")
        }
        guard let found else {
            mdb_env_close(opened.0)
            throw .corrupt("the keys in \(directory) have no index key")
        }
        indexKey = found
    }

    deinit { if let env { mdb_env_close(env) } }

    public func close() {
        lock.withLock {
            if let env { mdb_env_close(env) }
            env = nil
        }
    }

    // MARK: - ApplicantKeys

    public func sealingKey(for pratica: PraticaID) -> SymmetricKey? {
        lock.withLock {
            if let key = lookUp(pratica) { return key }
            let made = SymmetricKey(size: .bits256)
            pending[pratica] = made
            cache[pratica] = made
            return made
        }
    }

    public func openingKey(for pratica: PraticaID) -> SymmetricKey? { lock.withLock { lookUp(pratica) } }

    private func lookUp(_ pratica: PraticaID) -> SymmetricKey? {
        if let key = cache[pratica] { return key }
        guard let env, let bytes = try? KeyRing.get(env, dbi, Array(pratica.rawValue.utf8)) else { return nil }
        let key = SymmetricKey(data: bytes)
        if cache.count >= Limits.keyCacheMax { cache.removeAll(keepingCapacity: true) }
        cache[pratica] = key
        return key
    }

    /// The record with its sealed applicants read with these keys. `markingErased`: one whose
    /// key is not here is marked erased (a reader holding the directory's own keys).
    public func opening(_ record: Record, markingErased: Bool) -> Record {
        func open(_ applicant: Applicant) -> Applicant {
            guard applicant.isLocked else { return applicant }
            guard let key = openingKey(for: applicant.pratica) else {
                var erased = applicant
                if markingErased { erased.seal?.erased = true }
                return erased
            }
            return ApplicantSealing.open(applicant, key: key)
        }
        var opened = record
        if case .registerPratica(let applicant) = record.command { opened.command = .registerPratica(open(applicant)) }
        if case .accepted(let events) = record.outcome {
            opened.outcome = .accepted(events.map { event in
                if case .praticaRegistered(let applicant) = event { return .praticaRegistered(open(applicant)) }
                return event
            })
        }
        return opened
    }

    // MARK: - Writing (the store's committer)

    /// Makes the keys made since the last flush durable, and marks `erasing` (pratiche whose
    /// erasure is about to be committed), in one transaction: one fsync a batch.
    func flush(erasing: [PraticaID]) throws {
        try lock.withLock {
            guard !pending.isEmpty || !erasing.isEmpty, let env else { return }
            var puts = pending.map { (Array($0.key.rawValue.utf8), $0.value.withUnsafeBytes { Array($0) }) }
            for pratica in erasing { puts.append((KeyRing.erasurePrefix + Array(pratica.rawValue.utf8), [])) }
            try KeyRing.write(env, dbi, puts: puts)
            pending.removeAll(keepingCapacity: true)
            pendingErasures.formUnion(erasing)
        }
    }

    /// Destroys the keys of `pratiche` (their erasure is committed), then copies the environment
    /// without its free pages over itself, so no page of the file still holds them.
    func destroy(_ pratiche: [PraticaID]) throws {
        try lock.withLock {
            guard !pratiche.isEmpty, let current = env else { return }
            var deletes: [[UInt8]] = []
            for pratica in pratiche {
                deletes.append(Array(pratica.rawValue.utf8))
                deletes.append(KeyRing.erasurePrefix + Array(pratica.rawValue.utf8))
                cache[pratica] = nil
                pending[pratica] = nil
                pendingErasures.remove(pratica)
            }
            try KeyRing.write(current, dbi, puts: [], deletes: deletes)
            try compact(current)
        }
    }

    /// The pratiche whose erasure was marked but whose keys may still be here (a crash between
    /// the erasure's commit and the keys' destruction): the store finishes them on opening.
    func markedErasures() throws -> [PraticaID] {
        try lock.withLock {
            guard let env else { return [] }
            var found: [PraticaID] = []
            try KeyRing.scan(env, dbi, prefix: KeyRing.erasurePrefix) { key in
                found.append(PraticaID(String(decoding: key.dropFirst(KeyRing.erasurePrefix.count), as: UTF8.self)))
            }
            return found
        }
    }

    /// Drops erasure marks the log does not confirm (the erasure's commit failed).
    func unmark(_ pratiche: [PraticaID]) throws {
        try lock.withLock {
            guard let env, !pratiche.isEmpty else { return }
            try KeyRing.write(env, dbi, puts: [], deletes: pratiche.map { KeyRing.erasurePrefix + Array($0.rawValue.utf8) })
        }
    }

    /// Copies these keys, without free pages, to be `dataDirectory`'s (which has none yet).
    public func copy(toData dataDirectory: String) throws {
        try lock.withLock {
            guard let env else { return }
            let target = KeyRing.path(forData: dataDirectory)
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try LMDBError.check(mdb_env_copy2(env, target, UInt32(MDB_CP_COMPACT)), "copy the keys to \(target)")
        }
    }

    private func compact(_ current: OpaquePointer) throws {
        let copy = directory + ".compacting"
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try LMDBError.check(mdb_env_copy2(current, copy, UInt32(MDB_CP_COMPACT)), "copy the keys without free pages")
        mdb_env_close(current)
        env = nil
        // The copy's file replaces the old one (rename is atomic); the old file's blocks go back
        // to the file system.
        guard rename(copy + "/data.mdb", directory + "/data.mdb") == 0 else {
            throw StoreError.corrupt("cannot move the compacted keys into \(directory): \(String(cString: strerror(errno)))")
        }
        try? FileManager.default.removeItem(atPath: copy)
        let reopened = try KeyRing.openEnvironment(directory, readOnly: false)
        env = reopened.0
        dbi = reopened.1
    }

    // MARK: - LMDB

    static func openEnvironment(_ directory: String, readOnly: Bool) throws -> (OpaquePointer, MDB_dbi) {
        var created: OpaquePointer?
        try LMDBError.check(mdb_env_create(&created), "env_create")
        guard let env = created else { throw LMDBError(code: -1, operation: "env_create") }
        do {
            try LMDBError.check(mdb_env_set_maxdbs(env, 2), "set_maxdbs")
            try LMDBError.check(mdb_env_set_mapsize(env, Limits.keysMapBytes), "set_mapsize")
            try LMDBError.check(mdb_env_open(env, directory, UInt32(MDB_NOTLS) | (readOnly ? UInt32(MDB_RDONLY) : 0), 0o600),
                                "open \(directory)")
            var txn: OpaquePointer?
            try LMDBError.check(mdb_txn_begin(env, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &txn), "txn_begin")
            var dbi = MDB_dbi()
            let code = mdb_dbi_open(txn, "keys", readOnly ? 0 : UInt32(MDB_CREATE), &dbi)
            if code != 0 { mdb_txn_abort(txn) }
            try LMDBError.check(code, "dbi_open keys")
            try LMDBError.check(mdb_txn_commit(txn), "commit")
            return (env, dbi)
        } catch {
            mdb_env_close(env)
            throw error
        }
    }

    static func get(_ env: OpaquePointer, _ dbi: MDB_dbi, _ key: [UInt8]) throws -> [UInt8]? {
        var txn: OpaquePointer?
        try LMDBError.check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "read txn_begin")
        defer { mdb_txn_abort(txn) }
        return try key.withUnsafeBytes { keyBytes in
            var keyValue = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            var value = MDB_val()
            let code = mdb_get(txn, dbi, &keyValue, &value)
            if code == MDB_NOTFOUND { return nil }
            try LMDBError.check(code, "get key")
            return Array(UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
        }
    }

    static func scan(_ env: OpaquePointer, _ dbi: MDB_dbi, prefix: [UInt8], _ body: ([UInt8]) -> Void) throws {
        var txn: OpaquePointer?
        try LMDBError.check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "read txn_begin")
        defer { mdb_txn_abort(txn) }
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(txn, dbi, &cursor), "cursor_open")
        defer { mdb_cursor_close(cursor) }
        var start = prefix
        try start.withUnsafeMutableBytes { startBytes in
            var key = MDB_val(mv_size: startBytes.count, mv_data: startBytes.baseAddress)
            var value = MDB_val()
            var code = mdb_cursor_get(cursor, &key, &value, MDB_SET_RANGE)
            while code == 0 {
                let bytes = Array(UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size))
                guard bytes.starts(with: prefix) else { break }
                body(bytes)
                code = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)
            }
            if code != 0 && code != MDB_NOTFOUND { try LMDBError.check(code, "cursor_get") }
        }
    }

    static func write(_ env: OpaquePointer, _ dbi: MDB_dbi, puts: [([UInt8], [UInt8])], deletes: [[UInt8]] = []) throws {
        var txn: OpaquePointer?
        try LMDBError.check(mdb_txn_begin(env, nil, 0, &txn), "txn_begin")
        do {
            for (key, value) in puts {
                try key.withUnsafeBytes { keyBytes in
                    try value.withUnsafeBytes { valueBytes in
                        var keyValue = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
                        var dataValue = MDB_val(mv_size: valueBytes.count,
                                                mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress))
                        try LMDBError.check(mdb_put(txn, dbi, &keyValue, &dataValue, 0), "put key")
                    }
                }
            }
            for key in deletes {
                try key.withUnsafeBytes { keyBytes in
                    var keyValue = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
                    let code = mdb_del(txn, dbi, &keyValue, nil)
                    if code != MDB_NOTFOUND { try LMDBError.check(code, "del key") }
                }
            }
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        try LMDBError.check(mdb_txn_commit(txn), "commit keys")
    }
}
