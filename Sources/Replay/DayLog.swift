import Documents
import Engine
import Events
import Projections

/// The records of one office day (Europe/Rome), read from the log: what `DAYLIST … BOOKED` and
/// `replay daylist` build the list of appointments fixed that day from.
public enum DayLog {
    public struct Reading: Sendable {
        /// The day's records that touch the office's appointments (others are skipped as read).
        public var records: [Record]
        /// The last record decided on or before the day (while the day runs: the newest record).
        public var head: DayList.Head
    }

    /// Finds the day's first record by bisection on the decision time — decision times only go
    /// forward while a node runs, the assumption `replay as-of` makes too — then reads on to the
    /// first record of the next day. One read transaction: the records and the head agree.
    public static func read(_ txn: ReadTransaction, office: OfficeID, day: Day) throws -> Reading {
        let start = Instant(romeDay: day, time: .midnight)
        let end = Instant(romeDay: day.adding(days: 1), time: .midnight)
        guard let last = try txn.last("log") else {
            return Reading(records: [], head: DayList.Head(sequence: 0, hash: .genesis))
        }
        let lastSequence = try last.key.withUnsafeBytes { try LogKey.sequence($0) }
        // The first sequence whose record was decided at or after `start` (lastSequence + 1 if none).
        var low: UInt64 = 1
        var high = lastSequence + 1
        while low < high {
            let middle = low + (high - low) / 2
            guard let record = try txn.record(middle) else {
                throw ReplayError.brokenLog(sequence: middle, "the record is missing; the log has a gap")
            }
            if record.decidedAt < start { low = middle + 1 } else { high = middle }
        }
        var head = DayList.Head(sequence: 0, hash: .genesis)
        if low > 1, let before = try txn.record(low - 1) { head = DayList.Head(sequence: before.sequence, hash: before.hash) }
        var records: [Record] = []
        guard low <= lastSequence else { return Reading(records: records, head: head) }
        try txn.records(from: low) { record in
            guard record.decidedAt < end else { return false }
            head = DayList.Head(sequence: record.sequence, hash: record.hash)
            if touches(record, office) { records.append(record) }
            return true
        }
        return Reading(records: records, head: head)
    }

    /// Whether the list builder needs this record: any appointment event of the office.
    /// (Cancellations and attendance carry the office; moves too.)
    static func touches(_ record: Record, _ office: OfficeID) -> Bool {
        record.outcome.events.contains { event in
            switch event {
            case .appointmentBooked(let booked): booked.office == office
            case .appointmentMoved(let moved): moved.office == office
            case .appointmentCancelled(_, let at, _, _, _, _, _): at == office
            case .appointmentAttended(let closed), .appointmentMissed(let closed): closed.office == office
            case .permitDelivered(_, let completed): completed != nil
            default: false
            }
        }
    }
}

extension DayLog {
    /// `replay daylist`: the list from a data directory, its records read in one read
    /// transaction; `now` decides whether the day is over. With the node's key, its head is
    /// signed (unless the log recorded that key only after it: then it stays unsigned).
    public static func list(_ directory: DataDirectory, office: OfficeID, day: Day, kind: DayList.Kind,
                            now: Instant, key: NodeKey? = nil) throws -> DayList {
        // The working set, reading the rest on demand: not the whole history's views.
        let views = try directory.environment.workingSetViews(keys: directory.keys)
        let result = try directory.environment.read { txn -> Result<DayList, DayList.Problem> in
            switch kind {
            case .agenda:
                return DayList.agenda(office: office, day: day, views: views)
            case .booked:
                let reading = try read(txn, office: office, day: day)
                let dayOver = now >= Instant(romeDay: day.adding(days: 1), time: .midnight)
                return DayList.booked(office: office, day: day, records: reading.records, views: views,
                                      head: reading.head, dayOver: dayOver)
            }
        }
        switch result {
        case .success(var list):
            if let key,
               let signed = try directory.environment.read({ try $0.signedHeadIfRecorded(size: list.head.sequence, key: key) }) {
                list.signedHead = signed
                list.signingKey = key.publicKey
            }
            return list
        case .failure(let problem): throw ReplayError.notFound(problem.message)
        }
    }
}
