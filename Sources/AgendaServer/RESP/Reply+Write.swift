import NIOCore

extension Reply {
    /// Appends the reply's bytes for a client speaking `version`.
    public func write(to buffer: inout ByteBuffer, version: ProtocolVersion) {
        switch self {
        case .status(let text):
            buffer.writeInteger(UInt8(ascii: "+"))
            buffer.writeRESPLine(text)
        case .error(let code, let message):
            buffer.writeInteger(UInt8(ascii: "-"))
            buffer.writeRESPLine(message.isEmpty ? code : "\(code) \(message)")
        case .integer(let value):
            buffer.writeRESPHeader(":", value)
        case .bulk(let text):
            buffer.writeRESPBulk(text)
        case .null:
            buffer.writeStaticString(version == .resp3 ? "_\r\n" : "$-1\r\n")
        case .array(let elements):
            buffer.writeRESPHeader("*", elements.count)
            for element in elements { element.write(to: &buffer, version: version) }
        case .nullArray:
            buffer.writeStaticString(version == .resp3 ? "_\r\n" : "*-1\r\n")
        case .map(let fields):
            if version == .resp3 {
                buffer.writeRESPHeader("%", fields.count)
            } else {
                buffer.writeRESPHeader("*", fields.count * 2)
            }
            for field in fields {
                buffer.writeRESPBulk(field.key)
                field.value.write(to: &buffer, version: version)
            }
        case .push(let elements):
            buffer.writeRESPHeader(version == .resp3 ? ">" : "*", elements.count)
            for element in elements { element.write(to: &buffer, version: version) }
        case .double(let value):
            let text = Self.text(of: value)
            if version == .resp3 {
                buffer.writeInteger(UInt8(ascii: ","))
                buffer.writeString(text)
                buffer.writeStaticString("\r\n")
            } else {
                buffer.writeRESPBulk(text)
            }
        case .boolean(let value):
            if version == .resp3 {
                buffer.writeStaticString(value ? "#t\r\n" : "#f\r\n")
            } else {
                buffer.writeStaticString(value ? ":1\r\n" : ":0\r\n")
            }
        case .verbatim(let text):
            if version == .resp3 {
                // The length counts the three-letter format and its colon.
                buffer.writeRESPHeader("=", text.utf8.count + 4)
                buffer.writeStaticString("txt:")
                buffer.writeString(text)
                buffer.writeStaticString("\r\n")
            } else {
                buffer.writeRESPBulk(text)
            }
        }
    }

    /// A double as RESP3 spells it and as Redis prints one: `inf`, `-inf`, `nan`; whole numbers
    /// without a fraction (`3`, not `3.0`); otherwise the shortest text that reads back the same.
    static func text(of value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        // Below 2^53 every whole double is an exact Int; past it Swift's exponent form is shorter.
        if value == value.rounded(), abs(value) < 9_007_199_254_740_992 { return String(Int(value)) }
        return value.description
    }
}

extension ByteBuffer {
    /// `<type><value>\r\n`, the header of integers, arrays, maps, pushes and bulks.
    mutating func writeRESPHeader(_ type: Unicode.Scalar, _ value: Int) {
        self.writeInteger(UInt8(ascii: type))
        self.writeString(String(value))
        self.writeStaticString("\r\n")
    }

    mutating func writeRESPBulk(_ text: String) {
        self.writeRESPHeader("$", text.utf8.count)
        self.writeString(text)
        self.writeStaticString("\r\n")
    }

    /// The rest of a status or error line. A CR or LF inside would end the line early and leave
    /// the client reading the remainder as another reply, so each becomes a space, as Redis does
    /// for error messages.
    mutating func writeRESPLine(_ text: String) {
        if text.utf8.contains(where: { $0 == RESPByte.carriageReturn || $0 == RESPByte.lineFeed }) {
            self.writeBytes(text.utf8.map { $0 == RESPByte.carriageReturn || $0 == RESPByte.lineFeed ? UInt8(ascii: " ") : $0 })
        } else {
            self.writeString(text)
        }
        self.writeStaticString("\r\n")
    }
}
