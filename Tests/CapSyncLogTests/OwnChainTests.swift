import CapSyncCrypto
import CapSyncWire
import Foundation
import Testing
@testable import CapSyncLog

/// A node must never publish one seq twice (DESIGN D5; issue 3 §4): after a restore, or when a peer holds
/// more of our own chain than we do, own appends wait until the chain is re-learned from peers.
@Suite struct OwnChainTests {
    @Test func restoredNodeRelearnsItsChainBeforeAppending() throws {
        let directory = TemporaryDirectory()
        let live = directory.path + "/live"
        let backup = directory.path + "/backup"
        let restored = directory.path + "/restored"
        let store = try LogStore(directory: live, roster: Fixture.roster())
        _ = try store.append(Fixture.operations(3), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        try store.backup(to: backup)
        // After the backup, the node published more; a peer holds all of it.
        let published = try store.append(Fixture.operations(4), signingKey: Fixture.own, nowMilliseconds: Fixture.now + 10)
        let peerCopy = try store.entries(author: Fixture.author(Fixture.own), fromSeq: 1, limit: 100)

        // Restore: copy the backup into place and require re-learning.
        try FileManager.default.copyItem(atPath: backup, toPath: restored)
        do {
            let node = try LogStore(directory: restored, roster: Fixture.roster())
            try node.requireRelearn()
            #expect(node.relearnRequired)
        }
        // The marker survives a restart; own appends are refused with a clear message.
        let node = try LogStore(directory: restored, roster: Fixture.roster())
        #expect(node.relearnRequired)
        let refused = try #require(throws: StoreError.self) {
            try node.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now + 20)
        }
        #expect(refused.code == .relearnRequired)
        #expect(node.head(of: Fixture.author(Fixture.own))?.seq == 3)

        // Sync with a peer: our own later entries come back through ingest; then the node may append.
        let report = try node.ingest(peerCopy, nowMilliseconds: Fixture.now + 30)
        #expect(report.accepted.map(\.id) == published.map(\.id) && report.duplicates == 3)
        try node.clearRelearnRequirement()
        #expect(!node.relearnRequired)
        let next = try node.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now + 40)
        #expect(next[0].seq == 8)
        try next[0].checkFollows(published.last!)
    }

    @Test func peerHoldingMoreOfOurChainBlocksAppendsUntilIngested() throws {
        let fs = FaultInjectingFileSystem()
        let store = try LogStore(directory: "/o", roster: Fixture.roster(), fileSystem: fs)
        let ours = Fixture.chain(Fixture.own, count: 5)
        _ = try store.ingest(Array(ours.prefix(2)), nowMilliseconds: Fixture.now)
        store.notePeerHead(author: Fixture.author(Fixture.own), seq: 5)
        // Another author's head does not matter for our appends.
        store.notePeerHead(author: Fixture.author(Fixture.alice), seq: 50)
        let refused = try #require(throws: StoreError.self) {
            try store.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        }
        #expect(refused.code == .ownChainBehind)
        _ = try store.ingest(Array(ours[2..<4]), nowMilliseconds: Fixture.now)
        #expect(throws: StoreError.self) {
            try store.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        }
        _ = try store.ingest([ours[4]], nowMilliseconds: Fixture.now)
        let next = try store.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        #expect(next[0].seq == 6)
        try next[0].checkFollows(ours[4])
        // A peer reporting a head we already have changes nothing.
        store.notePeerHead(author: Fixture.author(Fixture.own), seq: 3)
        #expect(try store.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now)[0].seq == 7)
    }

    @Test func twoStoresOnOneDirectoryTakeTurnsAndCatchUp() throws {
        // Two handles in one process (the daemon's and a command's) share the directory through the lock.
        let directory = TemporaryDirectory()
        // Small segments, so the other handle also has to pick up segments started behind its back.
        let options = StoreOptions(segmentSize: 4096)
        let daemon = try LogStore(directory: directory.path, roster: Fixture.roster(), options: options)
        let command = try LogStore(directory: directory.path, roster: Fixture.roster(), options: options)
        var seqs: [UInt64] = []
        for round in 0..<10 {
            let writer = round % 2 == 0 ? daemon : command
            seqs += try writer.append(Fixture.operations(3, tag: String(repeating: "pad", count: 100)), signingKey: Fixture.own, nowMilliseconds: Fixture.now).map(\.seq)
        }
        #expect(seqs == Array(1...30))
        // The daemon sees the command's appends after refresh (ingest and append catch up by themselves).
        try daemon.refresh()
        #expect(daemon.head(of: Fixture.author(Fixture.own))?.seq == 30)
        #expect(try verifyWholeStore(daemon) == 30)
        #expect(try daemon.entries(author: Fixture.author(Fixture.own), fromSeq: 1, limit: 100).count == 30)
    }
}
