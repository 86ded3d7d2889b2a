import ArgumentParser
import Replay

struct HeadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "head",
        abstract: "Print the last sequence number and its hash.",
        discussion: """
            An office publishes this line each evening (e.g. at the bottom of the day's list); \
            later `replay audit --expect-head` proves the history up to that point was not \
            rewritten, and `replay audit --from` starts a check there.

            Example:
              replay head --data ./data
              3321:3ecb69258b13…
            """)

    @OptionGroup var options: DataOptions

    func run() throws {
        let directory = try DataDirectory(options.data)
        defer { directory.close() }
        print(try directory.head())
    }
}
