import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Hands messages to one SMTP relay, one connection a message:
///
///     connect → 220 greeting → EHLO (HELO on 5xx) → [STARTTLS → 220 → TLS → EHLO]
///             → [AUTH PLAIN | AUTH LOGIN] → MAIL FROM → RCPT TO × n → DATA → 354
///             → message, dot-stuffed, then CRLF.CRLF → 250 (the receipt) → QUIT
///
/// A connection a message keeps a failure to one message and needs no pool; the engine's
/// outbox sends a few messages a minute, not thousands.
public struct SMTPClient: Sendable {
    public let configuration: SMTPConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger

    public init(
        configuration: SMTPConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "agenda.mail.smtp")
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// Renders `message` and sends it to `recipients` (the envelope, which may differ from the
    /// message's To: a Bcc is a recipient not named in the headers).
    public func send(_ message: MailMessage, envelopeFrom: String, recipients: [String]) async throws(SMTPError) -> SMTPReceipt {
        try await send(renderedMessage: message.rendered(), envelopeFrom: envelopeFrom, recipients: recipients)
    }

    /// Sends bytes already rendered, e.g. the copy an outbox kept so that a retry sends exactly
    /// what the first try did. Line breaks are sent as CRLF whatever they were (a bare CR or LF
    /// could end DATA early at some servers and smuggle a second message) and lines starting with
    /// a dot are dot-stuffed. Every recipient must be accepted: one refusal fails the whole
    /// message, so that the caller's retry covers a single outcome.
    ///
    /// `envelopeFrom` may be empty (the null reverse-path, for a message that must not bounce).
    public func send(renderedMessage: [UInt8], envelopeFrom: String, recipients: [String]) async throws(SMTPError) -> SMTPReceipt {
        try validate(envelopeFrom: envelopeFrom, recipients: recipients)
        let tlsContext = try makeTLSContext()
        let connection = try await connect(implicitTLS: configuration.tls == .implicit ? tlsContext : nil)
        do {
            let receipt = try await transaction(
                on: connection, tlsContext: tlsContext, message: renderedMessage,
                envelopeFrom: envelopeFrom, recipients: recipients
            )
            await connection.quit()
            return receipt
        } catch {
            // After a refusal the connection is still in step, so leave politely; after anything
            // else (a timeout, a reset, a broken reply) it is not, so just close it.
            if case .rejected = error { await connection.quit() } else { connection.close() }
            throw error
        }
    }

    private func validate(envelopeFrom: String, recipients: [String]) throws(SMTPError) {
        guard envelopeFrom.isEmpty || MailSyntax.isPlainAddress(envelopeFrom) else {
            throw .invalidRequest("The envelope sender “\(envelopeFrom)” is not a plain address (local@domain in printable ASCII)")
        }
        guard !recipients.isEmpty else { throw .invalidRequest("A message needs at least one envelope recipient") }
        guard recipients.count <= Limits.recipientsMax else {
            throw .invalidRequest("\(recipients.count) recipients is more than the \(Limits.recipientsMax) a server must accept in one message; split them")
        }
        for recipient in recipients where !MailSyntax.isPlainAddress(recipient) {
            throw .invalidRequest("The recipient “\(recipient)” is not a plain address (local@domain in printable ASCII)")
        }
        guard MailSyntax.isHeloName(configuration.heloName) else {
            throw .invalidRequest("The EHLO name “\(configuration.heloName)” is not a host name or an address literal; give this host's fully qualified name")
        }
    }

