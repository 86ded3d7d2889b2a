import ArgumentParser
import Engine
import Events
import Foundation
import Replay

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the log as JSON Lines to share, with --redact without the applicants' personal data.",
        discussion: """
            The first line names the signed head the export is of (by default the log's head now, \
            signed with the node's key; --head N or a published --head SIZE:HASH:ROOT:SIGNATURE \
            otherwise); then one line per record, 1 to SIZE: its sequence, hash, Merkle leaf hash, \
            stored bytes (hex) and decoded JSON (as `replay dump` writes it).

            --redact leaves out what identifies an applicant: in the records that hold a pratica's \
            registry data (register-pratica and its event) and a refusal naming a visto, the \
            surname, name, birth date, nationality and visto are null, the object is marked \
            "redacted":true, and the record's bytes are left out (its leaf hash stays). Records \
            written before personal data was encrypted cannot be erased from the log; this is \
            how they are shared.

            `replay verify-export` checks a file with nothing but it and the public key: the \
            signature, every unredacted record byte for byte, and that the leaves of all the \
            records come to the signed Merkle root, so no record was changed, added or left out.

            Examples:
              replay export --data ./data --redact --out agenda-2026.jsonl
              replay verify-export --public-key 6630f9e2… --export agenda-2026.jsonl
            """)

    @OptionGroup var options: DataOptions
    @OptionGroup var key: SigningKeyOptions

    @Flag(help: "Leave out the applicants' personal data (surname, name, birth date, nationality, visto).")
    var redact = false

    @Option(help: ArgumentHelp("The head to export: N records, or a published SIZE:HASH:ROOT:SIGNATURE (default: now).",
                               valueName: "head"))
    var head: String?

    @Option(help: ArgumentHelp("Write here instead of standard output.", valueName: "file"))
    var out: String?

    func validate() throws {
        if let head, Proofs.HeadChoice(head) == nil {
            throw ValidationError("--head takes a number of records or SIZE:HASH:ROOT:SIGNATURE as `replay head --sign` prints it")
        }
    }

    func run() throws {
        let directory = try DataDirectory(options.data)
        defer { directory.close() }
        let choice = head.flatMap(Proofs.HeadChoice.init) ?? .current
        var output: FileHandle = .standardOutput
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: nil), let handle = FileHandle(forWritingAtPath: out) else {
                throw ValidationError("cannot write \(out)")
            }
            output = handle
        }
        defer { if out != nil { try? output.close() } }
        let bar = try ProgressBar.make("export", total: try directory.recordCount())
        var buffer: [UInt8] = []
        let personal = try Export.run(directory, head: choice, key: { try key.load(data: options.data) }, redact: redact,
                                      progress: bar?.report) { line in
            buffer += line
            if buffer.count >= 1 << 20 {
                output.write(Data(buffer))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        output.write(Data(buffer))
        bar?.finish()
        if let out {
            let message = "wrote \(out): \(personal) records with personal data\(redact ? ", redacted" : "")\n"
            FileHandle.standardError.write(Data(message.utf8))
        }
    }
}

struct VerifyExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-export",
        abstract: "Check an export `replay export` wrote, with nothing but the file and the node's public key.",
        discussion: """
            Exits 0 and says how many records were checked byte for byte and how many were \
            redacted, or exits 1 and says what does not hold.

            Example:
              replay verify-export --public-key 6630f9e2… --export agenda-2026.jsonl
            """)

    @Option(help: ArgumentHelp("The node's public key (64 hexadecimal digits).", valueName: "hex"))
    var publicKey: String

    @Option(help: ArgumentHelp("The export's file (default: standard input).", valueName: "file"))
    var export: String?

    func validate() throws {
        if Hex.decode(publicKey)?.count != 32 {
            throw ValidationError("--public-key takes 64 hexadecimal digits, as `replay head --public-key` prints them")
        }
    }

    func run() throws {
        let data = try readDocument(export, what: "the export")
        try printVerdict(Export.verify(String(decoding: data, as: UTF8.self), publicKey: Hex.decode(publicKey) ?? []))
    }
}
