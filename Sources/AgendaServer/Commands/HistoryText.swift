import Events
import Replay

/// A log record as HISTORY shows it: when, who, what was asked, what came of it, in the same
/// words as `replay history`.
enum HistoryText {
    static func reply(_ record: Record) -> Reply {
        .map([
            ReplyField("seq", .bulk(String(record.sequence))),
            ReplyField("at", .bulk(IsoTime.string(record.decidedAt))),
            ReplyField("actor", .bulk(record.actor.description)),
            ReplyField("command", .bulk(RecordText.command(record.command))),
            ReplyField("outcome", .bulk(RecordText.outcome(record.outcome))),
        ])
    }
}
