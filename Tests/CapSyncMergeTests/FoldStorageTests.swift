import CapSyncCrypto
import CapSyncMerge
import CapSyncTestSupport
import CapSyncWire
import Testing

/// The fold keeps each author's entries by seq in an array with a dictionary for far seqs, numbers strings in
/// its own hash table, and resolves capacity records at `finish` from one sort of every kept write. These tests
/// push those structures where the small random sets of `ReferenceModelTests` do not go: seqs far apart and
/// arriving out of order (far seqs moved into the array later), thousands of distinct codes and sites (the
/// string table grows many times), many writes per record across authors with equal timestamps, non-empty and
/// UTF-8 constraints, forks among far seqs, and adding after `finish`. The naive reference fold decides.
@Suite struct FoldStorageTests {
    static let authors = [
        RandomCoalition.Author(partner: "NO", key: RandomCoalition.keyFor(21)),
        RandomCoalition.Author(partner: "NO", key: RandomCoalition.keyFor(22)),
        RandomCoalition.Author(partner: "PL", key: RandomCoalition.keyFor(23)),
    ]
    static let roster = try! Roster(serial: 1, members: authors.map { Roster.Member(partner: $0.partner, key: $0.key) })

    /// Seqs for one author: a shuffled dense run, so high seqs often arrive before the array reaches them, and
    /// a few far ones (beyond twice the entries held plus 1024) that stay in the dictionary.
    static func seqs(count: Int, rng: inout SplitMix64) -> [UInt64] {
        var seqs = (1...UInt64(count)).shuffled(using: &rng)
        seqs += [5_000 + rng.next() % 100, 1_000_000 + rng.next() % 1000, (1 << 40) + rng.next() % 1000]
        return seqs.shuffled(using: &rng)
    }

    static func entries(seed: UInt64, withFork: Bool) -> [Entry] {
        var rng = SplitMix64(seed: seed)
        func number(_ below: UInt64) -> UInt64 { rng.next() % below }
        var entries: [Entry] = []
        for author in authors {
            for seq in seqs(count: 400, rng: &rng) {
                // Thousands of distinct codes and sites, but a narrow band of them hit most often, so many records
                // take several writes (from both NO keys, at equal timestamps too).
                let wide = number(4) == 0
                let item = wide ? "ITEM-\(number(3000))" : "ITEM-\(number(6))"
                let site = wide ? "Site \(number(800))" : ["Plant-1", "Dépôt Nord", "S"][Int(number(3))]
                let period = try! Period(year: UInt16(1970 + number(3) * 4014), month: UInt8(1 + number(12)))
                let operation: Operation
                if number(6) == 0 {
                    operation = .reportRetraction(
                        try! ReportRetraction(partner: author.partner, item: item, site: site, period: period)
                    )
                } else {
                    operation = .capacityReport(
                        try! CapacityReport(
                            partner: author.partner,
                            item: item,
                            site: site,
                            period: period,
                            monthlyCapacity: number(1_000_000),
                            monthlyOutput: number(1000),
                            stockOnHand: number(10_000),
                            stockThreshold: number(100),
                            leadTimeDays: number(3651),
                            constraints: ["", "", "energy", "énergie\nrare", ""][Int(number(5))]
                        )
                    )
                }
                entries.append(
                    unsignedEntry(
                        author: author.key,
                        seq: seq,
                        prev: seq == 1 ? .zero : EntryID(SHA256.hash(Array("prev \(seq)".utf8))),
                        timestamp: HLCTimestamp(milliseconds: 1_700_000_000_000 + number(50)),
                        kind: operation.kind.rawValue,
                        payload: operation.payload()
                    )
                )
            }
        }
        if withFork, let victim = entries.first(where: { $0.author == authors[2].key && $0.seq > 4_000 }) {
            // A second entry at one of PL's far seqs: PL's entries from that seq on are excluded.
            entries.append(
                unsignedEntry(
                    author: victim.author,
                    seq: victim.seq,
                    prev: victim.prev,
                    timestamp: victim.timestamp,
                    kind: victim.kind,
                    payload: Sample.retraction("PL", item: "ITEM-1", site: "S").payload()
                )
            )
        }
        return entries
    }

    @Test(arguments: [(UInt64(0x5107_0001), false), (0x5107_0002, true), (0x5107_0003, true)])
    func farSeqsManyCodesAndContestedRecordsMatchTheReference(seed: UInt64, withFork: Bool) throws {
        let entries = Self.entries(seed: seed, withFork: withFork)
        let reference = ReferenceFold(roster: Self.roster, forks: [:]).run(entries)
        var rng = SplitMix64(seed: seed ^ 0xFFFF)

        // In one go.
        let whole = Fold(roster: Self.roster)(entries)
        let sameWhole = whole.canonicalBytes == reference.canonicalBytes
        #expect(sameWhole)
        #expect(whole.ignored.map(\.id) == reference.ignored.map(\.id))
        #expect(whole.ignored.map(\.reason) == reference.ignored.map(\.reason))

        // Shuffled with duplicates into three partial folds, each finished midway and added to again, merged.
        var delivery = entries + entries.filter { _ in rng.next() % 5 == 0 }
        delivery.shuffle(using: &rng)
        var parts = (0..<3).map { _ in FoldState(Fold(roster: Self.roster)) }
        for (index, entry) in delivery.enumerated() {
            parts[index % 3].add(entry)
            if index == delivery.count / 2 { _ = parts[index % 3].finish() }
        }
        var combined = parts[2]
        try combined.merge(parts[0])
        try combined.merge(parts[1])
        let merged = combined.finish()
        let sameMerged = merged.canonicalBytes == reference.canonicalBytes
        #expect(sameMerged)
        #expect(merged.ignored.map(\.id) == reference.ignored.map(\.id))
        #expect(merged.entryCount == whole.entryCount)
        #expect(Set(entries.map(\.id)).count == whole.entryCount)
    }

    /// A fork found after its seq was folded and finished rebuilds the state: the same as folding it all at once.
    @Test func forkFoundAfterFinishRebuildsToTheReference() {
        let entries = Self.entries(seed: 0x5107_0004, withFork: true)
        let fork = entries.last!
        var state = FoldState(Fold(roster: Self.roster))
        for entry in entries.dropLast() { state.add(entry) }
        let before = state.finish()
        state.add(fork)
        let after = state.finish()
        let reference = ReferenceFold(roster: Self.roster, forks: [:]).run(entries)
        let withoutFork = ReferenceFold(roster: Self.roster, forks: [:]).run(Array(entries.dropLast()))
        let sameBefore = before.canonicalBytes == withoutFork.canonicalBytes
        let sameAfter = after.canonicalBytes == reference.canonicalBytes
        #expect(sameBefore)
        #expect(sameAfter)
        #expect(after.ignored.contains { $0.reason == .forkedAuthor && $0.id == fork.id })
    }
}
