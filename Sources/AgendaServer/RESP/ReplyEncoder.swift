import NIOCore

/// A reply and the protocol of the connection it goes to, which changes on `HELLO`; so the
/// version travels with each reply rather than living in the encoder.
public struct ReplyOut: Equatable, Sendable {
    public var reply: Reply
    public var version: ProtocolVersion

    public init(_ reply: Reply, version: ProtocolVersion) {
        self.reply = reply
        self.version = version
    }
}

/// Writes `ReplyOut`s for a channel pipeline; a server writing ByteBuffers itself can call
/// `Reply.write(to:version:)` instead.
public struct ReplyEncoder: MessageToByteEncoder {
    public typealias OutboundIn = ReplyOut

    public init() {}

    public func encode(data: ReplyOut, out: inout ByteBuffer) {
        data.reply.write(to: &out, version: data.version)
    }
}
