import Engine
import Events
import Foundation
import Projections
import Replay
import Testing

@Suite("replay as-of: the views as they stood at a past instant")
struct AsOfTests {
    @Test("as-of the instant before a command shows the view without it, and the instant after with it")
    func beforeAndAfterACommand() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        let marked = try workload.store.read { try $0.record(workload.markedSequence) }
        workload.close()
        guard let marked else { throw WorkloadFailed(what: "the marked record") }
        let data = try DataDirectory(workload.directory)
        defer { data.close() }
        let before = try AsOf.views(data, at: Instant(millisecondsSinceEpoch: marked.decidedAt.millisecondsSinceEpoch - 1))
        let after = try AsOf.views(data, at: marked.decidedAt)
        #expect(before.headSequence == workload.markedSequence - 1)
        #expect(after.headSequence == workload.markedSequence)

        let agendaBefore = try AsOf.agenda(before, office: "TS-Q", day: workload.markedDay)
        let agendaAfter = try AsOf.agenda(after, office: "TS-Q", day: workload.markedDay)
        #expect(!agendaBefore.contains { $0.appointment == workload.markedAppointment })
        #expect(agendaAfter.filter { $0.appointment == workload.markedAppointment }.map(\.pratica) == [pratica(11)])
        #expect(agendaAfter.count == agendaBefore.count + 1)

        let capacityBefore = try AsOf.capacity(before, office: "TS-Q", service: "fotosegnalamento",
                                               from: workload.markedDay, to: workload.markedDay)
        let capacityAfter = try AsOf.capacity(after, office: "TS-Q", service: "fotosegnalamento",
                                              from: workload.markedDay, to: workload.markedDay)
        #expect(capacityAfter[0].booked == capacityBefore[0].booked + 1)
        #expect(capacityAfter[0].capacity == capacityBefore[0].capacity)

    }

    @Test("the capacity of a day closed by close-day shows closed from the close-day on, and open before")
    func closedDayAsOf() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        workload.close()
        let records = try recordsOf(workload.directory)
        guard let closing = records.first(where: { if case .closeDay = $0.command, case .accepted = $0.outcome { true } else { false } })
        else { throw WorkloadFailed(what: "the close-day") }
        let tuesday = pilotMonday.adding(days: 1)
        let data = try DataDirectory(workload.directory)
        defer { data.close() }
        // The workload's first day shares one decision time (the test clock stood still): the
        // state just before the close-day is the prefix that stops before it.
        let prefix = try Rebuild.fold(data, through: closing.sequence - 1)
        let prefixLines = try AsOf.capacity(prefix, office: "TS-Q", service: "fotosegnalamento", from: tuesday, to: tuesday)
        let after = try AsOf.views(data, at: closing.decidedAt)
        let afterLines = try AsOf.capacity(after, office: "TS-Q", service: "fotosegnalamento", from: tuesday, to: tuesday)
        #expect(prefixLines[0].closed == false && prefixLines[0].booked == 4)
        #expect(afterLines[0].closed == true && afterLines[0].booked == 0)
    }

    @Test("--at reads Rome wall-clock time, or UTC with a Z")
    func parsingInstants() {
        let day = Day(year: 2008, month: 6, day: 1)!
        #expect(AsOf.instant(parsing: "2008-06-01T12:00") == Instant(romeDay: day, time: LocalTime(hour: 12, minute: 0)!))
        #expect(AsOf.instant(parsing: "2008-06-01T10:00Z") == Instant(romeDay: day, time: LocalTime(hour: 12, minute: 0)!))
        #expect(AsOf.instant(parsing: "2008-06-01T12:00:30")?.millisecondsSinceEpoch
                    == Instant(romeDay: day, time: LocalTime(hour: 12, minute: 0)!).millisecondsSinceEpoch + 30_000)
        #expect(AsOf.instant(parsing: "2008-06-01 12:00") == nil)
        #expect(AsOf.instant(parsing: "2008-06-01T25:00") == nil)
    }
}
