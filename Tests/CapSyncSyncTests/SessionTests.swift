import CapSyncCrypto
import CapSyncSync
import CapSyncTestSupport
import CapSyncWire
import Testing

/// `count` authors with seeded chains of the given lengths.
func makeAuthors(_ lengths: [Int], seed: UInt64, maxPayload: Int = 120) throws -> [Author] {
    var rng = SplitMix64(seed: seed)
    return try lengths.enumerated().map { index, length in
        var author = try Author(seedByte: UInt8(index + 1))
        try author.append(length, rng: &rng, maxPayload: maxPayload)
        return author
    }
}

func keys(_ authors: [Author]) -> Set<AuthorKey> { Set(authors.map(\.id)) }

@Suite struct SessionTests {
    @Test(arguments: [1 as UInt64, 2, 3])
    func twoNodesConverge(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let authors = try makeAuthors((0..<6).map { _ in 5 + Int(rng.next() % 60) }, seed: seed)
        let a = TestNode("A", knownAuthors: keys(authors))
        let b = TestNode("B", knownAuthors: keys(authors))
        for (index, author) in authors.enumerated() {
            // A holds authors 0–3, B 2–5; of the shared ones each holds a different prefix.
            let cut = Int(rng.next() % UInt64(author.chain.count))
            if index <= 3 { a.store.preload(index == 2 ? Array(author.chain.prefix(cut)) : author.chain) }
            if index >= 2 { b.store.preload(index == 3 ? Array(author.chain.prefix(cut)) : author.chain) }
        }
        let totalBefore = a.store.entryCount + b.store.entryCount
        let run = synced(a, b)
        #expect(run.bothFinished)
        #expect(run.a.error == nil && run.b.error == nil)
        #expect(sortedHeads(a.store) == sortedHeads(b.store))
        #expect(a.store.entryIDs == b.store.entryIDs)
        #expect(a.store.entryCount == authors.reduce(0) { $0 + $1.chain.count })
        let sent = (run.a.summary?.entriesSent ?? 0) + (run.b.summary?.entriesSent ?? 0)
        #expect(sent == 2 * a.store.entryCount - totalBefore, "each side sent exactly what the other lacked")
        #expect(run.a.summary?.entriesRefused == 0 && run.b.summary?.entriesRefused == 0)
        #expect(run.b.summary?.peerLabel == "A")
    }

    @Test func entriesRelayAlongALine() throws {
        let authors = try makeAuthors([30, 12, 25], seed: 7)
        let a = TestNode("A", knownAuthors: keys(authors))
        let b = TestNode("B", knownAuthors: keys(authors))
        let c = TestNode("C", knownAuthors: keys(authors))
        a.store.preload(authors[0].chain + authors[1].chain)
        c.store.preload(authors[2].chain)
        // A never talks to C.
        #expect(synced(a, b).bothFinished)
        #expect(synced(b, c).bothFinished)
        #expect(synced(b, a).bothFinished)
        for store in [a.store, b.store, c.store] {
            #expect(store.entryCount == 67)
            #expect(sortedHeads(store) == sortedHeads(a.store))
        }
    }

    @Test(arguments: [(40, 1), (200, 7), (1000, 25)])
    func incrementalSyncSendsOnlyNewEntries(history: Int, fresh: Int) throws {
        var authors = try makeAuthors([history / 2, history / 4, history / 4], seed: UInt64(history))
        let a = TestNode("A", knownAuthors: keys(authors))
        let b = TestNode("B", knownAuthors: keys(authors))
        for author in authors { a.store.preload(author.chain) }
        #expect(synced(a, b).bothFinished)
        var rng = SplitMix64(seed: 99)
        for index in 0..<fresh {
            let slot = index % authors.count
            let before = authors[slot].chain.count
            try authors[slot].append(1, rng: &rng)
            a.store.preload(Array(authors[slot].chain[before...]))
        }
        let run = synced(a, b)
        #expect(run.bothFinished)
        #expect(run.a.summary?.entriesSent == fresh)
        #expect(run.b.summary?.entriesSent == 0)
        #expect(run.b.summary?.entriesAccepted == fresh)
        #expect(a.store.entryIDs == b.store.entryIDs)
    }

