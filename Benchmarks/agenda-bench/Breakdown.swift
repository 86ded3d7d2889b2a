import Engine
import Events
import Foundation
import Projections

/// The writer's in-memory step for `count` books, through the engine's one path
/// (`EngineCore`), its three phases timed: decide, seal, fold.
func inMemoryBreakdown(count: Int) -> (decide: Double, seal: Double, fold: Double) {
    var core = EngineCore()
    func step(_ command: Command, actor: Actor) {
        _ = core.decide(command, actor: actor, now: now)
        if core.changes.appointments.count > 1_024 { core.discardChanges() }
    }
    step(.configureOffice(office), actor: .system)
    for index in 0..<count {
        step(.registerPratica(Applicant(pratica: PraticaID("P-BN-\(index)"), visto: "V\(index)", surname: "Rossi",
                                        name: "Mario", birthDate: Day(year: 1980, month: 1, day: 1)!, nationality: "ALB",
                                        office: "BN-S")), actor: .system)
    }
    core.discardChanges()
    core.timings = StepTimings()
    for index in 0..<count {
        step(.book(BookRequest(office: "BN-Q", service: "fotosegnalamento", pratica: PraticaID("P-BN-\(index)"))),
             actor: operatorActor)
    }
    let timings = core.timings ?? StepTimings()
    let perBook = { (nanoseconds: UInt64) in Double(nanoseconds) / Double(count) / 1_000 }
    return (perBook(timings.decideNanoseconds), perBook(timings.sealNanoseconds), perBook(timings.foldNanoseconds))
}
