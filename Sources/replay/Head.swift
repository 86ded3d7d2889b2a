import ArgumentParser
import Engine

struct Head: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the last sequence number and its hash.",
        discussion: """
            An office publishes this line each evening (e.g. at the bottom of the day's list); \
            later it proves the history up to that point was not rewritten.

            Example:
              replay head --data ./data
            """)

    @Option(help: "The data directory.")
    var data: String = "data"

    func run() throws {
        // Read-only: safe beside a running agenda-node, and it never blocks its writer.
        let environment = try Environment(directory: data, readOnly: true)
        defer { environment.close() }
        let head = try environment.head()
        print("\(head.sequence):\(head.hash)")
    }
}
