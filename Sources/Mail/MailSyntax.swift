/// The syntax checks the composer and the SMTP client share: what may go into a header or an
/// envelope without being able to break out of it (a line break in a subject, a `>` in an address).
enum MailSyntax {
    /// 9999-12-31T23:59:59Z: a `Date:` header has a four-digit year.
    static let latestDateSecondsSince1970: Int64 = 253_402_300_799

    /// RFC 5322 `atext`, the characters of an unquoted local part or display-name word.
    static func isAtext(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("!#$%&'*+-/=?^_`{|}~".utf8).contains(byte)
        }
    }

    /// A dot-atom `local@domain` in ASCII: the only form written unquoted, in headers and in
    /// MAIL FROM / RCPT TO alike. Quoted local parts and address literals are legal but so rare in
    /// the offices' mail that refusing them is safer than quoting them right.
    static func isPlainAddress(_ address: String) -> Bool {
        let bytes = Array(address.utf8)
        guard bytes.count <= Limits.addressBytesMax,
              let at = bytes.firstIndex(of: UInt8(ascii: "@")), at == bytes.lastIndex(of: UInt8(ascii: "@"))
        else { return false }
        let local = bytes[..<at], domain = bytes[(at + 1)...]
        return isDotAtom(local, allowing: isAtext) && isDotAtom(domain, allowing: isHostnameCharacter)
    }

    /// Letters, digits and the hyphen: what a DNS name's labels are made of.
    static func isHostnameCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    private static func isDotAtom(_ bytes: ArraySlice<UInt8>, allowing isAllowed: (UInt8) -> Bool) -> Bool {
        let labels = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return !bytes.isEmpty && labels.allSatisfy { !$0.isEmpty && $0.allSatisfy(isAllowed) }
    }

    /// What EHLO may carry (RFC 5321 §4.1.1.1): a host name, or an address literal such as
    /// `[192.0.2.1]` or `[IPv6:2001:db8::1]`; nothing that could end the command line.
    static func isHeloName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 255 && name.utf8.allSatisfy { byte in
            isHostnameCharacter(byte) || Array(".[]:".utf8).contains(byte)
        }
    }

    /// Line breaks and other control characters: in a header they would end the line (or start a
    /// new header), so no header text may carry them.
    static func containsControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { scalar in
            switch scalar.properties.generalCategory {
            case .control, .lineSeparator, .paragraphSeparator: true
            default: false
            }
        }
    }

    /// `<left@right>` in printable ASCII without spaces.
    static func isMessageID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard bytes.count >= 5, bytes.count <= Limits.messageIDBytesMax,
              bytes.first == UInt8(ascii: "<"), bytes.last == UInt8(ascii: ">")
        else { return false }
        let inner = bytes.dropFirst().dropLast()
        guard let at = inner.firstIndex(of: UInt8(ascii: "@")), at != inner.startIndex, at != inner.endIndex - 1 else {
            return false
        }
        return inner.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") }
    }

    /// RFC 5322 field name: printable ASCII except the colon.
    static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }
    }

    /// RFC 2045 `token`.
    static func isToken(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            byte > 0x20 && byte < 0x7F && !Array("()<>@,;:\\\"/[]?=".utf8).contains(byte)
        }
    }

    /// `type/subtype; name=value; …` split into `["type/subtype", "name=value", …]` with the spaces
    /// around the semicolons dropped, or nil when it is not one. Values are tokens or quoted
    /// strings without a semicolon or backslash inside (as every type the engine sends is).
    static func mediaTypeComponents(_ contentType: String) -> [String]? {
        guard contentType.utf8.count <= Limits.contentTypeBytesMax,
              contentType.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F })
        else { return nil }
        let components = contentType.split(separator: ";", omittingEmptySubsequences: false)
            .map { $0.trimmingSpaces() }
        guard let first = components.first else { return nil }
        let typeParts = first.split(separator: "/", omittingEmptySubsequences: false)
        guard typeParts.count == 2, isToken(typeParts[0]), isToken(typeParts[1]) else { return nil }
        for parameter in components.dropFirst() {
            guard let equals = parameter.firstIndex(of: "=") else { return nil }
            let name = parameter[..<equals], value = parameter[parameter.index(after: equals)...]
            guard isToken(name) else { return nil }
            let isQuoted = value.count >= 2 && value.first == "\"" && value.last == "\""
                && !value.dropFirst().dropLast().contains(where: { $0 == "\"" || $0 == "\\" })
            guard isToken(value) || isQuoted else { return nil }
        }
        return components.map(String.init)
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
