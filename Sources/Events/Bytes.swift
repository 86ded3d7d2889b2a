/// The primitives of Agenda's binary formats: big-endian fixed-width integers and
/// length-prefixed UTF-8 strings. docs/log-format.md describes them byte by byte.
public struct ByteWriter: Sendable {
    public var bytes: [UInt8]
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always) public mutating func u8(_ value: UInt8) { bytes.append(value) }
    @inline(__always) public mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }
    @inline(__always) public mutating func u16(_ value: UInt16) { appendBigEndian(value) }
    @inline(__always) public mutating func u32(_ value: UInt32) { appendBigEndian(value) }
    @inline(__always) public mutating func u64(_ value: UInt64) { appendBigEndian(value) }

    /// Byte by byte: each append is a few inlined instructions, where appending the value's
    /// bytes as a buffer is a generic call of about a hundred (callgrind, December 2026).
    @inline(__always) mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        var shift = T.bitWidth - 8
        while shift >= 0 {
            bytes.append(UInt8(truncatingIfNeeded: value >> shift))
            shift -= 8
        }
    }
    @inline(__always) public mutating func i32(_ value: Int32) { u32(UInt32(bitPattern: value)) }
    @inline(__always) public mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }

    /// u16 length, then the UTF-8 bytes. Longer strings are a programmer error: every string
    /// that reaches the log passed a named limit far below 65,535 bytes.
    public mutating func string(_ value: String) {
        let count = value.utf8.count
        precondition(count <= Int(UInt16.max), "string of \(count) bytes passed every limit")
        u16(UInt16(count))
        raw(value)
    }
    @inline(__always) public mutating func day(_ value: Day) { i32(value.daysSinceEpoch) }
    /// A day inside an LMDB key: the sign bit flipped so keys sort in date order.
    @inline(__always) public mutating func dayKey(_ value: Day) { u32(UInt32(bitPattern: value.daysSinceEpoch) ^ 0x8000_0000) }
    /// The UTF-8 bytes alone, for keys (separated by a 0 byte, which no id contains).
    public mutating func raw(_ value: String) {
        // Native strings are contiguous UTF-8: one copy, no transcoding.
        if value.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil {
            bytes.append(contentsOf: value.utf8)
        }
    }
    @inline(__always) public mutating func time(_ value: LocalTime) { u16(value.minutesSinceMidnight) }
    public mutating func optional<T>(_ value: T?, _ write: (inout ByteWriter, T) -> Void) {
        if let value {
            u8(1)
            write(&self, value)
        } else {
            u8(0)
        }
    }
}

public enum CodecError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(offset: Int)
    case unknownVersion(UInt8)
    case unknownTag(kind: String, tag: UInt8, offset: Int)
    case invalidUTF8(offset: Int)
    case invalidValue(kind: String, offset: Int)
    case trailingBytes(offset: Int)

    public var description: String {
        switch self {
        case .truncated(let offset): "record ends early at byte \(offset); the record is damaged"
        case .unknownVersion(let version):
            "record format version \(version) is newer than this program; upgrade Agenda to read it"
        case .unknownTag(let kind, let tag, let offset):
            "unknown \(kind) tag \(tag) at byte \(offset); the record is damaged or newer than this program"
        case .invalidUTF8(let offset): "a string at byte \(offset) is not UTF-8; the record is damaged"
        case .invalidValue(let kind, let offset): "invalid \(kind) at byte \(offset); the record is damaged"
        case .trailingBytes(let offset): "unexpected bytes after the record's end at byte \(offset)"
        }
    }
}

/// Reads what `ByteWriter` wrote, throwing on anything short or malformed: bytes from disk are
/// never trusted.
public struct ByteReader {
    public let buffer: UnsafeRawBufferPointer
    public private(set) var offset: Int = 0

    public init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }

    public var remaining: Int { buffer.count - offset }

    @inline(__always) mutating func take(_ count: Int) throws(CodecError) -> Int {
        guard count <= buffer.count - offset else { throw .truncated(offset: offset) }
        defer { offset += count }
        return offset
    }
    @inline(__always) public mutating func u8() throws(CodecError) -> UInt8 { buffer[try take(1)] }
    public mutating func bool() throws(CodecError) -> Bool {
        let at = offset
        switch try u8() {
        case 0: return false
        case 1: return true
        default: throw .invalidValue(kind: "boolean", offset: at)
        }
    }
    @inline(__always) public mutating func u16() throws(CodecError) -> UInt16 {
        let at = try take(2)
        return UInt16(buffer[at]) << 8 | UInt16(buffer[at + 1])
    }
    @inline(__always) public mutating func u32() throws(CodecError) -> UInt32 {
        let at = try take(4)
        var value: UInt32 = 0
        for index in 0..<4 { value = value << 8 | UInt32(buffer[at + index]) }
        return value
    }
    @inline(__always) public mutating func u64() throws(CodecError) -> UInt64 {
        let at = try take(8)
        var value: UInt64 = 0
        for index in 0..<8 { value = value << 8 | UInt64(buffer[at + index]) }
        return value
    }
    public mutating func i32() throws(CodecError) -> Int32 { Int32(bitPattern: try u32()) }
    public mutating func i64() throws(CodecError) -> Int64 { Int64(bitPattern: try u64()) }
    public mutating func string() throws(CodecError) -> String {
        let count = Int(try u16())
        let at = try take(count)
        // Ids and most text are ASCII: checking for it and taking the bytes as they are is many
        // times cheaper than the generic validating initialiser (which dominated a replay's
        // decoding); anything else is validated in full.
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[at..<(at + count)])
        if bytes.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: bytes.assumingMemoryBound(to: UInt8.self), as: UTF8.self)
        }
        guard let text = String(validating: bytes.assumingMemoryBound(to: UInt8.self), as: UTF8.self) else {
            throw .invalidUTF8(offset: at)
        }
        return text
    }
    public mutating func day() throws(CodecError) -> Day { Day(daysSinceEpoch: try i32()) }
    public mutating func dayKey() throws(CodecError) -> Day { Day(daysSinceEpoch: Int32(bitPattern: try u32() ^ 0x8000_0000)) }
    /// UTF-8 up to the next 0 byte (consumed) or the end.
    public mutating func rawUntilZero() throws(CodecError) -> String {
        let start = offset
        var end = start
        while end < buffer.count, buffer[end] != 0 { end += 1 }
        guard let text = String(validating: buffer[start..<end], as: UTF8.self) else { throw .invalidUTF8(offset: start) }
        offset = end < buffer.count ? end + 1 : end
        return text
    }
    public mutating func time() throws(CodecError) -> LocalTime {
        let at = offset
        let minutes = try u16()
        guard minutes < 1440 else { throw .invalidValue(kind: "time", offset: at) }
        return LocalTime(minutesSinceMidnight: minutes)
    }
    public mutating func bytes(_ count: Int) throws(CodecError) -> UnsafeRawBufferPointer {
        let at = try take(count)
        return UnsafeRawBufferPointer(rebasing: buffer[at..<(at + count)])
    }
    public mutating func optional<T>(_ read: (inout ByteReader) throws(CodecError) -> T) throws(CodecError) -> T? {
        try bool() ? try read(&self) : nil
    }
    public func end() throws(CodecError) {
        guard offset == buffer.count else { throw .trailingBytes(offset: offset) }
    }
}
