import ArgumentParser
import Engine
import Events
import Replay

struct HeadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "head",
        abstract: "Print the last sequence number and its hash; signed with --sign.",
        discussion: """
            An office publishes this line each evening (e.g. at the bottom of the day's list); \
            later `replay audit --expect-head` proves the history up to that point was not \
            rewritten, and `replay audit --from` starts a check there.

            --sign prints the head signed with the node's Ed25519 key (the file agenda-node made \
            beside the data directory on its first start): SIZE:HASH:ROOT:SIGNATURE, where ROOT \
            is the Merkle root of records 1…SIZE. Anyone holding the public key checks it, and \
            `replay proof` proves a single record is in it. --public-key prints the key the log \
            records for the head: the one to publish beside the signed heads.

            Examples:
              replay head --data ./data
              3321:3ecb69258b13…
              replay head --data ./data --sign
              3321:3ecb69258b13…:9a1f…:5d0c…
              replay head --data ./data --public-key
              7f3a…
            """)

    @OptionGroup var options: DataOptions
    @OptionGroup var key: SigningKeyOptions

    @Flag(help: "Print the head signed with the node's key (SIZE:HASH:ROOT:SIGNATURE).")
    var sign = false

    @Option(help: ArgumentHelp("With --sign: the head of the first N records instead of the last.", valueName: "n"))
    var size: UInt64?

    @Flag(help: "Print the public key the log records for the head (64 hexadecimal digits).")
    var publicKey = false

    func validate() throws {
        if sign && publicKey { throw ValidationError("--sign and --public-key print different things: give one") }
        if size != nil && !sign { throw ValidationError("--size chooses the head --sign signs: give --sign too") }
    }

    func run() throws {
        let directory = try DataDirectory(options.data)
        defer { directory.close() }
        if sign {
            let nodeKey = try key.load(data: options.data)
            print(try directory.environment.read { txn in try txn.signedHead(size: size, key: nodeKey) })
        } else if publicKey {
            let recorded = try directory.environment.read { txn in try txn.signingKey(forHeadOf: .max) }
            guard let recorded else {
                throw ReplayError.notFound("this log records no signing key yet: agenda-node records its key when it starts")
            }
            print(recorded.publicKey)
        } else {
            print(try directory.head())
        }
    }
}

/// Where the node's signing key is read from.
struct SigningKeyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The node's signing key (default: DIR.signing-key beside --data).", valueName: "path"))
    var signingKey: String?

    func path(data: String) -> String { signingKey ?? NodeKey.defaultPath(forData: data) }

    func load(data: String) throws -> NodeKey { try NodeKey.load(path(data: data)) }
}
