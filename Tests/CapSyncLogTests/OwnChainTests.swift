import CapSyncCrypto
import CapSyncTestSupport
import CapSyncWire
import Foundation
import Testing

@testable import CapSyncLog

/// A node never signs two different entries at one seq of its own key (Protocol/store.md, "Own-chain safety"):
/// whatever happens to the store, own appends wait until the chain is complete again, and a lost final batch is
/// put back from the own-chain journal with the very same signed entries.
@Suite struct OwnChainTests {
    /// A node directory on disk: the journal in `root`, the store in `root/store`.
    struct NodeDirectory {
        let root: String
        var store: String { root + "/store" }
        var own: OwnChainOptions { .init(author: Fixture.author(Fixture.own), journalDirectory: root) }

        init(_ root: String, fresh: Bool = true) throws {
            self.root = root
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            if fresh { try LogStore.startOwnChain(own) }
        }

        func open(readOnly: Bool = false) throws -> LogStore {
            try LogStore(directory: store, roster: Fixture.roster(), options: .init(readOnly: readOnly, ownChain: own))
        }

        var segment: String { store + "/00000001.seg" }
    }

    /// A peer holding what the node served: must never see two ids at one seq of the node's key.
    static func peerAccepts(_ entries: [Entry], into peer: LogStore) throws {
        let report = try peer.ingest(entries, nowMilliseconds: Fixture.now + 1_000_000)
        #expect(report.newForks.isEmpty, "the peer recorded a fork of the node's key")
        #expect(peer.forkedAuthors()[Fixture.author(Fixture.own)] == nil)
    }

    static func ownEntries(_ store: LogStore) throws -> [Entry] {
        try store.entries(author: Fixture.author(Fixture.own), fromSeq: 1, limit: 1000)
    }

