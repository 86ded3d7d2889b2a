import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A server on 127.0.0.1 that answers each command line with fixed bytes, for what aiosmtpd will
/// not do: misbehave. It sends `greeting` on connecting and, for each line received, the reply
/// of the first script entry whose key the line starts with; it records the lines it got.
final class ScriptedSMTPServer: Sendable {
    let port: Int
    private let channel: any Channel
    private let received: NIOLockedValueBox<[String]>

    /// The command lines received so far, on every connection.
    var lines: [String] { received.withLockedValue { $0 } }

    static func start(greeting: String, script: [(prefix: String, reply: String)]) async throws -> ScriptedSMTPServer {
        let received = NIOLockedValueBox<[String]>([])
        let entries = script.map { [$0.prefix, $0.reply] }
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(
                        Responder(greeting: greeting, script: entries.map { ($0[0], $0[1]) }, received: received)
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw ChannelError.unknownLocalAddress }
        return ScriptedSMTPServer(port: port, channel: channel, received: received)
    }

    private init(port: Int, channel: any Channel, received: NIOLockedValueBox<[String]>) {
        self.port = port
        self.channel = channel
        self.received = received
    }

    func stop() {
        channel.close(promise: nil)
    }

    private final class Responder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let greeting: String
        let script: [(String, String)]
        let received: NIOLockedValueBox<[String]>
        var buffer: [UInt8] = []

        init(greeting: String, script: [(String, String)], received: NIOLockedValueBox<[String]>) {
            self.greeting = greeting
            self.script = script
            self.received = received
        }

        func channelActive(context: ChannelHandlerContext) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: greeting)), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            buffer += unwrapInboundIn(data).readableBytesView
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline].filter { $0 != 0x0D }, as: UTF8.self)
                buffer.removeSubrange(...newline)
                received.withLockedValue { $0.append(line) }
                let reply = script.first { line.hasPrefix($0.0) }?.1 ?? "500 5.5.1 not in the script\r\n"
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: reply)), promise: nil)
            }
        }
    }
}
