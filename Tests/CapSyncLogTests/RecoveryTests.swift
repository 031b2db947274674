import CapSyncCrypto
import CapSyncTestSupport
import CapSyncWire
import Testing

@testable import CapSyncLog

/// Crash safety (Protocol/store.md, opening and recovery): only the final unacknowledged batch may be cut; damage to anything committed
/// before it refuses to open; never is a corrupt store accepted.
@Suite struct RecoveryTests {
    /// A small known-good store in one segment: four batches (two own appends, two ingests).
    struct SmallStore {
        let bytes: [UInt8]
        /// File offset where each batch ends (the first element is the end of the segment header).
        let batchEnds: [Int64]
        /// Heads after each batch (index 0: empty store).
        let headsAfter: [[Head]]
        static let path = "/s/00000001.seg"

        init() throws {
            let fs = FaultInjectingFileSystem()
            let store = try LogStore(directory: "/s", roster: Fixture.roster(), fileSystem: fs)
            var ends: [Int64] = []
            var heads: [[Head]] = [[]]
            _ = try store.append(Fixture.operations(2), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
            ends.append(store.sizeOnDisk)
            heads.append(store.heads())
            _ = try store.ingest(Fixture.chain(Fixture.alice, count: 2), nowMilliseconds: Fixture.now)
            ends.append(store.sizeOnDisk)
            heads.append(store.heads())
            _ = try store.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
            ends.append(store.sizeOnDisk)
            heads.append(store.heads())
            _ = try store.ingest(Fixture.chain(Fixture.bob, count: 2), nowMilliseconds: Fixture.now)
            ends.append(store.sizeOnDisk)
            heads.append(store.heads())
            bytes = fs.contents(of: Self.path)!
            batchEnds = [Int64(SegmentFormat.headerSize)] + ends
            headsAfter = heads
        }

        /// Number of batches entirely inside the first `length` bytes.
        func committedBatches(within length: Int64) -> Int { batchEnds.dropFirst().filter { $0 <= length }.count }

        /// Opens `bytes` as the store's only segment, scanning it in steps of `scanStep` bytes.
        func open(_ bytes: [UInt8], scanStep: Int = StoreOptions().scanStepBytes) throws(StoreError) -> LogStore {
            let fs = FaultInjectingFileSystem()
            fs.setContents(of: Self.path, to: bytes)
            var options = StoreOptions()
            options.scanStepBytes = scanStep
            return try LogStore(directory: "/s", roster: Fixture.roster(), fileSystem: fs, options: options)
        }
    }

    /// Scan steps: the default (the whole small segment in one read), and steps that end inside the header,
    /// inside records and inside batches, so that reading on from the last commit is exercised everywhere.
    static let scanSteps = [StoreOptions().scanStepBytes, 1, 97, 300]

    @Test(arguments: scanSteps)
    func cutAtEveryByteOffsetRecoversExactlyTheCommittedPrefix(scanStep: Int) throws {
        let small = try SmallStore()
        #expect(small.bytes.count == Int(small.batchEnds.last!))
        for length in 0...small.bytes.count {
            let store = try small.open(Array(small.bytes.prefix(length)), scanStep: scanStep)
            let batches = small.committedBatches(within: Int64(length))
            #expect(store.heads() == small.headsAfter[batches], "cut at \(length)")
            let clean = small.batchEnds.contains(Int64(length))
            #expect(
                (store.recovery == nil) == clean,
                "cut at \(length): recovery \(String(describing: store.recovery))"
            )
            #expect(try verifyWholeStore(store) == store.entryCount)
        }
    }

