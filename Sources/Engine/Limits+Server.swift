/// The protocol server's limits (the wire's own, line and bulk lengths, are in Limits+Protocol).
extension Limits {
    /// Open connections: every office's operators together are a few thousand; past this a
    /// new connection gets `-LIMIT` and is closed, so file descriptors never run out.
    public static let connectionsMax = 4_096
    /// Commands a connection may have waiting for replies. Past it the server stops reading
    /// that connection until replies drain (TCP pushes back on the client), so a client that
    /// pipelines 10,000 commands is slowed, not refused; the decoded backlog is bounded by
    /// `backlogCommandsMax`.
    public static let inFlightPerConnectionMax = 1_024
    /// Commands decoded but not yet handed to the writer on one connection. One socket read
    /// (64 KiB) holds at most about 4,700 of the shortest commands, so this is never reached by
    /// a client that waits for TCP; one that floods beyond it gets `-LIMIT`.
    public static let backlogCommandsMax = 16_384
    /// Bytes of replies a connection may leave unread before the server stops reading its
    /// requests and making its replies (Redis's `client-output-buffer-limit` soft limit; TCP then
    /// pushes back on the client). The largest single reply, a busy day's AGENDA or DAYLIST, is
    /// about 2 MiB; 4 MiB lets one leave whole while the next is made, and bounds what a client
    /// that never reads costs to the replies it already had in flight.
    public static let outputBytesSoftMax = 4 * 1_048_576
    /// Bytes of replies unread past which the connection is closed (and the node logs why). Past
    /// the soft limit only the replies already in flight are added (at most
    /// `inFlightPerConnectionMax`), so a client gets here only by pipelining dozens of large
    /// replies (AGENDA, CAPACITY over a year) without reading them, or by subscribing and never
    /// reading 100,000 events (about 300 bytes each). 32 MiB is Redis's hard limit for pub/sub clients.
    public static let outputBytesHardMax = 32 * 1_048_576
    /// Bytes of replies one connection encodes in one event-loop turn before the rest wait for
    /// the next. A loop serves many connections: one client's thousand large replies must not
    /// hold up another's PING until all are encoded. 256 KiB is a thousand ordinary replies, or
    /// one large one, per turn.
    public static let replyBytesPerTurnMax = 262_144
    /// The pause before that next turn. A NIO event loop runs every task it has, those queued
    /// while it runs included, before it looks at its sockets; a timer not yet due lets it look.
    public static let replyTurnPauseMilliseconds: Int64 = 1
    /// A connection that sends nothing for this long is closed (subscribers excepted): a
    /// forgotten terminal should not hold a slot for ever.
    public static let idleSecondsMax: Int64 = 900
    /// After its last reply (QUIT, a framing error, a limit) a connection shuts its own side and
    /// reads and drops what the client still sends for at most this long before it closes: a
    /// close with unread input makes the kernel reset the connection, and the client would lose
    /// replies already sent to it.
    public static let lingerSecondsMax: Int64 = 2
    /// STATUS queries per client address per minute: enough for an applicant and a help desk,
    /// too few to walk the register by guessing names and dates.
    public static let statusPerMinuteMax = 30
    /// STATUS always answers this long after it was asked, whatever the answer, so the reply
    /// time tells nothing about whether the person exists.
    public static let statusReplyMilliseconds: Int64 = 50
    /// AUTH attempts per connection before it is closed: a person mistypes a few times; a
    /// guesser is cut off.
    public static let authFailuresMax = 5
    /// Results one FIRSTFREE may ask for.
    public static let firstFreeCountMax = 100
    /// Days one CAPACITY may span: a year and a bit.
    public static let capacityDaysMax = 400
    /// Offices one SUBSCRIBE names.
    public static let subscriptionsMax = 64
}
