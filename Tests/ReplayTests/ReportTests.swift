import Engine
import Events
import Foundation
import Projections
@testable import Replay
import Testing

/// A small log whose figures are worked out by hand below. TS-Q opens every day 09:00–10:00,
/// two 30-minute slots of 2 places, for fingerprinting and for pickups: 8 places a day; the
/// 25th of April is a holiday. The period is ISO weeks 16 and 17 of 2008 (14–27 April).
///
///     Sun 13  configure; register pratiche 1…7                      (before the period)
///     Mon 14  book 1, 2 → 14 09:00; 3, 4 → 14 09:30; 5 → 15 09:00 (deferred: the 14th is full);
///             6 on the 17th → 17 09:00
///     Tue 15  cancel 6; NOSHOW 1; ATTEND 2; permit of 2 ready        (3, 4 and 5 left unmarked)
///     Wed 16  permit of 4 ready
///     Mon 21  book 7 on the 23rd; close the 23rd (7 moves to the 24th); book 2's pickup → 21 09:00;
///             10:00 pickup of 2 (its appointment completed); pickup of 4 (no appointment)
struct CraftedLog {
    let directory: String
    let sunday = Day(year: 2008, month: 4, day: 13)!
    var day: (Int) -> Day { { Day(year: 2008, month: 4, day: $0)! } }

    static func write(_ name: String = #function) throws -> CraftedLog {
        let log = CraftedLog(directory: temporaryDirectory(name))
        let clock = TestClock(log.sunday, 20)
        let store = try Store(directory: log.directory, clock: { clock.now })
        defer { store.close() }
        _ = try store.executeAll([.configureOffice(testOffice())] + (1...7).map { .registerPratica(applicant($0)) },
                                 actor: .system)
        clock.set(log.day(14), 8)
        let booked = try (1...5).map { try store.execute(book($0), actor: sui) }
        let sixth = try store.execute(book(6, on: log.day(17)), actor: sui)
        guard let one = booked[0].bookedAppointment, let two = booked[1].bookedAppointment,
              let six = sixth.bookedAppointment else { throw WorkloadFailed(what: "bookings") }
        clock.set(log.day(15), 8)
        _ = try store.execute(.cancel(six, reason: "not needed"), actor: sui)
        _ = try store.execute(.noShow(one), actor: questura)
        _ = try store.execute(.attend(two), actor: questura)
        _ = try store.execute(.permitReady(pratica(2)), actor: questura)
        clock.set(log.day(16), 8)
        _ = try store.execute(.permitReady(pratica(4)), actor: questura)
        clock.set(log.day(21), 8)
        _ = try store.execute(book(7, on: log.day(23)), actor: sui)
        _ = try store.execute(.closeDay(office: "TS-Q", day: log.day(23), service: nil, reason: "sciopero"), actor: questura)
        _ = try store.execute(book(2, "consegna-permesso"), actor: sui)
        clock.set(log.day(21), 10)
        _ = try store.execute(.pickup(pratica(2)), actor: questura)
        _ = try store.execute(.pickup(pratica(4)), actor: questura)
        return log
    }

    var options: Report.Options { Report.Options(from: day(14), to: day(27)) }
}

