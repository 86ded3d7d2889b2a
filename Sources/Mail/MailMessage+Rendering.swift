import Crypto

/// The layout `rendered()` writes (docs/mail.md has it with an example):
///
///     Date, From, To, Subject, Message-ID, the extra headers, MIME-Version: 1.0
///     multipart/mixed                       ← only when there are attachments
///     ├─ multipart/alternative              ← only when there are both bodies
///     │  ├─ text/plain; charset=utf-8       (base64)
///     │  └─ text/html; charset=utf-8        (base64)
///     └─ each attachment                    (base64, Content-Disposition: attachment)
///
/// Everything is base64 rather than quoted-printable: a base64 line never starts with a dot, never
/// passes 76 characters and never carries trailing spaces a relay might strip, and one encoding
/// is one code path to get right. The cost is readability of the raw source, which only matters
/// when debugging, and 33% in size.
extension MailMessage {
    /// The message as RFC 5322 bytes with CRLF line endings, ready for DATA (before dot-stuffing,
    /// which the SMTP client does). The same message always renders the same bytes.
    public func rendered() -> [UInt8] {
        var output: [UInt8] = []
        var date = FoldedHeader(name: "Date")
        date.append(word: Self.rfc5322Date(dateSecondsSince1970))
        output += date.bytes
        var fromHeader = FoldedHeader(name: "From")
        fromHeader.append(mailbox: from, last: true)
        output += fromHeader.bytes
        var toHeader = FoldedHeader(name: "To")
        for (index, mailbox) in to.enumerated() {
            toHeader.append(mailbox: mailbox, last: index == to.count - 1)
        }
        output += toHeader.bytes
        var subjectHeader = FoldedHeader(name: "Subject")
        subjectHeader.append(text: subject)
        output += subjectHeader.bytes
        var idHeader = FoldedHeader(name: "Message-ID")
        idHeader.append(word: messageID)
        output += idHeader.bytes
        for header in extraHeaders {
            var folded = FoldedHeader(name: header.name)
            folded.append(text: header.value)
            output += folded.bytes
        }
        output += Array("MIME-Version: 1.0\r\n".utf8)
        output += topEntity().bytes + [0x0D, 0x0A]
        precondition(output.allSatisfy { $0 < 0x80 }, "a rendered message is 7-bit: headers are encoded, bodies base64")
        return output
    }

    private func topEntity() -> MIMEEntity {
        var bodies: [MIMEEntity] = []
        if let textBody { bodies.append(.text(textBody, subtype: "plain")) }
        if let htmlBody { bodies.append(.text(htmlBody, subtype: "html")) }
        let body = bodies.count == 1 ? bodies[0] : .multipart("alternative", bodies)
        guard !attachments.isEmpty else { return body }
        return .multipart("mixed", [body] + attachments.map(MIMEEntity.attachment))
    }

    /// RFC 5322 §3.3, in UTC: `Tue, 14 Apr 2026 07:30:00 +0000`.
    static func rfc5322Date(_ secondsSince1970: Int64) -> String {
        let days = secondsSince1970 / 86_400, secondsOfDay = secondsSince1970 % 86_400
        // Howard Hinnant's civil_from_days: eras of 400 years starting on 1 March.
        let shifted = days + 719_468
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1 January 1970 was a Thursday
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func twoDigits(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[Int(days % 7)]), \(day) \(months[Int(month - 1)]) \(year) "
            + "\(twoDigits(secondsOfDay / 3_600)):\(twoDigits(secondsOfDay / 60 % 60)):\(twoDigits(secondsOfDay % 60)) +0000"
    }
}

extension FoldedHeader {
    /// `Name <address>` (or the bare address), with a comma after it unless it is the last.
    mutating func append(mailbox: MailAddress, last: Bool) {
        let separator = last ? "" : ","
        if let name = mailbox.displayName, !name.isEmpty {
            append(displayName: name)
            append(word: "<" + mailbox.address + ">" + separator)
        } else {
            append(word: mailbox.address + separator)
        }
    }
}

/// One MIME entity: its header lines and its body, the body without a final CRLF (the delimiter
/// that follows it in a multipart, or the end of the message, starts with that CRLF).
struct MIMEEntity {
    var headers: [UInt8]
    var body: [UInt8]

    var bytes: [UInt8] { headers + [0x0D, 0x0A] + body }

    static func text(_ text: String, subtype: String) -> MIMEEntity {
        MIMEEntity(
            headers: Array("Content-Type: text/\(subtype); charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n".utf8),
            body: Base64.encodeLines(canonicalLineEndings(text))
        )
    }

