/// Base64 (RFC 4648 §4, with padding), written here rather than through Foundation so that the
/// composer's output is the same on every platform and line breaks are exactly where MIME wants them.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let first = iterator.next() {
            let second = iterator.next(), third = iterator.next()
            let group = UInt32(first) << 16 | UInt32(second ?? 0) << 8 | UInt32(third ?? 0)
            output.append(alphabet[Int(group >> 18 & 0x3F)])
            output.append(alphabet[Int(group >> 12 & 0x3F)])
            output.append(second == nil ? UInt8(ascii: "=") : alphabet[Int(group >> 6 & 0x3F)])
            output.append(third == nil ? UInt8(ascii: "=") : alphabet[Int(group & 0x3F)])
        }
        return output
    }

    static func encodedString(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: encode(bytes), as: UTF8.self)
    }

    /// A MIME body: lines of at most 76 characters, joined by CRLF, without a CRLF after the last
    /// (the multipart delimiter or the message's end supplies it). Empty input gives no lines.
    static func encodeLines(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let encoded = encode(bytes)
        var output: [UInt8] = []
        output.reserveCapacity(encoded.count + encoded.count / Limits.base64LineCharactersMax * 2)
        var start = 0
        while start < encoded.count {
            if start > 0 { output.append(contentsOf: [0x0D, 0x0A]) }
            let end = min(start + Limits.base64LineCharactersMax, encoded.count)
            output.append(contentsOf: encoded[start..<end])
            start = end
        }
        return output
    }
}
