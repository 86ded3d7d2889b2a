import AgendaServer
import ArgumentParser
import Engine
import Foundation

/// `agenda-node outbox list`: what the node sent, read from the data directory beside it.
struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "What the node's outbox filed and sent (docs/outbox.md).",
        subcommands: [OutboxList.self])
}

struct OutboxList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Lists the outbox's entries, newest first: webhook deliveries and end-of-day e-mails.",
        discussion: """
            Reads the data directory read-only, beside a running node. Each line: the idempotency \
            key, the state (pending, sent, parked), the attempts, when it was filed and sent, and \
            the receiver's last reply. Was the list e-mailed on 3 May?

              agenda-node outbox list --data ./data --kind daylist --day 2026-05-03
            """)

    @OptionGroup var options: DataOptions

    @Option(help: "webhook or daylist.")
    var kind: String?

    @Option(help: "The webhook id or the office.")
    var target: String?

    @Option(help: "pending, sent or parked.")
    var state: String?

    @Option(help: ArgumentHelp("Entries filed on this day, or lists of this day (YYYY-MM-DD).", valueName: "date"))
    var day: String?

    @Option(help: "At most this many.")
    var limit: Int = 100

    @Flag(help: "One JSON object per line instead of a table.")
    var json = false

    func run() throws {
        let filter: OutboxFilter
        do {
            filter = try OutboxFilter(kind: kind, target: target, state: state, day: day, limit: String(limit))
        } catch {
            throw ValidationError(error.message)
        }
        let environment = try Environment(directory: options.data, readOnly: true)
        defer { environment.close() }
        let entries = try filter.entries(environment)
        if entries.isEmpty && !json { print("no outbox entries match") }
        for entry in entries {
            let sent = entry.sentMs.map(OutboxFilter.time) ?? "-"
            if json {
                print(OutboxFilter.json(entry))
            } else {
                print("\(entry.key)  \(entry.state)  attempts \(entry.attempts)  filed \(OutboxFilter.time(entry.createdMs))  "
                      + "sent \(sent)  \(entry.lastReply)")
            }
        }
    }
}
