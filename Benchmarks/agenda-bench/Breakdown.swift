import Engine
import Events
import Foundation
import Projections

/// The writer's in-memory steps for `count` books, timed one by one: decide, seal, fold.
func inMemoryBreakdown(count: Int) -> (decide: Double, seal: Double, fold: Double) {
    var views = Views()
    var changes = Changes()
    var writer = ByteWriter(capacity: 512)
    var clockDecide: UInt64 = 0
    var clockSeal: UInt64 = 0
    var clockFold: UInt64 = 0
    func step(_ command: Command, actor: Actor) {
        let sequence = views.headSequence + 1
        var ids = SequenceIDs(sequence: sequence)
        let t0 = DispatchTime.now().uptimeNanoseconds
        let outcome = Decider.decide(command, views, now: now, actor: actor, ids: &ids)
        let t1 = DispatchTime.now().uptimeNanoseconds
        let hash = RecordCodec.seal(sequence: sequence, decidedAt: now, actor: actor, requestID: "", command: command,
                                    outcome: outcome, previousHash: views.headHash, into: &writer)
        let t2 = DispatchTime.now().uptimeNanoseconds
        views.apply(Record(sequence: sequence, decidedAt: now, actor: actor, requestID: "", command: command,
                           outcome: outcome, previousHash: views.headHash, hash: hash), changes: &changes)
        let t3 = DispatchTime.now().uptimeNanoseconds
        if case .book = command {
            clockDecide += t1 - t0
            clockSeal += t2 - t1
            clockFold += t3 - t2
        }
        if changes.appointments.count > 1_024 { changes.removeAll() }
    }
    step(.configureOffice(office), actor: .system)
    for index in 0..<count {
        step(.registerPratica(Applicant(pratica: PraticaID("P-BN-\(index)"), visto: "V\(index)", surname: "Rossi",
                                        name: "Mario", birthDate: Day(year: 1980, month: 1, day: 1)!, nationality: "ALB",
                                        office: "BN-S")), actor: .system)
    }
    changes.removeAll()
    for index in 0..<count {
        step(.book(BookRequest(office: "BN-Q", service: "fotosegnalamento", pratica: PraticaID("P-BN-\(index)"))),
             actor: operatorActor)
    }
    let perBook = { (nanoseconds: UInt64) in Double(nanoseconds) / Double(count) / 1_000 }
    return (perBook(clockDecide), perBook(clockSeal), perBook(clockFold))
}
