/// Where and how to hand mail over: one relay (the office's or the provider's submission server).
public struct SMTPConfiguration: Sendable {
    /// When the connection is encrypted.
    public enum TransportSecurity: Sendable, Hashable {
        /// Plain text throughout: only for a relay on the same host or a trusted network.
        case none
        /// STARTTLS when the server offers it, plain text when it does not. Protects against
        /// someone listening, not against someone who strips the offer on the way.
        case startTLSIfOffered
        /// STARTTLS or nothing: a server that does not offer it is not sent to (port 587).
        case startTLSRequired
        /// TLS from the first byte (port 465, RFC 8314).
        case implicit
    }

    /// What the server's certificate is checked against.
    public enum CertificateVerification: Sendable, Hashable {
        /// The system's trust roots, and the certificate must name the host (or, for an IP
        /// address, carry it as a subject alternative name).
        case systemTrustRoots
        /// Only these PEM certificates are roots: a private CA, or the self-signed certificate of
        /// a test server. The name is checked as for `systemTrustRoots`.
        case trustedCertificatesPEM([UInt8])
        /// No check at all: anyone on the path can read the mail and the password. Never the
        /// default; for a test server whose certificate cannot be known in advance.
        case noVerificationInsecure
    }

    /// A user and password for AUTH PLAIN (or LOGIN when the server offers only that).
    public struct Credentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
        public var user: String
        public var password: String

        public init(user: String, password: String) {
            self.user = user
            self.password = password
        }

        /// Keeps the password out of logs and error reports that print a configuration.
        public var description: String { "\(user) (password hidden)" }
        public var debugDescription: String { description }
    }

    public var host: String
    public var port: Int
    public var tls: TransportSecurity
    public var credentials: Credentials?
    /// Credentials are sent only over TLS unless this is set: a password in plain text is
    /// readable by anyone on the path. Set it only for a relay on the same host.
    public var allowsCredentialsWithoutTLS: Bool
    /// The name the client gives in EHLO/HELO: this host's fully qualified name, which many
    /// servers check against its address.
    public var heloName: String
    /// From the first SYN to an established connection.
    public var connectTimeout: Duration
    /// From a command written (or the connection made, for the greeting) to its reply complete;
    /// also bounds the TLS handshake, which the next command waits behind. RFC 5321 §4.5.3.2
    /// suggests minutes because a relay that gives up must bounce the mail; the engine's outbox
    /// retries later instead, so a shorter wait costs nothing.
    public var commandTimeout: Duration
    public var certificateVerification: CertificateVerification

    public init(
        host: String,
        port: Int,
        tls: TransportSecurity = .startTLSRequired,
        credentials: Credentials? = nil,
        allowsCredentialsWithoutTLS: Bool = false,
        heloName: String,
        connectTimeout: Duration = .seconds(10),
        commandTimeout: Duration = .seconds(60),
        certificateVerification: CertificateVerification = .systemTrustRoots
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.credentials = credentials
        self.allowsCredentialsWithoutTLS = allowsCredentialsWithoutTLS
        self.heloName = heloName
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.certificateVerification = certificateVerification
    }
}
