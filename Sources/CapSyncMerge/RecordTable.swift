/// A capacity record's key, its strings replaced by interned numbers.
struct RecordID: Hashable, Sendable {
    let partner: UInt32, item: UInt32, site: UInt32
    /// year << 8 | month.
    let period: UInt32
}

/// Where an applied entry is kept: its author's rank and its index in that author's chain. A register holds
/// this (8 bytes) instead of a copy of the entry's stamp and values.
struct EntryRef: Sendable, Equatable {
    let rank: UInt32
    let index: UInt32

    /// No entry: a record every one of whose writes is excluded (a fork found later) holds this.
    static let none = EntryRef(rank: .max, index: .max)
    var isNone: Bool { rank == .max }
}

/// The capacity records' last-writer-wins registers, by column: an open-addressing table maps a record's key
/// to its position, and the keys and the winning entries sit in arrays in the order records first appeared. A
/// record's position never changes, so an entry's kept operation can name it. A bucket holds 32 bits of the
/// key's hash beside the position, so a probe reads the key itself (another cache miss) only when those match.
struct RecordTable: Sendable {
    /// hash tag << 32 | (position + 1) per bucket, 0 for empty; the count is a power of two, at most half full.
    private var buckets = [UInt64](repeating: 0, count: 1024)
    private(set) var ids: [RecordID] = []
    /// The entry whose write holds, or `EntryRef.none`.
    var winners: [EntryRef] = []

    var count: Int { ids.count }

    /// The position of `id`, made (with no winner yet) if the record is new.
    @inline(__always)
    mutating func position(of id: RecordID) -> UInt32 {
        let mask = buckets.count - 1
        let (hash, tag) = RecordTable.hash(of: id)
        var index = hash & mask
        while true {
            let stored = buckets[index]
            if stored == 0 { break }
            if stored & 0xffff_ffff_0000_0000 == tag {
                let position = UInt32(truncatingIfNeeded: stored) - 1
                if ids[Int(position)] == id { return position }
            }
            index = (index + 1) & mask
        }
        let position = UInt32(ids.count)
        ids.append(id)
        winners.append(.none)
        buckets[index] = tag | UInt64(position + 1)
        if ids.count * 2 > buckets.count { resize(to: buckets.count * 2) }
        return position
    }

    /// Forgets every winner, keeping keys and positions (a rebuild applies the kept entries again).
    mutating func clearWinners() {
        for position in winners.indices { winners[position] = .none }
    }

    mutating func reserveCapacity(_ capacity: Int) {
        ids.reserveCapacity(capacity)
        winners.reserveCapacity(capacity)
        var size = buckets.count
        while size < capacity * 2 { size *= 2 }
        if size > buckets.count { resize(to: size) }
    }

    /// Where a key's probe starts, and its tag (32 bits of hash, in the high half). The months of one series
    /// (partner, item, site) come in blocks of 8 that share a hash and sit in 8 neighbouring buckets: partners
    /// report each series month after month, so the next month's probe usually finds its cache line (and page)
    /// still warm. Blocks are placed at random, so no choice of periods makes probe runs longer than 8 apart
    /// from ordinary linear probing.
    @inline(__always)
    private static func hash(of id: RecordID) -> (start: Int, tag: UInt64) {
        let month = (id.period >> 8) &* 12 &+ (id.period & 0xff)
        let block = month >> 3, offset = month & 7
        let hash = SeededHash.hash(UInt64(id.partner) << 32 | UInt64(id.item), UInt64(id.site) << 32 | UInt64(block))
        let start = Int(truncatingIfNeeded: hash) & ~7 | Int(offset)
        return (start, (hash ^ UInt64(offset) << 32) & 0xffff_ffff_0000_0000)
    }

    private mutating func resize(to size: Int) {
        buckets = [UInt64](repeating: 0, count: size)
        let mask = size - 1
        for (position, id) in ids.enumerated() {
            let (hash, tag) = RecordTable.hash(of: id)
            var index = hash & mask
            while buckets[index] != 0 { index = (index + 1) & mask }
            buckets[index] = tag | UInt64(position + 1)
        }
    }
}
