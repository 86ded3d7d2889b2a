import Engine

/// A multibulk request read up to a point: kept in the decoder while its arguments arrive.
struct PartialMultibulk {
    /// The count from `*<count>`, at least 1 and at most `argumentsMax`.
    let count: Int
    var arguments: [String]
    /// The length from the `$<length>` header just read, whose bytes have not all arrived.
    var pendingBulkBytes: Int?
    /// The lengths of the arguments announced so far, for `requestBytesMax`.
    var requestBytes = 0

    init(count: Int) {
        self.count = count
        self.arguments = []
        self.arguments.reserveCapacity(count)
    }
}

extension RequestDecoder {
    /// Reads a request starting `*<count>\r\n`: as many of its arguments as have arrived.
    mutating func readMultibulk(from bytes: UnsafeRawBufferPointer, at cursor: inout Int) throws -> RequestParseStep {
        guard let count = try self.readHeader(from: bytes, at: &cursor, naming: "multibulk length") else {
            return .needMoreData
        }
        // Redis answers `*0` and `*-1` with nothing, so clients may send them as no-ops.
        guard count > 0 else { return .skipped }
        guard count <= Limits.argumentsMax else {
            throw RequestDecoderError.limitExceeded(limit: "argumentsMax", max: Limits.argumentsMax)
        }
        return try self.readArguments(of: PartialMultibulk(count: count), from: bytes, at: &cursor)
    }

    /// Reads `$<length>\r\n<bytes>\r\n` arguments until the request is complete or the bytes run
    /// out; then the partial request is kept in `self.partial`, its complete arguments consumed.
    mutating func readArguments(
        of multibulk: consuming PartialMultibulk,
        from bytes: UnsafeRawBufferPointer,
        at cursor: inout Int
    ) throws -> RequestParseStep {
        while multibulk.arguments.count < multibulk.count {
            let length: Int
            if let pending = multibulk.pendingBulkBytes {
                length = pending
            } else {
                guard cursor < bytes.count else { break }
                guard bytes[cursor] == RESPByte.dollar else {
                    throw RequestDecoderError.malformed("expected '$', got \(Self.quoted(bytes[cursor]))")
                }
                guard let announced = try self.readHeader(from: bytes, at: &cursor, naming: "bulk length") else { break }
                guard announced >= 0 else {
                    throw RequestDecoderError.malformed("invalid bulk length \(announced)")
                }
                // Checked on the header, so the decoder never waits for (and holds) more than the limit.
                guard announced <= Limits.bulkBytesMax else {
                    throw RequestDecoderError.limitExceeded(limit: "bulkBytesMax", max: Limits.bulkBytesMax)
                }
                multibulk.requestBytes += announced
                guard multibulk.requestBytes <= Limits.requestBytesMax else {
                    throw RequestDecoderError.limitExceeded(limit: "requestBytesMax", max: Limits.requestBytesMax)
                }
                length = announced
            }
            // Waiting for a bulk costs one comparison per read, however it is chunked.
            guard bytes.count - cursor >= length + 2 else {
                multibulk.pendingBulkBytes = length
                break
            }
            let end = cursor + length
            guard bytes[end] == RESPByte.carriageReturn, bytes[end + 1] == RESPByte.lineFeed else {
                throw RequestDecoderError.malformed(
                    "expected \\r\\n after a bulk string of \(length) bytes, got \(Self.quoted(bytes[end])) \(Self.quoted(bytes[end + 1]))"
                )
            }
            multibulk.arguments.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[cursor..<end]), as: UTF8.self))
            multibulk.pendingBulkBytes = nil
            cursor = end + 2
        }
        guard multibulk.arguments.count == multibulk.count else {
            self.partial = multibulk
            return .needMoreData
        }
        return .request(Request(arguments: multibulk.arguments))
    }

    /// Reads a header line `*<integer>\r\n` or `$<integer>\r\n` at the cursor (whose first byte
    /// the caller has checked); nil, consuming nothing, until the whole line has arrived.
    mutating func readHeader(
        from bytes: UnsafeRawBufferPointer,
        at cursor: inout Int,
        naming name: String
    ) throws -> Int? {
        let lineStart = cursor
        // A line of lineBytesMax bytes has its \r at offset lineBytesMax at the latest.
        let searchEnd = min(bytes.count, lineStart + Limits.lineBytesMax + 1)
        var index = lineStart + self.lineBytesSearched
        while index < searchEnd, bytes[index] != RESPByte.carriageReturn { index += 1 }
        guard index < searchEnd else {
            guard bytes.count - lineStart <= Limits.lineBytesMax else {
                throw RequestDecoderError.limitExceeded(limit: "lineBytesMax", max: Limits.lineBytesMax)
            }
            self.lineBytesSearched = bytes.count - lineStart
            return nil
        }
        guard index + 1 < bytes.count else {
            self.lineBytesSearched = index - lineStart
            return nil
        }
        guard bytes[index + 1] == RESPByte.lineFeed else {
            throw RequestDecoderError.malformed("expected \\n after \\r, got \(Self.quoted(bytes[index + 1]))")
        }
        let digits = UnsafeRawBufferPointer(rebasing: bytes[(lineStart + 1)..<index])
        guard let value = Self.integer(digits) else {
            throw RequestDecoderError.malformed("invalid \(name) \(Self.quoted(digits))")
        }
        self.lineBytesSearched = 0
        cursor = index + 2
        return value
    }

    /// A decimal integer as Redis's string2ll reads it: an optional `-`, no `+`, no spaces, no
    /// leading zeros, no overflow. Nil for anything else.
    static func integer(_ digits: UnsafeRawBufferPointer) -> Int? {
        guard let first = digits.first else { return nil }
        let negative = first == UInt8(ascii: "-")
        let magnitudeDigits = negative ? UnsafeRawBufferPointer(rebasing: digits.dropFirst()) : digits
        guard let leading = magnitudeDigits.first else { return nil }
        if leading == UInt8(ascii: "0") {
            return magnitudeDigits.count == 1 && !negative ? 0 : nil
        }
        var magnitude = 0
        for byte in magnitudeDigits {
            let digit = byte &- UInt8(ascii: "0")
            guard digit <= 9 else { return nil }
            let (shifted, shiftOverflow) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, sumOverflow) = shifted.addingReportingOverflow(Int(digit))
            guard !shiftOverflow, !sumOverflow else { return nil }
            magnitude = sum
        }
        return negative ? -magnitude : magnitude
    }

    /// A byte as an error message shows it: printable ASCII in quotes, anything else as `\xHH`,
    /// so the message stays one printable line.
    static func quoted(_ byte: UInt8) -> String {
        "'\(self.printable(byte))'"
    }

    /// Up to 32 bytes as an error message shows them, in double quotes.
    static func quoted(_ bytes: UnsafeRawBufferPointer) -> String {
        let shown = bytes.prefix(32).map(Self.printable).joined()
        return "\"\(shown)\(bytes.count > 32 ? "..." : "")\""
    }

    private static func printable(_ byte: UInt8) -> String {
        if byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\\") {
            return String(UnicodeScalar(byte))
        }
        let hex = String(byte, radix: 16, uppercase: true)
        return "\\x\(hex.count == 1 ? "0" : "")\(hex)"
    }
}
