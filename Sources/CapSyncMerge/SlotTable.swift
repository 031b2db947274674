/// One author's kept entries by seq. Chains are mostly delivered in seq order, so seqs are kept in an array
/// indexed by seq (appends, no hashing); a seq far beyond the entries held so far goes to a dictionary, so a
/// hostile seq can never make the array large (it grows to at most twice the entries held, plus 1024).
struct SlotTable: Sendable {
    private var dense: [Slot?] = []
    private var sparse: [UInt64: Slot] = [:]
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    subscript(seq: UInt64) -> Slot? {
        if seq >= 1, seq <= UInt64(dense.count) { return dense[Int(seq - 1)] }
        return sparse[seq]
    }

    /// Stores a slot at a seq that holds none.
    mutating func insert(_ slot: Slot) {
        let seq = slot.seq
        count += 1
        if seq >= 1, seq <= UInt64(dense.count) {
            dense[Int(seq - 1)] = slot
            return
        }
        let limit = UInt64(count) * 2 + 1024
        guard seq <= limit else {
            sparse[seq] = slot
            return
        }
        // Grow the array to this seq, taking in whatever the dictionary held below it.
        while UInt64(dense.count) < seq - 1 {
            let next = UInt64(dense.count) + 1
            dense.append(sparse.removeValue(forKey: next))
        }
        dense.append(slot)
    }

    mutating func reserveCapacity(_ capacity: Int) { dense.reserveCapacity(capacity) }

    /// Every slot, in no particular order.
    var all: [Slot] {
        var slots: [Slot] = []
        slots.reserveCapacity(count)
        for case let slot? in dense { slots.append(slot) }
        slots.append(contentsOf: sparse.values)
        return slots
    }

    func forEach(_ body: (Slot) -> Void) {
        for case let slot? in dense { body(slot) }
        for slot in sparse.values { body(slot) }
    }
}
