import CapSyncTestSupport
import CapSyncWire
import Testing

@testable import CapSyncLog

/// Found by the power-loss simulator (tools/sim/README.md, power loss): a batch written but never fsynced (the writer was killed, or
/// its fsync failed) is still in the page cache when the store reopens. Counting it as committed without
/// syncing it let the reopened store serve it and build on it, and a later power cut then took it: entries
/// already served vanished, or the store refused to open ("damaged inside an acknowledged batch").
@Suite struct PageCacheRecoveryTests {
    static let options = StoreOptions(segmentSize: 4096, verifyThreads: 1)

    /// Appends until the next append must start a new segment; the last batch's fsync fails, then the process
    /// restarts without a power cut.
    static func storeWithAnUnsyncedFullSegment() throws -> FaultInjectingFileSystem {
        let fs = FaultInjectingFileSystem(seed: 3)
        let store = try LogStore(directory: "/s", roster: Fixture.roster(), fileSystem: fs, options: options)
        while store.sizeOnDisk + 600 < options.segmentSize {
            _ = try store.append(
                Fixture.operations(2, tag: String(repeating: "p", count: 60)),
                signingKey: Fixture.own,
                nowMilliseconds: Fixture.now
            )
        }
        fs.failSyncs(after: 0)
        #expect(throws: StoreError.self) {
            _ = try store.append(
                Fixture.operations(3, tag: String(repeating: "q", count: 80)),
                signingKey: Fixture.own,
                nowMilliseconds: Fixture.now
            )
        }
        fs.failSyncs(after: .max)  // the restart: the disk works again, the page cache kept the unsynced batch
        return fs
    }

    @Test(arguments: [FaultInjectingFileSystem.PowerLossMode.drop, .tear, .reorder, .garble])
    func entriesAReopenedStoreServesSurviveTheNextPowerCut(mode: FaultInjectingFileSystem.PowerLossMode) throws {
        let fs = try Self.storeWithAnUnsyncedFullSegment()
        let reopened = try LogStore(directory: "/s", roster: Fixture.roster(), fileSystem: fs, options: Self.options)
        let served = reopened.heads()
        // Building on it: this append starts segment 2.
        let more = try reopened.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        fs.powerLoss(mode)
        let afterPowerCut = try LogStore(
            directory: "/s",
            roster: Fixture.roster(),
            fileSystem: fs,
            options: Self.options
        )
        #expect(afterPowerCut.head(of: Fixture.author(Fixture.own))?.seq == served[0].seq + 1)
        #expect(try afterPowerCut.entry(author: more[0].author, seq: more[0].seq)?.id == more[0].id)
        #expect(try verifyWholeStore(afterPowerCut) == afterPowerCut.entryCount)
    }
}
