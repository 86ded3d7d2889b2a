@testable import Engine
import Events
import Projections
import Testing

@Suite("Attendance, accounts and a pratica's history")
struct AttendanceAndAccountTests {
    @Test("attendance is recorded on the appointment's day, not before; the seat stays counted and the pratica may book again")
    func attendanceOnItsDay() throws {
        var given = try Given.office(pratiche: 1)
        let booked = try given.book(Fixture.pratica(1))
        #expect(given.decide(.attend(booked.appointment)).rejection
            == .notYetDue(booked.appointment, day: booked.day, today: .april21))
        given.setClock(booked.day, .ten)
        try given.accept(.attend(booked.appointment))
        #expect(given.views.appointments[booked.appointment]?.state == .attended)
        #expect(given.day(booked.day)?.booked == 1)
        #expect(given.views.pratiche[Fixture.pratica(1)]?.live[Fixture.fotosegnalamento] == nil)
        #expect(given.decide(.noShow(booked.appointment)).rejection
            == .appointmentNotLive(booked.appointment, state: "attended"))
        #expect(given.decide(Fixture.book(Fixture.pratica(1))).booking != nil)
    }

    @Test("a no-show ends the appointment as missed; an unknown or cancelled one is refused")
    func noShow() throws {
        var given = try Given.office(pratiche: 2)
        let first = try given.book(Fixture.pratica(1))
        let second = try given.book(Fixture.pratica(2))
        try given.accept(.cancel(second.appointment, reason: ""))
        given.setClock(first.day, .eleven)
        try given.accept(.noShow(first.appointment))
        #expect(given.views.appointments[first.appointment]?.state == .missed)
        #expect(given.decide(.noShow("A-NONE")).rejection == .unknownAppointment("A-NONE"))
        #expect(given.decide(.attend(second.appointment)).rejection
            == .appointmentNotLive(second.appointment, state: "cancelled"))
    }

    @Test("BOOK ... EXISTING accepts a pratica's live appointment without changing anything; plain BOOK refuses it")
    func bookOrExisting() throws {
        var given = try Given.office(pratiche: 1)
        let booked = try given.book(Fixture.pratica(1))
        var request = BookRequest(office: Fixture.office, service: Fixture.fotosegnalamento, pratica: Fixture.pratica(1))
        #expect(given.decide(.book(request)).rejection?.rule == "live-appointment-exists")
        request.orExisting = true
        #expect(try given.accept(.book(request)).isEmpty)
        #expect(given.day(booked.day)?.booked == 1)
    }

    @Test("an account name is given once, staff name a known office, and disabling keeps the name taken")
    func accounts() throws {
        var given = try Given.office()
        let sui = AccountSpec(name: "sui.trieste", role: .sui, office: Fixture.office, body: "TS-Q")
        try given.accept(.createAccount(sui))
        #expect(given.views.accounts["sui.trieste"]?.enabled == true)
        #expect(given.decide(.createAccount(sui)).rejection == .accountExists("sui.trieste"))
        #expect(given.decide(.createAccount(AccountSpec(name: "q", role: .questura, office: nil, body: "")))
            .rejection?.rule == "invalid-configuration")
        #expect(given.decide(.createAccount(AccountSpec(name: "q", role: .questura, office: "XX-Q", body: "XX-Q")))
            .rejection == .unknownOffice("XX-Q"))
        #expect(given.decide(.createAccount(AccountSpec(name: "caf", role: .body, office: nil, body: "TS-Q")))
            .rejection?.rule == "invalid-configuration")
        try given.accept(.disableAccount(name: "sui.trieste", reason: "moved"))
        #expect(given.views.accounts["sui.trieste"]?.enabled == false)
        #expect(given.decide(.createAccount(sui)).rejection == .accountExists("sui.trieste"))
        #expect(given.decide(.disableAccount(name: "nobody", reason: "")).rejection == .unknownAccount("nobody"))
    }

    @Test("an account name with spaces or symbols is refused before it is logged")
    func accountNameShape() {
        let actor = Fixture.operatorActor
        #expect(CommandCheck.problem(.createAccount(AccountSpec(name: "a b", role: .audit, office: nil, body: "")),
                                     actor: actor, requestID: "") != nil)
        #expect(CommandCheck.problem(.createAccount(AccountSpec(name: "audit.1_x-y", role: .audit, office: nil, body: "")),
                                     actor: actor, requestID: "") == nil)
    }

    @Test("a pratica's history lists every record that touched it, refused ones and day closures included")
    func history() throws {
        var given = try Given.office(pratiche: 2)
        let registered: UInt64 = 2
        let booked = try given.book(Fixture.pratica(1))
        let bookedSequence = given.views.headSequence
        given.record(Fixture.book(Fixture.pratica(1)))  // refused: a live appointment exists
        let refusedSequence = given.views.headSequence
        try given.book(Fixture.pratica(2))
        try given.accept(.closeDay(office: Fixture.office, day: booked.day, service: nil, reason: "sciopero"))
        let closedSequence = given.views.headSequence
        #expect(given.views.history[Fixture.pratica(1)] == [registered, bookedSequence, refusedSequence, closedSequence])
        #expect(given.views.history[Fixture.pratica(2)]?.first == 3)
        #expect(given.views.history[Fixture.pratica(2)]?.last == closedSequence)
    }
}
