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

/// `count` books through `EngineCore`, after their pratiche are registered: what
/// `scripts/bench-instructions.sh` counts under callgrind, collecting only inside
/// `engineBookLoop` (so the set-up is not counted).
func instructionsRun(count: Int) {
    var core = EngineCore()
    _ = core.decide(.configureOffice(office), actor: .system, now: now)
    for index in 0..<count {
        _ = core.decide(.registerPratica(Applicant(pratica: PraticaID("P-BN-\(index)"), visto: "V\(index)", surname: "Rossi",
                                                   name: "Mario", birthDate: Day(year: 1980, month: 1, day: 1)!,
                                                   nationality: "ALB", office: "BN-S")), actor: .system, now: now)
        if core.changes.appointments.count > 1_024 { core.discardChanges() }
    }
    core.discardChanges()
    let commands = (0..<count).map {
        Command.book(BookRequest(office: "BN-Q", service: "fotosegnalamento", pratica: PraticaID("P-BN-\($0)")))
    }
    engineBookLoop(&core, commands)
    precondition(core.views.appointmentCount == count, "every book was accepted")
}

/// Decides, seals and folds each command, and writes the changed views' bytes every 1,024
/// commands, as the writer does per batch (the LMDB commit aside).
@inline(never)
func engineBookLoop(_ core: inout EngineCore, _ commands: [Command]) {
    var bytes = 0
    for (index, command) in commands.enumerated() {
        _ = core.decide(command, actor: operatorActor, now: now)
        if index % 1_024 == 1_023 || index == commands.count - 1 {
            core.takeChanges { views, changes in
                ViewCodec.write(views, changes) { _, key, value in bytes += key.count + (value?.count ?? 0) }
            }
        }
    }
    precondition(bytes > 0, "the views were written")
}
