import Events
import FuzzSupport

/// What the log's reader must do with any bytes found under a key, checked on one input. An
/// input is a log entry as LMDB holds it: the key (the sequence number, 8 bytes big-endian)
/// and then the value (payload ‖ previous hash ‖ hash; docs/log-format.md).
///
/// - `RecordCodec.decode(sequence:value:)` never crashes: it gives a record or a `CodecError`;
/// - a record it gives, sealed again from its fields and its stated previous hash, is the same
///   payload and previous hash byte for byte — one encoding per record, so the chain's hash
///   covers exactly what the reader understood — and the same hash whenever the stored one
///   verifies;
/// - the chain check (`ChainWalker`) agrees: it passes the entry exactly when it decodes and
///   its hash verifies, reports the decoder's own error when it does not decode, a broken link
///   when started from another previous hash, and a gap when it expected another sequence.
enum RecordDecoderProperty {
    static func check(_ input: [UInt8]) {
        let keyBytes = 8
        guard input.count >= keyBytes else { return }
        // Sequence 0 is never a key (the log starts at 1); the walker cannot start before it.
        let sequence = max(1, input.prefix(keyBytes).reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        let value = Array(input.dropFirst(keyBytes))

        let decoded = Result { () throws(CodecError) -> Record in try RecordCodec.decode(sequence: sequence, value: value) }
        let stated = (try? value.withUnsafeBytes { buffer throws(CodecError) in try RecordCodec.hashes(of: buffer) })?.previous
            ?? .genesis
        var walker = ChainWalker(after: sequence - 1, hash: stated)
        let finding = value.withUnsafeBytes { walker.check(sequence: sequence, value: $0) }

        switch decoded {
        case .failure(let error):
            precondition(finding == .undecodable(sequence: sequence, error),
                         "decode says \(error), the chain check says \(String(describing: finding))")
        case .success(let record):
            precondition(record.sequence == sequence, "decoded sequence \(record.sequence) under key \(sequence)")
            var writer = ByteWriter(capacity: value.count)
            let sealed = RecordCodec.seal(sequence: sequence, decidedAt: record.decidedAt, actor: record.actor,
                                          requestID: record.requestID, command: record.command, outcome: record.outcome,
                                          previousHash: record.previousHash, into: &writer)
            let hashBytes = 32
            precondition(writer.bytes.count == value.count && writer.bytes.dropLast(hashBytes) == value.dropLast(hashBytes),
                         "record \(record) re-encodes to other bytes: \(writer.bytes.count) against \(value.count)")
            let verifies = sealed == record.hash
            precondition(!verifies || writer.bytes == value, "the hash verifies but the sealed bytes differ")
            precondition(verifies == (finding == nil), "hash verifies: \(verifies), chain check: \(String(describing: finding))")
            if !verifies {
                precondition(finding == .hashMismatch(sequence: sequence, stored: record.hash, recomputed: sealed),
                             "a changed record: \(String(describing: finding))")
            }
            // The same bytes after another record, or where another sequence was expected.
            let other = ChainHash(words: (~stated.words.0, stated.words.1, stated.words.2, stated.words.3))
            var linkedElsewhere = ChainWalker(after: sequence - 1, hash: other)
            precondition(value.withUnsafeBytes { linkedElsewhere.check(sequence: sequence, value: $0) }
                         == .brokenLink(sequence: sequence, stated: stated, expected: other), "a broken link went unseen")
            if sequence < UInt64.max {
                var ahead = ChainWalker(after: sequence, hash: stated)
                precondition(value.withUnsafeBytes { ahead.check(sequence: sequence, value: $0) }
                             == .gap(expected: sequence + 1, found: sequence), "a gap went unseen")
            }
        }
    }
}
