// A writer for the crash test: seeds an office and pratiche, then books as fast as it can and
// prints one line per acknowledged command, until the test kills it with SIGKILL mid-load.
//
//     agenda-crash-probe DIR
//     READY                         seeding done, load starts
//     ACK seq appointment day time  a booking whose record is durable
//     REJ seq rule                  a durable rejection
import Engine
import Events
import Foundation

/// One unbuffered write per line: what was printed is out of the process before it can be killed.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: agenda-crash-probe DIR\n".utf8))
    exit(2)
}
// Monday 2008-04-14 08:00 in Rome, fixed so every run decides the same days.
let now = Instant(romeDay: Day(year: 2008, month: 4, day: 14)!, time: LocalTime(hour: 8, minute: 0)!)
let store = try Store(directory: arguments[1], clock: { now })
let pratiche = 20_000
let everyDay = Array(repeating: [OpeningInterval(start: LocalTime(hour: 9, minute: 0)!, end: LocalTime(hour: 14, minute: 0)!)],
                     count: 7)
let office = OfficeConfiguration(
    office: "CR-Q", kind: .questura, name: "Questura di prova", horizonDays: 90, leadDays: 0,
    services: [ServiceConfiguration(id: "fotosegnalamento", name: "Fotosegnalamento", slotLengthMinutes: 15,
                                    capacityPerSlot: 20, requiresReadyPermit: false, weekly: everyDay)],
    closedDays: [])
if try store.head().sequence == 0 {
    _ = try store.executeAll(
        [.configureOffice(office)] + (0..<pratiche).map { index in
            .registerPratica(Applicant(pratica: PraticaID("P-CR-\(index)"), visto: "V\(index)", surname: "Rossi",
                                       name: "Mario", birthDate: Day(year: 1980, month: 1, day: 1)!, nationality: "ALB",
                                       office: "CR-S"))
        },
        actor: .system)
}
emit("READY")

let inFlight = DispatchSemaphore(value: 256)
let actor = Actor(operator: "probe", body: "CR-S")
for index in 0..<pratiche {
    inFlight.wait()
    store.submit(.book(BookRequest(office: "CR-Q", service: "fotosegnalamento", pratica: PraticaID("P-CR-\(index)"))),
                 actor: actor, requestID: "r-\(index)") { result in
        // Completions run on the writer thread, one at a time.
        switch result {
        case .success(let decision):
            let record = decision.record
            switch record.outcome {
            case .accepted(let events):
                if case .appointmentBooked(let booked) = events.first {
                    emit("ACK \(record.sequence) \(booked.appointment) \(booked.day) \(booked.time)")
                }
            case .rejected(let rejection):
                emit("REJ \(record.sequence) \(rejection.rule)")
            }
        case .failure(let error):
            emit("ERR \(error)")
        }
        inFlight.signal()
    }
}
emit("DONE")
while true { sleep(60) }
