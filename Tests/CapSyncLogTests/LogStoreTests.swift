import CapSyncCrypto
import CapSyncTestSupport
import CapSyncWire
import Dispatch
import Testing

@testable import CapSyncLog

@Suite struct LogStoreTests {
    @Test func appendAssignsSeqPrevAndIncreasingTimestamps() throws {
        let fs = FaultInjectingFileSystem()
        let store = try LogStore(directory: "/node/log", roster: Fixture.roster(), fileSystem: fs)
        let first = try store.append(Fixture.operations(3), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        // The clock went backwards: timestamps must still increase along the chain.
        let second = try store.append(
            Fixture.operations(2),
            signingKey: Fixture.own,
            nowMilliseconds: Fixture.now - 5000
        )
        let all = first + second
        #expect(all.map(\.seq) == [1, 2, 3, 4, 5])
        #expect(all[0].prev == .zero)
        for (a, b) in zip(all, all.dropFirst()) { try b.checkFollows(a) }
        #expect(all.allSatisfy { $0.verifySignature(using: Fixture.own.publicKey) })
        #expect(
            store.head(of: Fixture.author(Fixture.own))
                == Head(author: Fixture.author(Fixture.own), seq: 5, id: all[4].id)
        )
        #expect(try store.entry(author: Fixture.author(Fixture.own), seq: 3) == all[2])
        #expect(try store.entry(id: all[4].id) == all[4])
        #expect(try store.entry(author: Fixture.author(Fixture.own), seq: 6) == nil)
        #expect(try store.entries(author: Fixture.author(Fixture.own), fromSeq: 2, limit: 2).map(\.seq) == [2, 3])
        #expect(store.entryCount == 5)
    }

    @Test(arguments: [4096, 1 << 20])
    func reopenRebuildsTheSameIndexAcrossSegments(segmentSize: Int) throws {
        let fs = FaultInjectingFileSystem()
        let options = StoreOptions(segmentSize: Int64(segmentSize))
        var written: [Entry] = []
        do {
            let store = try LogStore(directory: "/n", roster: Fixture.roster(), fileSystem: fs, options: options)
            for round in 0..<40 {
                written += try store.append(
                    Fixture.operations(5, tag: String(repeating: "r\(round)", count: 20)),
                    signingKey: Fixture.own,
                    nowMilliseconds: Fixture.now + UInt64(round)
                )
            }
            _ = try store.ingest(Fixture.chain(Fixture.alice, count: 30), nowMilliseconds: Fixture.now)
        }
        let segments = try fs.contentsOfDirectory("/n").filter { $0.hasSuffix(".seg") }
        #expect(segmentSize == 4096 ? segments.count > 3 : segments.count == 1)
        let reopened = try LogStore(directory: "/n", roster: Fixture.roster(), fileSystem: fs, options: options)
        #expect(reopened.recovery == nil)
        #expect(reopened.entryCount == 230)
        #expect(reopened.heads().map(\.seq).sorted() == [30, 200])
        #expect(try verifyWholeStore(reopened) == 230)
        for entry in written { #expect(try reopened.entry(id: entry.id) == entry) }
        // Appending continues the chain after reopening.
        let next = try reopened.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        try next[0].checkFollows(written.last!)
    }

    @Test func forEachEntryIteratesByAuthorThenSeq() throws {
        let fs = FaultInjectingFileSystem()
        let store = try LogStore(directory: "/n", roster: Fixture.roster(), fileSystem: fs)
        _ = try store.ingest(
            Fixture.chain(Fixture.bob, count: 3) + Fixture.chain(Fixture.alice, count: 4),
            nowMilliseconds: Fixture.now
        )
        _ = try store.append(Fixture.operations(2), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        var seen: [(AuthorKey, UInt64)] = []
        try store.forEachEntry { seen.append(($0.author, $0.seq)) }
        let expected = store.heads().flatMap { head in (1...head.seq).map { (head.author, $0) } }
        #expect(seen.map(\.0) == expected.map(\.0))
        #expect(seen.map(\.1) == expected.map(\.1))
        #expect(store.heads().map(\.author) == store.heads().map(\.author).sorted())
    }

    @Test func refusesOwnAppendsOutsideTheRosterOrPastLastValidSeq() throws {
        let fs = FaultInjectingFileSystem()
        let roster = Fixture.roster(lastValidSeq: [Fixture.author(Fixture.own): 2])
        let store = try LogStore(directory: "/n", roster: roster, fileSystem: fs)
        #expect(throws: StoreError.self) {
            try store.append(Fixture.operations(1), signingKey: Fixture.outsider, nowMilliseconds: Fixture.now)
        }
        _ = try store.append(Fixture.operations(2), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        let error = try #require(throws: StoreError.self) {
            try store.append(Fixture.operations(1), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        }
        #expect(error.code == .invalidInput)
        let tooBig = [(kind: UInt64(1), payload: [UInt8](repeating: 0, count: Entry.maxPayloadSize + 1))]
        store.updateRoster(Fixture.roster())
        #expect(throws: StoreError.self) {
            try store.append(tooBig, signingKey: Fixture.own, nowMilliseconds: Fixture.now)
        }
        #expect(store.entryCount == 2)
    }

    @Test func realFilesSurviveReopenAndBackup() throws {
        let directory = TemporaryDirectory()
        let logPath = directory.path + "/log"
        var written: [Entry] = []
        do {
            let store = try LogStore(
                directory: logPath,
                roster: Fixture.roster(),
                options: StoreOptions(segmentSize: 4096)
            )
            for round in 0..<10 {
                written += try store.append(
                    Fixture.operations(10),
                    signingKey: Fixture.own,
                    nowMilliseconds: Fixture.now + UInt64(round)
                )
            }
            try store.backup(to: directory.path + "/backup")
            // The backup target must be empty.
            #expect(throws: StoreError.self) { try store.backup(to: directory.path + "/backup") }
        }
        let reopened = try LogStore(directory: logPath, roster: Fixture.roster())
        #expect(reopened.entryCount == 100)
        let backup = try LogStore(directory: directory.path + "/backup", roster: Fixture.roster())
        #expect(backup.heads() == reopened.heads())
        #expect(try verifyWholeStore(backup) == 100)
        #expect(backup.sizeOnDisk == reopened.sizeOnDisk)
    }
}

@Suite struct ReusableEd25519Tests {
    /// The store's fast signer must write exactly the canonical entry `Entry.sign` writes (Ed25519 is
    /// deterministic, so equal inputs give equal bytes).
    @Test(arguments: [(UInt64(1), UInt64(0), 0), (2, 1, 1), (300, 127, 200), (1 << 40, 1 << 31, 65_536)])
    func fastSignerMatchesEntrySign(seq: UInt64, kind: UInt64, payloadSize: Int) throws {
        let prev = seq == 1 ? EntryID.zero : EntryID([UInt8](repeating: 0xAB, count: 32))
        let payload = (0..<payloadSize).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let timestamp = HLCTimestamp(milliseconds: Fixture.now, logical: 3)
        let reference = try Entry.sign(
            key: Fixture.own,
            seq: seq,
            prev: prev,
            timestamp: timestamp,
            kind: kind,
            payload: payload
        )
        let signer = try #require(Ed25519Context(signing: Fixture.own))
        for _ in 0..<2 {
            let fast = try Entry.sign(
                author: Fixture.author(Fixture.own),
                using: signer,
                seq: seq,
                prev: prev,
                timestamp: timestamp,
                kind: kind,
                payload: payload
            )
            #expect(fast.encoded == reference.encoded)
        }
    }

