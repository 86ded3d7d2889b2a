import ArgumentParser
import Engine
import Foundation

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
        guard FileManager.default.fileExists(atPath: data + "/data.mdb") else {
            throw ValidationError("no Agenda data directory at \(data)")
        }
        let store = try Store(directory: data)
        defer { store.close() }
        let head = try store.head()
        print("\(head.sequence):\(head.hash)")
    }
}
