// The report's two big maps, built for the fold's one thread: no SipHash, no resizing of
// dictionaries of millions of entries (which a profile showed were most of the fold's time).

/// Appointment key → its office, service and current day (`ReportBuilder.pack`). Keys made by
/// `SequenceIDs` without a suffix are the booking record's sequence: a flat array indexed by
/// it. Any other key goes to a dictionary.
struct AppointmentTable {
    /// 0: none; else the packed value with bit 63 set (an office index never reaches it).
    private var bySequence: [UInt64] = []
    private var others: [UInt64: UInt64] = [:]
    private static let present: UInt64 = 1 << 63
    /// A sequence past this goes to `others`: the array stays within the log's own size.
    private let sequenceMax: UInt64

    init(expectedSequences: UInt64) {
        sequenceMax = max(expectedSequences, 1 << 16)
        bySequence.reserveCapacity(Int(min(sequenceMax, 1 << 28)) + 1)
    }

    @inline(__always) private func slot(_ key: UInt64) -> Int? {
        guard key & 0xFF == 0, key & ReportScan.arenaKeyBit == 0 else { return nil }
        let sequence = key >> 8
        return sequence <= sequenceMax ? Int(sequence) : nil
    }

    subscript(key: UInt64) -> UInt64? {
        get {
            guard let index = slot(key) else { return others[key] }
            guard index < bySequence.count else { return nil }
            let value = bySequence[index]
            return value == 0 ? nil : value & ~AppointmentTable.present
        }
        set {
            guard let index = slot(key) else {
                others[key] = newValue
                return
            }
            if index >= bySequence.count {
                guard newValue != nil else { return }
                bySequence.append(contentsOf: repeatElement(0, count: index - bySequence.count + 1))
            }
            bySequence[index] = newValue.map { $0 | AppointmentTable.present } ?? 0
        }
    }
}

/// 64-bit hash → small record index, open addressing with linear probing; the caller keeps
/// the records and tells apart two keys with one hash. Key and value side by side: one cache
/// miss a probe (the index of a long log is far bigger than the cache).
struct HashIndex {
    struct Slot {
        var key: UInt64 = 0
        var value: Int32 = -1
    }
    private var slots: [Slot]
    private var used = 0
    private var mask: Int
    private var shift: UInt64

    init(capacity: Int = 1 << 10) {
        var size = 1 << 10
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: Slot(), count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    /// Fibonacci hashing: the top bits of the key times 2^64/φ, spread whatever the hash's own bits.
    @inline(__always) private func home(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// 0 is the empty slot's key, so a hash of 0 is stored as 1 (the caller confirms by bytes anyway).
    @inline(__always) private static func stored(_ hash: UInt64) -> UInt64 { hash == 0 ? 1 : hash }

    func find(_ hash: UInt64) -> Int32? {
        let key = HashIndex.stored(hash)
        return slots.withUnsafeBufferPointer { slots in
            var index = home(key)
            while true {
                let slot = slots[index]
                if slot.key == key { return slot.value }
                if slot.key == 0 { return nil }
                index = (index + 1) & mask
            }
        }
    }

    /// Adds `hash` → `value` unless `hash` is present (the first one stays).
    mutating func insert(_ hash: UInt64, _ value: Int32) {
        if (used + 1) * 2 > slots.count { grow() }
        let key = HashIndex.stored(hash)
        var index = home(key)
        while true {
            let found = slots[index].key
            if found == key { return }
            if found == 0 {
                slots[index] = Slot(key: key, value: value)
                used += 1
                return
            }
            index = (index + 1) & mask
        }
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(), count: old.count * 2)
        mask = slots.count - 1
        shift = UInt64(64 - slots.count.trailingZeroBitCount)
        used = 0
        for slot in old where slot.key != 0 { insert(slot.key, slot.value) }
    }
}