@Suite("replay report: figures per office and week")
struct ReportTests {
    @Test("every figure of a crafted log equals the one worked out by hand")
    func handComputed() throws {
        let log = try CraftedLog.write()
        defer { removeDirectory(log.directory) }
        let data = try DataDirectory(log.directory)
        defer { data.close() }
        let result = try Report.run(data, log.options)

        // The log's last record is on the 21st: appointments still booked count as missed through the 20th.
        #expect(result.observedThrough == log.day(20))
        #expect(result.offices == ["TS-Q"])
        #expect(result.weekly.map(\.week) == ["2008-W16", "2008-W17", "2008-W16", "2008-W17"])
        let (w16, w17) = (result.weekly[0], result.weekly[1])
        #expect(w16.office == "TS-Q" && w16.weekStart == log.day(14))

        // Bookings by the day they were decided: six on the 14th; 7's and 2's pickup on the 21st.
        #expect(w16.booked == 6 && w17.booked == 2)
        #expect(w16.deferredAtBooking == 1 && w16.movedByClosure == 0 && w16.autoDeferred == 1)
        #expect(w17.deferredAtBooking == 0 && w17.movedByClosure == 1 && w17.autoDeferred == 1)
        #expect(w16.cancelled == 1 && w17.cancelled == 0)
        // 1 marked; 3 and 4 (the 14th) and 5 (the 15th) never marked.
        #expect(w16.noShowsMarked == 1 && w16.noShowsUnmarked == 3 && w16.noShows == 4)
        #expect(w17.noShows == 0)

        // 8 places a day; week 17 loses the holiday (25th) and the closed 23rd.
        #expect(w16.capacity == 7 * 8 && w17.capacity == 5 * 8)
        // Held: 1–4 on the 14th, 5 on the 15th; 2's pickup on the 21st and 7 on the 24th.
        #expect(w16.places == 5 && w17.places == 2)
        #expect(w16.utilisation == 5.0 / 56 && w17.utilisation == 2.0 / 40)

        // Lead times, week 16: 0 0 0 0 (1–4), 1 (5), 3 (6 on the 17th): median of the 3rd and
        // 4th = 0; p90 = the 6th of 6 (nearest rank ⌈5.4⌉) = 3. Week 17: 2 (7), 0 (pickup).
        #expect(w16.leadCount == 6 && w16.leadMedian == 0 && w16.leadP90 == 3)
        #expect(w17.leadCount == 2 && w17.leadMedian == 1 && w17.leadP90 == 2)

        // Ready → pickup: 2 ready the 15th, picked up at its appointment the 21st: 6 days, TS-Q's.
        // 4 ready the 16th, picked up the 21st without an appointment: 5 days, no office's (ALL only).
        #expect(w16.pickupCount == 0 && w17.pickupCount == 1 && w17.pickupMedian == 6 && w17.pickupP90 == 6)
        let all17 = result.weekly[3]
        #expect(all17.office == "ALL" && all17.pickupCount == 2 && all17.pickupMedian == 5.5 && all17.pickupP90 == 6)
        #expect(all17.booked == 2 && all17.capacity == 40)

        // The whole period: leads 0 0 0 0 0 1 2 3 → median 0, p90 the 8th = 3.
        let total = try #require(result.totals.first)
        #expect(total.office == "TS-Q" && total.booked == 8 && total.leadMedian == 0 && total.leadP90 == 3)
        #expect(total.capacity == 96 && total.places == 7 && total.noShows == 4 && total.cancelled == 1)
        let all = try #require(result.totals.last)
        #expect(all.office == "ALL" && all.pickupCount == 2 && all.pickupMedian == 5.5)

        // Day by day: the 23rd closed (and kept nothing), the 25th a holiday, the 24th holds 7.
        let fingerprinting = result.daily.filter { $0.service == "fotosegnalamento" }
        #expect(fingerprinting.count == 14)
        #expect(fingerprinting.first { $0.day == log.day(14) }.map { ($0.capacity, $0.places) } ?? (0, 0) == (4, 4))
        #expect(fingerprinting.first { $0.day == log.day(23) }?.closed == true)
        #expect(fingerprinting.first { $0.day == log.day(23) }?.capacity == 0)
        #expect(fingerprinting.first { $0.day == log.day(25) }?.closed == true)
        #expect(fingerprinting.first { $0.day == log.day(24) }?.places == 1)
    }

    @Test("a report ending before the log does counts unmarked appointments through its last day")
    func observedThroughTheEnd() throws {
        let log = try CraftedLog.write()
        defer { removeDirectory(log.directory) }
        let data = try DataDirectory(log.directory)
        defer { data.close() }
        // The log goes on past the 14th: the 14th has ended; 1–4's records of the 15th are not read.
        let result = try Report.run(data, Report.Options(from: log.day(14), to: log.day(14)))
        #expect(result.observedThrough == log.day(14))
        let week = result.weekly[0]
        #expect(week.booked == 6 && week.noShowsMarked == 0 && week.noShowsUnmarked == 4 && week.cancelled == 0)
        #expect(week.capacity == 8 && week.places == 4)
        #expect(result.records == 14)
    }

