import Engine
import Events
import Foundation

/// An Agenda data directory opened read-only: safe beside a running agenda-node, whose writer
/// it never blocks (LMDB readers see the last commit before they began).
public final class DataDirectory: @unchecked Sendable {
    public let path: String
    public let environment: Environment
    /// How many log records one read transaction reads (`ReplayLimits.readWindowRecords`
    /// unless a test says otherwise): long reads renew their snapshot, never pinning a node.
    public let readWindowRecords: Int

    /// The applicants' keys (`DIR/keys`, read-only), when the directory has them: `dump` and the
    /// lists read sealed data with them. Nil for a directory written before sealing, or a copy
    /// without its keys.
    public let keys: KeyRing?

    public init(_ path: String, readWindowRecords: Int = ReplayLimits.readWindowRecords) throws {
        self.path = path
        self.readWindowRecords = readWindowRecords
        environment = try Environment(directory: path, readOnly: true)
        do {
            keys = try KeyRing.open(dataDirectory: path, readOnly: true)
        } catch {
            environment.close()
            throw error
        }
    }

    public func close() {
        keys?.close()
        environment.close()
    }

    /// The record with its sealed applicants read with the keys (`KeyRing.opening`); one whose
    /// key is gone is marked erased. Unchanged without keys.
    public func opening(_ record: Record) -> Record { keys?.opening(record, markingErased: true) ?? record }

    /// How many records the log holds now.
    public func recordCount() throws -> UInt64 { UInt64(try environment.read { try $0.count("log") }) }

    /// The last record's sequence number and hash, from `meta` `head`.
    public func head() throws -> Checkpoint {
        let head = try environment.head()
        return Checkpoint(sequence: head.sequence, hash: head.hash)
    }

    /// Decodes records `first...last` in order on a second thread, in read transactions of
    /// `readWindowRecords` records each (through the last record when the read began), and hands
    /// them to `body` in chunks on this one until it returns false.
    func decodedRecords(from first: UInt64 = 1, through last: UInt64 = .max,
                        _ body: ([Record]) throws -> Bool) throws {
        let environment = self.environment
        let window = readWindowRecords
        try Pipeline.run(produce: { emit in
            var chunks = Chunks<Record>()
            try environment.scanInWindows("log", from: LogKey.bytes(first), window: window) { key, value in
                let sequence = try LogKey.sequence(key)
                guard sequence <= last else { return false }
                let record: Record
                do {
                    record = try RecordCodec.decode(sequence: sequence, value: value)
                } catch {
                    throw ReplayError.undecodable(sequence: sequence, "\(error)")
                }
                return chunks.add(record, emit)
            }
            chunks.flush(emit)
        }, consume: body)
    }
}

/// Why a replay could not do its job; each says what to do.
public enum ReplayError: Error, CustomStringConvertible, Equatable {
    case undecodable(sequence: UInt64, String)
    case brokenLog(sequence: UInt64, String)
    case badArgument(String)
    case notFound(String)
    case targetExists(String)
    case badCheckpoint(String)

    public var description: String {
        switch self {
        case .undecodable(let sequence, let why):
            "record \(sequence) does not decode (\(why)); run `replay audit` on this directory to see what is damaged"
        case .brokenLog(let sequence, let why):
            "the log is broken at record \(sequence): \(why); run `replay audit` on this directory for every finding"
        case .badArgument(let why): why
        case .notFound(let why): why
        case .badCheckpoint(let why): why
        case .targetExists(let path):
            "\(path) already holds a data directory; give --into a new or empty directory"
        }
    }
}
