import NIOCore

/// Frames requests as Redis does (networking.c, processMultibulkBuffer and processInlineBuffer):
///
///     multibulk:  *<count>\r\n   then count times   $<length>\r\n <length bytes> \r\n
///     inline:     WORD "two words" 'one more' WORD\r\n        (or just \n)
///
/// A request whose first byte is `*` is a multibulk; anything else is an inline line. Empty
/// lines and `*0` (or any count ≤ 0) are no request and are skipped, as Redis skips them.
///
/// Every limit of `Limits+Protocol` is checked as soon as the bytes that break it arrive, so a
/// client cannot make the decoder hold more than a limit allows. The decoder consumes each
/// argument as it completes and keeps its place in an unterminated line, so input arriving in
/// pieces, down to a byte at a time, is read once.
public struct RequestDecoder: ByteToMessageDecoder {
    public typealias InboundOut = Request

    /// A multibulk request whose arguments are still arriving: those read so far, already
    /// consumed from the buffer.
    var partial: PartialMultibulk?
    /// How many bytes of the line at the reader index are known to hold no terminator, so a line
    /// trickling in is searched once rather than from its start on every read.
    var lineBytesSearched = 0

    public init() {}

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let request = try self.decodeRequest(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(request))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        if let request = try self.decodeRequest(from: &buffer) {
            context.fireChannelRead(Self.wrapInboundOut(request))
            return .continue
        }
        // The client has gone (or the handler is being removed): an incomplete request can never
        // complete and there is no one to answer, so it is dropped rather than reported as leftovers.
        buffer.moveReaderIndex(to: buffer.writerIndex)
        self.partial = nil
        self.lineBytesSearched = 0
        return .needMoreData
    }

    /// The next complete request in `buffer`, consuming its bytes and any skipped empty
    /// requests before it; nil when the bytes end inside a request, of which the complete
    /// arguments are consumed and kept.
    mutating func decodeRequest(from buffer: inout ByteBuffer) throws -> Request? {
        let (consumedBytes, request) = try buffer.withUnsafeReadableBytes { bytes in
            try self.parse(bytes)
        }
        buffer.moveReaderIndex(forwardBy: consumedBytes)
        return request
    }

    /// Reads from the start of `bytes`, the buffer's readable bytes. Returns how many of them to
    /// consume, and the request if one completed.
    private mutating func parse(_ bytes: UnsafeRawBufferPointer) throws -> (consumedBytes: Int, request: Request?) {
        var cursor = 0
        while true {
            let parsed: RequestParseStep
            if let partial = self.partial.take() {
                // Moved, not copied, so the arguments array stays uniquely referenced as it grows.
                parsed = try self.readArguments(of: consume partial, from: bytes, at: &cursor)
            } else if cursor == bytes.count {
                return (cursor, nil)
            } else if bytes[cursor] == RESPByte.asterisk {
                parsed = try self.readMultibulk(from: bytes, at: &cursor)
            } else {
                parsed = try self.readInline(from: bytes, at: &cursor)
            }
            switch parsed {
            case .request(let request): return (cursor, request)
            case .skipped: continue
            case .needMoreData: return (cursor, nil)
            }
        }
    }
}

/// What one step of parsing found. The cursor has moved past what it consumed.
enum RequestParseStep {
    case request(Request)
    /// An empty line or an empty multibulk: no request, keep reading.
    case skipped
    case needMoreData
}

/// The bytes the framing turns on.
enum RESPByte {
    static let asterisk = UInt8(ascii: "*")
    static let dollar = UInt8(ascii: "$")
    static let carriageReturn = UInt8(ascii: "\r")
    static let lineFeed = UInt8(ascii: "\n")
    static let backslash = UInt8(ascii: "\\")
    static let doubleQuote = UInt8(ascii: "\"")
    static let singleQuote = UInt8(ascii: "'")
}
