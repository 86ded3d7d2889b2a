/// One header field built word by word and folded so that no line passes 78 columns:
///
///     Subject: =?UTF-8?B?UXVlc3R1cmEgZGkgVHJpZXN0ZSDigJQgZWxlbmNvIGRlbCAxNC8wNCDigJQg?=
///      =?UTF-8?B?VWZmaWNpbyBpbW1pZ3JhemlvbmU=?=
///     ^ a continuation line starts with the space that unfolding keeps (RFC 5322 §2.2.3)
///
/// Words are never split: a fold goes where the space before a word was. Text that is not plain
/// ASCII becomes RFC 2047 encoded-words (base64 of UTF-8), cut between characters to fit the room
/// left on each line; readers join adjacent encoded-words without the space between them, so the
/// text comes back exactly.
struct FoldedHeader {
    private var lines: [String]

    init(name: String) {
        lines = [name + ":"]
    }

    private var current: String {
        get { lines[lines.count - 1] }
        set { lines[lines.count - 1] = newValue }
    }

    /// Appends ` word`, on a new line when it would not fit on this one. A continuation line that
    /// is still empty takes the word even if it is too long (only a single unbreakable word longer
    /// than a line can do that, and the callers encode those instead).
    mutating func append(word: String) {
        if current.utf8.count + 1 + word.utf8.count > Limits.headerLineColumnsMax, !current.isEmpty {
            lines.append("")
        }
        current += " " + word
    }

    /// Appends `text` as encoded-words, each as long as the room on its line allows.
    mutating func append(encoded text: String) {
        let wrapperCharacters = "=?UTF-8?B?".utf8.count + "?=".utf8.count
        var scalars = Substring(text).unicodeScalars[...]
        while let first = scalars.first {
            let room = Limits.headerLineColumnsMax - current.utf8.count - 1 - wrapperCharacters
            let payloadBytesMax = min(Limits.encodedWordPayloadBytesMax, room / 4 * 3)
            guard UTF8.width(first) <= payloadBytesMax else {
                precondition(!current.isEmpty, "an empty continuation line has room for at least one character")
                lines.append("")
                continue
            }
            var payload: [UInt8] = []
            while let scalar = scalars.first, payload.count + UTF8.width(scalar) <= payloadBytesMax {
                payload.append(contentsOf: String(scalar).utf8)
                scalars = scalars.dropFirst()
            }
            current += " =?UTF-8?B?" + Base64.encodedString(payload) + "?="
        }
    }

    /// Unstructured text (a subject, an extra header's value): plain words when it is printable
    /// ASCII that folds cleanly at single spaces, encoded-words otherwise. Text with `=?` is
    /// encoded too, so that a reader cannot mistake a word of it for an encoded-word.
    mutating func append(text: String) {
        let words = text.split(separator: " ", omittingEmptySubsequences: false)
        let foldsCleanly = text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
            && !text.contains("=?")
            && words.allSatisfy { !$0.isEmpty && $0.utf8.count < Limits.headerLineColumnsMax }
        if text.isEmpty {
            return
        } else if foldsCleanly {
            for word in words { append(word: String(word)) }
        } else {
            append(encoded: text)
        }
    }

    /// A display name: atoms as they are, a quoted string when it has other ASCII punctuation,
    /// encoded-words when it is not ASCII or would not fit on a line.
    mutating func append(displayName name: String) {
        let words = name.split(separator: " ", omittingEmptySubsequences: false)
        let isAtomPhrase = words.allSatisfy {
            !$0.isEmpty && $0.utf8.count < Limits.headerLineColumnsMax && $0.utf8.allSatisfy(MailSyntax.isAtext)
        }
        let quoted = "\"" + name.replacingBackslashesAndQuotes() + "\""
        if isAtomPhrase {
            for word in words { append(word: String(word)) }
        } else if name.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) && !name.contains("=?"),
                  quoted.utf8.count < Limits.headerLineColumnsMax {
            append(word: quoted)
        } else {
            append(encoded: name)
        }
    }

    /// The header's lines, each ended by CRLF.
    var bytes: [UInt8] {
        for line in lines {
            // Only a single word longer than a line (a long Message-ID) passes 78 columns; RFC 5322
            // §2.1.1's hard limit is 998, which the callers' own limits keep every word under.
            precondition(line.utf8.count <= 998, "a header line is at most 998 characters")
            precondition(line.utf8.allSatisfy { $0 < 0x80 }, "headers are ASCII: non-ASCII text is encoded")
        }
        return Array(lines.joined(separator: "\r\n").utf8) + [0x0D, 0x0A]
    }
}

extension String {
    /// The inside of an RFC 5322 quoted string.
    func replacingBackslashesAndQuotes() -> String {
        var result = ""
        for character in self {
            if character == "\\" || character == "\"" { result.append("\\") }
            result.append(character)
        }
        return result
    }
}
