import Crypto
import Foundation

/// An applicant's personal data sealed with the pratica's own key (crypto-shredding): the log
/// and the views hold only the box (AES-256-GCM) and two keyed hashes the rules compare; the
/// keys live apart, in the data directory's `keys` environment, and destroying one leaves the
/// box unreadable for good while the chain still verifies (docs/log-format.md, "Sealed
/// applicants").
public struct ApplicantSeal: Sendable, CustomStringConvertible {
    /// HMAC-SHA256(index key, visto): what "a visto is registered once" compares.
    public var vistoTag: ChainHash
    /// HMAC-SHA256(index key, the name as STATUS compares it): what the public check finds.
    public var personTag: ChainHash
    /// nonce (12) ‖ ciphertext ‖ tag (16), as the record holds it; empty until sealed.
    public var box: [UInt8]
    /// The personal fields are the box's, decrypted; false: no key at hand, or the key was
    /// destroyed (`erased`).
    public var opened: Bool
    /// The pratica was erased: its key is gone.
    public var erased: Bool

    public init(vistoTag: ChainHash, personTag: ChainHash, box: [UInt8] = [], opened: Bool = false, erased: Bool = false) {
        self.vistoTag = vistoTag
        self.personTag = personTag
        self.box = box
        self.opened = opened
        self.erased = erased
    }

    public var description: String { "sealed(visto \(vistoTag), person \(personTag))" }
}

extension ApplicantSeal: Equatable {
    /// What the record holds: the tags and the box (whether this reader could open it is not
    /// part of the fact).
    public static func == (lhs: ApplicantSeal, rhs: ApplicantSeal) -> Bool {
        lhs.vistoTag == rhs.vistoTag && lhs.personTag == rhs.personTag && lhs.box == rhs.box
    }
}

/// The keys a writer seals with and a reader opens with (the store's `KeyRing`).
public protocol ApplicantKeys: Sendable {
    /// The node's index key: the tags' HMAC key.
    var indexKey: SymmetricKey { get }
    /// The pratica's key, made (and kept, durably before its record) when it has none; nil if it
    /// was destroyed.
    func sealingKey(for pratica: PraticaID) -> SymmetricKey?
    /// The pratica's key if it exists (nil: never made, or destroyed).
    func openingKey(for pratica: PraticaID) -> SymmetricKey?
}

public enum ApplicantSealing {
    /// The additional data every box authenticates, with its pratica.
    static let domain = Array("agenda applicant v1".utf8) + [0]

    /// The keyed hash of a visto.
    public static func vistoTag(_ visto: String, indexKey: SymmetricKey) -> ChainHash {
        tag(Array("visto".utf8) + [0] + Array(visto.utf8), indexKey)
    }

    /// The keyed hash of a person as STATUS compares names: runs of spaces and tabs made one,
    /// ends trimmed, upper-cased; then the birth date.
    public static func personTag(surname: String, name: String, birthDate: Day, indexKey: SymmetricKey) -> ChainHash {
        var writer = ByteWriter(capacity: 64)
        writer.string(normalised(surname))
        writer.string(normalised(name))
        writer.day(birthDate)
        return tag(Array("person".utf8) + [0] + writer.bytes, indexKey)
    }

    public static func normalised(_ text: String) -> String {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ").uppercased()
    }

    static func tag(_ message: [UInt8], _ key: SymmetricKey) -> ChainHash {
        HMAC<SHA256>.authenticationCode(for: message, using: key).withUnsafeBytes { ChainHash(bytes: $0) }
    }

    /// The applicant with its tags (not yet its box).
    public static func tagged(_ applicant: Applicant, indexKey: SymmetricKey) -> Applicant {
        var tagged = applicant
        tagged.seal = ApplicantSeal(
            vistoTag: vistoTag(applicant.visto, indexKey: indexKey),
            personTag: personTag(surname: applicant.surname, name: applicant.name, birthDate: applicant.birthDate,
                                 indexKey: indexKey),
            opened: true)
        return tagged
    }

