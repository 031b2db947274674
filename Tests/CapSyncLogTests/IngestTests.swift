import CapSyncCrypto
import CapSyncTestSupport
import CapSyncWire
import Testing

@testable import CapSyncLog

/// Verified ingest (docs/design.md D6; Protocol/store.md, ingest rules): per-author runs, replay, rollback, gaps, forks.
@Suite struct IngestTests {
    func makeStore(_ roster: Roster = Fixture.roster()) throws -> (LogStore, FaultInjectingFileSystem) {
        let fs = FaultInjectingFileSystem()
        return (try LogStore(directory: "/i", roster: roster, fileSystem: fs), fs)
    }

    @Test func acceptsContiguousRunsInAnyOrderAndReplaysAreNoOps() throws {
        let (store, _) = try makeStore()
        let alice = Fixture.chain(Fixture.alice, count: 10)
        let bob = Fixture.chain(Fixture.bob, count: 5)
        var random = SeededRandom(seed: 9)
        var shuffled = alice + bob
        for i in shuffled.indices.reversed() { shuffled.swapAt(i, random.below(i + 1)) }
        let report = try store.ingest(shuffled, nowMilliseconds: Fixture.now)
        #expect(report.accepted.count == 15 && report.rejected.isEmpty && report.duplicates == 0)
        #expect(store.head(of: Fixture.author(Fixture.alice))?.id == alice.last!.id)
        let size = store.sizeOnDisk
        // Replay, whole and partial (with repeats inside one call): nothing is written, heads stay.
        let replay = try store.ingest(alice + alice.prefix(3) + bob, nowMilliseconds: Fixture.now)
        #expect(replay.accepted.isEmpty && replay.duplicates == 18 && replay.rejected.isEmpty)
        #expect(store.sizeOnDisk == size)
    }

    @Test func oneBadAuthorNeverBlocksTheOthers() throws {
        let (store, _) = try makeStore()
        let alice = Fixture.chain(Fixture.alice, count: 4)
        var bob = Fixture.chain(Fixture.bob, count: 4)
        bob[1] = Fixture.forged(bob[1])
        let outsider = Fixture.chain(Fixture.outsider, count: 2)
        let report = try store.ingest(bob + outsider + alice, nowMilliseconds: Fixture.now)
        #expect(report.accepted.map(\.author).allSatisfy { $0 != Fixture.author(Fixture.outsider) })
        #expect(store.head(of: Fixture.author(Fixture.alice))?.seq == 4)
        // Bob: seq 1 stored, the forged seq 2 rejected, 3 and 4 are then gaps.
        #expect(store.head(of: Fixture.author(Fixture.bob))?.seq == 1)
        let codes = Dictionary(grouping: report.rejected, by: \.code).mapValues(\.count)
        #expect(codes == [.badSignature: 1, .gap: 2, .unknownAuthor: 2])
        #expect(store.head(of: Fixture.author(Fixture.outsider)) == nil)
    }

    @Test func gapsAndBrokenLinksAreRejected() throws {
        let (store, _) = try makeStore()
        let alice = Fixture.chain(Fixture.alice, count: 6)
        let gap = try store.ingest(Array(alice[3...]), nowMilliseconds: Fixture.now)
        #expect(gap.accepted.isEmpty && gap.rejected.allSatisfy { $0.code == .gap })
        _ = try store.ingest(Array(alice[..<3]), nowMilliseconds: Fixture.now)
        // A validly signed seq 4 whose prev names something else: not a link.
        let wrongPrev = try Entry.sign(
            key: Fixture.alice,
            seq: 4,
            prev: alice[0].id,
            timestamp: HLCTimestamp(rawValue: alice[2].timestamp.rawValue + 1),
            kind: 1,
            payload: [1]
        )
        let stale = try Entry.sign(
            key: Fixture.alice,
            seq: 4,
            prev: alice[2].id,
            timestamp: alice[2].timestamp,
            kind: 1,
            payload: [2]
        )
        let report = try store.ingest([wrongPrev, stale], nowMilliseconds: Fixture.now)
        #expect(report.rejected.map(\.code) == [.brokenChain, .brokenChain])
        #expect(try store.ingest(Array(alice[3...]), nowMilliseconds: Fixture.now).accepted.count == 3)
    }

