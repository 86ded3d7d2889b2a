import Events

/// Passwords live beside the log, never in it: the `credentials` database maps an account
/// name to its password's scrypt hash (the server's format). The log records that an account
/// exists; this says how it proves who it is. A rebuild does not touch it.
extension Store {
    public func setCredential(_ name: String, _ value: [UInt8]) throws(StoreError) {
        do {
            try environment.writeTransaction { txn in
                try environment.put(txn, Environment.credentials, Array(name.utf8), value)
            }
        } catch let error as LMDBError {
            throw .lmdb(error)
        } catch {
            throw .corrupt("\(error)")
        }
    }

    /// Many at once, in one durable transaction: `user add-bodies` sets a province's worth.
    public func setCredentials(_ entries: [(name: String, value: [UInt8])]) throws(StoreError) {
        do {
            try environment.writeTransaction { txn in
                for entry in entries {
                    try environment.put(txn, Environment.credentials, Array(entry.name.utf8), entry.value)
                }
            }
        } catch let error as LMDBError {
            throw .lmdb(error)
        } catch {
            throw .corrupt("\(error)")
        }
    }

    public func credential(_ name: String) throws -> [UInt8]? {
        try read { try $0.get(Environment.credentials, Array(name.utf8)) }
    }
}