    /// nil when the configuration never uses TLS.
    private func makeTLSContext() throws(SMTPError) -> NIOSSLContext? {
        guard configuration.tls != .none else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        do {
            switch configuration.certificateVerification {
            case .systemTrustRoots:
                break
            case .trustedCertificatesPEM(let pem):
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(pem))
            case .noVerificationInsecure:
                tls.certificateVerification = .none
            }
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw .invalidRequest("The TLS configuration could not be made (\(error)); check the trusted certificates are PEM")
        }
    }

    /// NIOSSL refuses an IP address as a server name (SNI carries names only) and then checks the
    /// certificate against the peer's address instead, which is what an IP literal host means.
    private var serverHostname: String? {
        (try? SocketAddress(ipAddress: configuration.host, port: 0)) == nil ? configuration.host : nil
    }

    private func connect(implicitTLS: NIOSSLContext?) async throws(SMTPError) -> SMTPConnection {
        let host = configuration.host, port = configuration.port, logger = logger
        let serverHostname = serverHostname
        let bootstrap = ClientBootstrap(group: eventLoopGroup).connectTimeout(TimeAmount(configuration.connectTimeout))
        do {
            // The handler comes back from the initializer of the channel that connected, not from
            // a look-up afterwards: a server that misbehaves at once makes the handler close the
            // channel (and leave the pipeline) before a look-up could find it, and the handler
            // is what holds the reason.
            let (channel, handler) = try await bootstrap.connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let implicitTLS {
                        let tls = try NIOSSLClientHandler(context: implicitTLS, serverHostname: serverHostname)
                        try channel.pipeline.syncOperations.addHandler(tls)
                    }
                    let handler = SMTPClientHandler(host: host, logger: logger, eventLoop: channel.eventLoop)
                    try channel.pipeline.syncOperations.addHandler(handler)
                    return (channel, NIOLoopBound(handler, eventLoop: channel.eventLoop))
                }
            }
            return SMTPConnection(channel: channel, handler: handler, commandTimeout: TimeAmount(configuration.commandTimeout))
        } catch ChannelError.connectTimeout {
            throw .timedOut(command: "connect to \(host) port \(port)", after: configuration.connectTimeout)
        } catch let error as NIOConnectionError {
            let reasons = error.connectionErrors.map { "\($0.error)" } + [error.dnsAError, error.dnsAAAAError].compactMap { $0.map { "DNS: \($0)" } }
            throw .connectionFailed(host: host, port: port, reason: reasons.isEmpty ? "\(error)" : reasons.joined(separator: "; "))
        } catch {
            throw .connectionFailed(host: host, port: port, reason: "\(error)")
        }
    }

    private func transaction(
        on connection: SMTPConnection, tlsContext: NIOSSLContext?, message: [UInt8],
        envelopeFrom: String, recipients: [String]
    ) async throws(SMTPError) -> SMTPReceipt {
        let host = configuration.host
        try await connection.expect(220, to: .greeting)
        var capabilities = try await hello(on: connection)
        var encrypted = configuration.tls == .implicit

        let wantsStartTLS: Bool = switch configuration.tls {
        case .none, .implicit: false
        case .startTLSIfOffered: capabilities.offers("STARTTLS")
        case .startTLSRequired: true
        }
        if wantsStartTLS, let tlsContext {
            guard capabilities.offers("STARTTLS") else { throw .startTLSNotOffered(host: host) }
            let upgrade = SMTPClientHandler.TLSUpgrade(context: tlsContext, serverHostname: serverHostname)
            try await connection.expect(220, to: .line("STARTTLS"), upgrade: upgrade)
            encrypted = true
            capabilities = try await hello(on: connection)
        }

        var authenticatedUser: String?
        if let credentials = configuration.credentials {
            guard encrypted || configuration.allowsCredentialsWithoutTLS else { throw .credentialsNeedTLS(host: host) }
            try await authenticate(credentials, capabilities: capabilities, on: connection)
            authenticatedUser = credentials.user
        }

        var mailFrom = "MAIL FROM:<\(envelopeFrom)>"
        if let sizeMax = capabilities.sizeMaxBytes {
            guard message.count <= sizeMax else { throw .messageTooLarge(bytes: message.count, serverLimitBytes: sizeMax) }
            mailFrom += " SIZE=\(message.count)"
        }
        try await connection.expect(250, to: .line(mailFrom))
        for recipient in recipients {
            try await connection.expect(250, 251, to: .line("RCPT TO:<\(recipient)>"))
        }
        try await connection.expect(354, to: .line("DATA"))
        let accepted = try await connection.expect(250, to: .data(SMTPData.payload(message)))
        return SMTPReceipt(dataReply: accepted, encrypted: encrypted, authenticatedUser: authenticatedUser, recipients: recipients)
    }

    /// EHLO, or HELO when the server refuses EHLO with a 5xx (RFC 5321 §3.2); HELO has no extensions.
    private func hello(on connection: SMTPConnection) async throws(SMTPError) -> SMTPCapabilities {
        let name = configuration.heloName
        let reply = try await connection.send(.line("EHLO \(name)"))
        if reply.code == 250 { return SMTPCapabilities(ehloReply: reply) }
        guard (500..<600).contains(reply.code) else { throw .rejected(command: "EHLO \(name)", reply: reply) }
        try await connection.expect(250, to: .line("HELO \(name)"))
        return SMTPCapabilities(ehloReply: nil)
    }

    /// AUTH PLAIN (RFC 4616) with the initial response, or AUTH LOGIN when only that is offered.
    /// The commands named in errors and logs leave out the encoded credentials.
    private func authenticate(
        _ credentials: SMTPConfiguration.Credentials, capabilities: SMTPCapabilities, on connection: SMTPConnection
    ) async throws(SMTPError) {
        let mechanisms = capabilities.authMechanisms
        if mechanisms.contains("PLAIN") {
            let token = Base64.encodedString([0] + Array(credentials.user.utf8) + [0] + Array(credentials.password.utf8))
            try await connection.expect(235, to: .secret("AUTH PLAIN " + token, named: "AUTH PLAIN"))
        } else if mechanisms.contains("LOGIN") {
            try await connection.expect(334, to: .line("AUTH LOGIN"))
            try await connection.expect(334, to: .secret(Base64.encodedString(Array(credentials.user.utf8)), named: "AUTH LOGIN (user)"))
            try await connection.expect(235, to: .secret(Base64.encodedString(Array(credentials.password.utf8)), named: "AUTH LOGIN (password)"))
        } else {
            throw .authenticationNotOffered(host: configuration.host, mechanisms: mechanisms)
        }
    }
}

/// What the server said when it took the message.
public struct SMTPReceipt: Sendable, Hashable {
    /// The final reply to DATA, e.g. `250 2.0.0 Ok: queued as 4BXk2T0Tz1`: the queue id to quote
    /// when asking the relay's operator about this message.
    public let dataReply: SMTPReply
    /// Whether the message went over TLS (STARTTLS or implicit).
    public let encrypted: Bool
    /// The user the client authenticated as, if it did.
    public let authenticatedUser: String?
    public let recipients: [String]
}