    @Test func rosterLastValidSeqIsEnforced() throws {
        let (store, _) = try makeStore(Fixture.roster(lastValidSeq: [Fixture.author(Fixture.alice): 3]))
        let report = try store.ingest(Fixture.chain(Fixture.alice, count: 5), nowMilliseconds: Fixture.now)
        #expect(report.accepted.count == 3)
        #expect(report.rejected.map(\.code) == [.beyondLastValidSeq, .beyondLastValidSeq])
    }

    @Test func headsNeverMoveBackwards() throws {
        let (store, _) = try makeStore()
        let alice = Fixture.chain(Fixture.alice, count: 8)
        _ = try store.ingest(alice, nowMilliseconds: Fixture.now)
        let head = store.head(of: Fixture.author(Fixture.alice))
        // A peer offering an older prefix (a rollback attempt) changes nothing.
        let report = try store.ingest(Array(alice.prefix(4)), nowMilliseconds: Fixture.now)
        #expect(report.duplicates == 4 && report.accepted.isEmpty)
        #expect(store.head(of: Fixture.author(Fixture.alice)) == head)
        let reopened = try LogStore(directory: "/i", roster: Fixture.roster(), fileSystem: storeFileSystem(store))
        #expect(reopened.head(of: Fixture.author(Fixture.alice)) == head)
    }

    func storeFileSystem(_ store: LogStore) -> any StoreFileSystem { store.fileSystem }

    @Test func unknownKindsAndVersionsInAValidChainAreStored() throws {
        let (store, _) = try makeStore()
        let first = Fixture.chain(Fixture.alice, count: 2)
        let future = Fixture.chain(Fixture.alice, count: 2, after: first.last, kind: 4_000_000, version: 9)
        let report = try store.ingest(first + future, nowMilliseconds: Fixture.now)
        #expect(report.accepted.count == 4)
        #expect(try store.entry(author: Fixture.author(Fixture.alice), seq: 4)?.version == 9)
        #expect(try store.entry(author: Fixture.author(Fixture.alice), seq: 3)?.kind == 4_000_000)
    }

    @Test func equivocationMakesAPersistedForkProof() throws {
        let (store, fs) = try makeStore()
        let honest = Fixture.chain(Fixture.alice, count: 5)
        _ = try store.ingest(honest, nowMilliseconds: Fixture.now)
        // Alice signs a different seq 3 on top of her seq 2.
        let other = Fixture.chain(Fixture.alice, count: 1, after: honest[1], tag: "other")[0]
        let report = try store.ingest([other], nowMilliseconds: Fixture.now)
        #expect(report.accepted.isEmpty && report.rejected.isEmpty)
        let proof = try #require(report.newForks.first)
        #expect(Set([proof.first.id, proof.second.id]) == Set([honest[2].id, other.id]))
        #expect(try ForkProof(decoding: proof.encoded) == proof)
        #expect(store.forkedAuthors() == [Fixture.author(Fixture.alice): 3])
        // The chain is untouched, and offering the fork again is a duplicate, not a second proof.
        #expect(store.head(of: Fixture.author(Fixture.alice))?.id == honest[4].id)
        let again = try store.ingest([other], nowMilliseconds: Fixture.now)
        #expect(again.newForks.isEmpty && again.duplicates == 1)
        // A lower fork later lowers the fork seq; proofs survive reopening.
        let lower = Fixture.chain(Fixture.alice, count: 1, after: honest[0], tag: "lower")[0]
        #expect(try store.ingest([lower], nowMilliseconds: Fixture.now).newForks.count == 1)
        let reopened = try LogStore(directory: "/i", roster: Fixture.roster(), fileSystem: fs)
        #expect(reopened.forkProofs().count == 2)
        #expect(reopened.forkedAuthors() == [Fixture.author(Fixture.alice): 2])
    }

    /// A proof received as such (FORKS) about seqs this store does not hold yet is kept, survives reopening, and
    /// does not stop the chain: when the chain arrives, the branch that links is stored and the other branch is a
    /// duplicate of the proof.
    @Test func forkProofAheadOfTheChainIsKeptAndTheChainStillGrows() throws {
        let (store, fs) = try makeStore()
        let honest = Fixture.chain(Fixture.alice, count: 6)
        let other = Fixture.chain(Fixture.alice, count: 1, after: honest[3], tag: "other")[0]  // a second seq 5
        let proof = try ForkProof(honest[4], other)
        _ = try store.ingest(Array(honest[0...1]), nowMilliseconds: Fixture.now)
        #expect(try store.ingestForkProofs([proof]) == [proof])
        #expect(try store.ingestForkProofs([proof]).isEmpty)  // known: not written again
        #expect(store.forkedAuthors() == [Fixture.author(Fixture.alice): 5])
        let reopened = try LogStore(directory: "/i", roster: Fixture.roster(), fileSystem: fs)
        #expect(reopened.forkProofs() == [proof])
        let report = try reopened.ingest(Array(honest[2...]) + [other], nowMilliseconds: Fixture.now)
        #expect(report.accepted.map(\.seq) == [3, 4, 5, 6] && report.rejected.isEmpty && report.newForks.isEmpty)
        #expect(reopened.head(of: Fixture.author(Fixture.alice))?.id == honest[5].id)
        #expect(try verifyWholeStore(reopened) == 6)
    }

