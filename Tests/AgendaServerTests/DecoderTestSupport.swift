import NIOCore
import Testing

@testable import AgendaServer

/// A seeded generator (SplitMix64), so a failing random case fails again on the next run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { self.state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Feeds `chunks` to a fresh decoder as ByteToMessageHandler would (appending each to one
/// buffer, decoding until it needs more, discarding what was read) and returns the requests.
func decodeRequests(_ chunks: [[UInt8]]) throws -> [Request] {
    var decoder = RequestDecoder()
    var buffer = ByteBuffer()
    var requests: [Request] = []
    for chunk in chunks {
        buffer.writeBytes(chunk)
        while let request = try decoder.decodeRequest(from: &buffer) {
            requests.append(request)
        }
        buffer.discardReadBytes()
    }
    return requests
}

func decodeRequests(_ text: String) throws -> [Request] {
    try decodeRequests([Array(text.utf8)])
}

/// The error the decoder throws on `bytes` fed whole, or nil.
func decoderError(_ bytes: [UInt8]) -> RequestDecoderError? {
    do {
        _ = try decodeRequests([bytes])
        return nil
    } catch let error as RequestDecoderError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

func decoderError(_ text: String) -> RequestDecoderError? {
    decoderError(Array(text.utf8))
}

/// Feeds `bytes` one at a time; returns how many had been fed when the decoder threw, and the error.
func bytesFedUntilError(_ bytes: [UInt8]) -> (fedBytes: Int, error: RequestDecoderError)? {
    var decoder = RequestDecoder()
    var buffer = ByteBuffer()
    for (offset, byte) in bytes.enumerated() {
        buffer.writeInteger(byte)
        do {
            while try decoder.decodeRequest(from: &buffer) != nil {}
        } catch let error as RequestDecoderError {
            return (offset + 1, error)
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
        buffer.discardReadBytes()
    }
    return nil
}

/// The multibulk encoding of a request, as redis-cli and redis-benchmark send it.
func multibulk(_ arguments: [String]) -> String {
    "*\(arguments.count)\r\n" + arguments.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()
}

func request(_ arguments: String...) -> Request {
    Request(arguments: arguments)
}
