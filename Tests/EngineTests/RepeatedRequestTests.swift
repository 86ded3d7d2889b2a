// A repeated request id returns the first reply: its record and what the reply shows, as they
// stood right after that record, never today's views. And a slot that has begun (Europe/Rome)
// is not bookable, by BOOK, FIRSTFREE or DEFER.

@testable import Engine
import Events
import Foundation
import Projections
import Testing

@Suite("Repeated request ids answer as the first time; begun slots are not bookable")
struct RepeatedRequestTests {
    func store(_ directory: String, clock: @escaping @Sendable () -> Instant = { pilotMorning }) throws -> Store {
        let store = try Store(directory: directory, clock: clock)
        _ = try store.executeAll([.configureOffice(testOffice())] + (0..<4).map { .registerPratica(applicant($0)) },
                                 actor: .system)
        return store
    }

    @Test("DEFER repeated after a CANCEL answers the deferred slot, booked, as it did the first time")
    func deferThenCancel() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = try store(directory)
        defer { store.close() }
        let booked = try store.execute(book(0), actor: sui, requestID: "x1")
        guard case .appointmentBooked(let event)? = booked.record.outcome.events.first else {
            throw GivenUnexpected(what: "\(booked.record.outcome)")
        }
        let id = event.appointment
        let moved = try store.execute(.deferAppointment(id, to: .nextFree, reason: ""), actor: sui, requestID: "x2")
        let first = try #require(moved.subjects.appointments.first)
        #expect(first.state == .booked && first.time == LocalTime(hour: 9, minute: 30)!)
        _ = try store.execute(.cancel(id, reason: ""), actor: sui, requestID: "x4")
        let again = try store.execute(.deferAppointment(id, to: .nextFree, reason: ""), actor: sui, requestID: "x2")
        #expect(again.repeated && again.record.sequence == moved.record.sequence)
        #expect(again.subjects.appointments == moved.subjects.appointments, "\(again.subjects.appointments)")
        // And after a restart, from the log alone.
        store.close()
        let reopened = try Store(directory: directory, clock: { pilotMorning })
        defer { reopened.close() }
        let fromDisk = try reopened.execute(.deferAppointment(id, to: .nextFree, reason: ""), actor: sui, requestID: "x2")
        #expect(fromDisk.repeated && fromDisk.subjects.appointments.first?.state == .booked)
        #expect(fromDisk.subjects.appointments.first?.time == first.time && fromDisk.subjects.appointments.first?.day == first.day)
    }

    @Test("BOOK EXISTING repeated after the appointment moved, then was cancelled, answers it as it stood then")
    func existingThenMovedThenCancelled() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = try store(directory)
        defer { store.close() }
        let booked = try store.execute(book(1), actor: sui)
        let existing = BookRequest(office: "TS-Q", service: "fotosegnalamento", pratica: pratica(1), orExisting: true)
        let kept = try store.execute(.book(existing), actor: sui, requestID: "e1")
        let then = try #require(kept.subjects.appointments.first)
        #expect(kept.record.outcome == .accepted([]) && then.time == LocalTime(hour: 9, minute: 0)!)
        guard case .appointmentBooked(let event)? = booked.record.outcome.events.first else { return }
        _ = try store.execute(.deferAppointment(event.appointment, to: .nextFree, reason: ""), actor: sui)
        #expect(try store.execute(.book(existing), actor: sui, requestID: "e1").subjects.appointments == [then])
        _ = try store.execute(.cancel(event.appointment, reason: ""), actor: sui)
        let afterCancel = try store.execute(.book(existing), actor: sui, requestID: "e1")
        #expect(afterCancel.repeated && afterCancel.subjects.appointments == [then])
    }

    @Test("at 09:10 the 09:00 slot of today has begun: BOOK and FIRSTFREE take 09:30, DEFER does not go back")
    func begunSlots() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let clock = SettableClock(Instant(romeDay: pilotMonday, time: LocalTime(hour: 9, minute: 10)!))
        let store = try store(directory, clock: { clock.now })
        defer { store.close() }
        let nineThirty = LocalTime(hour: 9, minute: 30)!
        let slots = try awaitQuery(store) { views in
            Queries.firstFree(views, office: "TS-Q", service: "fotosegnalamento", notBefore: nil, count: 1,
                              now: clock.now)
        }
        let offered = try #require(try slots.get().first)
        #expect(offered.day == pilotMonday && offered.time == nineThirty)
        let asked = try store.execute(.book(BookRequest(office: "TS-Q", service: "fotosegnalamento", pratica: pratica(0),
                                                        on: pilotMonday, at: LocalTime(hour: 9, minute: 0)!)), actor: sui)
        guard case .appointmentBooked(let booked)? = asked.record.outcome.events.first else {
            throw GivenUnexpected(what: "\(asked.record.outcome)")
        }
        #expect(booked.day == pilotMonday && booked.time == nineThirty && booked.deferred)
        // At 09:30 itself that slot has begun too: the next booking goes to tomorrow.
        clock.now = Instant(romeDay: pilotMonday, time: nineThirty)
        let later = try store.execute(book(1), actor: sui)
        guard case .appointmentBooked(let next)? = later.record.outcome.events.first else { return }
        #expect(next.day == pilotMonday.adding(days: 1) && next.time == LocalTime(hour: 9, minute: 0)!)
        // Today's 09:30 appointment deferred to a chosen time of today that has begun moves on.
        let moved = try store.execute(.deferAppointment(booked.appointment, to: .day(pilotMonday, at: LocalTime(hour: 9, minute: 0)!),
                                                        reason: ""), actor: sui)
        #expect(moved.subjects.appointments.first.map { $0.day > pilotMonday } == true, "\(moved.record.outcome)")
    }

    func awaitQuery<T: Sendable>(_ store: Store, _ body: @escaping @Sendable (Views) -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let box = QueryBox<T>()
        store.query(body) { result in
            box.result = result
            done.signal()
        }
        done.wait()
        guard let result = box.result else { throw GivenUnexpected(what: "no answer") }
        return try result.get()
    }
}

final class QueryBox<T>: @unchecked Sendable {
    var result: Result<T, StoreError>?
}

final class SettableClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Instant
    init(_ start: Instant) { current = start }
    var now: Instant {
        get { lock.lock(); defer { lock.unlock() }; return current }
        set { lock.lock(); current = newValue; lock.unlock() }
    }
}
