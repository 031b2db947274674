import CapSyncCrypto
import CapSyncSync
import CapSyncTestSupport
import CapSyncWire
import Testing

/// The bundle codec on its own: round trips across chunk boundaries, determinism, and refusal of every damaged,
/// truncated or hostile file before anything of it is handed on as verified.
@Suite struct BundleCodecTests {
    let creator: Ed25519PrivateKey

    init() throws { creator = try Ed25519PrivateKey(seed: [UInt8](repeating: 9, count: 32)) }

    func makeStore(_ counts: [Int], seed: UInt64 = 1, maxPayload: Int = 120) throws -> (MemoryStore, [Author]) {
        var rng = SplitMix64(seed: seed)
        var authors: [Author] = []
        for (index, count) in counts.enumerated() {
            var author = try Author(seedByte: UInt8(index + 1))
            try author.append(count, rng: &rng, maxPayload: maxPayload)
            authors.append(author)
        }
        let store = MemoryStore(knownAuthors: Set(authors.map(\.id)))
        for author in authors { store.preload(author.chain) }
        return (store, authors)
    }

    func bundle(_ store: MemoryStore, recipient: [Head] = []) throws -> [UInt8] {
        let header = BundleWriter.plan(
            source: store,
            recipient: recipient,
            creatorPartner: "NO",
            creatorKey: AuthorKey(creator.publicKey),
            rosterHash: .zero
        )
        var bytes: [UInt8] = []
        _ = try BundleWriter.write(header: header, source: store, signingKey: creator) { bytes += $0 }
        return bytes
    }

    /// Reads a whole bundle; returns the entries and proofs, or throws at the first problem.
    func readAll(_ bytes: [UInt8]) throws(BundleError) -> (entries: [Entry], proofs: [ForkProof], chunks: Int) {
        let reader = BundleReader(bytes: bytes)
        var entries: [Entry] = []
        var proofs: [ForkProof] = []
        while let chunk = try reader.nextChunk() {
            switch chunk {
            case .entries(let batch): entries += batch
            case .forks(let batch): proofs += batch
            }
        }
        return (entries, proofs, reader.chunks)
    }

    @Test func manyEntriesCrossChunkBoundariesAndComeBackInOrder() throws {
        let (store, authors) = try makeStore([4100, 3, 1], maxPayload: 40)
        let bytes = try bundle(store)
        let read = try readAll(bytes)
        let expected = authors.sorted { $0.id < $1.id }.flatMap(\.chain)
        #expect(read.entries == expected)
        #expect(read.chunks == 2)
        #expect(try bundle(store) == bytes, "the same store and heads give the same bytes")
    }

    @Test func largePayloadsSplitChunksBySizeUnderTheLimit() throws {
        let (store, authors) = try makeStore([140], maxPayload: 65_536)
        let bytes = try bundle(store)
        let read = try readAll(bytes)
        #expect(read.entries == authors[0].chain)
        // About 4.6 MB of payload: more than one chunk of at most 4 MiB (the reader refuses a bigger one).
        let payload = authors[0].chain.reduce(0) { $0 + $1.payload.count }
        #expect(payload > BundleFormat.maxChunkBytes)
        #expect(read.chunks >= 2)
    }

    @Test func incrementalBundleCarriesOnlyWhatTheRecipientLacks() throws {
        let (store, authors) = try makeStore([10, 6])
        let a = authors[0].chain
        let recipient = [
            Head(author: authors[0].id, seq: 4, id: a[3].id),
            Head(author: authors[1].id, seq: 6, id: authors[1].chain[5].id),
        ]
        let read = try readAll(try bundle(store, recipient: recipient))
        #expect(read.entries == Array(a[4...]))
    }

    @Test func recipientOnAnotherBranchGetsTheWholeChain() throws {
        let (store, authors) = try makeStore([8])
        let recipient = [Head(author: authors[0].id, seq: 3, id: authors[0].chain[6].id)]
        let read = try readAll(try bundle(store, recipient: recipient))
        #expect(read.entries == authors[0].chain)
    }

    @Test func everyCutPointIsRefusedAsTruncated() throws {
        let (store, _) = try makeStore([3, 2])
        let bytes = try bundle(store)
        for cut in 0..<bytes.count {
            do {
                _ = try readAll(Array(bytes[..<cut]))
                Issue.record("a bundle cut at byte \(cut) of \(bytes.count) was read whole")
            } catch {
                #expect(error.code == .truncated, "cut at \(cut): \(error)")
                #expect(error.offset == cut, "cut at \(cut): \(error)")
            }
        }
    }

    @Test func everyBitFlipIsRefused() throws {
        let (store, _) = try makeStore([2, 1])
        let bytes = try bundle(store)
        for offset in 0..<bytes.count {
            for bit in 0..<8 {
                var damaged = bytes
                damaged[offset] ^= 1 << bit
                #expect(throws: BundleError.self, "bit \(bit) of byte \(offset) flipped") { try readAll(damaged) }
            }
        }
    }

    @Test func hugeCountsAreRefusedBeforeAllocation() throws {
        let (store, _) = try makeStore([2])
        let bytes = try bundle(store)
        func expectRefused(_ damaged: [UInt8], _ code: BundleError.Code, at offset: Int) {
            do {
                _ = try readAll(damaged)
                Issue.record("a bundle with a huge count was read")
            } catch {
                #expect(error.code == code && error.offset == offset, "\(error)")
            }
        }
        // Header length 2^32 − 1.
        var header = bytes
        header.replaceSubrange(12..<16, with: [0xFF, 0xFF, 0xFF, 0xFF])
        expectRefused(header, .limitExceeded, at: 12)
        // An author count of 2^40: refused by its limit before a byte is reserved for the list.
        var body: [UInt8] =
            [2] + Array("NO".utf8) + [UInt8](repeating: 7, count: 64) + [0x80, 0x80, 0x80, 0x80, 0x80, 0x20]
        body += [UInt8](repeating: 0, count: 40)
        let length = UInt32(body.count)
        let authors =
            Array(bytes[..<12]) + [
                UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF),
            ]
            + body
        expectRefused(authors, .limitExceeded, at: BundleFormat.preambleSize + 3 + 64)
        // A chunk length of 2^32 − 1.
        var chunk = bytes
        let first = Int(headerEnd(bytes))
        chunk.replaceSubrange(first..<(first + 4), with: [0xFF, 0xFF, 0xFF, 0xFF])
        expectRefused(chunk, .limitExceeded, at: first)
    }

    func headerEnd(_ bytes: [UInt8]) -> UInt32 {
        let length = UInt32(bytes[12]) << 24 | UInt32(bytes[13]) << 16 | UInt32(bytes[14]) << 8 | UInt32(bytes[15])
        return UInt32(BundleFormat.preambleSize) + length
    }

    @Test func forkProofsTravelAfterTheEntries() throws {
        var rng = SplitMix64(seed: 7)
        var author = try Author(seedByte: 1)
        try author.append(4, rng: &rng)
        let other = try author.nextEntry(rng: &rng, after: Array(author.chain[..<2]))
        let store = MemoryStore(knownAuthors: [author.id])
        store.preload(author.chain)
        let proof = try ForkProof(author.chain[2], other)
        store.ingest(proofs: [proof])
        let read = try readAll(try bundle(store))
        #expect(read.entries == author.chain)
        #expect(read.proofs == [proof])
    }
}
