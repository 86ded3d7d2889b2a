import Engine

extension RequestDecoder {
    /// Reads an inline request: one line ending in \n (a \r before it is dropped), split into
    /// words; `.needMoreData`, consuming nothing, until the \n has arrived.
    mutating func readInline(from bytes: UnsafeRawBufferPointer, at cursor: inout Int) throws -> RequestParseStep {
        let lineStart = cursor
        // A line of lineBytesMax bytes has its \n at offset lineBytesMax + 1 at the latest (after a \r).
        let searchEnd = min(bytes.count, lineStart + Limits.lineBytesMax + 2)
        var index = lineStart + self.lineBytesSearched
        while index < searchEnd, bytes[index] != RESPByte.lineFeed { index += 1 }
        guard index < searchEnd else {
            guard bytes.count - lineStart <= Limits.lineBytesMax + 1 else {
                throw RequestDecoderError.limitExceeded(limit: "lineBytesMax", max: Limits.lineBytesMax)
            }
            self.lineBytesSearched = bytes.count - lineStart
            return .needMoreData
        }
        var lineEnd = index
        if lineEnd > lineStart, bytes[lineEnd - 1] == RESPByte.carriageReturn { lineEnd -= 1 }
        guard lineEnd - lineStart <= Limits.lineBytesMax else {
            throw RequestDecoderError.limitExceeded(limit: "lineBytesMax", max: Limits.lineBytesMax)
        }
        let arguments = try InlineLine.split(UnsafeRawBufferPointer(rebasing: bytes[lineStart..<lineEnd]))
        self.lineBytesSearched = 0
        cursor = index + 1
        // A person pressing Enter on an empty line gets nothing back, as from Redis.
        return arguments.isEmpty ? .skipped : .request(Request(arguments: arguments))
    }
}

/// Splits an inline line into words as Redis's sdssplitargs does, with one difference: a quote
/// opens a quoted word only at the start of a word; inside a word it is a character, so a
/// surname typed as it is written goes through:
///
///     SET key "two words"      →  SET, key, two words
///     ECHO "a\"b\\c\x41\n"     →  ECHO, a"b\cA + newline     (\n \r \t \b \a \" \\ \xHH)
///     ECHO 'it\'s'             →  ECHO, it's                 (single quotes: only \' escapes)
///     REGISTER … D'Angelo …    →  REGISTER, …, D'Angelo, …    (sdssplitargs would open a quote)
///     a"b c"d                  →  a"b, c"d
///     "a"b                     →  malformed: a closing quote must be followed by a space
///
/// Why the difference: Italian surnames (D'Angelo, Dell'Acqua) are typed every day, and Redis's
/// rule reads them as an unbalanced quote and closes the connection. Only a quote in the middle
/// of a word reads differently: `ab"c d"` is two words here, one (`abc d`) for Redis.
enum InlineLine {
    static func split(_ line: UnsafeRawBufferPointer) throws -> [String] {
        // Redis reads the line as a C string: a NUL byte ends it.
        let end = line.firstIndex(of: 0) ?? line.count
        // The byte at `index`, or 0 past the end, as C's `*p` reads the terminator.
        func byte(at index: Int) -> UInt8 { index < end ? line[index] : 0 }

        var arguments: [String] = []
        // One buffer for every word of the line, so escapes cost no allocation per byte.
        var word: [UInt8] = []
        word.reserveCapacity(end)
        var index = 0
        while true {
            while index < end, isSpace(line[index]) { index += 1 }
            guard index < end else { return arguments }
            guard arguments.count < Limits.argumentsMax else {
                throw RequestDecoderError.limitExceeded(limit: "argumentsMax", max: Limits.argumentsMax)
            }
            word.removeAll(keepingCapacity: true)
            let wordStart = index
            var quoting = Quoting.none
            reading: while true {
                let current = byte(at: index)
                switch quoting {
                case .double:
                    if current == RESPByte.backslash, byte(at: index + 1) == UInt8(ascii: "x"),
                        let high = hexValue(byte(at: index + 2)), let low = hexValue(byte(at: index + 3))
                    {
                        word.append(high << 4 | low)
                        index += 3
                    } else if current == RESPByte.backslash, byte(at: index + 1) != 0 {
                        index += 1
                        word.append(unescaped(line[index]))
                    } else if current == RESPByte.doubleQuote {
                        try closeQuote(followedBy: byte(at: index + 1))
                        index += 1
                        break reading
                    } else if current == 0 {
                        throw RequestDecoderError.malformed("unbalanced quotes in an inline request")
                    } else {
                        word.append(current)
                    }
                case .single:
                    if current == RESPByte.backslash, byte(at: index + 1) == RESPByte.singleQuote {
                        index += 1
                        word.append(RESPByte.singleQuote)
                    } else if current == RESPByte.singleQuote {
                        try closeQuote(followedBy: byte(at: index + 1))
                        index += 1
                        break reading
                    } else if current == 0 {
                        throw RequestDecoderError.malformed("unbalanced quotes in an inline request")
                    } else {
                        word.append(current)
                    }
                case .none:
                    switch current {
                    case 0:
                        break reading
                    case UInt8(ascii: " "), RESPByte.lineFeed, RESPByte.carriageReturn, UInt8(ascii: "\t"):
                        index += 1
                        break reading
                    case RESPByte.doubleQuote where index == wordStart:
                        quoting = .double
                    case RESPByte.singleQuote where index == wordStart:
                        quoting = .single
                    default:
                        word.append(current)
                    }
                }
                index += 1
            }
            arguments.append(String(decoding: word, as: UTF8.self))
        }
    }

    private enum Quoting { case none, double, single }

    /// Redis refuses `"a"b`: a closing quote must end the word.
    private static func closeQuote(followedBy next: UInt8) throws {
        guard next == 0 || isSpace(next) else {
            throw RequestDecoderError.malformed("a closing quote must be followed by a space in an inline request")
        }
    }

    /// C's isspace in the C locale.
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func unescaped(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "n"): RESPByte.lineFeed
        case UInt8(ascii: "r"): RESPByte.carriageReturn
        case UInt8(ascii: "t"): UInt8(ascii: "\t")
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "a"): 0x07
        default: byte
        }
    }
}
