/// What the request decoder refuses. After either, the bytes that follow cannot be framed, so
/// the server answers `-LIMIT <sentence>` or `-SYNTAX <sentence>` and closes the connection.
public enum RequestDecoderError: Error, Equatable, CustomStringConvertible {
    /// A named limit of `Limits` (`lineBytesMax`, `bulkBytesMax`, `argumentsMax`,
    /// `requestBytesMax`) was exceeded; `max` is its value.
    case limitExceeded(limit: String, max: Int)
    /// The bytes are not RESP, nor a well-formed inline line; the detail says what was wrong,
    /// e.g. `expected '$', got '+'`.
    case malformed(String)

    /// The protocol's error code (PROTOCOL.md).
    public var code: String {
        switch self {
        case .limitExceeded: "LIMIT"
        case .malformed: "SYNTAX"
        }
    }

    /// One line (no CR or LF, so it can follow `-CODE ` on the wire) saying what went wrong
    /// and what to do next.
    public var description: String {
        let closed = "so the connection is closed; reconnect and"
        switch self {
        case .limitExceeded(let limit, let max):
            return switch limit {
            case "lineBytesMax":
                "A line is longer than \(max) bytes (\(limit)), \(closed) send shorter lines, each ending in \\r\\n."
            case "bulkBytesMax":
                "An argument is longer than \(max) bytes (\(limit)), \(closed) send shorter arguments."
            case "argumentsMax":
                "A request has more than \(max) arguments (\(limit)), \(closed) split it into several commands."
            case "requestBytesMax":
                "A request's arguments total more than \(max) bytes (\(limit)), \(closed) split it into several commands."
            default:
                "A request exceeds \(limit) (\(max)), \(closed) send a smaller one."
            }
        case .malformed(let detail):
            return "Protocol error: \(detail), \(closed) send each request as a RESP array of bulk strings, or as one line of words."
        }
    }
}
