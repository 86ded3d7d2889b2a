/// Why a message was not handed over. `isTransient` is the caller's decision: retry the same
/// message later, or give up and report it.
public enum SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No connection: refused, unreachable, or the name did not resolve. Transient.
    case connectionFailed(host: String, port: Int, reason: String)
    /// No reply within the configured time (`command` is "connect" for the connection itself). Transient.
    case timedOut(command: String, after: Duration)
    /// The connection was closed or reset while waiting for the reply to `command`. Transient.
    case connectionLost(command: String, reason: String)
    /// The server answered `command` with a code other than the one that lets the transaction go
    /// on. Transient for 4xx (the server's "try again later"), permanent for 5xx and anything else.
    case rejected(command: String, reply: SMTPReply)
    /// The server's bytes were not SMTP replies, or passed the limits on a reply's size. Transient:
    /// usually a middlebox or a server restarting, not the message.
    case malformedReply(command: String, problem: String)
    /// The TLS handshake failed, most often because the certificate was not trusted or does not
    /// name the host. Transient, as for a mail server (Postfix defers): the certificate may be
    /// renewed, or an interception may stop.
    case tlsFailed(host: String, reason: String)
    /// The configuration requires STARTTLS and the server did not offer it (or someone on the path
    /// removed the offer). Transient, for the same reason.
    case startTLSNotOffered(host: String)
    /// Credentials are configured and the connection is not encrypted, so the client did not send
    /// them. Permanent until the configuration changes.
    case credentialsNeedTLS(host: String)
    /// Credentials are configured and the server offers neither PLAIN nor LOGIN. Permanent.
    case authenticationNotOffered(host: String, mechanisms: [String])
    /// The server's advertised SIZE is below the message's. Permanent.
    case messageTooLarge(bytes: Int, serverLimitBytes: Int)
    /// The envelope or the configuration cannot be sent as given (an address with a line break,
    /// no recipients, an empty EHLO name, unreadable certificates). Permanent.
    case invalidRequest(String)

    /// Retry later (true) or give up (false).
    public var isTransient: Bool {
        switch self {
        case .connectionFailed, .timedOut, .connectionLost, .malformedReply, .tlsFailed, .startTLSNotOffered:
            true
        case .rejected(_, let reply):
            (400..<500).contains(reply.code)
        case .credentialsNeedTLS, .authenticationNotOffered, .messageTooLarge, .invalidRequest:
            false
        }
    }

    private var advice: String {
        isTransient ? "this is transient: send the message again later." : "this is permanent: sending the same message again will fail the same way."
    }

    public var description: String {
        switch self {
        case .connectionFailed(let host, let port, let reason):
            "Could not connect to the mail server \(host) port \(port) (\(reason)); \(advice)"
        case .timedOut(let command, let after):
            "The mail server did not answer \(command) within \(after); \(advice)"
        case .connectionLost(let command, let reason):
            "The mail server closed the connection while the client waited for the reply to \(command) (\(reason)); \(advice)"
        case .rejected(let command, let reply):
            "The mail server refused \(command) with “\(reply)”; \(advice)"
        case .malformedReply(let command, let problem):
            "The mail server's reply to \(command) was not SMTP: \(problem); \(advice)"
        case .tlsFailed(let host, let reason):
            "The TLS handshake with \(host) failed (\(reason)); check that its certificate is valid for that name and trusted; \(advice)"
        case .startTLSNotOffered(let host):
            "The mail server \(host) did not offer STARTTLS, which the configuration requires, so nothing was sent; \(advice)"
        case .credentialsNeedTLS(let host):
            "The connection to \(host) is not encrypted, so the client did not send the password; use STARTTLS or implicit TLS, or allow credentials without TLS for a local relay; \(advice)"
        case .authenticationNotOffered(let host, let mechanisms):
            "The mail server \(host) offers no AUTH PLAIN or LOGIN (it offers \(mechanisms.isEmpty ? "no AUTH at all" : mechanisms.joined(separator: " "))); \(advice)"
        case .messageTooLarge(let bytes, let limit):
            "The message is \(bytes) bytes and the mail server accepts at most \(limit); \(advice)"
        case .invalidRequest(let reason):
            "\(reason); \(advice)"
        }
    }
}