    /// The personal fields, as the box's plaintext holds them.
    static func plaintext(_ applicant: Applicant) -> [UInt8] {
        var writer = ByteWriter(capacity: 96)
        writer.string(applicant.visto)
        writer.string(applicant.surname)
        writer.string(applicant.name)
        writer.day(applicant.birthDate)
        writer.string(applicant.nationality)
        return writer.bytes
    }

    static func aad(_ pratica: PraticaID) -> [UInt8] { domain + Array(pratica.rawValue.utf8) }

    /// Seals a tagged applicant's personal fields in record `sequence`: the nonce is derived from
    /// the key and the sequence, so a key never seals two records with one nonce, and sealing
    /// the same record again gives the same bytes.
    public static func box(_ applicant: Applicant, key: SymmetricKey, sequence: UInt64) -> [UInt8] {
        var nonceInput = Array("agenda applicant nonce".utf8) + [0]
        withUnsafeBytes(of: sequence.bigEndian) { nonceInput += $0 }
        let derived = HMAC<SHA256>.authenticationCode(for: nonceInput, using: key)
        // 12 bytes of the HMAC: a valid AES-GCM nonce, and the box's first bytes.
        guard let nonce = try? AES.GCM.Nonce(data: Array(derived.prefix(12))),
              let sealed = try? AES.GCM.seal(plaintext(applicant), using: key, nonce: nonce,
                                             authenticating: aad(applicant.pratica)),
              let combined = sealed.combined else {
            preconditionFailure("AES-GCM refused a 32-byte key and a 12-byte nonce")
        }
        return Array(combined)
    }

    /// The applicant with its personal fields read from its box; unchanged (not opened) when
    /// the key does not open it.
    public static func open(_ applicant: Applicant, key: SymmetricKey) -> Applicant {
        guard let seal = applicant.seal, !seal.opened,
              let box = try? AES.GCM.SealedBox(combined: seal.box),
              let plain = try? AES.GCM.open(box, using: key, authenticating: aad(applicant.pratica)) else {
            return applicant
        }
        let fields: (String, String, String, Day, String)? = Array(plain).withUnsafeBytes { buffer in
            var reader = ByteReader(buffer)
            guard let visto = try? reader.string(), let surname = try? reader.string(), let name = try? reader.string(),
                  let birthDate = try? reader.day(), let nationality = try? reader.string() else { return nil }
            return (visto, surname, name, birthDate, nationality)
        }
        guard let (visto, surname, name, birthDate, nationality) = fields else { return applicant }
        var opened = applicant
        opened.visto = visto
        opened.surname = surname
        opened.name = name
        opened.birthDate = birthDate
        opened.nationality = nationality
        opened.seal?.opened = true
        return opened
    }
}

extension Applicant {
    /// The key the rules and the visti view use for the applicant's visto: the visto itself for
    /// data in clear; for sealed data a NUL byte and its keyed hash in hexadecimal (ids never hold
    /// a NUL, so the two never meet).
    public var vistoKey: String { seal.map { "\u{0}" + $0.vistoTag.description } ?? visto }

    /// The same for a visto asked for by an operator, sealed data's way.
    public static func vistoKey(tag: ChainHash) -> String { "\u{0}" + tag.description }

    /// A sealed applicant whose fields are not at hand: the ids and tags only.
    public var isLocked: Bool { seal.map { !$0.opened } ?? false }
}

extension Applicant {
    /// What is left of an erased applicant: the pratica, its office and the visto's keyed hash
    /// (the rule that a visto is registered once still holds).
    public static func erased(_ applicant: Applicant) -> Applicant {
        Applicant(pratica: applicant.pratica, visto: "", surname: "", name: "", birthDate: Day(daysSinceEpoch: 0),
                  nationality: "", office: applicant.office,
                  seal: ApplicantSeal(vistoTag: applicant.seal?.vistoTag ?? .genesis, personTag: .genesis, erased: true))
    }

    public var isErased: Bool { seal?.erased == true }
}

extension Applicant {
    /// The same registry data, sealed or not (a repeated import of the same row).
    public func sameData(as other: Applicant) -> Bool {
        pratica == other.pratica && visto == other.visto && surname == other.surname && name == other.name
            && birthDate == other.birthDate && nationality == other.nationality && office == other.office
            && !isLocked && !other.isLocked
    }
}
