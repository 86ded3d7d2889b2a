import Engine
import NIOCore
import NIOEmbedded
import Testing

@testable import AgendaServer

@Suite("Request decoder, input in pieces")
struct RequestDecoderChunkingTests {
    /// A pipelined mixture: what redis-cli, redis-benchmark and a person at `nc` send.
    static let stream: (bytes: [UInt8], requests: [Request]) = {
        var text = ""
        var requests: [Request] = []
        for round in 0..<40 {
            let booking = ["BOOK", "RM-Q", "fotosegnalamento", "P-RM-2008-\(round)", "REQID", "r\(round)"]
            text += multibulk(booking)
            requests.append(Request(arguments: booking))
            text += "PING\r\n\r\n"
            requests.append(request("PING"))
            text += "CANCEL A-\(round) REASON \"moved to \\\"next\\\" week\"\n"
            requests.append(request("CANCEL", "A-\(round)", "REASON", "moved to \"next\" week"))
            text += "*0\r\n"
            let long = String(repeating: "z", count: round * 37)
            text += multibulk(["ECHO", long, ""])
            requests.append(request("ECHO", long, ""))
        }
        return (Array(text.utf8), requests)
    }()

    @Test("the reference stream decodes, in one chunk, to the requests it was built from")
    func oneChunk() throws {
        #expect(try decodeRequests([Self.stream.bytes]) == Self.stream.requests)
    }

    @Test("a pipelined stream fed one byte at a time yields the same requests as in one chunk")
    func oneByteAtATime() throws {
        let chunks = Self.stream.bytes.map { [$0] }
        #expect(try decodeRequests(chunks) == Self.stream.requests)
    }

    @Test("a pipelined stream in random chunkings yields the same requests as in one chunk")
    func randomChunkings() throws {
        var generator = SeededGenerator(seed: 0xA6E_DA)
        for _ in 0..<200 {
            var chunks: [[UInt8]] = []
            var offset = 0
            let bytes = Self.stream.bytes
            while offset < bytes.count {
                let length = min(bytes.count - offset, Int.random(in: 1...64, using: &generator))
                chunks.append(Array(bytes[offset..<(offset + length)]))
                offset += length
            }
            #expect(try decodeRequests(chunks) == Self.stream.requests)
        }
    }

    @Test("a burst of 10,000 pipelined commands decodes in order")
    func largePipeline() throws {
        var text = ""
        for index in 0..<10_000 {
            text += multibulk(["SET", "key:\(index)", "xxx"])
        }
        let requests = try decodeRequests(text)
        #expect(requests.count == 10_000)
        #expect(requests.first == request("SET", "key:0", "xxx"))
        #expect(requests.last == request("SET", "key:9999", "xxx"))
    }

    @Test("a partly arrived request consumes its complete arguments and leaves only the unfinished bulk")
    func partialRequestKeepsArguments() throws {
        var decoder = RequestDecoder()
        var buffer = ByteBuffer(string: "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva")
        #expect(try decoder.decodeRequest(from: &buffer) == nil)
        #expect(buffer.readableBytesView.elementsEqual("va".utf8))
        buffer.writeString("lue\r\nPING\r\n")
        #expect(try decoder.decodeRequest(from: &buffer) == request("SET", "key", "value"))
        #expect(try decoder.decodeRequest(from: &buffer) == request("PING"))
        #expect(buffer.readableBytes == 0)
    }

    @Test("a bulk of bulkBytesMax bytes arriving a byte at a time completes when its last byte arrives")
    func largeBulkDripFed() throws {
        var decoder = RequestDecoder()
        var buffer = ByteBuffer(string: "*2\r\n$4\r\nECHO\r\n$\(Limits.bulkBytesMax)\r\n")
        #expect(try decoder.decodeRequest(from: &buffer) == nil)
        for _ in 0..<Limits.bulkBytesMax {
            buffer.writeInteger(UInt8(ascii: "b"))
            #expect(try decoder.decodeRequest(from: &buffer) == nil)
        }
        buffer.writeString("\r")
        #expect(try decoder.decodeRequest(from: &buffer) == nil)
        buffer.writeString("\n")
        let echoed = try decoder.decodeRequest(from: &buffer)
        #expect(echoed == request("ECHO", String(repeating: "b", count: Limits.bulkBytesMax)))
    }

    @Test("when the client goes, complete requests are delivered and an incomplete trailing one is dropped")
    func endOfInputDropsIncompleteRequest() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RequestDecoder()))
        try channel.writeInbound(ByteBuffer(string: "PING\r\n*2\r\n$3\r\nGET\r\n$5\r\nke"))
        #expect(try channel.readInbound(as: Request.self) == request("PING"))
        channel.pipeline.fireChannelInactive()
        #expect(try channel.readInbound(as: Request.self) == nil)
        #expect(try channel.finish().isClean)
    }

    @Test("when the client goes in the middle of an inline line, the line is dropped")
    func endOfInputDropsIncompleteLine() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RequestDecoder()))
        try channel.writeInbound(ByteBuffer(string: "PING\r\nBOOK RM-Q"))
        #expect(try channel.readInbound(as: Request.self) == request("PING"))
        #expect(try channel.finish().isClean)
    }
}
