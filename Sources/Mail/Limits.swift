/// Every bound the composer and the SMTP client keep, in one place, each with why it is that number.
enum Limits {
    /// RFC 5322 §2.1.1: header lines SHOULD be at most 78 characters (without the CRLF), so that
    /// mail readers that show raw headers, and relays that still wrap at 80, leave them intact.
    static let headerLineColumnsMax = 78

    /// RFC 2045 §6.8: base64 lines are at most 76 characters.
    static let base64LineCharactersMax = 76

    /// RFC 2047 §2: an encoded-word is at most 75 characters; with `=?UTF-8?B?` and `?=` (12) that
    /// leaves 63, so 60 characters of base64 (a multiple of 4), which carry 45 bytes of UTF-8.
    static let encodedWordPayloadBytesMax = 45

    /// RFC 5321 §4.5.3.1.5 caps a reply line at 512 bytes with its CRLF; real servers (Exchange's
    /// banners, long enhanced-status texts) run somewhat over, so allow 2 KiB and refuse beyond:
    /// a server that sends more is broken or hostile, and buffering it would be unbounded.
    static let replyLineBytesMax = 2_048

    /// The longest multi-line reply is EHLO's list of extensions: Postfix sends about 12 lines,
    /// Exchange about 15. 100 lines is far above any of them and still a bounded buffer.
    static let replyLinesMax = 100

    /// Replies the server may send before it is asked: only the 220 greeting, which can arrive
    /// before the client starts waiting for it. Any other unasked reply is a server that pipelines
    /// (or someone injecting), and is refused.
    static let unclaimedRepliesMax = 1

    /// RFC 5321 §4.5.3.1.8: a server must accept at least 100 recipients in one transaction; more
    /// than that would be split by the caller anyway, and the engine sends one recipient a message.
    static let recipientsMax = 100

    /// RFC 5321 §4.5.3.1.3: a path (the address in MAIL FROM or RCPT TO) is at most 256 octets with
    /// its angle brackets.
    static let addressBytesMax = 254

    /// A Message-ID longer than this would not fit on one folded header line with its name, and
    /// some readers truncate ids beyond it; the outbox's ids are about 60 bytes.
    static let messageIDBytesMax = 250

    /// The longest media type an attachment may name, parameters included: the engine's longest,
    /// `text/calendar; method=REQUEST; charset=utf-8`, is 44 bytes, and any one word of it must stay
    /// under RFC 5322's 998-character line.
    static let contentTypeBytesMax = 200

    /// QUIT is a courtesy after the message is accepted: wait this long for its 221 and then close,
    /// so that a slow server does not hold the sender after the mail is already queued.
    static let quitTimeout: Duration = .seconds(5)
}
