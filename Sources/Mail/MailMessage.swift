/// One mailbox: an address and, if there is one, the name a mail reader shows for it.
public struct MailAddress: Sendable, Hashable {
    /// `local@domain` in printable ASCII (internationalised addresses need SMTPUTF8, which the
    /// client does not speak).
    public var address: String
    /// Any text, non-ASCII included; written as an RFC 2047 encoded-word when it is not plain ASCII.
    public var displayName: String?

    public init(_ address: String, displayName: String? = nil) {
        self.address = address
        self.displayName = displayName
    }
}

/// A header the composer does not write itself, such as `X-Agenda-Idempotency-Key`.
public struct MailHeader: Sendable, Hashable {
    public var name: String
    /// One line of text (no line breaks); non-ASCII is written as encoded-words, long values folded.
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A file carried by the message: always base64, so its bytes arrive exactly as given.
public struct MailAttachment: Sendable, Hashable {
    /// The name a mail reader saves it under; non-ASCII names are written per RFC 2231.
    public var filename: String
    /// The full media type with its parameters, e.g. `text/csv; charset=utf-8` or
    /// `text/calendar; method=REQUEST; charset=utf-8`.
    public var contentType: String
    public var bytes: [UInt8]

    public init(filename: String, contentType: String, bytes: [UInt8]) {
        self.filename = filename
        self.contentType = contentType
        self.bytes = bytes
    }
}

/// One e-mail, checked when it is made so that `rendered()` cannot fail.
///
/// Everything that varies between two renderings is given by the caller: the date (seconds since
/// 1970, so a retry or a test renders the same bytes) and the Message-ID (derived by the caller
/// from its idempotency key, so a receiving system that deduplicates on Message-ID sees a retry as
/// the same message).
public struct MailMessage: Sendable, Hashable {
    public let from: MailAddress
    public let to: [MailAddress]
    public let subject: String
    /// With its angle brackets, e.g. `<outbox-123-daylist@agenda.example.org>`.
    public let messageID: String
    /// Written as `Date:` in UTC (`+0000`): the reader shows it in its own zone.
    public let dateSecondsSince1970: Int64
    public let textBody: String?
    public let htmlBody: String?
    public let attachments: [MailAttachment]
    /// Written after the composer's own headers, in the order given.
    public let extraHeaders: [MailHeader]

    /// Headers the composer writes from the fields above; an extra header may not repeat them,
    /// since two `Subject:` or two `Content-Type:` lines are read differently by different readers.
    static let composedHeaderNames: Set<String> = [
        "date", "from", "sender", "to", "cc", "bcc", "reply-to", "subject", "message-id", "mime-version",
        "content-type", "content-transfer-encoding", "content-disposition",
    ]

    public init(
        from: MailAddress,
        to: [MailAddress],
        subject: String,
        messageID: String,
        dateSecondsSince1970: Int64,
        textBody: String? = nil,
        htmlBody: String? = nil,
        attachments: [MailAttachment] = [],
        extraHeaders: [MailHeader] = []
    ) throws(MailMessageError) {
        for mailbox in [from] + to {
            guard MailSyntax.isPlainAddress(mailbox.address) else { throw .invalidAddress(mailbox.address) }
            if let name = mailbox.displayName, MailSyntax.containsControlCharacter(name) {
                throw .controlCharacter(field: "the display name of \(mailbox.address)")
            }
        }
        guard !to.isEmpty else { throw .noRecipients }
        guard textBody != nil || htmlBody != nil else { throw .noBody }
        guard !MailSyntax.containsControlCharacter(subject) else { throw .controlCharacter(field: "the subject") }
        guard MailSyntax.isMessageID(messageID) else { throw .invalidMessageID(messageID) }
        guard (0...MailSyntax.latestDateSecondsSince1970).contains(dateSecondsSince1970) else {
            throw .dateOutOfRange(dateSecondsSince1970)
        }
        for header in extraHeaders {
            guard MailSyntax.isHeaderName(header.name) else { throw .invalidHeaderName(header.name) }
            guard !Self.composedHeaderNames.contains(header.name.lowercased()) else {
                throw .composedHeader(header.name)
            }
            guard !MailSyntax.containsControlCharacter(header.value) else {
                throw .controlCharacter(field: "the \(header.name) header")
            }
        }
        for attachment in attachments {
            guard !attachment.filename.isEmpty, !MailSyntax.containsControlCharacter(attachment.filename) else {
                throw .invalidFilename(attachment.filename)
            }
            guard MailSyntax.mediaTypeComponents(attachment.contentType) != nil else {
                throw .invalidContentType(filename: attachment.filename, contentType: attachment.contentType)
            }
        }
        self.from = from
        self.to = to
        self.subject = subject
        self.messageID = messageID
        self.dateSecondsSince1970 = dateSecondsSince1970
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.attachments = attachments
        self.extraHeaders = extraHeaders
    }
}

/// Why a message could not be made. Each is a mistake in what the caller passed, not a transient state.
public enum MailMessageError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidAddress(String)
    case noRecipients
    case noBody
    case controlCharacter(field: String)
    case invalidMessageID(String)
    case dateOutOfRange(Int64)
    case invalidHeaderName(String)
    case composedHeader(String)
    case invalidFilename(String)
    case invalidContentType(filename: String, contentType: String)

    public var description: String {
        switch self {
        case .invalidAddress(let address):
            "“\(address)” is not an address this composer writes: it needs a local part, one @ and a domain, in printable ASCII without spaces, quotes or angle brackets (internationalised addresses are not supported)."
        case .noRecipients:
            "A message needs at least one To address."
        case .noBody:
            "A message needs a text body, an HTML body or both; give at least one."
        case .controlCharacter(let field):
            "\(field.prefix(1).uppercased() + field.dropFirst()) contains a control character such as a line break; header text must be a single line."
        case .invalidMessageID(let id):
            "“\(id)” is not a Message-ID: it must look like <left@right>, in printable ASCII without spaces, and be at most \(Limits.messageIDBytesMax) bytes."
        case .dateOutOfRange(let seconds):
            "The date \(seconds) (seconds since 1970) is outside the years 1970 to 9999 that a Date: header can carry."
        case .invalidHeaderName(let name):
            "“\(name)” is not a header name: use printable ASCII letters, digits and dashes, without a colon or spaces."
        case .composedHeader(let name):
            "The composer writes \(name): itself from the message's fields; set it there instead of as an extra header."
        case .invalidFilename(let name):
            "The attachment name “\(name)” is empty or contains a control character; give a plain file name."
        case .invalidContentType(let filename, let contentType):
            "The content type “\(contentType)” of \(filename) is not a media type like text/csv; charset=utf-8 (type/subtype, then name=value parameters, in printable ASCII)."
        }
    }
}
