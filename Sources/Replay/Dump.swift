import Events

/// `replay dump`: records as JSON Lines, one per line, every field decoded (RecordJSON).
public enum Dump {
    public struct Options: Sendable {
        public var fromSequence: UInt64
        public var toSequence: UInt64
        public var office: OfficeID?
        public var pratica: PraticaID?
        public init(fromSequence: UInt64 = 1, toSequence: UInt64 = .max, office: OfficeID? = nil, pratica: PraticaID? = nil) {
            self.fromSequence = fromSequence
            self.toSequence = toSequence
            self.office = office
            self.pratica = pratica
        }
    }

    /// Calls `write` with each selected record's line (with its newline); returns how many.
    @discardableResult
    public static func run(_ directory: DataDirectory, _ options: Options, progress: ((UInt64) -> Void)? = nil,
                           write: ([UInt8]) throws -> Void) throws -> Int {
        var filter = RecordFilter(office: options.office, pratica: options.pratica)
        // A filter must see the appointments booked before the range, so it reads from record 1.
        let start = filter.selectsEverything ? options.fromSequence : 1
        var line: [UInt8] = []
        var written = 0
        var nextProgress = ReplayLimits.progressEveryRecords
        try directory.decodedRecords(from: start, through: options.toSequence) { records in
            for record in records {
                guard filter.matches(record), record.sequence >= options.fromSequence else { continue }
                line.removeAll(keepingCapacity: true)
                RecordJSON.record(directory.opening(record)).write(into: &line)
                line.append(UInt8(ascii: "\n"))
                try write(line)
                written += 1
            }
            if let progress, let last = records.last, last.sequence >= nextProgress {
                progress(last.sequence)
                nextProgress = last.sequence + ReplayLimits.progressEveryRecords
            }
            return true
        }
        return written
    }
}
