import CapSyncSync
import CapSyncTestSupport
import CapSyncWire
import Testing

/// Several nodes, each appending its own partner's entries, syncing in seeded random pairs over links that are
/// sometimes cut mid-session: whatever the order and the cuts, a final pass along a line makes them identical.
@Suite struct GossipTests {
    @Test(arguments: [101 as UInt64, 202, 303])
    func randomPairwiseSyncWithCutsConverges(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var authors = try (0..<4).map { try Author(seedByte: UInt8(100 + $0)) }
        let limits = SyncLimits(maxEntriesPerBatch: 8)
        let nodes = (0..<4).map { TestNode("N\($0)", knownAuthors: keys(authors), limits: limits) }
        for _ in 0..<40 {
            // Node i appends for author i (a partner writes only its own log).
            let writer = Int(rng.next() % 4)
            let before = authors[writer].chain.count
            try authors[writer].append(1 + Int(rng.next() % 6), rng: &rng)
            nodes[writer].store.preload(Array(authors[writer].chain[before...]))
            let x = Int(rng.next() % 4)
            let y = (x + 1 + Int(rng.next() % 3)) % 4
            var harness = SyncHarness(nodes[x], nodes[y])
            harness.outputsPerRound = 1
            if rng.next() % 3 == 0 { harness.cutAtoBAfterBytes = Int(rng.next() % 3000) }
            harness.run()
            #expect(harness.a.session.isOver && harness.b.session.isOver)
            #expect(
                harness.a.error.map { $0.code == .connectionClosed } ?? true,
                "\(String(describing: harness.a.error))"
            )
            #expect(
                harness.b.error.map { $0.code == .connectionClosed } ?? true,
                "\(String(describing: harness.b.error))"
            )
        }
        for (x, y) in [(0, 1), (1, 2), (2, 3), (3, 2), (2, 1), (1, 0)] {
            #expect(synced(nodes[x], nodes[y]).bothFinished)
        }
        let expected = Set(authors.flatMap(\.chain).map(\.id))
        for node in nodes {
            #expect(node.store.entryIDs == expected)
            #expect(node.store.refusedCount == 0)
        }
    }
}