    @Test(arguments: scanSteps)
    func bitFlipInEveryByteIsCutIfInTheLastBatchElseRefused(scanStep: Int) throws {
        let small = try SmallStore()
        let lastBatchStart = small.batchEnds[small.batchEnds.count - 2]
        var refused = 0
        var cut = 0
        for offset in small.bytes.indices {
            var damaged = small.bytes
            damaged[offset] ^= UInt8(1) << UInt8(offset % 8)
            if Int64(offset) >= lastBatchStart {
                let store = try small.open(damaged, scanStep: scanStep)
                #expect(store.heads() == small.headsAfter[small.headsAfter.count - 2], "flip at \(offset)")
                #expect(store.recovery?.cutOffset == lastBatchStart, "flip at \(offset)")
                cut += 1
            } else {
                let error = try #require(throws: StoreError.self, "flip at \(offset)") {
                    try small.open(damaged, scanStep: scanStep)
                }
                #expect(error.code == .corruptCommitted, "flip at \(offset)")
                #expect(error.file == "00000001.seg" && error.offset != nil, "flip at \(offset)")
                refused += 1
            }
        }
        #expect(refused > 0 && cut > 0)
    }

    @Test func setAsideTailIsCopiedToQuarantineAndTheStoreStaysWritable() throws {
        let small = try SmallStore()
        let fs = FaultInjectingFileSystem()
        let torn = Array(small.bytes.prefix(Int(small.batchEnds.last!) - 3))
        fs.setContents(of: SmallStore.path, to: torn)
        let store = try LogStore(directory: "/s", roster: Fixture.roster(), fileSystem: fs)
        let report = try #require(store.recovery)
        let lastBatchStart = small.batchEnds[small.batchEnds.count - 2]
        #expect(report.cutOffset == lastBatchStart)
        #expect(report.bytesSetAside == Int64(torn.count) - lastBatchStart)
        let copy = try #require(fs.contents(of: "/s/" + (report.quarantineFile ?? "")))
        #expect(copy == Array(torn[Int(lastBatchStart)...]))
        let appended = try store.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        #expect(appended[0].seq == 4)
        let reopened = try LogStore(directory: "/s", roster: Fixture.roster(), fileSystem: fs)
        #expect(reopened.recovery == nil)
        #expect(reopened.head(of: Fixture.author(Fixture.own))?.seq == 4)

        // A second tear at the same offset keeps the first copy.
        let again = try #require(fs.contents(of: SmallStore.path))
        fs.setContents(
            of: SmallStore.path,
            to: Array(again.prefix(Int(lastBatchStart))) + Array(torn[Int(lastBatchStart)...])
        )
        let third = try LogStore(directory: "/s", roster: Fixture.roster(), fileSystem: fs)
        let second = try #require(third.recovery)
        #expect(second.quarantineFile != report.quarantineFile)
        #expect(fs.contents(of: "/s/" + (report.quarantineFile ?? "")) == copy)
        #expect(fs.contents(of: "/s/" + (second.quarantineFile ?? "")) == copy)
    }

    @Test func missingMiddleSegmentIsRefused() throws {
        let fs = FaultInjectingFileSystem()
        let store = try LogStore(
            directory: "/s",
            roster: Fixture.roster(),
            fileSystem: fs,
            options: StoreOptions(segmentSize: 4096)
        )
        for round in 0..<30 {
            _ = try store.append(
                Fixture.operations(4, tag: String(repeating: "pad", count: 30)),
                signingKey: Fixture.own,
                nowMilliseconds: Fixture.now + UInt64(round)
            )
        }
        try fs.removeFile("/s/00000002.seg")
        let error = try #require(throws: StoreError.self) {
            try LogStore(
                directory: "/s",
                roster: Fixture.roster(),
                fileSystem: fs,
                options: StoreOptions(segmentSize: 4096)
            )
        }
        #expect(error.code == .corruptCommitted)
    }

    /// Power cut while a batch is being written: every acknowledged entry survives, the store verifies, and the
    /// unacknowledged batch is either wholly there or cut. Over many seeded trials and every loss mode.
    @Test(arguments: [FaultInjectingFileSystem.PowerLossMode.drop, .tear, .reorder, .garble])
    func powerLossNeverLosesAcknowledgedEntries(mode: FaultInjectingFileSystem.PowerLossMode) throws {
        var random = SeededRandom(seed: 42)
        var repaired = 0
        for trial in 0..<40 {
            let fs = FaultInjectingFileSystem(seed: UInt64(trial) &* 7919 &+ 1)
            let options = StoreOptions(segmentSize: 4096)
            var acknowledged: [Entry] = []
            do {
                let store = try LogStore(directory: "/p", roster: Fixture.roster(), fileSystem: fs, options: options)
                for round in 0..<(1 + random.below(12)) {
                    acknowledged += try store.append(
                        Fixture.operations(
                            1 + random.below(20),
                            tag: "t\(trial) r\(round) " + String(repeating: "x", count: random.below(200))
                        ),
                        signingKey: Fixture.own,
                        nowMilliseconds: Fixture.now
                    )
                }
                // The next batch is written but its fsync never completes: the power goes.
                fs.failSyncs(after: random.below(2))
                _ = try? store.append(
                    Fixture.operations(1 + random.below(30), tag: "unacked"),
                    signingKey: Fixture.own,
                    nowMilliseconds: Fixture.now
                )
                _ = try? store.append(Fixture.operations(3), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
            }
            fs.powerLoss(mode)
            let reopened = try LogStore(directory: "/p", roster: Fixture.roster(), fileSystem: fs, options: options)
            if reopened.recovery != nil { repaired += 1 }
            for entry in acknowledged {
                #expect(try reopened.entry(id: entry.id) == entry, "trial \(trial): acknowledged seq \(entry.seq) lost")
            }
            #expect(try verifyWholeStore(reopened) == reopened.entryCount)
            // Still writable, and the chain continues.
            let next = try reopened.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
            #expect(next[0].seq == UInt64(reopened.entryCount))
        }
        // Dropped writes leave nothing to repair; the other modes must have left torn tails to cut.
        #expect(mode == .drop || repaired > 0)
    }

    @Test func fsyncFailureStopsAcknowledging() throws {
        let fs = FaultInjectingFileSystem()
        let store = try LogStore(directory: "/f", roster: Fixture.roster(), fileSystem: fs)
        _ = try store.append(Fixture.operations(2), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        fs.failSyncs(after: 0)
        let first = try #require(throws: StoreError.self) {
            try store.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        }
        #expect(first.code == .fsyncFailed)
        // Not visible to readers: never acknowledged.
        #expect(store.entryCount == 2)
        #expect(store.head(of: Fixture.author(Fixture.own))?.seq == 2)
        // Even once the disk "works" again, the store refuses: an fsync is never retried.
        fs.failSyncs(after: 1000)
        let later = try #require(throws: StoreError.self) {
            try store.ingest(Fixture.chain(Fixture.alice, count: 1), nowMilliseconds: Fixture.now)
        }
        #expect(later.code == .fsyncFailed)
        #expect(later.reason.contains("stopped acknowledging"))
    }
}