    @Test func reusedVerifierJudgesEachEntryOnItsOwn() throws {
        let chain = Fixture.chain(Fixture.alice, count: 4)
        let verifier = try #require(Ed25519Context(verifying: Fixture.alice.publicKey))
        let verdicts = [chain[0], Fixture.forged(chain[1]), chain[2], Fixture.forged(chain[3]), chain[3]]
            .map { $0.verifySignature(using: verifier) }
        #expect(verdicts == [true, false, true, false, true])
        let other = try #require(Ed25519Context(verifying: Fixture.bob.publicKey))
        #expect(!chain[0].verifySignature(using: other))
    }
}

@Suite struct SegmentFormatTests {
    @Test func crc32cKnownAnswerAndContinuation() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            #expect(
                CRC32C.update(CRC32C.checksum(Array(data[..<split])), Array(data[split...])) == CRC32C.checksum(data)
            )
        }
    }

    @Test(arguments: [(1, Int64(20), 9), (0xFFFF, (Int64(1) << 31) - 1, RecordLocation.maxSize)])
    func recordLocationPacksLosslessly(segment: Int, offset: Int64, size: Int) {
        let location = RecordLocation(segment: segment, offset: offset, size: size)
        #expect(location.segment == segment && location.offset == offset && location.size == size)
    }

    @Test func largestEntryRecordFitsALocation() {
        #expect(SegmentFormat.recordHeaderSize + 1 + SegmentFormat.maxEntryBody <= RecordLocation.maxSize)
    }
}

@Suite struct ConcurrencyTests {
    /// One store shared by many threads: ingest of two authors, own appends and readers at once.
    @Test func sharedStoreStaysConsistentUnderConcurrentUse() throws {
        let fs = FaultInjectingFileSystem()
        let store = try LogStore(
            directory: "/c",
            roster: Fixture.roster(),
            fileSystem: fs,
            options: StoreOptions(segmentSize: 8192)
        )
        let alice = Fixture.chain(Fixture.alice, count: 60)
        let bob = Fixture.chain(Fixture.bob, count: 60)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            switch worker {
            case 0, 1:
                let chain = worker == 0 ? alice : bob
                for start in stride(from: 0, to: chain.count, by: 6) {
                    // Overlapping runs: each repeats the previous run's last entry.
                    let run = Array(chain[max(0, start - 1)..<min(chain.count, start + 6)])
                    _ = try? store.ingest(run, nowMilliseconds: Fixture.now)
                }
            case 2:
                for _ in 0..<20 {
                    _ = try? store.append(Fixture.operations(3), signingKey: Fixture.own, nowMilliseconds: Fixture.now)
                }
            default:
                for _ in 0..<200 {
                    for head in store.heads() { _ = try? store.entry(author: head.author, seq: head.seq) }
                }
            }
        }
        #expect(store.heads().map(\.seq).sorted() == [60, 60, 60])
        #expect(try verifyWholeStore(store) == 180)
        let reopened = try LogStore(
            directory: "/c",
            roster: Fixture.roster(),
            fileSystem: fs,
            options: StoreOptions(segmentSize: 8192)
        )
        #expect(reopened.heads() == store.heads())
    }
}
