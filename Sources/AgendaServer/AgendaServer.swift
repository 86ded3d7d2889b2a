import Engine
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The operators' protocol server: RESP on TCP, every command through the engine's single
/// writer. A `Service`, so SIGTERM and SIGINT stop it cleanly: stop accepting, let the batch in
/// flight finish and its replies leave, then the caller closes the store.
public final class AgendaServer: Service, @unchecked Sendable {
    public static let version = "0.4.0"

    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var eventLoops: Int

        public init(host: String = "127.0.0.1", port: Int = 7878, eventLoops: Int = System.coreCount) {
            self.host = host
            self.port = port
            self.eventLoops = eventLoops
        }
    }

    public let node: NodeContext
    let configuration: Configuration
    let group: MultiThreadedEventLoopGroup
    private let channel = NIOLockedValueBox<Channel?>(nil)

    public init(node: NodeContext, configuration: Configuration) {
        self.node = node
        self.configuration = configuration
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.eventLoops))
    }

    /// Binds and starts accepting; returns the port (useful when asked for port 0).
    @discardableResult
    public func start() async throws -> Int {
        let node = self.node
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 16)
            // A client that shuts its side after its last request (`nc -N`, a script's
            // shutdown(SHUT_WR)) still gets every reply; the node closes once they are written.
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            // Unwritable past the soft output limit: the connection stops reading (Connection).
            .childChannelOption(ChannelOptions.writeBufferWaterMark,
                                value: .init(low: node.outputLimits.softBytes / 2, high: node.outputLimits.softBytes))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try AgendaServer.accept(channel, node: node)
                }
            }
        let bound = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        channel.withLockedValue { $0 = bound }
        let port = bound.localAddress?.port ?? configuration.port
        node.logger.info("listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
        return port
    }

    static func accept(_ channel: Channel, node: NodeContext) throws {
        let open = node.connections.withLockedValue { count -> Int in
            count += 1
            return count
        }
        channel.closeFuture.whenComplete { _ in
            node.connections.withLockedValue { $0 -= 1 }
            node.metrics.connectionsOpen.record(node.connections.withLockedValue { $0 })
        }
        let pipeline = channel.pipeline.syncOperations
        guard open <= Limits.connectionsMax else {
            node.metrics.connectionsRefused.increment()
            var buffer = channel.allocator.buffer(capacity: 128)
            Reply.error(code: "LIMIT", message: "Too many connections (connectionsMax \(Limits.connectionsMax)); "
                        + "try again later.").write(to: &buffer, version: .resp2)
            channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        node.metrics.connectionsOpened.increment()
        node.metrics.connectionsOpen.record(open)
        let id = node.connectionIDs.withLockedValue { value -> Int in
            value += 1
            return value
        }
        let host = channel.remoteAddress?.ipAddress ?? "unknown"
        try pipeline.addHandler(IdleStateHandler(readTimeout: .seconds(Limits.idleSecondsMax)))
        try pipeline.addHandler(ByteToMessageHandler(RequestDecoder()))
        try pipeline.addHandler(Connection(node: node, id: id, remoteHost: host))
    }

    /// Stops accepting; open connections get their pending replies, then close with the loops.
    public func stopAccepting() async {
        let listening = channel.withLockedValue { channel -> Channel? in
            defer { channel = nil }
            return channel
        }
        try? await listening?.close()
    }

    /// Closes every connection and stops the event loops. Call after the store has finished.
    public func shutdown() async {
        await stopAccepting()
        try? await group.shutdownGracefully()
    }

    public func run() async throws {
        if channel.withLockedValue({ $0 == nil }) { try await start() }
        // Wait for SIGTERM / SIGINT (the service group's graceful shutdown), then stop accepting.
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
            }
        } onGracefulShutdown: {
            self.node.logger.info("shutting down: no new connections; finishing the batch in flight")
        }
        await stopAccepting()
    }
}
