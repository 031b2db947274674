import CapSyncWire

/// Finds a roster key's rank (its position among the roster's keys in ascending order) with one cheap hash:
/// every entry the fold takes in is looked up here first. A small open-addressing table, at most a quarter
/// full; keys outside the roster end at an empty bucket after a probe or two.
struct AuthorIndex: Sendable {
    private let keys: [AuthorKey]
    /// rank + 1 per bucket, 0 for empty; the count is a power of two.
    private let buckets: [UInt32]

    /// `keys` in ascending order: a key's index is its rank.
    init(keys: [AuthorKey]) {
        var size = 16
        while size < keys.count * 4 { size *= 2 }
        var buckets = [UInt32](repeating: 0, count: size)
        for (rank, key) in keys.enumerated() {
            var index = AuthorIndex.bucket(of: key, mask: size - 1)
            while buckets[index] != 0 { index = (index + 1) & (size - 1) }
            buckets[index] = UInt32(rank + 1)
        }
        self.keys = keys
        self.buckets = buckets
    }

    @inline(__always)
    func rank(of key: AuthorKey) -> Int? {
        let mask = buckets.count - 1
        var index = AuthorIndex.bucket(of: key, mask: mask)
        while true {
            let stored = buckets[index]
            if stored == 0 { return nil }
            if keys[Int(stored - 1)] == key { return Int(stored - 1) }
            index = (index + 1) & mask
        }
    }

    @inline(__always)
    private static func bucket(of key: AuthorKey, mask: Int) -> Int {
        Int(truncatingIfNeeded: SeededHash.hash(key.w0 ^ key.w2, key.w1 ^ key.w3)) & mask
    }
}