    @Test func forkProofsOfOutsidersOrRetiredSeqsAreNotKept() throws {
        let roster = Fixture.roster(lastValidSeq: [Fixture.author(Fixture.alice): 3])
        let (store, _) = try makeStore(roster)
        let alice = Fixture.chain(Fixture.alice, count: 5)
        let aliceOther = Fixture.chain(Fixture.alice, count: 1, after: alice[3], tag: "other")[0]
        let outsider = Fixture.chain(Fixture.outsider, count: 2)
        let outsiderOther = Fixture.chain(Fixture.outsider, count: 1, after: outsider[0], tag: "other")[0]
        let kept = try store.ingestForkProofs([
            try ForkProof(alice[4], aliceOther), try ForkProof(outsider[1], outsiderOther),
        ])
        #expect(kept.isEmpty && store.forkProofs().isEmpty)
    }

    @Test func forkWithinOneIngestCallIsProven() throws {
        let (store, _) = try makeStore()
        let honest = Fixture.chain(Fixture.alice, count: 3)
        let other = Fixture.chain(Fixture.alice, count: 1, after: honest[1], tag: "other")[0]
        let report = try store.ingest(honest + [other], nowMilliseconds: Fixture.now)
        #expect(report.accepted.count == 3 && report.newForks.count == 1)
    }

    @Test func forgedForksNeverCreateAProof() throws {
        let (store, _) = try makeStore()
        let honest = Fixture.chain(Fixture.alice, count: 4)
        _ = try store.ingest(honest, nowMilliseconds: Fixture.now)
        // Bad signature at a held seq: someone framing Alice.
        let framed = Fixture.forged(Fixture.chain(Fixture.alice, count: 1, after: honest[1], tag: "framed")[0])
        // Validly signed, but not linked to the predecessor we hold (prev names seq 1, timestamp below seq 2).
        let unlinked = try Entry.sign(
            key: Fixture.alice,
            seq: 3,
            prev: honest[0].id,
            timestamp: HLCTimestamp(rawValue: honest[0].timestamp.rawValue + 7),
            kind: 1,
            payload: [9]
        )
        let report = try store.ingest([framed, unlinked], nowMilliseconds: Fixture.now)
        #expect(report.newForks.isEmpty)
        #expect(report.rejected.map(\.code) == [.badSignature, .brokenChain])
        #expect(store.forkProofs().isEmpty && store.forkedAuthors().isEmpty)
    }

    @Test func farFutureEntriesAreKeptButDoNotAdvanceTheOwnClock() throws {
        let (store, _) = try makeStore()
        let future = try Entry.sign(
            key: Fixture.alice,
            seq: 1,
            prev: .zero,
            timestamp: HLCTimestamp(milliseconds: Fixture.now + 86_400_000),
            kind: 1,
            payload: [1]
        )
        let report = try store.ingest([future], nowMilliseconds: Fixture.now)
        #expect(report.accepted.count == 1 && report.farFuture == 1)
        let own = try store.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        #expect(own[0].timestamp.milliseconds == Fixture.now)
        // Nor after a restart, while a recent head of another author does advance it.
        let recent = try Entry.sign(
            key: Fixture.bob,
            seq: 1,
            prev: .zero,
            timestamp: HLCTimestamp(milliseconds: Fixture.now + 1000),
            kind: 1,
            payload: [2]
        )
        _ = try store.ingest([recent], nowMilliseconds: Fixture.now)
        let reopened = try LogStore(directory: "/i", roster: Fixture.roster(), fileSystem: store.fileSystem)
        let after = try reopened.append(
            Fixture.operations(1),
            signingKey: Fixture.own,
            nowMilliseconds: Fixture.now + 1
        )
        #expect(after[0].timestamp > recent.timestamp)
        #expect(after[0].timestamp.milliseconds < Fixture.now + 86_400_000)
    }
}