    static func fileBytes(_ directory: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: directory) {
            var isDirectory: ObjCBool = false
            let path = directory + "/" + name
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[name] = FileManager.default.contents(atPath: path)
            }
        }
        return result
    }

    /// Where to flip a byte in the last batch: its first record's header, inside an entry's body, the commit.
    enum Position: CaseIterable { case recordHeader, entryBody, commitRecord }

    @Test(arguments: Position.allCases)
    func damagedLastOwnBatchIsPutBackNotResigned(_ position: Position) throws {
        let directory = TemporaryDirectory()
        let node = try NodeDirectory(directory.path + "/node")
        let peer = try LogStore(directory: directory.path + "/peer", roster: Fixture.roster())
        var lastBatchStart: Int64 = 0
        do {
            let store = try node.open()
            _ = try store.append(Fixture.operations(6), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
            lastBatchStart = store.sizeOnDisk
            _ = try store.append(Fixture.operations(4), signingKey: Fixture.own, nowMilliseconds: Fixture.now + 1)
            try Self.peerAccepts(try Self.ownEntries(store), into: peer)
        }
        var bytes = try #require(FileManager.default.contents(atPath: node.segment)).map { $0 }
        let offset: Int
        switch position {
        case .recordHeader: offset = Int(lastBatchStart) + 1
        case .entryBody: offset = Int(lastBatchStart) + 60
        case .commitRecord: offset = bytes.count - 3
        }
        bytes[offset] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: node.segment))

        // A read-only open reports the damage and whose entries it touches, and changes no byte.
        let before = try Self.fileBytes(node.root)
        do {
            let reader = try node.open(readOnly: true)
            let pending = try #require(reader.pendingRepair)
            #expect(!pending.performed && pending.cutOffset == lastBatchStart)
            #expect(reader.ownChainStatus?.restorableFromJournal == 7...10)
            #expect(reader.ownChainStatus?.storedHead == 6)
        }
        #expect(try Self.fileBytes(node.root) == before)

        // The writer cuts the damaged batch and puts the same signed entries back from the journal.
        let store = try node.open()
        #expect(store.recovery != nil)
        #expect(store.ownChainStatus?.restoredFromJournal == 7...10)
        let next = try store.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now + 2)
        #expect(next[0].seq == 11)
        try Self.peerAccepts(try Self.ownEntries(store), into: peer)
        #expect(peer.head(of: Fixture.author(Fixture.own))?.seq == 11)
    }

    @Test func movingTheStoreAsideWaitsForPeersToGiveTheChainBack() throws {
        let directory = TemporaryDirectory()
        let node = try NodeDirectory(directory.path + "/node")
        let peer = try LogStore(directory: directory.path + "/peer", roster: Fixture.roster())
        do {
            let store = try node.open()
            for round in 0..<3 {
                _ = try store.append(
                    Fixture.operations(3),
                    signingKey: Fixture.own,
                    nowMilliseconds: Fixture.now + UInt64(round)
                )
            }
            try Self.peerAccepts(try Self.ownEntries(store), into: peer)
        }
        // Damage inside an earlier batch: the writer refuses to open, naming the place.
        var bytes = try #require(FileManager.default.contents(atPath: node.segment)).map { $0 }
        bytes[60] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: node.segment))
        let refused = try #require(throws: StoreError.self) { try node.open() }
        #expect(refused.code == .corruptCommitted && refused.reason.contains("mv store store.damaged"))

        // Following the advice: move the store aside. The journal still knows seq 9 was signed.
        try FileManager.default.moveItem(atPath: node.store, toPath: node.store + ".damaged")
        let store = try node.open()
        let behind = try #require(throws: StoreError.self) {
            try store.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now + 10)
        }
        #expect(behind.code == .ownChainBehind && behind.reason.contains("seq 9"))
        // A sync gives the chain back; appends continue after it.
        store.notePeerHead(author: Fixture.author(Fixture.own), seq: 9)
        _ = try store.ingest(try Self.ownEntries(peer), nowMilliseconds: Fixture.now + 20)
        let next = try store.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now + 30)
        #expect(next[0].seq == 10)
        try Self.peerAccepts(next, into: peer)
    }

    @Test func restoredNodeWaitsForAPeerHoldingItsChain() throws {
        let directory = TemporaryDirectory()
        let live = try NodeDirectory(directory.path + "/live")
        let peer = try LogStore(directory: directory.path + "/peer", roster: Fixture.roster())
        let store = try live.open()
        _ = try store.append(Fixture.operations(3), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        try store.backup(to: directory.path + "/backup")
        _ = try store.append(Fixture.operations(4), signingKey: Fixture.own, nowMilliseconds: Fixture.now + 10)
        try Self.peerAccepts(try Self.ownEntries(store), into: peer)

        // Restore: the backup's store in a new node directory (no journal), marked as needing a witness.
        let restored = try NodeDirectory(directory.path + "/restored", fresh: false)
        try FileManager.default.copyItem(atPath: directory.path + "/backup", toPath: restored.store)
        try restored.open().requireWitness()
        let node = try restored.open()
        func refusal() -> StoreError.Code? {
            do {
                _ = try node.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now + 20)
                return nil
            } catch { return error.code }
        }
        #expect(refusal() == .relearnRequired)
        // A session with a member that holds none of our chain, or less of it than we do, proves nothing.
        _ = try node.ingest(Fixture.chain(Fixture.alice, count: 2), nowMilliseconds: Fixture.now + 20)
        node.notePeerHead(author: Fixture.author(Fixture.own), seq: 2)
        #expect(refusal() == .relearnRequired)
        // The witness: a peer announcing seq 7. Appends wait until the chain is taken back up to it.
        node.notePeerHead(author: Fixture.author(Fixture.own), seq: 7)
        #expect(refusal() == .ownChainBehind)
        // Both facts survive a restart.
        let reopened = try restored.open()
        #expect(reopened.ownChainStatus?.knownHead == 7 && reopened.ownChainStatus?.witnessRequired == false)
        _ = try reopened.ingest(try Self.ownEntries(peer), nowMilliseconds: Fixture.now + 30)
        let next = try reopened.append(
            Fixture.operations(1),
            signingKey: Fixture.own,
            nowMilliseconds: Fixture.now + 40
        )
        #expect(next[0].seq == 8)
        try Self.peerAccepts(next, into: peer)
    }

    @Test func continuingTheChainByHandRefusesAnyKnownSeq() throws {
        let directory = TemporaryDirectory()
        let node = try NodeDirectory(directory.path + "/node", fresh: false)
        // No journal and no own entries: nothing shows the key never signed.
        let store = try node.open()
        #expect(store.ownChainStatus?.witnessRequired == true)
        #expect(throws: StoreError.self) { try store.continueOwnChain(at: 2) }
        store.notePeerHead(author: Fixture.author(Fixture.bob), seq: 5)
        try store.continueOwnChain(at: 1)
        #expect(
            try store.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now)[0].seq == 1
        )

        // A peer announces seq 4 of our key: continuing at 2 would reuse a seq.
        let other = try NodeDirectory(directory.path + "/other", fresh: false)
        let fresh = try other.open()
        fresh.notePeerHead(author: Fixture.author(Fixture.own), seq: 4)
        let refused = try #require(throws: StoreError.self) { try fresh.continueOwnChain(at: 1) }
        #expect(refused.reason.contains("seq 4"))
    }

    @Test func ownKeyForkedStopsAppendsForGood() throws {
        let directory = TemporaryDirectory()
        let node = try NodeDirectory(directory.path + "/node")
        let store = try node.open()
        let ours = try store.append(Fixture.operations(2), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        let other = Fixture.chain(Fixture.own, count: 1, after: ours[0], tag: "other")
        _ = try store.ingestForkProofs([try ForkProof(ours[1], other[0])])
        let refused = try #require(throws: StoreError.self) {
            try store.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now + 1)
        }
        #expect(refused.code == .ownKeyForked)
        #expect(try node.open().ownChainStatus?.forkedAt == 2)
    }

    @Test func readOnlyOpenOfAStoreWithoutLockFileCreatesNothing() throws {
        let directory = TemporaryDirectory()
        let node = try NodeDirectory(directory.path + "/node")
        _ = try node.open().append(Fixture.operations(2), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        try FileManager.default.removeItem(atPath: node.store + "/LOCK")
        let before = try Self.fileBytes(node.root)
        let reader = try node.open(readOnly: true)
        #expect(reader.head(of: Fixture.author(Fixture.own))?.seq == 2)
        #expect(throws: StoreError.self) {
            try reader.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        }
        #expect(try Self.fileBytes(node.root) == before)
        // A missing store reads as empty, and is not created.
        let missing = try LogStore(
            directory: directory.path + "/nothing",
            roster: Fixture.roster(),
            options: .init(readOnly: true)
        )
        #expect(missing.entryCount == 0 && !FileManager.default.fileExists(atPath: directory.path + "/nothing"))
    }

    @Test func peerHoldingMoreOfOurChainBlocksAppendsUntilIngested() throws {
        let fs = FaultInjectingFileSystem()
        try fs.makeDirectory("/o")
        let own = OwnChainOptions(author: Fixture.author(Fixture.own), journalDirectory: "/o")
        try LogStore.startOwnChain(own, fileSystem: fs)
        let store = try LogStore(
            directory: "/o/store",
            roster: Fixture.roster(),
            fileSystem: fs,
            options: .init(ownChain: own)
        )
        let ours = Fixture.chain(Fixture.own, count: 5)
        _ = try store.ingest(Array(ours.prefix(2)), nowMilliseconds: Fixture.now)
        store.notePeerHead(author: Fixture.author(Fixture.own), seq: 5)
        // Another author's head does not matter for our appends.
        store.notePeerHead(author: Fixture.author(Fixture.alice), seq: 50)
        let refused = try #require(throws: StoreError.self) {
            try store.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        }
        #expect(refused.code == .ownChainBehind)
        _ = try store.ingest(Array(ours[2..<5]), nowMilliseconds: Fixture.now)
        let next = try store.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        #expect(next[0].seq == 6)
        try next[0].checkFollows(ours[4])
        // A peer reporting a head we already have changes nothing.
        store.notePeerHead(author: Fixture.author(Fixture.own), seq: 3)
        #expect(
            try store.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now)[0].seq == 7
        )
    }

    @Test func twoStoresOnOneDirectoryTakeTurnsAndCatchUp() throws {
        // Two handles in one process (the daemon's and a command's) share the directory through the lock.
        let directory = TemporaryDirectory()
        let node = try NodeDirectory(directory.path + "/node")
        // Small segments, so the other handle also has to pick up segments started behind its back.
        let options = StoreOptions(segmentSize: 4096, ownChain: node.own)
        let daemon = try LogStore(directory: node.store, roster: Fixture.roster(), options: options)
        let command = try LogStore(directory: node.store, roster: Fixture.roster(), options: options)
        var seqs: [UInt64] = []
        for round in 0..<10 {
            let writer = round % 2 == 0 ? daemon : command
            seqs += try writer.append(
                Fixture.operations(3, tag: String(repeating: "pad", count: 100)),
                signingKey: Fixture.own,
                nowMilliseconds: Fixture.now
            ).map(\.seq)
        }
        #expect(seqs == Array(1...30))
        // The daemon sees the command's appends after refresh (ingest and append catch up by themselves).
        try daemon.refresh()
        #expect(daemon.head(of: Fixture.author(Fixture.own))?.seq == 30)
        #expect(try verifyWholeStore(daemon) == 30)
        #expect(try daemon.entries(author: Fixture.author(Fixture.own), fromSeq: 1, limit: 100).count == 30)
        #expect(try node.open().ownChainStatus?.knownHead == 30)
    }
}
