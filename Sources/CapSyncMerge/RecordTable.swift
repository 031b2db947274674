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
/// to its position (4-byte buckets), and the keys and the winning entries sit in arrays in the order records
/// first appeared. A record's position never changes, so an entry's kept operation can name it.
struct RecordTable: Sendable {
    /// position + 1 per bucket, 0 for empty; the count is a power of two, at most half full.
    private var buckets = [UInt32](repeating: 0, count: 1024)
    private(set) var ids: [RecordID] = []
    /// The entry whose write holds, or `EntryRef.none`.
    var winners: [EntryRef] = []

    var count: Int { ids.count }

    /// The position of `id`, made (with no winner yet) if the record is new.
    @inline(__always)
    mutating func position(of id: RecordID) -> UInt32 {
        let mask = buckets.count - 1
        var index = RecordTable.bucket(of: id, mask: mask)
        while true {
            let stored = buckets[index]
            if stored == 0 { break }
            if ids[Int(stored - 1)] == id { return stored - 1 }
            index = (index + 1) & mask
        }
        let position = UInt32(ids.count)
        ids.append(id)
        winners.append(.none)
        buckets[index] = position + 1
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

    @inline(__always)
    private static func bucket(of id: RecordID, mask: Int) -> Int {
        let hash = SeededHash.hash(UInt64(id.partner) << 32 | UInt64(id.item), UInt64(id.site) << 32 | UInt64(id.period))
        return Int(truncatingIfNeeded: hash) & mask
    }

    private mutating func resize(to size: Int) {
        buckets = [UInt32](repeating: 0, count: size)
        let mask = size - 1
        for (position, id) in ids.enumerated() {
            var index = RecordTable.bucket(of: id, mask: mask)
            while buckets[index] != 0 { index = (index + 1) & mask }
            buckets[index] = UInt32(position + 1)
        }
    }
}
