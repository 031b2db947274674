/// A capacity-record write's place in the canonical record order — ranks of partner and item; rank of site,
/// then the period (year << 8 | month) — and the entry that made it.
struct RecordOrderKey: Sendable {
    let high: UInt64
    let low: UInt64
    let entry: EntryRef
}

/// Sorts the fold's record writes by (high, low): a least-significant-digit radix sort, 8 bits a pass, that
/// skips every byte on which all keys agree. Ranks are small numbers and periods span few years, so a million
/// writes take about six passes of sequential reads and 256-way writes, where a comparison sort spent some 300
/// instructions a key. Ties keep no particular order (the caller resolves each run of equal keys itself).
enum RecordOrder {
    static func sort(_ keys: inout [RecordOrderKey]) {
        guard keys.count > 1 else { return }
        // Bits on which some keys differ: bytes without any are already "sorted".
        var anyHigh: UInt64 = 0
        var allHigh: UInt64 = .max
        var anyLow: UInt64 = 0
        var allLow: UInt64 = .max
        for key in keys {
            anyHigh |= key.high
            allHigh &= key.high
            anyLow |= key.low
            allLow &= key.low
        }
        let varyingHigh = anyHigh ^ allHigh
        let varyingLow = anyLow ^ allLow
        // The second buffer is left unwritten: every pass writes each of its places before the next reads them
        // (each key goes to exactly one place), and the keys are plain values.
        var spare = [RecordOrderKey](unsafeUninitializedCapacity: keys.count) { _, initialized in
            initialized = keys.count
        }
        var counts = [Int](repeating: 0, count: 256)
        // Low word first (least significant), then the high word.
        for (word, varying) in [(0, varyingLow), (1, varyingHigh)] {
            for shift in stride(from: UInt64(0), to: 64, by: 8) where (varying >> shift) & 0xff != 0 {
                pass(from: keys, into: &spare, word: word, shift: shift, counts: &counts)
                swap(&keys, &spare)
            }
        }
    }

    /// One stable counting-sort pass on one byte of one word.
    private static func pass(
        from source: [RecordOrderKey],
        into target: inout [RecordOrderKey],
        word: Int,
        shift: UInt64,
        counts: inout [Int]
    ) {
        @inline(__always) func digit(_ key: RecordOrderKey) -> Int {
            Int(truncatingIfNeeded: ((word == 0 ? key.low : key.high) >> shift) & 0xff)
        }
        counts.withUnsafeMutableBufferPointer { counts in
            for index in 0..<256 { counts[index] = 0 }
            source.withUnsafeBufferPointer { source in
                for key in source { counts[digit(key)] += 1 }
                var start = 0
                for index in 0..<256 {
                    let count = counts[index]
                    counts[index] = start
                    start += count
                }
                target.withUnsafeMutableBufferPointer { target in
                    for key in source {
                        let bucket = digit(key)
                        target[counts[bucket]] = key
                        counts[bucket] += 1
                    }
                }
            }
        }
    }
}