    @Test("the fast byte reader, the full decoder and any chunking give the same report")
    func fastEqualsFull() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        workload.close()
        let data = try DataDirectory(workload.directory)
        defer { data.close() }
        let options = Report.Options(from: pilotMonday, to: pilotMonday.adding(days: 13))
        let fast = try Report.run(data, options)
        var full = options
        full.fullDecode = true
        var chunked = options
        chunked.chunkRecords = 5
        var single = chunked
        single.workers = 1
        for other in [try Report.run(data, full), try Report.run(data, chunked), try Report.run(data, single)] {
            #expect(other.weekly == fast.weekly)
            #expect(other.totals == fast.totals)
            #expect(other.daily == fast.daily)
        }
        #expect(fast.totals.last?.booked ?? 0 > 0)
        #expect(fast.totals.last?.movedByClosure ?? 0 > 0)
    }

    @Test("--office keeps those offices' rows, and ALL sums only them")
    func officeSelection() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        workload.close()
        let data = try DataDirectory(workload.directory)
        defer { data.close() }
        var options = Report.Options(from: pilotMonday, to: pilotMonday.adding(days: 13))
        let every = try Report.run(data, options)
        #expect(every.offices == ["TS-P", "TS-Q"] && every.officesInLog == ["TS-P", "TS-Q"])
        options.offices = ["TS-P"]
        let one = try Report.run(data, options)
        #expect(one.offices == ["TS-P"] && one.officesInLog == ["TS-P", "TS-Q"])
        let (tsp, all) = (one.totals[0], one.totals[1])
        #expect(tsp.office == "TS-P" && all.office == "ALL")
        #expect(all.booked == 0 && all.pickupCount == 0 && all.capacity == tsp.capacity && tsp.capacity > 0)
        #expect(one.daily.allSatisfy { $0.office == "TS-P" })
        #expect(every.totals.last?.capacity == every.totals[0].capacity + every.totals[1].capacity)
    }

    @Test("the files: CSV tables, JSON and a self-contained HTML page")
    func files() throws {
        let log = try CraftedLog.write()
        defer { removeDirectory(log.directory) }
        let data = try DataDirectory(log.directory)
        defer { data.close() }
        let result = try Report.run(data, log.options)
        let out = temporaryDirectory()
        defer { removeDirectory(out) }
        let paths = try result.write(to: out)
        #expect(paths.count == 5)
        let weekly = try String(contentsOfFile: out + "/weekly.csv", encoding: .utf8).split(separator: "\n")
        #expect(weekly.count == 5)
        #expect(weekly[0].hasPrefix("office,week,week_start,booked,deferred_at_booking,moved_by_closure,auto_deferred"))
        #expect(weekly[1].hasPrefix("TS-Q,2008-W16,2008-04-14,6,1,0,1,0,1,1,3,4,56,5,0.0893,6,0,3,0,,"))
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("2008-W17"))
        // Nothing to fetch: no script, no link, no image, no external style.
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href=") && !html.contains("url("))
        let json = try String(contentsOfFile: out + "/report.json", encoding: .utf8)
        #expect(json.contains("\"observed_through\":\"2008-04-20\""))
    }
}

