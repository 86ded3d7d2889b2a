import Engine
import Events
import Foundation

/// `replay export`: the log as JSON Lines for sharing (a researcher, a court, an NGO), with
/// `--redact` the applicants' personal data left out, and still checkable against a signed
/// head: every record's Merkle leaf hash travels with it, and the stored bytes of every record
/// that holds no personal data, so `replay verify-export` recomputes the signed root from the
/// file alone and checks every unredacted record byte for byte (docs/audit.md, "Sharing a
/// log"). Records written before personal data was encrypted cannot be shredded; this is how
/// they are shared.
public enum Export {
    /// The first line of an export.
    public static let kind = "agenda-export"

    /// Whether a record holds an applicant's personal data: the registry data of a pratica
    /// (register-pratica and its event), and a visto named by a refusal.
    public static func holdsPersonalData(_ record: Record) -> Bool {
        if case .registerPratica = record.command { return true }
        switch record.outcome {
        case .accepted(let events):
            return events.contains { if case .praticaRegistered = $0 { true } else { false } }
        case .rejected(let rejection):
            if case .vistoAlreadyRegistered = rejection { return true }
            return false
        }
    }

    /// The personal fields of an applicant object, and of the rejection that names a visto.
    static let personalFields: Set<String> = ["surname", "name", "birthDate", "nationality", "visto"]

    /// `RecordJSON.record(record)` with every applicant's personal fields null and marked
    /// `"redacted":true` (the pratica and office stay), and a refusal's visto null.
    public static func redactedJSON(_ record: Record) -> JSON {
        redact(RecordJSON.record(record), inApplicant: false)
    }

    static func redact(_ json: JSON, inApplicant: Bool) -> JSON {
        switch json {
        case .object(let fields):
            let isVistoRefusal = fields.contains { $0.0 == "type" && $0.1 == .string("visto-already-registered") }
            var out: [(String, JSON)] = []
            for (key, value) in fields {
                if (inApplicant || isVistoRefusal) && personalFields.contains(key) {
                    out.append((key, .null))
                } else if key == "applicant", case .object = value {
                    out.append((key, redact(value, inApplicant: true)))
                } else {
                    out.append((key, redact(value, inApplicant: false)))
                }
            }
            if inApplicant { out.append(("redacted", .bool(true))) }
            return .object(out)
        case .array(let values):
            return .array(values.map { redact($0, inApplicant: inApplicant) })
        default:
            return json
        }
    }

    /// Writes the export of records 1…`head.size` (each line with its newline): a header, then
    /// one line per record. Returns how many records held personal data (redacted or not).
    @discardableResult
    public static func run(_ directory: DataDirectory, head choice: Proofs.HeadChoice, key: () throws -> NodeKey,
                           redact: Bool, progress: ((UInt64) -> Void)? = nil,
                           write: ([UInt8]) throws -> Void) throws -> Int {
        let head = try directory.environment.read { txn in try Proofs.signedHead(choice, txn, key: key) }
        var line: [UInt8] = []
        JSON.object([("kind", .string(kind)), ("format", .unsigned(1)), ("records", .unsigned(head.size)),
                     ("redacted", .bool(redact)), ("signedHead", .string(head.description))]).write(into: &line)
        line.append(UInt8(ascii: "\n"))
        try write(line)
        var personal = 0
        var nextProgress = ReplayLimits.progressEveryRecords
        try directory.environment.scanInWindows("log", window: ReplayLimits.readWindowRecords) { key, value in
            let sequence = try LogKey.sequence(key)
            guard sequence <= head.size else { return false }
            let record = try RecordCodec.decode(sequence: sequence, value: value)
            let hidden = holdsPersonalData(record)
            if hidden { personal += 1 }
            let leave = redact && hidden
            line.removeAll(keepingCapacity: true)
            JSON.object([
                ("sequence", .unsigned(sequence)),
                ("hash", .string(record.hash.description)),
                ("leaf", .string(Merkle.leafHash(value).description)),
                ("bytes", leave ? .null : .string(Hex.encode(value))),
                ("record", leave ? redactedJSON(record) : RecordJSON.record(record)),
            ]).write(into: &line)
            line.append(UInt8(ascii: "\n"))
            try write(line)
            if let progress, sequence >= nextProgress {
                progress(sequence)
                nextProgress = sequence + ReplayLimits.progressEveryRecords
            }
            return sequence < head.size
        }
        return personal
    }

    /// Checks an export with nothing but its lines and the public key: the signed head's
    /// signature, every unredacted record's bytes against its leaf, hash and JSON, and the
    /// Merkle root of all the leaves against the signed root.
    public static func verify(_ text: String, publicKey: [UInt8]) -> Proofs.Verdict {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).makeIterator()
        guard let first = lines.next(),
              let header = try? JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any],
              header["kind"] as? String == kind,
              let head = (header["signedHead"] as? String).flatMap({ SignedHead($0) }) else {
            return .failed("not an export: its first line is {\"kind\":\"\(kind)\",…,\"signedHead\":…} (replay export writes it)")
        }
        guard head.verifies(with: publicKey) else {
            return .failed("the export's signed head does not verify with the key \(Hex.encode(publicKey))")
        }
        var tree = MerkleFrontier()
        var redacted = 0
        for text in lines {
            let expected = tree.size + 1
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  (object["sequence"] as? NSNumber)?.uint64Value == expected,
                  let leaf = (object["leaf"] as? String).flatMap({ ChainHash(hex: $0) }) else {
                return .failed("line \(expected + 1) is not record \(expected) of an export")
            }
            if let bytesText = object["bytes"] as? String {
                guard let bytes = Hex.decode(bytesText), Merkle.leafHash(bytes) == leaf,
                      let record = try? RecordCodec.decode(sequence: expected, value: bytes),
                      object["hash"] as? String == record.hash.description,
                      let given = object["record"], JSONSerialization.isValidJSONObject(given),
                      let givenData = try? JSONSerialization.data(withJSONObject: given, options: [.sortedKeys]),
                      let decodedObject = try? JSONSerialization.jsonObject(with: Data(RecordJSON.record(record).text.utf8)),
                      let decodedData = try? JSONSerialization.data(withJSONObject: decodedObject, options: [.sortedKeys]),
                      givenData == decodedData else {
                    return .failed("record \(expected): its bytes, its leaf, its hash and its JSON do not agree: "
                                       + "the export was changed")
                }
            } else {
                redacted += 1
            }
            tree.append(leaf: leaf)
        }
        guard tree.size == head.size else {
            return .failed("the export holds \(tree.size) records, but its signed head is of \(head.size)")
        }
        guard tree.root == head.root else {
            return .failed("the export's leaves come to the Merkle root \(tree.root), not the signed head's \(head.root): "
                               + "a record was changed, added or left out")
        }
        return .verified("the \(head.size) records of the head the key \(Hex.encode(publicKey)) signed, "
                             + "\(head.size - UInt64(redacted)) of them byte for byte and \(redacted) redacted")
    }
}
