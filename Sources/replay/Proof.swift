import ArgumentParser
import Engine
import Events
import Foundation
import Replay

struct ProofCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proof",
        abstract: "Prove that a record is in a signed head, or that one signed head's history begins a later one's.",
        discussion: """
            Prints one JSON document for `replay verify-proof`, which checks it with nothing but the \
            document and the node's public key: no log, no data directory.

            An inclusion proof (replay proof SEQ) carries record SEQ's stored bytes, the audit path \
            of its leaf in the Merkle tree (RFC 9162) and the signed head it is proved against: by \
            default the log's head now, signed with the node's key; --head N the head of the first N \
            records; --head SIZE:HASH:ROOT:SIGNATURE a head published earlier (checked against this \
            log), when the node's key is not at hand.

            A consistency proof (replay proof --consistency OLD) shows that the history of the \
            signed head OLD is the start of the history of --head (default: now): nothing signed in \
            OLD was rewritten since. OLD is a number or a published signed head, like --head.

            docs/log-format.md ("Proofs") specifies both, for a verifier in another language.

            Examples:
              replay proof --data ./data 42 > proof-42.json
              replay proof --data ./data 42 --head 3321:3ecb…:9a1f…:5d0c…
              replay proof --data ./data --consistency 3000:ab12…:77e0…:1c9d…
            """)

    @OptionGroup var options: DataOptions
    @OptionGroup var key: SigningKeyOptions

    @Argument(help: ArgumentHelp("The record to prove (its sequence number).", valueName: "seq"))
    var sequence: UInt64?

    @Option(help: ArgumentHelp("The head to prove against: N records, or a published SIZE:HASH:ROOT:SIGNATURE (default: now).",
                               valueName: "head"))
    var head: String?

    @Option(help: ArgumentHelp("Prove instead that this earlier head (N, or SIZE:HASH:ROOT:SIGNATURE) begins --head.",
                               valueName: "old"))
    var consistency: String?

    func validate() throws {
        if sequence == nil && consistency == nil {
            throw ValidationError("give a record's sequence (an inclusion proof) or --consistency OLD")
        }
        if sequence != nil && consistency != nil {
            throw ValidationError("a proof is of a record's inclusion or of two heads' consistency: give one of SEQ and --consistency")
        }
        if let head, Proofs.HeadChoice(head) == nil {
            throw ValidationError("--head takes a number of records or SIZE:HASH:ROOT:SIGNATURE as `replay head --sign` prints it")
        }
        if let consistency, Proofs.HeadChoice(consistency) == nil {
            throw ValidationError("--consistency takes a number of records or SIZE:HASH:ROOT:SIGNATURE")
        }
    }

    func run() throws {
        let directory = try DataDirectory(options.data)
        defer { directory.close() }
        let chosen = head.flatMap(Proofs.HeadChoice.init) ?? .current
        let loadKey = { try key.load(data: options.data) }
        let proof: JSON
        if let sequence {
            proof = try Proofs.inclusion(directory, sequence: sequence, head: chosen, key: loadKey)
        } else if let old = consistency.flatMap(Proofs.HeadChoice.init) {
            proof = try Proofs.consistency(directory, old: old, new: chosen, key: loadKey)
        } else {
            throw ValidationError("give a record's sequence or --consistency OLD")
        }
        print(proof.text)
    }
}

struct VerifyProofCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-proof",
        abstract: "Check a proof `replay proof` printed, with nothing but the proof and the node's public key.",
        discussion: """
            Exits 0 and says what was proved, or exits 1 and says why the proof fails: a signature \
            the key does not verify, a record's byte changed, a path that does not come to the \
            signed root, a history rewritten between two heads.

            The public key is the one the office published (`replay head --public-key` prints it \
            where the log is); never take it from the proof's own sender.

            Examples:
              replay verify-proof --public-key 7f3a… --proof proof-42.json
              replay proof --data ./data 42 | replay verify-proof --public-key 7f3a…
            """)

    @Option(help: ArgumentHelp("The node's public key (64 hexadecimal digits).", valueName: "hex"))
    var publicKey: String

    @Option(help: ArgumentHelp("The proof's file (default: standard input).", valueName: "file"))
    var proof: String?

    func validate() throws {
        if Hex.decode(publicKey)?.count != 32 {
            throw ValidationError("--public-key takes 64 hexadecimal digits, as `replay head --public-key` prints them")
        }
    }

    func run() throws {
        let document = try readDocument(proof, what: "the proof")
        try printVerdict(Proofs.verify(Array(document), publicKey: Hex.decode(publicKey) ?? []))
    }
}

/// A file's bytes, or standard input's when no path is given.
func readDocument(_ path: String?, what: String) throws -> Data {
    guard let path else { return FileHandle.standardInput.readDataToEndOfFile() }
    guard let read = FileManager.default.contents(atPath: path) else {
        throw ReplayError.notFound("cannot read \(what) \(path); check the path")
    }
    return read
}

/// Prints what a check concluded; exit status 1 when it does not verify.
func printVerdict(_ verdict: Proofs.Verdict) throws {
    switch verdict {
    case .verified(let what):
        print("verified: \(what)")
    case .failed(let why):
        print("does not verify: \(why)")
        throw ExitCode(1)
    }
}
