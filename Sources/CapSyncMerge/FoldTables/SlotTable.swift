/// One author's entries by seq: seq → index of the entry in its `AuthorChain`. Chains are mostly delivered in
/// seq order, so indices are kept in an array indexed by seq (appends, no hashing, 4 bytes a seq); a seq far
/// beyond the entries held so far goes to a dictionary, so a hostile seq can never make the array large (it
/// grows to at most twice the entries held, plus 1024).
struct SlotTable: Sendable {
    /// index + 1 per seq - 1; 0 where no entry is held.
    private var dense: [UInt32] = []
    private var sparse: [UInt64: UInt32] = [:]
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// The index of the entry held at `seq`.
    @inline(__always)
    subscript(seq: UInt64) -> UInt32? {
        if seq >= 1, seq <= UInt64(dense.count) {
            let stored = dense[Int(seq - 1)]
            return stored == 0 ? nil : stored - 1
        }
        return sparse.isEmpty ? nil : sparse[seq]
    }

    /// Records the entry at `index` for a seq that holds none.
    @inline(__always)
    mutating func insert(seq: UInt64, index: UInt32) {
        count += 1
        if seq >= 1, seq <= UInt64(dense.count) {
            dense[Int(seq - 1)] = index + 1
            return
        }
        let limit = UInt64(count) * 2 + 1024
        guard seq >= 1, seq <= limit else {
            sparse[seq] = index
            return
        }
        // Grow the array to this seq, taking in whatever the dictionary held below it.
        while UInt64(dense.count) < seq - 1 {
            let next = UInt64(dense.count) + 1
            dense.append(sparse.isEmpty ? 0 : sparse.removeValue(forKey: next).map { $0 + 1 } ?? 0)
        }
        dense.append(index + 1)
    }

    mutating func reserveCapacity(_ capacity: Int) { dense.reserveCapacity(capacity) }
}
