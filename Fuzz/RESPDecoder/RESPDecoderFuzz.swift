import AgendaServer
import Engine
import FuzzSupport
import NIOCore
import NIOEmbedded

/// What the request decoder must do with any bytes a client can send, checked on one input:
///
/// - it never crashes, and throws nothing but a `RequestDecoderError`, whose sentence is one
///   line (it follows `-LIMIT ` or `-SYNTAX ` on the wire);
/// - fed whole, in random small chunks (byte by byte when short), or in random larger ones,
///   through the same `ByteToMessageHandler` the server installs, it yields the same requests
///   and the same error (NIO's `ByteToMessageDecoderVerifier` idea, on arbitrary bytes);
/// - every request has a command name and at most `argumentsMax` arguments, and encoded again
///   as a RESP multibulk it decodes to itself.
///
/// The chunkings are drawn from a hash of the input, so a corpus file is a plain byte stream
/// (what `nc` would send) and a failure reproduces from the file alone.
enum RESPDecoderProperty {
    struct Decoded: Equatable {
        var requests: [Request] = []
        var error: RequestDecoderError?
        /// Set when the stream ended cleanly and the handler's end-of-input pass ran.
        var finished = false
    }

    static func check(_ input: [UInt8]) {
        let whole = feed(input, chunkSizes: [max(input.count, 1)])
        var draws = InputDraws(input)
        // Byte by byte only for short inputs: every write costs a trip through the pipeline, and
        // the fuzzer's many inputs put the chunk boundaries everywhere anyway.
        let small = feed(input, chunkSizes: input.count <= 64 ? [1] : (0..<64).map { _ in draws.next(in: 1...32) })
        let mixed = feed(input, chunkSizes: (0..<64).map { _ in draws.next(in: 1...512) })
        guard whole == small, whole == mixed else {
            preconditionFailure("the chunking changed what was decoded: whole \(whole), small chunks \(small), mixed \(mixed)")
        }
        if let error = whole.error {
            precondition(error.code == "LIMIT" || error.code == "SYNTAX", "an error with code \(error.code)")
            precondition(!error.description.contains(where: { $0 == "\r" || $0 == "\n" }),
                         "an error sentence spans lines: \(error.description)")
        }
        for request in whole.requests {
            precondition(!request.arguments.isEmpty, "a request without a command name")
            precondition(request.arguments.count <= Limits.argumentsMax, "\(request.arguments.count) arguments")
        }
        checkReencode(whole.requests)
    }

    /// Encoded as redis-cli would send them, one after the other, the requests decode to
    /// themselves; a request the lossy UTF-8 decoding (an invalid byte becomes U+FFFD, three
    /// bytes) pushed past a limit is left out.
    static func checkReencode(_ requests: [Request]) {
        let encodable = requests.filter { request in
            let lengths = request.arguments.map(\.utf8.count)
            return lengths.allSatisfy { $0 <= Limits.bulkBytesMax } && lengths.reduce(0, +) <= Limits.requestBytesMax
        }
        guard !encodable.isEmpty else { return }
        var encoded: [UInt8] = []
        for request in encodable {
            encoded += Array("*\(request.arguments.count)\r\n".utf8)
            for argument in request.arguments {
                encoded += Array("$\(argument.utf8.count)\r\n".utf8) + Array(argument.utf8) + [13, 10]
            }
        }
        let again = feed(encoded, chunkSizes: [encoded.count])
        precondition(again == Decoded(requests: encodable, error: nil, finished: true),
                     "\(encodable.map(\.arguments)) encoded as multibulks decode to \(again)")
    }

    /// Writes `input` into a fresh channel with the server's framing handler, `chunkSizes` bytes
    /// at a time (cycling), then closes the input as a client hanging up would.
    static func feed(_ input: [UInt8], chunkSizes: [Int]) -> Decoded {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RequestDecoder()))
        defer { _ = try? channel.finish() }
        var decoded = Decoded()
        var offset = 0
        var chunk = 0
        while offset < input.count, decoded.error == nil {
            let size = min(chunkSizes[chunk % chunkSizes.count], input.count - offset)
            chunk += 1
            let buffer = channel.allocator.buffer(bytes: input[offset..<(offset + size)])
            offset += size
            decoded.error = typed { try channel.writeInbound(buffer) }
            drain(channel, into: &decoded)
        }
        guard decoded.error == nil else { return decoded }
        // The end of input runs the decoder's `decodeLast`: an unfinished request is dropped, not reported.
        decoded.error = typed { _ = try channel.finish(acceptAlreadyClosed: false) }
        drain(channel, into: &decoded)
        decoded.finished = decoded.error == nil
        return decoded
    }

    static func drain(_ channel: EmbeddedChannel, into decoded: inout Decoded) {
        while true {
            let next: Request?
            do {
                next = try channel.readInbound(as: Request.self)
            } catch {
                preconditionFailure("the channel's inbound queue held something else than a Request: \(error)")
            }
            guard let next else { return }
            decoded.requests.append(next)
        }
    }

    /// The decoder's error, or nil; anything else than a `RequestDecoderError` is a failure.
    static func typed(_ body: () throws -> Void) -> RequestDecoderError? {
        do {
            try body()
            return nil
        } catch let error as RequestDecoderError {
            return error
        } catch {
            preconditionFailure("an untyped error: \(error)")
        }
    }
}