@Suite("replay whatif: the recorded demand decided again under a changed calendar")
struct WhatIfTests {
    @Test("with no change every recorded outcome is reproduced, the scratch log is the recorded one, and the figures are equal")
    func noChange() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        workload.close()
        let data = try DataDirectory(workload.directory)
        defer { data.close() }
        let count = try data.recordCount()
        let keep = temporaryDirectory()
        defer { removeDirectory(keep) }
        let options = Report.Options(from: pilotMonday, to: pilotMonday.adding(days: 13))
        let result = try WhatIf.run(data, options, changes: [], keep: keep)
        #expect(result.redecided == Int(count))
        #expect(result.sameOutcome == result.redecided)
        #expect(result.dropped == 0 && result.differences.isEmpty)
        #expect(result.whatIf.weekly == result.recorded.weekly)
        #expect(result.whatIf.totals == result.recorded.totals)
        #expect(result.whatIf.daily == result.recorded.daily)
        // Byte for byte: the same head hash, and the scratch directory passes the audit.
        let scratch = try DataDirectory(keep)
        defer { scratch.close() }
        #expect(try scratch.head() == data.head())
        #expect(try Audit.run(scratch).ok)
    }

    @Test("a change that changes nothing shifts every id by one record, and the mapping still reproduces every outcome")
    func noOpChangeMapsIDs() throws {
        let workload = try Workload.write()
        defer { removeDirectory(workload.directory) }
        workload.close()
        let data = try DataDirectory(workload.directory)
        defer { data.close() }
        // From Wednesday: Monday's records are the state; Wednesday's bookings get new ids, and
        // the defer of one of them must find it.
        let wednesday = pilotMonday.adding(days: 2)
        let keep = temporaryDirectory()
        defer { removeDirectory(keep) }
        let result = try WhatIf.run(data, Report.Options(from: wednesday, to: wednesday.adding(days: 6)),
                                    changes: [try WhatIf.Change(parsing: "TS-Q * capacity=+0")], keep: keep)
        // Wednesday's three records, then the 21 of the issue-5 part (quotas, an applicant, migration).
        #expect(result.redecided == 24)
        #expect(result.sameOutcome == result.redecided && result.dropped == 0, "\(result.differences.prefix(3))")
        #expect(result.whatIf.weekly == result.recorded.weekly)
        #expect(result.whatIf.daily == result.recorded.daily)
        let scratch = try DataDirectory(keep)
        defer { scratch.close() }
        #expect(try scratch.recordCount() == data.recordCount() + 1)
        #expect(try Audit.run(scratch).ok)
    }

    @Test("more places per slot: no booking deferred, more capacity, lower utilisation; fewer: more deferred")
    func capacityChange() throws {
        let log = try CraftedLog.write()
        defer { removeDirectory(log.directory) }
        let data = try DataDirectory(log.directory)
        defer { data.close() }
        let more = try WhatIf.run(data, log.options,
                                  changes: [try WhatIf.Change(parsing: "TS-Q fotosegnalamento capacity=+1")])
        let recorded = try #require(more.recorded.totals.first)
        let bigger = try #require(more.whatIf.totals.first)
        #expect(recorded.deferredAtBooking == 1 && bigger.deferredAtBooking == 0)
        #expect(bigger.capacity == recorded.capacity + 14 * 2 - 2 * 2)  // 2 more a day, but not the 23rd and 25th
        #expect(bigger.places == recorded.places)
        #expect((bigger.utilisation ?? 1) < (recorded.utilisation ?? 0))
        // Only 3's booking (09:00 now has room) and 5's (the 14th now has room) land elsewhere.
        #expect(more.redecided == more.sameOutcome + 2, "\(more.differences)")
        #expect(more.differences.map(\.command) == ["book", "book"])
        #expect(more.dropped == 0)

        let out = temporaryDirectory()
        defer { removeDirectory(out) }
        let paths = try more.write(to: out, changes: ["TS-Q fotosegnalamento capacity=+1"])
        #expect(paths.count == 13)
        let compare = try String(contentsOfFile: out + "/compare.csv", encoding: .utf8).split(separator: "\n")
        #expect(compare.first == "office,week,metric,recorded,whatif,change")
        #expect(compare.contains("TS-Q,,deferred_at_booking,1,0,-1"))
        #expect(compare.contains("TS-Q,2008-W16,booked,6,6,0"))
        let page = try String(contentsOfFile: out + "/whatif.html", encoding: .utf8)
        #expect(page.contains("<td>TS-Q</td><td>of which at booking</td><td>1</td><td>0</td><td class=\"down\">-1</td>"))

        let fewer = try WhatIf.run(data, log.options,
                                   changes: [try WhatIf.Change(parsing: "TS-Q fotosegnalamento capacity=1")])
        let smaller = try #require(fewer.whatIf.totals.first)
        #expect(smaller.deferredAtBooking > recorded.deferredAtBooking)
        #expect((smaller.leadMedian ?? 0) > (recorded.leadMedian ?? 0))
        #expect(smaller.capacity < recorded.capacity)
    }

    @Test("a cut below what is already booked first moves the excess forward, the last booked first, by defers the engine decides")
    func capacityCutMakesRoom() throws {
        // Booked on Sunday the 13th, before the period: 1, 2 → 16 09:00; 3, 4 → 16 09:30; 5 → 17 09:00.
        // In the period, on Tuesday the 15th: 6 books the first free place (the 15th, 09:00). On
        // the 16th at 18:00 the staff mark 1, 2 and 4 attended and 3 a no-show; 5 and 6 are never
        // marked. One record on the 21st, after the period, makes the report observe through the 20th.
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let day = { Day(year: 2008, month: 4, day: $0)! }
        let clock = TestClock(day(13), 20)
        let store = try Store(directory: directory, clock: { clock.now })
        _ = try store.executeAll([.configureOffice(testOffice())] + (1...6).map { .registerPratica(applicant($0)) },
                                 actor: .system)
        let sixteenth = try (1...4).map { try store.execute(book($0, on: day(16)), actor: sui).bookedAppointment }
        _ = try store.execute(book(5, on: day(17)), actor: sui)
        clock.set(day(15), 8)
        _ = try store.execute(book(6), actor: sui)
        clock.set(day(16), 18)
        for (index, appointment) in sixteenth.enumerated() {
            let id = try #require(appointment)
            _ = try store.execute(index == 2 ? .noShow(id) : .attend(id), actor: questura)
        }
        clock.set(day(21), 9)
        _ = try store.execute(.registerPratica(applicant(7)), actor: .system)
        store.close()

        let data = try DataDirectory(directory)
        defer { data.close() }
        let keep = temporaryDirectory()
        defer { removeDirectory(keep) }
        let options = Report.Options(from: day(14), to: day(20))
        let result = try WhatIf.run(data, options, changes: [try WhatIf.Change(parsing: "TS-Q fotosegnalamento capacity=1")],
                                    keep: keep)
        // 2 (booked after 1) leaves 16 09:00 for 17 09:30, the first place with room under 1 a slot;
        // then 4 leaves 16 09:30 for 18 09:00 (17 09:30 now holds 2).
        #expect(result.displaced == 2)
        // 2's and 4's attendance is decided on the day they now hold (17th, 18th), as it happened:
        // the other four records come out as recorded.
        #expect(result.redecided == 5 && result.sameOutcome == 3 && result.held == 0, "\(result.differences)")
        #expect(result.differences.map(\.command) == ["attend", "attend"])
        let scratch = try DataDirectory(keep)
        defer { scratch.close() }
        #expect(try Audit.run(scratch).ok)
        let views = try Rebuild.fold(scratch)
        let seats = Dictionary(uniqueKeysWithValues: views.appointments.memory.values.map {
            ($0.pratica, "\($0.day) \($0.time) \($0.state)")
        })
        #expect(seats == [pratica(1): "2008-04-16 09:00 attended", pratica(3): "2008-04-16 09:30 missed",
                          pratica(2): "2008-04-17 09:30 attended", pratica(4): "2008-04-18 09:00 attended",
                          pratica(5): "2008-04-17 09:00 booked", pratica(6): "2008-04-15 09:00 booked"])
        for load in views.loads.values {
            for day in load.days.compactMap({ $0 }) { #expect(day.slots.allSatisfy { $0.booked <= $0.capacity }) }
        }
        // The moves count as deferred by an operator (whatif@agenda), in the period's first week.
        let recorded = try #require(result.recorded.totals.first)
        let changed = try #require(result.whatIf.totals.first)
        #expect(changed.deferredByOperator == recorded.deferredByOperator + 2)
        // The same applicants came: one no-show marked (3), two never marked (5, 6), in both.
        #expect(recorded.noShowsMarked == 1 && recorded.noShowsUnmarked == 2)
        #expect(changed.noShowsMarked == 1 && changed.noShowsUnmarked == 2)

        // A day now closed empties the same way; a new slot length over booked days is refused, saying why.
        let closed = try WhatIf.run(data, options, changes: [try WhatIf.Change(parsing: "TS-Q * closed=2008-04-16")])
        #expect(closed.displaced == 4 && closed.held == 0)
        #expect(closed.whatIf.totals.first?.noShows == recorded.noShows)
        #expect {
            try WhatIf.run(data, options, changes: [try WhatIf.Change(parsing: "TS-Q fotosegnalamento slot=20")])
        } throws: { error in
            "\(error)".contains("slot length") && "\(error)".contains("2008-04-16")
        }
    }

    @Test("changes are parsed, and a bad one is refused with a reason")
    func parsing() throws {
        let change = try WhatIf.Change(parsing: "RM-Q fotosegnalamento capacity=+20 slot=15 closed=2008-05-02")
        #expect(change.office == "RM-Q" && change.service == "fotosegnalamento")
        #expect(change.edits == [.capacityBy(20), .slotMinutes(15), .closed(Day(year: 2008, month: 5, day: 2)!)])
        #expect(try WhatIf.Change(parsing: "RM-Q * capacity=-3").edits == [.capacityBy(-3)])
        #expect(try WhatIf.Change(parsing: "RM-Q * capacity=30").service == nil)
        for bad in ["RM-Q capacity=+1", "RM-Q x capacity", "RM-Q x speed=2", "RM-Q x slot=0", "RM-Q x closed=2008-13-01"] {
            #expect(throws: ReplayError.self) { try WhatIf.Change(parsing: bad) }
        }
        #expect(throws: ReplayError.self) { try WhatIf.Change(parsing: "TS-Q nope capacity=1").applied(to: testOffice()) }
        #expect(throws: ReplayError.self) { try WhatIf.Change(parsing: "TS-Q * capacity=-2").applied(to: testOffice()) }
    }
}

