import Engine
import Events
import Foundation
import Projections
import Testing

@Suite("Crash safety")
struct CrashTests {
    /// The probe executable, built beside this test bundle.
    static var probePath: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("agenda-crash-probe").path
    }

    struct Acknowledged {
        let sequence: UInt64
        let appointment: AppointmentID
        let day: Day
        let time: LocalTime
    }

    /// Starts the probe, reads its acknowledgements until `count` have arrived, then kills it with SIGKILL.
    func acknowledgementsBeforeKill(_ directory: String, count: Int) throws -> [Acknowledged] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.probePath)
        process.arguments = [directory]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var buffer = Data()
        var acknowledged: [Acknowledged] = []
        let deadline = Date().addingTimeInterval(120)
        reading: while Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }  // the probe exited on its own
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                let words = line.split(separator: " ")
                if words.first == "ACK", words.count == 5, let sequence = UInt64(words[1]), let day = Day(words[3]),
                   let time = LocalTime(words[4]) {
                    acknowledged.append(Acknowledged(sequence: sequence, appointment: AppointmentID(String(words[2])),
                                                     day: day, time: time))
                    if acknowledged.count >= count { break reading }
                }
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the probe was killed, not finished")
        return acknowledged
    }

    @Test("a writer killed with SIGKILL mid-load loses no acknowledged booking, books none twice, overbooks no slot")
    func killedWriterLosesNothingAcknowledged() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let acknowledged = try acknowledgementsBeforeKill(directory, count: 3_000)
        #expect(acknowledged.count == 3_000)

        let store = try Store(directory: directory, clock: { pilotMorning })
        defer { store.close() }
        let head = try store.verifyChain()
        #expect(head.sequence >= acknowledged.last?.sequence ?? .max)
        let views = try store.persistedViews()
        for ack in acknowledged {
            let record = try store.read { try $0.record(ack.sequence) }
            guard case .appointmentBooked(let booked)? = record?.outcome.events.first else {
                Issue.record("acknowledged record \(ack.sequence) is missing or not a booking")
                continue
            }
            #expect(booked.appointment == ack.appointment && booked.day == ack.day && booked.time == ack.time)
            let appointment = views.appointments[ack.appointment]
            #expect(appointment?.day == ack.day && appointment?.time == ack.time && appointment?.state == .booked)
        }
        // None twice: one live appointment per pratica, and as many seats taken as appointments.
        var seated = 0
        for (_, load) in views.loads {
            for (_, day) in load.materialised {
                #expect(day.slots.allSatisfy { $0.booked <= $0.capacity })
                seated += day.booked
            }
        }
        #expect(seated == views.appointments.memory.count)
        let pratiche = views.appointments.memory.values.map(\.pratica)
        #expect(Set(pratiche).count == pratiche.count)
        try expectViewsEqualFoldOfLog(store)

        // The store goes on from where it was killed.
        let next = try store.execute(.book(BookRequest(office: "CR-Q", service: "fotosegnalamento",
                                                       pratica: "P-CR-19999")), actor: sui)
        #expect(next.record.sequence == head.sequence + 1)
    }
}
