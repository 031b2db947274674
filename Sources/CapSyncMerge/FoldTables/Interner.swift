/// Gives each distinct string (by bytes) a small number, so register keys are a few integers: fast to hash,
/// small to keep, and sortable by rank instead of by string comparisons. Strings are looked up by their UTF-8
/// bytes in an open-addressing table (`SeededHash`, linear probing), so the fold's fast path numbers codes
/// straight from payload bytes without building a String for each.
struct Interner: Sendable {
    private(set) var strings: [String] = []
    /// The bytes of every string, one after another; `ends[n]` is where string n's bytes end.
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    /// number + 1 per bucket, 0 for empty; the count is a power of two, at most half full.
    private var buckets = [UInt32](repeating: 0, count: 64)
    /// The last string found per caller's slot (UInt32.max: none): a report's item and site usually repeat
    /// those of the entry before it, and comparing a few bytes is cheaper than hashing them.
    private var recent: (item: UInt32, site: UInt32) = (.max, .max)

    /// Which memo a lookup may use: one per payload field that tends to repeat.
    enum Slot { case item, site }

    mutating func number(_ text: String) -> UInt32 {
        var bytes = text
        return bytes.withUTF8 { lookUp(bytes: $0, text: { text }) }
    }

    /// The number of these bytes if they are the last string looked up for `slot` (which the caller checked
    /// before looking it up: a hit needs no check again).
    @inline(__always)
    func recent(_ candidate: UnsafeBufferPointer<UInt8>, slot: Slot) -> UInt32? {
        let last = slot == .item ? recent.item : recent.site
        return last != .max && storedBytes(Int(last), equal: candidate) ? last : nil
    }

    /// The number of the string with these bytes, remembered as `slot`'s last; `text` makes the String when the
    /// bytes are new.
    @inline(__always)
    mutating func number(bytes candidate: UnsafeBufferPointer<UInt8>, slot: Slot, text: () -> String) -> UInt32 {
        let number = lookUp(bytes: candidate, text: text)
        if slot == .item { recent.item = number } else { recent.site = number }
        return number
    }

    private mutating func lookUp(bytes candidate: UnsafeBufferPointer<UInt8>, text: () -> String) -> UInt32 {
        let mask = buckets.count - 1
        var index = Int(truncatingIfNeeded: SeededHash.hash(candidate)) & mask
        while true {
            let stored = buckets[index]
            if stored == 0 { break }
            let number = Int(stored - 1)
            if storedBytes(number, equal: candidate) { return UInt32(number) }
            index = (index + 1) & mask
        }
        let number = UInt32(strings.count)
        strings.append(text())
        bytes.append(contentsOf: candidate)
        ends.append(bytes.count)
        buckets[index] = number + 1
        if strings.count * 2 > buckets.count { grow() }
        return number
    }

    @inline(__always)
    private func storedBytes(_ number: Int, equal candidate: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = number == 0 ? 0 : ends[number - 1]
        let end = ends[number]
        guard end - start == candidate.count else { return false }
        return bytes.withUnsafeBufferPointer { stored in
            var offset = 0
            while offset < candidate.count {
                if stored[start + offset] != candidate[offset] { return false }
                offset += 1
            }
            return true
        }
    }

    private mutating func grow() {
        buckets = [UInt32](repeating: 0, count: buckets.count * 2)
        let mask = buckets.count - 1
        bytes.withUnsafeBufferPointer { all in
            var start = 0
            for (number, end) in ends.enumerated() {
                var index =
                    Int(truncatingIfNeeded: SeededHash.hash(UnsafeBufferPointer(rebasing: all[start..<end]))) & mask
                while buckets[index] != 0 { index = (index + 1) & mask }
                buckets[index] = UInt32(number + 1)
                start = end
            }
        }
    }

    /// rank[n] is the position of strings[n] in byte order, so comparing ranks compares the strings' bytes.
    func ranks() -> [UInt32] {
        let order = strings.indices.sorted { FieldRules.precedes(strings[$0], strings[$1]) }
        var rank = [UInt32](repeating: 0, count: strings.count)
        for (position, index) in order.enumerated() { rank[index] = UInt32(position) }
        return rank
    }
}
