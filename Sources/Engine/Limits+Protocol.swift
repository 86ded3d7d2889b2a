/// The limits of the operators' line protocol (RESP2/RESP3 and inline commands), enforced by
/// the server's request decoder before it buffers anything a limit forbids. Past any of them
/// the framing of the connection cannot be trusted, so the server answers `-LIMIT` and closes.
extension Limits {
    /// One line: an inline command typed at `nc` or telnet, or a RESP header line (`*3`, `$5`).
    /// The longest valid command is about 700 bytes (a `textBytesMax` reason, a few ids and
    /// keywords); 4 KiB leaves room for quotes and `\xHH` escapes, and bounds what a client
    /// that never sends a newline can make the server hold. (Redis allows 64 KiB; no client
    /// sends inline lines or header lines anywhere near either.)
    public static let lineBytesMax = 4_096

    /// One argument (a RESP bulk string). The longest argument any command takes is free text,
    /// `textBytesMax` (512 bytes), and a command refuses a longer one with a sentence, which is
    /// more useful than a closed connection; 64 KiB leaves that room and fits redis-benchmark's
    /// payloads (`-d`, 3 bytes by default) while refusing Redis's 512 MiB bulks.
    public static let bulkBytesMax = 65_536

    /// Arguments in one request, the command name included. The longest command has about ten;
    /// `SUBSCRIBE` takes one channel per office and Italy has 106 Questure, so 1,024 is ample.
    /// (Redis allows 1,048,576, and 10 before AUTH.)
    public static let argumentsMax = 1_024

    /// The arguments of one request together. `argumentsMax` × `bulkBytesMax` would let one
    /// connection make the server hold 64 MiB for a request still arriving; 1 MiB is a thousand
    /// times the longest valid command.
    public static let requestBytesMax = 1_048_576
}
