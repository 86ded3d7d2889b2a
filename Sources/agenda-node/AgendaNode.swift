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

    @Option(help: "The address to listen on (loopback only in this version).")
    var host: String = "127.0.0.1"

    @Option(help: "The port to listen on.")
    var port: Int = 7878

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1 to 65535") }
    }

    func run() throws {
        let store: Store
        do {
            store = try Store(directory: data)
        } catch {
            throw ValidationError("cannot open \(data): \(error)")
        }
        defer { store.close() }
        if try store.head().sequence == 0 {
            let loaded: Fixtures
            do {
                loaded = try Fixtures.load(from: fixtures)
            } catch {
                throw ValidationError("\(error)")
            }
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
        print("the operators' protocol server is not part of this version; nothing listens on \(host):\(port)")
    }
}
