import ArgumentParser
import Engine
import Events
import Foundation

@main
struct AgendaNode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agenda-node",
        abstract: "Agenda's node: opens (and on first start creates and seeds) a data directory.",
        discussion: """
            The data directory is an LMDB environment holding the hash-chained log and its views. \
            On first start it is created and seeded from the fixtures: every Italian province's \
            Questura, Prefettura and SUI with their services, schedules and closed days, and the \
            demo pratiche.

            The operators' protocol server (RESP on a TCP socket) is not built yet; this version \
            seeds and opens the store, reports its state, and exits.

            Example:
              agenda-node --data ./data
            """)

    @Option(help: "The data directory (created on first start).")
    var data: String = "data"

    @Option(help: "The fixtures directory a new data directory is seeded from.")
    var fixtures: String = "fixtures"

    func run() throws {
        // Read the fixtures before creating anything: bad fixtures leave no half-made directory.
        let isNew = !FileManager.default.fileExists(atPath: data + "/data.mdb")
        let seed = isNew ? try Fixtures.load(from: fixtures) : nil
        let store = try Store(directory: data)
        defer { store.close() }
        if try store.head().sequence == 0 {
            let loaded = try seed ?? Fixtures.load(from: fixtures)
            let started = Date()
            let count = try store.seedIfEmpty(with: loaded)
            let seconds = Date().timeIntervalSince(started)
            print("seeded \(data) from \(fixtures): \(loaded.offices.count) offices, \(loaded.applicants.count) pratiche, "
                  + "\(count) records in \(String(format: "%.2f", seconds)) s")
        }
        let views = try store.persistedViews()
        let head = try store.head()
        print("data directory: \(data)")
        print("offices: \(views.offices.count)  pratiche: \(views.pratiche.count)  appointments: \(views.appointments.count)")
        print("head: \(head.sequence) \(head.hash)")
        print("the operators' protocol server is not part of this version: nothing listens yet")
    }
}