    /// The incremental-sync target (README, performance): application bytes both ways ≤ 1.15 × canonical size of the new entries + 150 B/author.
    @Test(arguments: [
        (8, 100, 1, false), (8, 400, 4, false), (8, 1000, 10, true), (40, 250, 3, true), (10, 50, 1, true),
    ])
    func incrementalBytesStayWithinTarget(
        authorCount: Int,
        historyPerAuthor: Int,
        freshPerAuthor: Int,
        bothSides: Bool
    ) throws {
        var authors = try makeAuthors(
            Array(repeating: historyPerAuthor, count: authorCount),
            seed: UInt64(authorCount * historyPerAuthor)
        )
        let a = TestNode("NOR-1", knownAuthors: keys(authors))
        let b = TestNode("POL-1", knownAuthors: keys(authors))
        for author in authors {
            a.store.preload(author.chain)
            b.store.preload(author.chain)
        }
        var rng = SplitMix64(seed: 5)
        var canonicalBytes = 0
        for slot in authors.indices {
            let before = authors[slot].chain.count
            try authors[slot].append(freshPerAuthor, rng: &rng)
            let fresh = Array(authors[slot].chain[before...])
            canonicalBytes += fresh.reduce(0) { $0 + $1.encoded.count }
            // Half the authors' new entries appear on B when both sides have news.
            (bothSides && slot % 2 == 1 ? b : a).store.preload(fresh)
        }
        let run = synced(a, b)
        #expect(run.bothFinished)
        #expect(a.store.entryIDs == b.store.entryIDs)
        let wire = run.a.bytesWritten + run.b.bytesWritten
        let budget = Double(canonicalBytes) * 1.15 + 150 * Double(authorCount)
        #expect(
            Double(wire) <= budget,
            "\(wire) bytes on the wire, budget \(budget) (new entries \(canonicalBytes) B canonical)"
        )
        // The summaries count the same bytes the transport carried.
        #expect(run.a.summary?.bytesSent == run.a.bytesWritten && run.a.summary?.bytesReceived == run.b.bytesWritten)
    }

    @Test func roundTripsDoNotDependOnHistory() throws {
        var shapes: [[SyncMessage.MessageType]] = []
        var rounds: [Int] = []
        for history in [10, 100, 1000] {
            var authors = try makeAuthors([history / 2, history - history / 2], seed: UInt64(history))
            let a = TestNode("A", knownAuthors: keys(authors))
            let b = TestNode("B", knownAuthors: keys(authors))
            for author in authors {
                a.store.preload(author.chain)
                b.store.preload(author.chain)
            }
            var rng = SplitMix64(seed: 3)
            for slot in authors.indices {
                let before = authors[slot].chain.count
                try authors[slot].append(3, rng: &rng)
                (slot == 0 ? a : b).store.preload(Array(authors[slot].chain[before...]))
            }
            let run = synced(a, b)
            #expect(run.bothFinished)
            #expect(a.store.entryIDs == b.store.entryIDs)
            rounds.append(run.rounds)
            shapes.append(run.a.framesWritten + [.error] + run.b.framesWritten)
        }
        #expect(Set(rounds).count == 1, "rounds: \(rounds)")
        #expect(
            rounds[0] == 3,
            "HELLO+HEADS, then ENTRIES+DONE, then ACK: one and a half round trips after the handshake leg"
        )
        #expect(Set(shapes.map { $0.map(\.rawValue) }).count == 1)
    }

    @Test func sessionCutMidBatchLosesNothing() throws {
        let authors = try makeAuthors([300, 200, 100], seed: 17)
        let limits = SyncLimits(maxEntriesPerBatch: 50)
        let a = TestNode("A", knownAuthors: keys(authors), limits: limits)
        let b = TestNode("B", knownAuthors: keys(authors), limits: limits)
        for author in authors { a.store.preload(author.chain) }
        var cut = SyncHarness(a, b)
        cut.outputsPerRound = 1
        cut.cutAtoBAfterBytes = 40_000
        cut.run()
        #expect(cut.a.error?.code == .connectionClosed && cut.b.error?.code == .connectionClosed)
        let kept = b.store.entryCount
        #expect(kept > 0 && kept < 600)
        #expect(kept % 50 == 0, "only whole batches are ingested")
        #expect(b.store.refusedCount == 0)
        let resumed = synced(a, b)
        #expect(resumed.bothFinished)
        #expect(resumed.a.summary?.entriesSent == 600 - kept, "the next sync sends only what is still missing")
        #expect(a.store.entryIDs == b.store.entryIDs)
    }

    @Test func batchesRespectThePeersLimits() throws {
        let authors = try makeAuthors([120, 80], seed: 23, maxPayload: 30_000)
        let a = TestNode(
            "A",
            knownAuthors: keys(authors),
            limits: SyncLimits(maxFrameBytes: 4 << 20, maxEntriesPerBatch: 4096)
        )
        let b = TestNode(
            "B",
            knownAuthors: keys(authors),
            limits: SyncLimits(maxFrameBytes: SyncLimits.minimumFrameBytes, maxEntriesPerBatch: 7)
        )
        for author in authors { a.store.preload(author.chain) }
        let run = synced(a, b)
        #expect(run.bothFinished)
        #expect(a.store.entryIDs == b.store.entryIDs)
        let batchSizes = zip(run.a.framesWritten, run.a.frameSizes).filter { $0.0 == SyncMessage.MessageType.entries }
            .map(\.1)
        #expect(batchSizes.count >= 200 / 7)
        #expect(batchSizes.allSatisfy { $0 - 4 <= SyncLimits.minimumFrameBytes })
    }

    @Test func storeAnsweringBeyondTheLimitCannotOverfillABatch() throws {
        let authors = try makeAuthors([60, 45], seed: 29)
        let a = TestNode("A", knownAuthors: keys(authors))
        let b = TestNode("B", knownAuthors: keys(authors), limits: SyncLimits(maxEntriesPerBatch: 7))
        for author in authors { a.store.preload(author.chain) }
        a.store.ignoresLimit = true
        let run = synced(a, b)
        #expect(run.bothFinished, "\(String(describing: run.b.error))")
        #expect(a.store.entryIDs == b.store.entryIDs)
        #expect(run.a.framesWritten.filter { $0 == .entries }.count == 15)
    }

    @Test func equalLengthForkIsDetectedOnBothSides() throws {
        var rng = SplitMix64(seed: 31)
        var author = try Author(seedByte: 40)
        try author.append(3, rng: &rng)
        var left = author
        var right = author
        try left.append(2, rng: &rng)
        try right.append(2, rng: &rng)
        let a = TestNode("A", knownAuthors: [author.id])
        let b = TestNode("B", knownAuthors: [author.id])
        a.store.preload(left.chain)
        b.store.preload(right.chain)
        let run = synced(a, b)
        #expect(run.bothFinished)
        #expect(a.store.proofs[author.id]?.seq == 4, "the fork window proves the fork where the branches part")
        #expect(b.store.proofs[author.id] == a.store.proofs[author.id])
        #expect(run.a.summary?.divergentAuthors == [author.id] && run.b.summary?.divergentAuthors == [author.id])
        // Nothing of the other branch was stored.
        #expect(a.store.chains[author.id] == left.chain && b.store.chains[author.id] == right.chain)
    }

    @Test func unequalForkReachesTheLongerSideThroughFORKS() throws {
        var rng = SplitMix64(seed: 32)
        var author = try Author(seedByte: 41)
        try author.append(3, rng: &rng)
        var longer = author
        var shorter = author
        try longer.append(4, rng: &rng)
        try shorter.append(2, rng: &rng)
        let a = TestNode("A", knownAuthors: [author.id])
        let b = TestNode("B", knownAuthors: [author.id])
        a.store.preload(longer.chain)
        b.store.preload(shorter.chain)
        let first = synced(a, b)
        #expect(first.bothFinished)
        #expect(first.a.summary?.divergentAuthors == [author.id], "A sees B's head disagree with its own entry")
        #expect(b.store.proofs[author.id]?.seq == 4, "B gets A's entries up to 5 in full: the proof at 4")
        #expect(a.store.proofs[author.id] == nil)
        let second = synced(a, b)
        #expect(second.b.summary?.forkProofsSent == 1)
        #expect(second.a.summary?.entriesSent == 0, "B claims the proof at seq 4 in HEADS: no second fork window")
        #expect(a.store.proofs[author.id] == b.store.proofs[author.id])
        // Once both hold it, it is not sent again.
        let third = synced(a, b)
        #expect(third.a.summary?.forkProofsSent == 0 && third.b.summary?.forkProofsSent == 0)
        #expect(!third.a.framesWritten.contains(.forks) && !third.b.framesWritten.contains(.forks))
    }

    /// Branches that part 36 entries below the heads, more than one fork window: each session proves the fork
    /// one window lower, until the proof's two entries share their prev.
    @Test func deepForkIsProvenWhereItBeganOverSessions() throws {
        var rng = SplitMix64(seed: 34)
        var author = try Author(seedByte: 43)
        try author.append(3, rng: &rng)
        var longer = author
        var shorter = author
        try longer.append(47, rng: &rng)
        try shorter.append(37, rng: &rng)
        let a = TestNode("A", knownAuthors: [author.id])
        let b = TestNode("B", knownAuthors: [author.id])
        a.store.preload(longer.chain)
        b.store.preload(shorter.chain)
        var sessions = 0
        while sessions < 10, a.store.proofs[author.id]?.seq != 4 || b.store.proofs[author.id]?.seq != 4 {
            let run = synced(sessions % 2 == 0 ? a : b, sessions % 2 == 0 ? b : a)
            #expect(run.bothFinished)
            #expect(run.a.summary.map { $0.entriesSent <= SyncLimits.forkWindow } == true)
            sessions += 1
        }
        #expect(sessions <= 5, "\(sessions) sessions")
        let proof = try #require(a.store.proofs[author.id])
        #expect(proof == b.store.proofs[author.id])
        #expect(proof.first.prev == proof.second.prev && proof.first.prev == author.chain[2].id)
        #expect(a.store.chains[author.id] == longer.chain && b.store.chains[author.id] == shorter.chain)
        // Settled: nothing more is sent for this author.
        let settled = synced(a, b)
        #expect(settled.a.summary?.entriesSent == 0 && settled.b.summary?.entriesSent == 0)
        #expect(settled.a.summary?.forkProofsSent == 0 && settled.b.summary?.forkProofsSent == 0)
    }

    @Test func forkProofsTravelOnAlongALine() throws {
        var rng = SplitMix64(seed: 33)
        var author = try Author(seedByte: 42)
        try author.append(2, rng: &rng)
        var left = author
        var right = author
        try left.append(1, rng: &rng)
        try right.append(1, rng: &rng)
        let a = TestNode("A", knownAuthors: [author.id])
        let b = TestNode("B", knownAuthors: [author.id])
        let c = TestNode("C", knownAuthors: [author.id])
        a.store.preload(left.chain)
        b.store.preload(right.chain)
        c.store.preload(author.chain)
        _ = synced(a, b)
        #expect(b.store.proofs[author.id] != nil)
        let relay = synced(b, c)
        #expect(relay.bothFinished)
        #expect(c.store.proofs[author.id] == b.store.proofs[author.id])
    }

    @Test func rosterMismatchWarnsBothSidesAndSyncsWhatBothKnow() throws {
        let authors = try makeAuthors([20, 15, 10], seed: 41)
        let a = TestNode("A", knownAuthors: keys(authors), rosterHash: Bytes32(SHA256.hash([1])))
        let b = TestNode("B", knownAuthors: keys(Array(authors.prefix(2))), rosterHash: Bytes32(SHA256.hash([2])))
        for author in authors { a.store.preload(author.chain) }
        let run = synced(a, b)
        #expect(run.bothFinished)
        #expect(run.a.rosterMismatches == 1 && run.b.rosterMismatches == 1)
        #expect(run.a.summary?.warnings.contains { $0.contains("roster mismatch") } == true)
        #expect(b.store.entryCount == 35)
        #expect(b.store.refusedCount == 0, "nothing of the unknown author was even sent")
        #expect(run.a.summary?.entriesWithheld == 10)
    }

    @Test func restoredNodeWithLowerHeadsGetsEverythingBackAndChangesNothingElse() throws {
        let authors = try makeAuthors([50, 40], seed: 43)
        let a = TestNode("A", knownAuthors: keys(authors))
        for author in authors { a.store.preload(author.chain) }
        // B restored from a backup: it declares heads lower than it did before (a rollback).
        let b = TestNode("B", knownAuthors: keys(authors))
        b.store.preload(Array(authors[0].chain.prefix(10)) + Array(authors[1].chain.prefix(40)))
        let idsBefore = a.store.entryIDs
        let run = synced(a, b)
        #expect(run.bothFinished)
        #expect(a.store.entryIDs == idsBefore)
        #expect(b.store.entryIDs == idsBefore)
        #expect(run.a.summary?.entriesSent == 40)
        // B re-learns its partners' heads (for its own key too, docs/design.md D5) from the session.
        #expect(b.store.peerHeadNotes[authors[0].id] == 50)
    }

    @Test func forgedAndBrokenEntriesAreRefusedAndNothingOfThemStored() throws {
        let authors = try makeAuthors([6], seed: 47)
        let b = TestNode("B", knownAuthors: keys(authors))
        var session = b.makeSession()
        var actions = session.start(source: b.store)
        actions += session.receive(.hello(helloFrom("evil")), source: b.store)
        actions += session.receive(
            .heads(SyncHeads(heads: [Head(author: authors[0].id, seq: 6, id: authors[0].chain[5].id)])),
            source: b.store
        )
        var compact = authors[0].chain.map(CompactEntry.init)
        var signature = Array(compact[3].signature)
        signature[0] ^= 0x80
        compact[3].signature = signature[...]
        actions += session.receive(
            .entries(EntriesBatch(runs: [CompactRun(authorIndex: 0, firstSeq: 1, prev: nil, entries: compact)])),
            source: b.store
        )
        guard case .ingest(let entries) = actions.last else {
            Issue.record("expected an ingest, got \(actions)")
            return
        }
        let (accepted, refused) = b.store.ingest(entries)
        #expect(accepted == 3 && refused == 3, "seq 4 is forged; 5 and 6 then do not follow anything stored")
        #expect(b.store.entryCount == 3)
        #expect(b.store.entryIDs == Set(authors[0].chain.prefix(3).map(\.id)))
    }
}

func helloFrom(_ label: String, versions: ClosedRange<UInt16> = 1...1, maxFrameBytes: UInt32 = 4 << 20) -> SyncHello {
    SyncHello(
        minVersion: versions.lowerBound,
        maxVersion: versions.upperBound,
        rosterHash: Bytes32(hex: String(repeating: "ab", count: 32))!,
        features: 0,
        maxFrameBytes: maxFrameBytes,
        maxEntriesPerBatch: 4096,
        label: label
    )
}
