import Logging
import NIOCore
import NIOSSL

/// The client's end of one SMTP connection: writes a command, frames the server's bytes into
/// replies (`SMTPReplyParser`) and completes the command's future with its reply. One command is
/// in flight at a time (no PIPELINING), so a reply the client did not ask for is an error — except
/// the greeting, which can arrive before the client starts waiting for it.
///
/// STARTTLS is done here rather than by the caller: the TLS handler must be in the pipeline
/// before the next byte is read, and must not be if any byte followed the 220 in the clear (an
/// attacker's injected reply would otherwise be read as the server's, CVE-2011-0411's class).
final class SMTPClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What to do on a positive reply to STARTTLS.
    struct TLSUpgrade {
        let context: NIOSSLContext
        /// nil for an IP address: NIOSSL then checks the certificate against the peer's address.
        let serverHostname: String?
    }

    struct Request {
        /// The command as the error messages and the log name it (AUTH without its credentials).
        let command: String
        /// nil to wait for the greeting without writing anything.
        let bytes: ByteBuffer?
        let timeout: TimeAmount
        var upgrade: TLSUpgrade? = nil
    }

    private struct Waiting {
        let command: String
        let promise: EventLoopPromise<SMTPReply>
        let timeout: Scheduled<Void>
        let upgrade: TLSUpgrade?
    }

    private let host: String
    private let logger: Logger
    private let eventLoop: any EventLoop
    private var parser = SMTPReplyParser()
    private var waiting: Waiting?
    private var unclaimed: [SMTPReply] = []
    /// Once the connection failed every later request fails the same way, so the caller sees
    /// the first cause rather than "connection closed".
    private var failure: SMTPError?
    private var context: ChannelHandlerContext?
    /// The command whose reply came last, to name in an error that arrives between commands.
    private var lastCommand = "the greeting"

    init(host: String, logger: Logger, eventLoop: any EventLoop) {
        self.host = host
        self.logger = logger
        self.eventLoop = eventLoop
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        fail(.connectionLost(command: waiting?.command ?? lastCommand, reason: "the client's handler was removed"))
        self.context = nil
    }

    /// Sends the request (on the channel's event loop) and returns its reply.
    func send(_ request: Request) -> EventLoopFuture<SMTPReply> {
        precondition(waiting == nil, "one SMTP command at a time: the client awaits each reply before the next")
        // A closed channel has removed the handler: the failure that closed it is the answer
        // (a TLS handshake can fail before the client writes the EHLO that follows STARTTLS).
        guard failure == nil, let context else {
            return eventLoop.makeFailedFuture(
                failure ?? SMTPError.connectionLost(command: request.command, reason: "the connection was already closed")
            )
        }
        if let reply = unclaimed.first {
            unclaimed.removeFirst()
            // Only the greeting may have come before it was waited for.
            guard request.bytes == nil else {
                let error = SMTPError.malformedReply(command: request.command, problem: "the server sent “\(reply)” before it was asked")
                fail(error)
                context.close(promise: nil)
                return eventLoop.makeFailedFuture(error)
            }
            return eventLoop.makeSucceededFuture(reply)
        }
        let promise = context.eventLoop.makePromise(of: SMTPReply.self)
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(in: request.timeout) { [self] in
            fail(.timedOut(command: request.command, after: Duration(request.timeout)))
            self.context?.close(promise: nil)
        }
        waiting = Waiting(command: request.command, promise: promise, timeout: timeout, upgrade: request.upgrade)
        if let bytes = request.bytes {
            logger.debug("SMTP client", metadata: ["sent": "\(request.command)"])
            context.writeAndFlush(wrapOutboundOut(bytes)).assumeIsolated().whenFailure { [self] error in
                fail(.connectionLost(command: request.command, reason: "\(error)"))
            }
        }
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        parser.append(bytes.readableBytesView)
        do {
            while failure == nil, let reply = try parser.nextReply() {
                deliver(reply, context: context)
            }
        } catch {
            fail(.malformedReply(command: waiting?.command ?? lastCommand, problem: error.description))
            context.close(promise: nil)
        }
    }

    private func deliver(_ reply: SMTPReply, context: ChannelHandlerContext) {
        logger.debug("SMTP client", metadata: ["received": "\(reply)"])
        guard let current = waiting else {
            guard unclaimed.count < Limits.unclaimedRepliesMax else {
                fail(.malformedReply(command: lastCommand, problem: "the server sent “\(reply)” without being asked"))
                context.close(promise: nil)
                return
            }
            unclaimed.append(reply)
            return
        }
        waiting = nil
        lastCommand = current.command
        current.timeout.cancel()
        if let upgrade = current.upgrade, reply.code == 220 {
            guard parser.isEmpty else {
                let problem = "bytes followed the 220 to STARTTLS in the clear, which an attacker on the path would send"
                current.promise.fail(SMTPError.malformedReply(command: current.command, problem: problem))
                fail(.malformedReply(command: current.command, problem: problem))
                context.close(promise: nil)
                return
            }
            do {
                let tls = try NIOSSLClientHandler(context: upgrade.context, serverHostname: upgrade.serverHostname)
                try context.pipeline.syncOperations.addHandler(tls, position: .first)
            } catch {
                let failed = SMTPError.tlsFailed(host: host, reason: "\(error)")
                current.promise.fail(failed)
                fail(failed)
                context.close(promise: nil)
                return
            }
        }
        current.promise.succeed(reply)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.connectionLost(command: waiting?.command ?? lastCommand, reason: "the server closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let command = waiting?.command ?? lastCommand
        switch error {
        case is NIOSSLError, is NIOSSLExtraError, is BoringSSLError:
            fail(.tlsFailed(host: host, reason: "\(error)"))
        case let error as IOError:
            fail(.connectionLost(command: command, reason: error.description))
        default:
            fail(.connectionLost(command: command, reason: "\(error)"))
        }
        context.close(promise: nil)
    }

    /// Records the first failure and fails the command waiting for a reply, if any.
    private func fail(_ error: SMTPError) {
        if failure == nil { failure = error }
        guard let current = waiting else { return }
        waiting = nil
        current.timeout.cancel()
        current.promise.fail(failure ?? error)
    }
}
