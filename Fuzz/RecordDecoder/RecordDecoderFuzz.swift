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
///   verifies (finding F1, a second encoding of a configuration, is now refused by the codec);
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

        let decoded: Result<Record, CodecError>
        do {
            decoded = .success(try RecordCodec.decode(sequence: sequence, value: value))
        } catch {
            decoded = .failure(error)
        }
        let stated = statedPrevious(value)
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
            let canonical = writer.bytes.count == value.count && writer.bytes.dropLast(hashBytes) == value.dropLast(hashBytes)
            precondition(canonical, "record \(record) re-encodes to other bytes: \(writer.bytes.count) against \(value.count)")
            // The chain's hash is over the bytes as stored; sealing the record again gives the same
            // one exactly when the bytes are the encoder's own.
            let recomputed = recomputedHash(sequence: sequence, value)
            precondition(!canonical || sealed == recomputed, "sealing the same payload gave another hash")
            let verifies = recomputed == record.hash
            precondition(verifies == (finding == nil), "hash verifies: \(verifies), chain check: \(String(describing: finding))")
            if !verifies {
                precondition(finding == .hashMismatch(sequence: sequence, stored: record.hash, recomputed: recomputed),
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

    /// The hash of a value that decoded (so it has a trailer).
    static func recomputedHash(sequence: UInt64, _ value: [UInt8]) -> ChainHash {
        value.withUnsafeBytes { buffer in
            do {
                return try RecordCodec.recomputedHash(sequence: sequence, value: buffer)
            } catch {
                preconditionFailure("a value that decoded has no trailer: \(error)")
            }
        }
    }

    /// The previous hash the value's trailer states, or genesis when it has no trailer.
    static func statedPrevious(_ value: [UInt8]) -> ChainHash {
        value.withUnsafeBytes { buffer in
            do {
                return try RecordCodec.hashes(of: buffer).previous
            } catch {
                return .genesis
            }
        }
    }
}
