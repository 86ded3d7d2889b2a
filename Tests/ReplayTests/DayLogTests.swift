import Documents
import Engine
import Events
import Foundation
import Projections
import Replay
import Testing

@Suite("replay daylist: the records of one Rome day and the head at its end")
struct DayLogTests {
    static let monday = pilotMonday
    static let tuesday = pilotMonday.adding(days: 1)
    static let wednesday = pilotMonday.adding(days: 2)

    /// Bookings by the SUI on Monday (10:00, 23:59), Tuesday (00:00, 09:00, and one moved at
    /// 11:00) and Wednesday (08:00), plus one by the Questura itself on Tuesday.
    static func write(_ directory: String) throws -> (store: Store, clock: TestClock, lastOf: [Day: UInt64]) {
        let clock = TestClock(monday, 8)
        let store = try Store(directory: directory, clock: { clock.now })
        var sportello = testOffice("TS-S")
        sportello.kind = .sui
        sportello.name = "Sportello Unico per l'Immigrazione di Trieste"
        _ = try store.executeAll([.configureOffice(testOffice(capacity: 10)), .configureOffice(sportello),
                                  .createAccount(AccountSpec(name: "sui.roma", role: .sui, office: "TS-S", body: "RM-S")),
                                  .createAccount(AccountSpec(name: "mrossi", role: .questura, office: "TS-Q", body: "TS-Q"))]
                                 + (0..<8).map { .registerPratica(applicant($0)) }, actor: .system)
        var lastOf: [Day: UInt64] = [:]
        func at(_ day: Day, _ hour: Int, _ minute: Int, _ command: Command, _ actor: Actor) throws -> Decision {
            clock.set(day, hour, minute)
            let decision = try store.execute(command, actor: actor)
            if case .rejected(let rejection) = decision.record.outcome { throw WorkloadFailed(what: "\(rejection)") }
            lastOf[day] = decision.record.sequence
            return decision
        }
        _ = try at(monday, 10, 0, book(0, on: wednesday.adding(days: 1)), sui)
        _ = try at(monday, 23, 59, book(1, on: wednesday.adding(days: 1)), sui)
        _ = try at(tuesday, 0, 0, book(2, on: wednesday.adding(days: 1)), sui)
        let moved = try at(tuesday, 9, 0, book(3, on: wednesday.adding(days: 1)), sui)
        _ = try at(tuesday, 10, 0, book(4, on: wednesday.adding(days: 1)), questura)
        _ = try at(tuesday, 11, 0, .deferAppointment(moved.bookedAppointment!, to: .day(wednesday.adding(days: 2), at: nil),
                                                    reason: ""), sui)
        _ = try at(wednesday, 8, 0, book(5, on: wednesday.adding(days: 1)), sui)
        return (store, clock, lastOf)
    }

    @Test("each day's reading holds only that day's records, and its head is the day's last record")
    func dayRanges() throws {
        let path = temporaryDirectory()
        defer { removeDirectory(path) }
        let (store, _, lastOf) = try Self.write(path)
        defer { store.close() }
        for day in [Self.monday, Self.tuesday, Self.wednesday] {
            let reading = try store.read { try DayLog.read($0, office: "TS-Q", day: day) }
            let expected = try #require(lastOf[day])
            #expect(reading.head.sequence == expected, "\(day)")
            let record = try #require(try store.read { try $0.record(expected) })
            #expect(reading.head.hash == record.hash)
            #expect(reading.records.allSatisfy { RomeTime.day(of: $0.decidedAt) == day }, "\(day)")
        }
        let tuesday = try store.read { try DayLog.read($0, office: "TS-Q", day: Self.tuesday) }
        #expect(tuesday.records.count == 4, "three bookings and a move")
        // Before the log: the genesis head; after it: the last record.
        let before = try store.read { try DayLog.read($0, office: "TS-Q", day: Self.monday.adding(days: -3)) }
        #expect(before.head == DayList.Head(sequence: 0, hash: .genesis) && before.records.isEmpty)
        let after = try store.read { try DayLog.read($0, office: "TS-Q", day: Self.wednesday.adding(days: 5)) }
        #expect(after.head.sequence == lastOf[Self.wednesday] && after.records.isEmpty)
        // Another office's day has the same head and none of these records.
        let other = try store.read { try DayLog.read($0, office: "TS-P", day: Self.tuesday) }
        #expect(other.head == tuesday.head && other.records.isEmpty)
    }

    @Test("the booked list from a data directory: the SUI's bookings of that day, the move applied, the Questura's own left out")
    func bookedFromDirectory() throws {
        let path = temporaryDirectory()
        defer { removeDirectory(path) }
        let (store, _, lastOf) = try Self.write(path)
        store.close()
        let directory = try DataDirectory(path)
        defer { directory.close() }
        let thursday = Instant(romeDay: Self.wednesday.adding(days: 1), time: LocalTime(hour: 8, minute: 0)!)
        let list = try DayLog.list(directory, office: "TS-Q", day: Self.tuesday, kind: .booked, now: thursday)
        #expect(list.rows.map(\.pratica) == [pratica(2), pratica(3)], "\(list.rows.map(\.pratica))")
        #expect(list.rows[1].day == Self.wednesday.adding(days: 2) && list.rows[1].moved)
        #expect(list.dayOver && list.head.sequence == lastOf[Self.tuesday])
        let csv = DayListRender.csv(list)
        #expect(csv.hasSuffix("#head,\(list.head),end-of-day,,,,,,,,,,,,\r\n"), "\(csv)")
        // While Tuesday runs, the same list is provisional.
        let during = Instant(romeDay: Self.tuesday, time: LocalTime(hour: 23, minute: 0)!)
        #expect(try DayLog.list(directory, office: "TS-Q", day: Self.tuesday, kind: .booked, now: during).dayOver == false)
        #expect(throws: ReplayError.self) { try DayLog.list(directory, office: "XX-Q", day: Self.tuesday, kind: .booked, now: thursday) }
        let agenda = try DayLog.list(directory, office: "TS-Q", day: Self.wednesday.adding(days: 1), kind: .agenda, now: thursday)
        #expect(agenda.rows.count == 5, "six booked for Thursday, one moved away")
    }
}
