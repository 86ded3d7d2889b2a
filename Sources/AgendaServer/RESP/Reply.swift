/// A reply, in the shapes RESP2 and RESP3 share. The encoder lowers the RESP3-only shapes for
/// RESP2 clients (see `write(to:version:)`), so handlers build one reply for both.
public enum Reply: Equatable, Sendable {
    /// `+OK`: a short line, no CR or LF.
    case status(String)
    /// `-CODE message`, the codes of PROTOCOL.md; the message says what to do next.
    case error(code: String, message: String)
    case integer(Int)
    case bulk(String)
    /// RESP2 `$-1`, RESP3 `_`.
    case null
    case array([Reply])
    /// RESP2 `*-1`, RESP3 `_`.
    case nullArray
    /// RESP3 `%n`; RESP2 a flat array `key, value, ...`, as HGETALL answers.
    case map([ReplyField])
    /// RESP3 `>n` (pub/sub messages); RESP2 a plain array.
    case push([Reply])
    /// RESP3 `,`; RESP2 a bulk string of the same text.
    case double(Double)
    /// RESP3 `#t`/`#f`; RESP2 the integer 1 or 0.
    case boolean(Bool)
    /// RESP3 `=n` with the format `txt`; RESP2 a bulk string (INFO).
    case verbatim(String)
}

/// One key and its value in a `Reply.map`, kept in order.
public struct ReplyField: Equatable, Sendable {
    public var key: String
    public var value: Reply

    public init(_ key: String, _ value: Reply) {
        self.key = key
        self.value = value
    }
}

/// The protocol a connection speaks: RESP2 until the client says `HELLO 3`.
public enum ProtocolVersion: Int, Sendable {
    case resp2 = 2
    case resp3 = 3
}