    static func attachment(_ attachment: MailAttachment) -> MIMEEntity {
        // Validated when the message was made: `MailMessage.init` refuses what this would not parse.
        guard let components = MailSyntax.mediaTypeComponents(attachment.contentType) else {
            preconditionFailure("MailMessage.init checked \(attachment.contentType)")
        }
        var contentType = FoldedHeader(name: "Content-Type")
        for (index, component) in components.enumerated() {
            contentType.append(word: component + (index == components.count - 1 ? "" : ";"))
        }
        var disposition = FoldedHeader(name: "Content-Disposition")
        disposition.append(word: "attachment;")
        for word in filenameParameter(attachment.filename) { disposition.append(word: word) }
        return MIMEEntity(
            headers: contentType.bytes + disposition.bytes + Array("Content-Transfer-Encoding: base64\r\n".utf8),
            body: Base64.encodeLines(attachment.bytes)
        )
    }

    /// `filename="name"` for a printable-ASCII name that fits on a line; otherwise RFC 2231's
    /// `filename*=utf-8''…` percent-encoding, cut into numbered continuations
    /// (`filename*0*=utf-8''…; filename*1*=…`) so that each fits on a line too.
    static func filenameParameter(_ filename: String) -> [String] {
        let quoted = "filename=\"" + filename.replacingBackslashesAndQuotes() + "\""
        if filename.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }),
           quoted.utf8.count < Limits.headerLineColumnsMax {
            return [quoted]
        }
        let encoded = percentEncodedRFC2231(filename)
        let single = "filename*=utf-8''" + encoded
        if single.utf8.count < Limits.headerLineColumnsMax { return [single] }
        // 60 characters a section keeps `filename*NN*=…;` under 78 columns for up to 100 sections.
        let sectionCharactersMax = 60
        var sections: [String] = []
        var section = "utf-8''"
        var index = encoded.startIndex
        while index < encoded.endIndex {
            // A percent-escape (`%E2`) stays whole within one section.
            let width = encoded[index] == "%" ? 3 : 1
            let next = encoded.index(index, offsetBy: width)
            if section.count + width > sectionCharactersMax {
                sections.append(section)
                section = ""
            }
            section += encoded[index..<next]
            index = next
        }
        sections.append(section)
        return sections.enumerated().map { number, value in
            "filename*\(number)*=" + value + (number == sections.count - 1 ? "" : ";")
        }
    }

    /// RFC 2231 §7: every byte outside `attribute-char` as `%XX`.
    static func percentEncodedRFC2231(_ text: String) -> String {
        let kept = Set(Array("!#$&+-.^_`|~".utf8))
        var output = ""
        for byte in text.utf8 {
            if MailSyntax.isHostnameCharacter(byte) && byte != UInt8(ascii: "-") || kept.contains(byte) {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = Array("0123456789ABCDEF".utf8)
                output += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]], as: UTF8.self)
            }
        }
        return output
    }

    /// A multipart whose boundary is a hash of its parts: a part can contain the boundary only if
    /// it contains its own SHA-256, which no input can arrange. `=_` cannot occur in base64 or in a
    /// token, so the boundary cannot be read as either.
    static func multipart(_ subtype: String, _ parts: [MIMEEntity]) -> MIMEEntity {
        var hasher = SHA256()
        hasher.update(data: Array(subtype.utf8))
        for part in parts {
            hasher.update(data: part.bytes)
        }
        let digest = hasher.finalize().prefix(16)
        let hex = Array("0123456789abcdef".utf8)
        let boundary = "=_agenda_" + String(decoding: digest.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0x0F)]] }, as: UTF8.self)
        let delimiter = Array("--\(boundary)".utf8)
        var body: [UInt8] = []
        for part in parts {
            precondition(!part.bytes.contains(subsequence: delimiter), "a part holding its own hash is not a thing that happens")
            body += delimiter + [0x0D, 0x0A] + part.bytes + [0x0D, 0x0A]
        }
        body += delimiter + Array("--".utf8)
        var contentType = FoldedHeader(name: "Content-Type")
        contentType.append(word: "multipart/\(subtype);")
        contentType.append(word: "boundary=\"\(boundary)\"")
        return MIMEEntity(headers: contentType.bytes, body: body)
    }

    /// Text with every line break as CRLF (RFC 2045 §6.8: text is encoded in its canonical form),
    /// whether the caller wrote LF, CR or CRLF.
    static func canonicalLineEndings(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        var previousWasCR = false
        for byte in text.utf8 {
            switch byte {
            case 0x0D:
                output += [0x0D, 0x0A]
                previousWasCR = true
                continue
            case 0x0A where previousWasCR:
                break
            case 0x0A:
                output += [0x0D, 0x0A]
            default:
                output.append(byte)
            }
            previousWasCR = false
        }
        return output
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        for start in 0...(count - needle.count) where self[start] == needle[0] {
            if self[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