@Suite("the report's reading: appointment ids as numbers, and its hash index")
struct ReportReadingTests {
    @Test("an id SequenceIDs makes reads back as its sequence and suffix; any other shape is refused")
    func sequenceKeys() {
        for sequence: UInt64 in [1, 31, 32, 1_000, 33_554_431, 33_554_432, 10_042_520, 1 << 40] {
            var ids = SequenceIDs(sequence: sequence)
            for suffix: UInt64 in 0..<3 {
                let id = ids.nextAppointmentID().rawValue
                let key = Array(id.utf8).withUnsafeBytes { ReportScan.sequenceKey($0) }
                #expect(key == sequence << 8 | suffix, "\(id)")
            }
        }
        for other in ["A-0001", "A-000001", "B-00001", "A-00001-0", "A-00001-", "A-00001-01", "A-0000I", "A-00001-256"] {
            #expect(Array(other.utf8).withUnsafeBytes { ReportScan.sequenceKey($0) } == nil, "\(other)")
        }
    }

    @Test("the hash index finds what it holds through growth and keeps the first value of a key")
    func hashIndex() {
        var index = HashIndex(capacity: 4)
        for key: UInt64 in 0..<5_000 { index.insert(key &* 0x9E37_79B9_7F4A_7C15, Int32(key)) }
        index.insert(7 &* 0x9E37_79B9_7F4A_7C15, -5)
        #expect(index.find(7 &* 0x9E37_79B9_7F4A_7C15) == 7)
        #expect(index.find(0) == 0)
        #expect((0..<5_000).allSatisfy { index.find(UInt64($0) &* 0x9E37_79B9_7F4A_7C15) == Int32($0) })
        #expect(index.find(12_345) == nil)
    }

    @Test("the appointment table keeps sequence ids in its array and others aside")
    func appointmentTable() {
        var table = AppointmentTable(expectedSequences: 100)
        table[5 << 8] = 42
        table[5 << 8 | 1] = 43
        table[ReportScan.arenaKeyBit | 3] = 44
        table[1 << 40] = 45
        #expect(table[5 << 8] == 42 && table[5 << 8 | 1] == 43 && table[ReportScan.arenaKeyBit | 3] == 44)
        #expect(table[1 << 40] == 45 && table[6 << 8] == nil && table[99_999 << 8] == nil)
        table[5 << 8] = nil
        #expect(table[5 << 8] == nil)
    }
}
