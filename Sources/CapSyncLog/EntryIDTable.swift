import CapSyncWire

/// The id → location index: an open-addressing hash table built for the one thing open does a million times,
/// inserting ids that arrive in no useful order.
///
/// A Swift `Dictionary<IDKey, RecordLocation>` keeps its occupancy bitmap, keys and values in three separate
/// arrays, so every insert of a random id touches three cold cache lines (and three pages). Here the table is
/// one array of 8-byte slots, each holding a 32-bit tag of the id's hash and the entry's ordinal; the ids and
/// locations themselves are appended in insertion order (sequential writes, no misses). An insert touches one
/// random cache line; a lookup touches one, plus the id it then compares in full (only when the tag matches).
///
/// Open appends a million ids at once, so it defers them (`appendDeferred`) and indexes them in one pass
/// (`indexDeferred`) that first partitions them by the table region they hash to: each region is then filled
/// while it sits in cache, instead of one cache miss (and often one TLB miss) per id.
///
/// The hash mixes the id's first word with a per-process random seed (as `Hasher` does), so entries ground to
/// share prefix bits cannot cluster the table on another node. Entries are never removed: the log only grows.
struct EntryIDTable {
    /// ordinal → id and ordinal → location, in insertion order.
    private(set) var ids: [EntryID] = []
    private(set) var locations: [RecordLocation] = []
    /// 0 = empty; otherwise tag << 32 | (ordinal + 1). The count is a power of two, at most half full.
    private var slots: [UInt64]
    private var mask: Int
    /// ids[..<indexedCount] are in `slots`; the rest were appended with `appendDeferred` and await
    /// `indexDeferred`.
    private var indexedCount = 0
    private let seed: UInt64

    static let minimumSlots = 1024
    /// Below this many pending ids, partitioning costs more than the cache misses it saves.
    static let partitionThreshold = 4096
    private static let tagMask: UInt64 = 0xFFFF_FFFF_0000_0000

    init() {
        slots = [UInt64](repeating: 0, count: Self.minimumSlots)
        mask = Self.minimumSlots - 1
        seed = UInt64.random(in: 0...UInt64.max)
    }

    var count: Int { ids.count }

    /// Whether ids appended with `appendDeferred` still wait for `indexDeferred` (lookups would miss them).
    var hasDeferred: Bool { indexedCount < ids.count }

    /// Sizes the table (and the id and location arrays) for `total` entries, so a long scan never rehashes.
    mutating func reserve(_ total: Int) {
        guard total > ids.count else { return }
        ids.reserveCapacity(total)
        locations.reserveCapacity(total)
        let needed = Self.slotCount(for: total)
        if needed > slots.count { resize(slotCount: needed) }
    }

    func location(of id: EntryID) -> RecordLocation? {
        precondition(!hasDeferred, "id lookup while ids wait to be indexed")
        let hash = hash(id)
        let tag = hash & Self.tagMask
        var position = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeBufferPointer { slots in
            while true {
                let slot = slots[position]
                if slot == 0 { return nil }
                if slot & Self.tagMask == tag {
                    let ordinal = Int(slot & 0xFFFF_FFFF) - 1
                    if ids[ordinal] == id { return locations[ordinal] }
                }
                position = (position + 1) & mask
            }
        }
    }

    /// Adds `id` unless it is already present; returns false (changing nothing) if it was.
    mutating func insert(_ id: EntryID, at location: RecordLocation) -> Bool {
        precondition(!hasDeferred, "insert while ids wait to be indexed")
        if Self.slotCount(for: ids.count + 1) > slots.count { resize(slotCount: slots.count * 2) }
        let hash = hash(id)
        let ordinal = ids.count
        ids.append(id)
        locations.append(location)
        guard place(ordinal, hash: hash) else {
            ids.removeLast()
            locations.removeLast()
            return false
        }
        indexedCount = ids.count
        return true
    }

    /// Appends `id` without indexing it yet (open's scan); `indexDeferred` must run before the next lookup.
    mutating func appendDeferred(_ id: EntryID, at location: RecordLocation) {
        ids.append(id)
        locations.append(location)
    }

