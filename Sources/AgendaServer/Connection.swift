import Engine
import Events
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Projections

/// One operator's connection: takes decoded requests, hands each to its command, and writes
/// the replies in the order the requests came, however the engine interleaves them.
///
///     requests ─▶ backlog ─▶ dispatch (≤ inFlightPerConnectionMax at once) ─▶ store / immediate
///                                                                               │
///     socket ◀── write in request order ◀── ready[index] ◀── ReplyInbox (any thread)
///
/// AUTH and HELLO ... AUTH hold the requests behind them until the password is checked, so a
/// pipelined `AUTH; BOOK` books as the signed-in account (redis-benchmark sends exactly that).
///
/// Output is bounded per connection, as Redis's `client-output-buffer-limit`: past
/// `outputBytesSoftMax` unsent the connection is neither read nor dispatched until the client
/// reads (the channel's write-buffer water mark); past `outputBytesHardMax` it is closed.
final class Connection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = Request
    typealias OutboundOut = ByteBuffer

    let node: NodeContext
    private(set) var session: Session
    private var context: ChannelHandlerContext?
    private var inbox: ReplyInbox?

    /// What a connection has received and not yet handed on, in order: requests, and at most
    /// one last reply (a framing error, a limit), answered after every request before it, or
    /// the end of the client's input, after which the connection closes once every reply is out.
    private enum Received {
        case request(Request)
        case last(Reply)
        case end
    }

    /// The client shut its side (or closed).
    private var inputEnded = false
    /// Our side is shut after the last reply; the connection closes when the client's does.
    private var lingering = false
    private var backlog: [Received] = []
    private var backlogStart = 0
    private var nextIndex = 0
    private var nextToWrite = 0
    private var ready: [Int: Reply] = [:]
    /// More replies to one request (SUBSCRIBE answers once per channel), written after `ready`'s.
    private var followers: [Int: [Reply]] = [:]
    private var received: [Int: (command: String, at: UInt64, version: ProtocolVersion)] = [:]
    /// Requests wait while a sign-in is being checked.
    private var waitingForSignIn = false
    private var readingPaused = false
    /// Close once the reply with this index is written (QUIT, a framing error, a limit).
    private var closeAfter: Int?
    /// A last reply is queued or given: nothing more is read.
    private var ending = false
    private var closed = false

    init(node: NodeContext, id: Int, remoteHost: String) {
        self.node = node
        session = Session(id: id, remoteHost: remoteHost)
    }

    var inFlight: Int { nextIndex - nextToWrite }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        inbox = ReplyInbox(connection: NIOLoopBound(self, eventLoop: context.eventLoop), eventLoop: context.eventLoop)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        for office in session.subscriptions { node.hub.unsubscribe(office, connection: session.id) }
        session.subscriptions.removeAll()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !ending else { return }
        let request = unwrapInboundIn(data)
        if backlog.count - backlogStart >= Limits.backlogCommandsMax {
            finish(with: .error(code: "LIMIT", message: "more than \(Limits.backlogCommandsMax) commands waiting on one "
                                + "connection (backlogCommandsMax); wait for replies before sending more"))
            return
        }
        backlog.append(.request(request))
        drain()
    }

    /// The client has read enough of its replies (below the low water mark), or stopped reading
    /// (above `outputBytesSoftMax`): resume or pause reading and dispatching.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        drain()
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let decoding = error as? RequestDecoderError {
            finish(with: .error(code: decoding.code, message: decoding.description))
        } else if error is IdleTimeout {
            finish(with: .error(code: "LIMIT", message: "idle for \(Limits.idleSecondsMax) s (idleSecondsMax); "
                                + "connection closed, connect again"))
        } else {
            node.logger.debug("connection error", metadata: ["connection": "\(session.id)", "error": "\(error)"])
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            inputEnded = true
            // Lingering after the last reply: the client has read it and closed.
            if lingering { return context.close(promise: nil) }
            // The client shut its side: answer what it sent, then close (docs/reliability.md F2).
            guard !ending else { return }
            ending = true
            backlog.append(.end)
            drain()
            return
        }
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read, !session.isSubscribed {
            if !isReading {
                // Paused on its unread replies all this time: nothing more will be read or written.
                return close(context, because: "its replies have not been read for \(Limits.idleSecondsMax) s (idleSecondsMax)",
                             unsentBytes: unsentBytes(context))
            }
            if inFlight == 0 {
                errorCaught(context: context, error: IdleTimeout())
                return
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    struct IdleTimeout: Error {}

    // MARK: - Dispatch

    /// Whether the client keeps up with its replies: below `outputBytesSoftMax` unsent.
    private var isReading: Bool { context?.channel.isWritable ?? false }

    private func drain() {
        while !waitingForSignIn, closeAfter == nil, !closed, backlogStart < backlog.count,
              inFlight < Limits.inFlightPerConnectionMax {
            switch backlog[backlogStart] {
            case .request(let request):
                // A client that does not read its replies gets no more of them made.
                guard isReading else { break }
                backlogStart += 1
                dispatch(request)
                continue
            case .last(let reply):
                backlogStart += 1
                answerLast(reply)
                continue
            case .end:
                backlogStart += 1
                closeOnceAnswered()
                continue
            }
            break
        }
        if backlogStart == backlog.count {
            backlog.removeAll(keepingCapacity: backlog.capacity <= 4_096)
            backlogStart = 0
        } else if backlogStart > 4_096 {
            backlog.removeFirst(backlogStart)
            backlogStart = 0
        }
        let shouldPause = inFlight >= Limits.inFlightPerConnectionMax || waitingForSignIn || !isReading
        if shouldPause != readingPaused, !closed, let context {
            readingPaused = shouldPause
            context.channel.setOption(ChannelOptions.autoRead, value: !shouldPause).whenFailure { _ in }
        }
    }

    private func dispatch(_ request: Request) {
        let index = nextIndex
        nextIndex += 1
        guard let first = request.arguments.first else {
            complete(index, .error(code: "SYNTAX", message: "empty command"))
            return
        }
        let name = first.lowercased()
        // A reply is written in the protocol its request was sent under, even if a HELLO
        // pipelined after it switches the connection before the reply is ready.
        received[index] = (Commands.table[name] == nil ? "unknown" : name, DispatchTime.now().uptimeNanoseconds,
                           session.version)
        let call = Call(arguments: request.arguments.dropFirst(), name: name, session: session, node: node,
                        index: index, connection: self)
        Commands.handle(call)
    }

    // MARK: - Replies

    /// On the event loop: the reply for request `index`.
    func complete(_ index: Int, _ reply: Reply) {
        guard !closed else { return }
        ready[index] = reply
        writeReady()
    }

    /// On the event loop: several replies to one request.
    func complete(_ index: Int, _ replies: [Reply]) {
        guard !closed, let first = replies.first else { return }
        if replies.count > 1 { followers[index] = Array(replies.dropFirst()) }
        ready[index] = first
        writeReady()
    }

    /// On the event loop: many replies, one write.
    func complete(_ replies: [(Int, Reply)]) {
        guard !closed else { return }
        for (index, reply) in replies { ready[index] = reply }
        writeReady()
    }

    /// A turn to write more is scheduled (`Limits.replyBytesPerTurnMax` was reached); it writes
    /// whatever is ready by then, so nothing is written before it.
    private var writeScheduled = false

    private func writeReady() {
        guard !writeScheduled, let context, ready[nextToWrite] != nil else { return }
        var buffer = context.channel.allocator.buffer(capacity: 256)
        var closing = false
        var more = false
        while let reply = ready.removeValue(forKey: nextToWrite) {
            let asked = received.removeValue(forKey: nextToWrite)
            let version = asked?.version ?? session.version
            reply.write(to: &buffer, version: version)
            if let more = followers.removeValue(forKey: nextToWrite) {
                for follower in more { follower.write(to: &buffer, version: version) }
            }
            if let asked {
                node.metrics.answered(asked.command, nanoseconds: DispatchTime.now().uptimeNanoseconds &- asked.at)
            }
            if case .error(let code, _) = reply { node.metrics.error(code) }
            if closeAfter == nextToWrite { closing = true }
            nextToWrite += 1
            if closing { break }
            if buffer.readableBytes >= Limits.replyBytesPerTurnMax, ready[nextToWrite] != nil {
                more = true
                break
            }
        }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        if closing {
            lingeringClose(context)
            return
        }
        guard !closeIfOverHardLimit(context) else { return }
        if more {
            writeScheduled = true
            context.eventLoop.scheduleTask(in: .milliseconds(Limits.replyTurnPauseMilliseconds)) { [self] in
                writeScheduled = false
                writeReady()
            }
        }
        drain()
    }

    /// Past `outputBytesHardMax` unsent, the client has stopped reading (or reads far slower
    /// than it asks): close, and say so in the node's log, since the client cannot be told.
    private func closeIfOverHardLimit(_ context: ChannelHandlerContext) -> Bool {
        let unsent = unsentBytes(context)
        guard unsent > node.outputLimits.hardBytes else { return false }
        close(context, because: "more than \(node.outputLimits.hardBytes) bytes of replies unread (outputBytesHardMax)",
              unsentBytes: unsent)
        return true
    }

    /// Bytes written to the channel and not yet taken by the kernel.
    private func unsentBytes(_ context: ChannelHandlerContext) -> Int {
        (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
    }

    /// Closes with a reset (SO_LINGER 0): a plain close would leave the replies the kernel
    /// already holds queued before the FIN, for a client that never reads them, so it would
    /// never see the close and the kernel would keep the bytes for minutes.
    private func close(_ context: ChannelHandlerContext, because reason: String, unsentBytes: Int) {
        closed = true
        node.metrics.outputLimitCloses.increment()
        node.logger.warning("closing a connection that does not read its replies", metadata: [
            "connection": "\(session.id)", "account": "\(session.account?.spec.name ?? "")",
            "reason": "\(reason)", "unsentBytes": "\(unsentBytes)"])
        let channel = context.channel
        guard let options = channel as? SocketOptionProvider else { return context.close(promise: nil) }
        options.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// From any thread.
    func deliver(_ index: Int, _ reply: Reply) {
        inbox?.post(index, reply)
    }

    /// Answers every request received so far, then this, then closes (a framing error, a limit).
    func finish(with reply: Reply) {
        guard !ending else { return }
        ending = true
        backlog.append(.last(reply))
        drain()
    }

    /// The reply to request `index` is the connection's last: the requests behind it are
    /// dropped unanswered, and it closes once that reply and those before it are written
    /// (QUIT, the last wrong password).
    func finish(at index: Int, with reply: Reply) {
        guard closeAfter == nil else { return }
        ending = true
        backlog.removeAll()
        backlogStart = 0
        closeAfter = index
        complete(index, reply)
    }

    /// The last reply queued by `finish(with:)`, once every request before it is dispatched.
    private func answerLast(_ reply: Reply) {
        let index = nextIndex
        nextIndex += 1
        closeAfter = index
        complete(index, reply)
    }

    /// After the last reply: shut our side (the client reads its replies, then the end), drop
    /// what it still sends, and close when it closes or after `Limits.lingerSecondsMax`. A
    /// plain close with its input unread would make the kernel reset the connection, and the
    /// client could lose the replies already on their way (docs/reliability.md).
    private func lingeringClose(_ context: ChannelHandlerContext) {
        closed = true
        guard !inputEnded else { return context.close(promise: nil) }
        lingering = true
        context.close(mode: .output, promise: nil)
        context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        let channel = context.channel
        context.eventLoop.scheduleTask(in: .seconds(Limits.lingerSecondsMax)) { channel.close(promise: nil) }
    }

    /// The client's input ended: close once the replies to every request dispatched are
    /// written (at once when none is owed).
    private func closeOnceAnswered() {
        guard nextIndex > nextToWrite else {
            closed = true
            context?.close(promise: nil)
            return
        }
        closeAfter = nextIndex - 1
    }

    /// An out-of-band push (pub/sub message), written at once.
    func push(_ reply: Reply) {
        guard !closed, let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: 128)
        reply.write(to: &buffer, version: session.version)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        _ = closeIfOverHardLimit(context)
    }

    // MARK: - Session changes (event loop only)

    func holdForSignIn() { waitingForSignIn = true }

    func signedIn(_ account: AccountView?, failed: Bool) {
        waitingForSignIn = false
        if let account { session.account = account }
        if failed { session.authFailures += 1 }
        drain()
    }

    /// HELLO: from its own reply on, the connection speaks `version`.
    func setVersion(_ version: ProtocolVersion, from index: Int) {
        session.version = version
        received[index]?.version = version
    }

    /// RESET: back to a fresh connection's state, signed out and unsubscribed.
    func reset() {
        for office in session.subscriptions { node.hub.unsubscribe(office, connection: session.id) }
        session.subscriptions.removeAll()
        session.account = nil
        session.version = .resp2
        session.clientName = ""
    }
    func setClientName(_ name: String) { session.clientName = name }

    func subscribe(_ office: OfficeID) -> Int {
        if !session.subscriptions.contains(office), let eventLoop = context?.eventLoop {
            session.subscriptions.append(office)
            let pusher = NIOLoopBound(self, eventLoop: eventLoop)
            node.hub.subscribe(office, connection: session.id) { channel, message in
                eventLoop.execute {
                    pusher.value.push(.push([.bulk("message"), .bulk(channel), .bulk(message)]))
                }
            }
        }
        return session.subscriptions.count
    }

    func unsubscribe(_ office: OfficeID) -> Int {
        if let position = session.subscriptions.firstIndex(of: office) {
            session.subscriptions.remove(at: position)
            node.hub.unsubscribe(office, connection: session.id)
        }
        return session.subscriptions.count
    }

    var eventLoop: EventLoop? { context?.eventLoop }
}

/// Replies arriving from the store's thread, handed to the event loop in bunches: one task
/// per bunch rather than one per reply, which matters at a hundred thousand replies a second.
final class ReplyInbox: Sendable {
    private let connection: NIOLoopBound<Connection>
    private let eventLoop: EventLoop
    private let pending = NIOLockedValueBox<(replies: [(Int, Reply)], scheduled: Bool)>(([], false))

    init(connection: NIOLoopBound<Connection>, eventLoop: EventLoop) {
        self.connection = connection
        self.eventLoop = eventLoop
    }

    func post(_ index: Int, _ reply: Reply) {
        if eventLoop.inEventLoop {
            connection.value.complete(index, reply)
            return
        }
        let schedule = pending.withLockedValue { state -> Bool in
            state.replies.append((index, reply))
            if state.scheduled { return false }
            state.scheduled = true
            return true
        }
        guard schedule else { return }
        eventLoop.execute { [self] in
            let replies = pending.withLockedValue { state -> [(Int, Reply)] in
                state.scheduled = false
                defer { state.replies.removeAll(keepingCapacity: true) }
                return state.replies
            }
            connection.value.complete(replies)
        }
    }
}
