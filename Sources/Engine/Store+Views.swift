import CLMDB
import Events
import Foundation
import Projections

// Opening a data directory: the persisted views checked against the log's head, and refolded
// from the log when their layout changed.
extension Store {
    /// The persisted views' working set (`Environment.workingSetViews`), as typed errors.
    func loadViews(last given: (key: [UInt8], value: [UInt8])?? = nil) throws(StoreError) -> Views {
        try StoreError.typed { try environment.workingSetViews(last: given, keys: keyRing) }
    }

    /// Moves the history tail into `history`, in `history`'s key order, in one write
    /// transaction: the writer's commits append history entries to the tail (no random page per
    /// booking), and this makes them readable by pratica in bulk, before the working set is
    /// loaded. False when it could not (a full disk): the tail stays, and loading holds it.
    @discardableResult
    func indexHistoryTail() -> Bool {
        do {
            let tail = try read { txn -> [(key: [UInt8], value: [UInt8])] in
                var entries: [(key: [UInt8], value: [UInt8])] = []
                try txn.scan(ViewDatabase.historyTail.rawValue) { key, value in
                    let (pratica, sequence) = try ViewCodec.decodeTailKey(key)
                    var writer = ByteWriter(capacity: key.count + 1)
                    ViewCodec.encodeHistoryKey(pratica, sequence, &writer)
                    entries.append((writer.bytes, Array(value)))
                    return true
                }
                return entries
            }
            guard !tail.isEmpty else { return true }
            let sorted = tail.sorted { $0.key.lexicographicallyPrecedes($1.key) }
            while true {
                do {
                    try environment.writeTransaction { txn in
                        for entry in sorted { try environment.put(txn, ViewDatabase.history.rawValue, entry.key, entry.value) }
                        try environment.empty(txn, ViewDatabase.historyTail.rawValue)
                    }
                    return true
                } catch let error as LMDBError where error.isMapFull {
                    environment.grow()
                }
            }
        } catch {
            FileHandle.standardError.write(Data("agenda: the history tail stays where it is for now: \(error)\n".utf8))
            return false
        }
    }

    /// The operators' accounts as the views hold them, without loading the rest.
    public func accounts() throws -> [String: AccountView] { try read { try Store.decodeAccounts($0) } }

    /// The accounts database, decoded.
    public static func decodeAccounts(_ txn: ReadTransaction) throws -> [String: AccountView] {
        var accounts: [String: AccountView] = [:]
        try txn.scan(ViewDatabase.accounts.rawValue) { key, value in
            var reader = ByteReader(value)
            let account = try ViewCodec.decodeAccount(name: String(decoding: key, as: UTF8.self), &reader)
            accounts[account.spec.name] = account
            return true
        }
        return accounts
    }

    /// Views written by an older layout are refolded from the log and written anew, all of
    /// them, in one transaction: the log is the truth, the views its cache.
    func rewriteViewsIfTheirLayoutChanged(logIsEmpty: Bool) throws(StoreError) {
        try StoreError.typed {
            let stale = try read { txn in
                try !logIsEmpty && txn.get("meta", Array("views-format".utf8)) != [Store.viewsFormat]
            }
            guard stale else { return }
            let records = try read { try $0.count("log") }
            let note = { (line: String) in FileHandle.standardError.write(Data((line + "\n").utf8)) }
            note("agenda: the views of \(directory) were written in another layout; refolding them from the log "
                 + "(\(records) records), once")
            let views = try read { try Store.foldLog($0) }
            try environment.writeTransaction { txn in try environment.writeWholeViews(views, txn) }
            note("agenda: views refolded up to record \(views.headSequence)")
        }
    }

    /// Decodes the persisted views.
    public static func decodeViews(_ txn: ReadTransaction) throws -> Views {
        let (headSequence, headHash) = try Environment.head(try txn.get("meta", Array("head".utf8)))
        return try ViewCodec.load(headSequence: headSequence, headHash: headHash) { database, body in
            try txn.scan(database.rawValue) { key, value in
                try body(key, value)
                return true
            }
        }
    }

    /// Folds the whole log from the first record into fresh views.
    public static func foldLog(_ txn: ReadTransaction) throws -> Views {
        var core = EngineCore()
        try txn.records { record in
            core.fold(record)
            core.discardChanges()
            return true
        }
        return core.views
    }
}

extension Environment {
    /// Writes `views` whole, with the head and the views' layout, into emptied view databases:
    /// the one whole write of views (a store whose views' layout changed, `rebuild --into`,
    /// what-if's scratch directory). `ViewCodec.allEntries` gives each database's entries in
    /// key order, so every put appends.
    func writeWholeViews(_ views: Views, _ txn: OpaquePointer) throws {
        for database in ViewDatabase.allCases { try empty(txn, database.rawValue) }
        for (database, entries) in ViewCodec.allEntries(views) {
            for entry in entries {
                try entry.key.withUnsafeBytes { key in
                    try entry.value.withUnsafeBytes { value in
                        try put(txn, database.rawValue, key, value, flags: UInt32(MDB_APPEND))
                    }
                }
            }
        }
        try put(txn, "meta", Array("head".utf8), Environment.headEntry(sequence: views.headSequence, hash: views.headHash))
        try put(txn, "meta", Array("views-format".utf8), [Store.viewsFormat])
    }
}

extension Environment {
    /// The persisted views' working set, checked against the log's last entry (read anew
    /// unless given): offices, accounts, and the days from the last decision's day before on.
    /// The rest is read through `LMDBViewSource` when a command or a read needs it. The writer
    /// decides against these; `replay daylist` reads them beside a running node.
    public func workingSetViews(last given: (key: [UInt8], value: [UInt8])?? = nil,
                                keys: (any ApplicantKeys)? = nil) throws -> Views {
        var views = try read { txn in
            let lastLog = try given ?? txn.last("log")
            let (headSequence, headHash) = try Environment.head(try txn.get("meta", Array("head".utf8)))
            let logHead = try lastLog.map { last in try last.key.withUnsafeBytes { try LogKey.sequence($0) } } ?? 0
            guard headSequence == logHead else {
                throw StoreError.corrupt("the views stop at record \(headSequence) but the log at \(logHead)")
            }
            var completeFrom = Day(daysSinceEpoch: Int32.min / 2)
            if let lastLog {
                let stored = try lastLog.value.withUnsafeBytes { try RecordCodec.hashes(of: $0).hash }
                guard stored == headHash else {
                    throw StoreError.corrupt("the head hash does not match the last record's hash")
                }
                // Every later decision is at or after this one's instant (decision time never goes
                // back), so no search looks before this day; a day before it is read when asked.
                let decidedAt = try RecordCodec.decode(sequence: logHead, value: lastLog.value).decidedAt
                completeFrom = RomeTime.day(of: decidedAt).adding(days: -1)
            }
            return try ViewCodec.loadWorkingSet(
                headSequence: headSequence, headHash: headHash, source: LMDBViewSource(self),
                completeFrom: completeFrom, praticaCount: try txn.count(ViewDatabase.pratiche.rawValue),
                appointmentCount: try txn.count(ViewDatabase.appointments.rawValue)
            ) { database, start, body in
                try txn.scan(database.rawValue, from: start, body)
            }
        }
        views.keys = keys
        return views
    }
}