    /// Indexes every id appended with `appendDeferred`. Returns the first (in append order) that repeats an id
    /// appended before it, if any: a committed log never holds one id twice, so the caller refuses the log.
    mutating func indexDeferred() -> (id: EntryID, location: RecordLocation)? {
        guard hasDeferred else { return nil }
        let needed = Self.slotCount(for: ids.count)
        if needed > slots.count {
            slots = [UInt64](repeating: 0, count: needed)
            mask = needed - 1
            indexedCount = 0
        }
        let duplicate = index(indexedCount..<ids.count)
        indexedCount = ids.count
        return duplicate.map { (ids[$0], locations[$0]) }
    }

    /// Puts `ordinals` into the slots; returns the lowest one found to repeat an earlier id.
    private mutating func index(_ ordinals: Range<Int>) -> Int? {
        let start = ordinals.lowerBound
        let pending = ordinals.count
        guard pending >= Self.partitionThreshold else {
            var duplicate: Int?
            for ordinal in ordinals where !place(ordinal, hash: hash(ids[ordinal])) {
                duplicate = duplicate ?? ordinal
            }
            return duplicate
        }
        // Counting sort by the top bits of the home slot (stable, so a repeated id still comes after the id it
        // repeats). 1024 regions: each covers a few thousand slots, tens of kilobytes, which stay in cache while
        // they are filled.
        let slotBits = slots.count.trailingZeroBitCount
        let regionBits = min(slotBits, 10)
        let shift = slotBits - regionBits
        var starts = [Int](repeating: 0, count: (1 << regionBits) + 1)
        var hashes = [UInt64](repeating: 0, count: pending)
        for offset in 0..<pending {
            let hash = hash(ids[start + offset])
            hashes[offset] = hash
            starts[((Int(truncatingIfNeeded: hash) & mask) >> shift) + 1] += 1
        }
        for region in 1..<starts.count { starts[region] += starts[region - 1] }
        var sortedHashes = [UInt64](repeating: 0, count: pending)
        var sortedOrdinals = [UInt32](repeating: 0, count: pending)
        for offset in 0..<pending {
            let region = (Int(truncatingIfNeeded: hashes[offset]) & mask) >> shift
            let target = starts[region]
            starts[region] = target + 1
            sortedHashes[target] = hashes[offset]
            sortedOrdinals[target] = UInt32(start + offset)
        }
        var duplicate: Int?
        for position in 0..<pending {
            let ordinal = Int(sortedOrdinals[position])
            if !place(ordinal, hash: sortedHashes[position]) { duplicate = min(duplicate ?? ordinal, ordinal) }
        }
        return duplicate
    }

    /// Puts one ordinal into its slot (linear probing); false if its id is already there.
    private mutating func place(_ ordinal: Int, hash: UInt64) -> Bool {
        let tag = hash & Self.tagMask
        var position = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeMutableBufferPointer { slots -> Bool in
            while true {
                let slot = slots[position]
                if slot == 0 {
                    slots[position] = tag | UInt64(ordinal + 1)
                    return true
                }
                if slot & Self.tagMask == tag, ids[Int(slot & 0xFFFF_FFFF) - 1] == ids[ordinal] { return false }
                position = (position + 1) & mask
            }
        }
    }

    /// The smallest power of two that keeps `count` entries at most half the slots.
    private static func slotCount(for count: Int) -> Int {
        var slots = minimumSlots
        while slots < 2 * count { slots *= 2 }
        return slots
    }

    /// Re-spreads every indexed id over `slotCount` slots (ids already indexed hold no duplicates).
    private mutating func resize(slotCount: Int) {
        precondition(slotCount.nonzeroBitCount == 1 && UInt64(slotCount) <= 1 << 32)
        let indexed = indexedCount
        slots = [UInt64](repeating: 0, count: slotCount)
        mask = slotCount - 1
        // Deferred ids stay deferred.
        _ = index(ids.indices.prefix(upTo: indexed))
    }

    /// SplitMix64's finaliser over the id's first word and the seed: ids are SHA-256 outputs, so one word spreads
    /// as well as four; the seed keeps the layout private to this process.
    private func hash(_ id: EntryID) -> UInt64 {
        var z = id.w0 ^ seed &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
