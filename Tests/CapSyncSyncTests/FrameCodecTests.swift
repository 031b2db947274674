import CapSyncCrypto
import CapSyncSync
import CapSyncTestSupport
import CapSyncWire
import Testing

/// A few messages of every type, built from seeded entries.
func sampleMessages() throws -> [SyncMessage] {
    var rng = SplitMix64(seed: 11)
    var author = try Author(seedByte: 3)
    try author.append(5, rng: &rng)
    let fork = try author.nextEntry(rng: &rng, after: Array(author.chain.prefix(2)))
    let proof = try ForkProof(author.chain[2], fork)
    let hash = Bytes32(SHA256.hash(Array("roster".utf8)))
    return [
        .hello(
            SyncHello(
                minVersion: 1,
                maxVersion: 3,
                rosterHash: hash,
                features: 0,
                maxFrameBytes: 4 << 20,
                maxEntriesPerBatch: 4096,
                label: "NOR-oslo-1"
            )
        ),
        .hello(
            SyncHello(
                minVersion: 1,
                maxVersion: 1,
                rosterHash: .zero,
                features: 1 << 40,
                maxFrameBytes: 262_144,
                maxEntriesPerBatch: 1,
                label: ""
            )
        ),
        .heads(SyncHeads(heads: [], forkClaims: [])),
        .heads(
            SyncHeads(
                heads: [Head(author: hash, seq: 0, id: .zero), Head(author: author.id, seq: 5, id: author.chain[4].id)]
                    .sorted { $0.author < $1.author },
                forkClaims: [ForkClaim(author: author.id, seq: 3)]
            )
        ),
        .entries(
            EntriesBatch(runs: [
                CompactRun(
                    authorIndex: 0,
                    firstSeq: 1,
                    prev: nil,
                    entries: author.chain.prefix(3).map(CompactEntry.init)
                ),
                CompactRun(
                    authorIndex: 300,
                    firstSeq: 4,
                    prev: author.chain[2].id,
                    entries: author.chain.suffix(2).map(CompactEntry.init)
                ),
            ])
        ),
        .forks([proof]),
        .done(SyncDone(entriesSent: 0, forkProofsSent: 0)),
        .done(SyncDone(entriesSent: 1_000_000, forkProofsSent: 2)),
        .error(SyncErrorMessage(code: 7, text: "a run of author 0a1b starts at seq 9, expected seq 4")),
        .error(SyncErrorMessage(code: 65_000, text: "a code from a newer version")),
        .ack(
            SyncAck(
                entriesStored: 6247,
                entriesAlreadyHeld: 0,
                entriesRefused: 3,
                forkProofsKept: 1,
                authorsHeld: 40,
                entriesHeld: .max
            )
        ),
    ]
}

/// A frame with the given type byte and body.
func rawFrame(type: UInt8, body: [UInt8]) -> [UInt8] {
    var writer = ByteWriter()
    writer.writeUInt32(UInt32(body.count + 1))
    writer.writeUInt8(type)
    writer.writeBytes(body)
    return writer.bytes
}

func decodeOne(_ bytes: [UInt8], limits: SyncLimits = .default) throws(SyncError) -> SyncMessage? {
    var decoder = FrameDecoder(limits: limits)
    decoder.feed(bytes)
    return try decoder.next()
}

func decodeError(_ bytes: [UInt8], limits: SyncLimits = .default) -> SyncError? {
    do throws(SyncError) {
        _ = try decodeOne(bytes, limits: limits)
        return nil
    } catch { return error }
}

@Suite struct FrameCodecTests {
    @Test func everyMessageRoundTrips() throws {
        for message in try sampleMessages() {
            let frame = message.encode()
            #expect(frame.count == message.encodedSize, "\(message.type)")
            #expect(try decodeOne(frame) == message, "\(message.type)")
            // Re-encoding what was decoded gives the same bytes.
            #expect(try decodeOne(frame)?.encode() == frame)
        }
    }

    @Test(arguments: [1 as UInt64, 2, 3, 4, 5])
    func decoderHandlesSplitAndMergedInput(seed: UInt64) throws {
        let messages = try sampleMessages()
        let stream = messages.flatMap { $0.encode() }
        var rng = SplitMix64(seed: seed)
        var decoder = FrameDecoder()
        var decoded: [SyncMessage] = []
        var offset = 0
        while offset < stream.count {
            // Chunks from 1 byte to a little more than the largest frame: splits inside prefixes and bodies, and
            // several frames in one chunk.
            let size = 1 + Int(rng.next() % UInt64(seed == 1 ? 1 : 900))
            decoder.feed(stream[offset..<min(stream.count, offset + size)])
            offset += size
            while let message = try decoder.next() { decoded.append(message) }
        }
        #expect(decoded == messages)
        #expect(decoder.bufferedByteCount == 0)
        #expect(decoder.bytesDecoded == stream.count)
    }

    @Test func wholeStreamInOneFeed() throws {
        let messages = try sampleMessages()
        var decoder = FrameDecoder()
        decoder.feed(messages.flatMap { $0.encode() })
        var decoded: [SyncMessage] = []
        while let message = try decoder.next() { decoded.append(message) }
        #expect(decoded == messages)
    }

    @Test func hugeLengthPrefixIsRefusedBeforeBuffering() {
        var decoder = FrameDecoder()
        decoder.feed([0xFF, 0xFF])
        #expect(throws: Never.self) { try decoder.next() }
        decoder.feed([0xFF, 0xFF, 0x01])
        // Refused on the prefix alone: the body byte already fed and everything after is dropped.
        #expect(decoder.bufferedByteCount == 0)
        decoder.feed([UInt8](repeating: 0, count: 100_000))
        #expect(decoder.bufferedByteCount == 0)
        #expect(throws: SyncError.self) { try decoder.next() }
        do throws(SyncError) {
            _ = try decoder.next()
        } catch {
            #expect(error.code == .frameTooLarge)
            #expect(error.reason.contains("4294967295"))
        }
    }

    @Test func frameOneByteOverTheLimitIsRefused() {
        let limits = SyncLimits(maxFrameBytes: 300_000)
        var atLimit = ByteWriter()
        atLimit.writeUInt32(300_000)
        #expect(decodeError(atLimit.bytes, limits: limits) == nil)  // waits for the body
        var over = ByteWriter()
        over.writeUInt32(300_001)
        #expect(decodeError(over.bytes, limits: limits)?.code == .frameTooLarge)
    }

    @Test func truncatedFrameWaitsForMoreBytes() throws {
        let frame = SyncMessage.done(SyncDone(entriesSent: 300, forkProofsSent: 1)).encode()
        for cut in 0..<frame.count {
            #expect(try decodeOne(Array(frame.prefix(cut))) == nil)
        }
    }

    @Test func decoderStaysFailedAfterAnError() {
        var decoder = FrameDecoder()
        decoder.feed(rawFrame(type: 0x7F, body: []))
        decoder.feed(SyncMessage.done(SyncDone(entriesSent: 0, forkProofsSent: 0)).encode())
        for _ in 0..<2 {
            do throws(SyncError) {
                _ = try decoder.next()
                Issue.record("expected an error")
            } catch {
                #expect(error.code == .unknownMessageType)
            }
        }
    }

    @Test func hostileBodies() throws {
        var rng = SplitMix64(seed: 5)
        var author = try Author(seedByte: 9)
        try author.append(2, rng: &rng)

        var bigCount = ByteWriter()
        bigCount.writeVarint(UInt64(1) << 40)
        var manyHeadsInFewBytes = ByteWriter()
        manyHeadsInFewBytes.writeVarint(5000)
        var unsorted = ByteWriter()
        unsorted.writeVarint(2)
        for key in [author.id, AuthorKey.zero] {
            unsorted.writeBytes(key.bytes)
            unsorted.writeVarint(0)
        }
        unsorted.writeVarint(0)
        var zeroRuns = ByteWriter()
        zeroRuns.writeVarint(0)
        var badPrevForm = ByteWriter()
        badPrevForm.writeVarint(1)
        badPrevForm.writeVarint(0)
        badPrevForm.writeVarint(2)
        badPrevForm.writeUInt8(7)
        var hugePayload = ByteWriter()
        for value in [1, 0, 1] as [UInt64] { hugePayload.writeVarint(value) }
        hugePayload.writeUInt8(0)
        hugePayload.writeVarint(1)
        hugePayload.writeUInt8(1)
        hugePayload.writeUInt64(1000)
        hugePayload.writeVarint(1)
        hugePayload.writeVarint(70_000)
        var zeroDelta = ByteWriter()
        zeroDelta.writeVarint(1)
        zeroDelta.writeVarint(0)
        zeroDelta.writeVarint(1)
        zeroDelta.writeUInt8(0)
        zeroDelta.writeVarint(2)
        for delta in [nil, 0] as [UInt64?] {
            zeroDelta.writeUInt8(1)
            if let delta { zeroDelta.writeVarint(delta) } else { zeroDelta.writeUInt64(1000) }
            zeroDelta.writeVarint(1)
            zeroDelta.writeVarint(0)
            zeroDelta.writeBytes([UInt8](repeating: 0, count: 64))
        }
        let hello = SyncMessage.hello(
            SyncHello(
                minVersion: 1,
                maxVersion: 1,
                rosterHash: .zero,
                features: 0,
                maxFrameBytes: 1 << 20,
                maxEntriesPerBatch: 10,
                label: "x"
            )
        )
        var badMagic = hello.encode()
        badMagic[5] = UInt8(ascii: "X")
        var forged = author.chain[1].encoded
        forged[forged.count - 1] ^= 0x01
        let fork = try author.nextEntry(rng: &rng, after: [author.chain[0]])
        var forgedProof = ByteWriter()
        forgedProof.writeVarint(1)
        let forgedID = try Entry(decoding: forged).id
        let (low, high) = fork.id < forgedID ? (fork.encoded, forged) : (forged, fork.encoded)
        forgedProof.writeLengthPrefixed(low)
        forgedProof.writeLengthPrefixed(high)
        var longLabel = ByteWriter()
        longLabel.writeBytes(SyncHello.magic)
        for value in [1, 1] as [UInt64] { longLabel.writeVarint(value) }
        longLabel.writeBytes([UInt8](repeating: 0, count: 32))
        for value in [0, 1 << 20, 100] as [UInt64] { longLabel.writeVarint(value) }
        longLabel.writeString(String(repeating: "L", count: 65))
        var tooManyProofs = ByteWriter()
        tooManyProofs.writeVarint(257)
        var longText = ByteWriter()
        longText.writeVarint(1)
        longText.writeString(String(repeating: "x", count: 1025))

        let cases: [(String, [UInt8], SyncError.Code)] = [
            ("empty frame", [0, 0, 0, 0], .malformedFrame),
            ("unknown type", rawFrame(type: 0x42, body: [1, 2, 3]), .unknownMessageType),
            ("HEADS count over the limit", rawFrame(type: 0x02, body: bigCount.bytes), .limitExceeded),
            (
                "HEADS count larger than the body", rawFrame(type: 0x02, body: manyHeadsInFewBytes.bytes),
                .malformedFrame
            ),
            ("HEADS not ascending", rawFrame(type: 0x02, body: unsorted.bytes), .malformedFrame),
            ("ENTRIES with no run", rawFrame(type: 0x03, body: zeroRuns.bytes), .malformedFrame),
            ("ENTRIES run count over the limit", rawFrame(type: 0x03, body: bigCount.bytes), .limitExceeded),
            ("ENTRIES bad prev form", rawFrame(type: 0x03, body: badPrevForm.bytes), .malformedFrame),
            ("ENTRIES payload over the limit", rawFrame(type: 0x03, body: hugePayload.bytes), .limitExceeded),
            ("ENTRIES zero timestamp delta", rawFrame(type: 0x03, body: zeroDelta.bytes), .malformedFrame),
            ("HELLO bad magic", badMagic, .malformedFrame),
            ("HELLO cut short", rawFrame(type: 0x01, body: Array(hello.encode()[5..<20])), .malformedFrame),
            ("HELLO trailing byte", rawFrame(type: 0x01, body: Array(hello.encode()[5...]) + [0]), .malformedFrame),
            ("FORKS forged signature", rawFrame(type: 0x04, body: forgedProof.bytes), .invalidForkProof),
            ("ERROR text over the limit", rawFrame(type: 0x06, body: longText.bytes), .limitExceeded),
            ("HELLO label over 64 bytes", rawFrame(type: 0x01, body: longLabel.bytes), .limitExceeded),
            (
                "FORKS with more proofs than a frame may hold", rawFrame(type: 0x04, body: tooManyProofs.bytes),
                .limitExceeded
            ),
            ("DONE non-minimal varint", rawFrame(type: 0x05, body: [0x80, 0x00, 0x00]), .malformedFrame),
        ]
        for (name, bytes, code) in cases {
            #expect(decodeError(bytes)?.code == code, "\(name): \(String(describing: decodeError(bytes)))")
        }
    }

    @Test func entriesOverTheBatchLimitAreRefused() throws {
        var rng = SplitMix64(seed: 8)
        var author = try Author(seedByte: 4)
        try author.append(11, rng: &rng)
        let frame = SyncMessage.entries(
            EntriesBatch(runs: [
                CompactRun(authorIndex: 0, firstSeq: 1, prev: nil, entries: author.chain.map(CompactEntry.init))
            ])
        ).encode()
        #expect(decodeError(frame, limits: SyncLimits(maxEntriesPerBatch: 11)) == nil)
        #expect(decodeError(frame, limits: SyncLimits(maxEntriesPerBatch: 10))?.code == .limitExceeded)
    }

    /// Every single-bit corruption of a valid stream either still decodes or ends with an error; a session fed
    /// whatever decodes never traps either.
    @Test func corruptedStreamsNeverTrap() throws {
        let stream = try sampleMessages().flatMap { $0.encode() }
        var rng = SplitMix64(seed: 13)
        var failures = 0
        for position in stream.indices {
            var corrupted = stream
            corrupted[position] ^= UInt8(1) << (rng.next() % 8)
            var decoder = FrameDecoder()
            decoder.feed(corrupted)
            let store = MemoryStore(knownAuthors: [])
            var session = SyncSession(
                configuration: SessionConfiguration(localRosterHash: .zero, knownAuthors: [], label: "fuzz")
            )
            _ = session.start(source: store)
            do throws(SyncError) {
                while let message = try decoder.next() { _ = session.receive(message, source: store) }
            } catch {
                failures += 1
                #expect(error.code.isSentOnWire)
            }
        }
        // Flips inside payloads, signatures and hashes still decode (the store's verification catches them).
        #expect(failures > 0)
    }

    @Test func largestForkProofFitsTheSmallestFrameLimit() throws {
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 77, count: 32))
        let payload = [UInt8](repeating: 0xA5, count: Entry.maxPayloadSize)
        let pair = try [1 as UInt64, 2].map {
            try Entry.sign(
                key: key,
                seq: Entry.maxSeq,
                prev: Bytes32(SHA256.hash([0])),
                timestamp: HLCTimestamp(rawValue: .max),
                kind: Entry.maxKind,
                payload: payload.dropLast(Int($0))
            )
        }
        let frame = SyncMessage.forks([try ForkProof(pair[0], pair[1])]).encode()
        let smallest = SyncLimits(maxFrameBytes: 0)
        #expect(smallest.maxFrameBytes == SyncLimits.minimumFrameBytes)
        #expect(frame.count - 4 <= smallest.maxFrameBytes)
        #expect(try decodeOne(frame, limits: smallest) != nil)
    }

    @Test func compactRunRebuildsTheCanonicalEntries() throws {
        var rng = SplitMix64(seed: 21)
        var author = try Author(seedByte: 5)
        try author.append(40, rng: &rng, maxPayload: 300)
        let run = CompactRun(
            authorIndex: 0,
            firstSeq: 11,
            prev: nil,
            entries: author.chain[10...].map(CompactEntry.init)
        )
        let rebuilt = try run.rebuild(author: author.id, prev: author.chain[9].id)
        #expect(rebuilt.map(\.encoded) == author.chain[10...].map(\.encoded))
        #expect(rebuilt.allSatisfy { $0.verifySignature(using: author.key.publicKey) })
        // A wrong starting prev changes every id after it, so the signatures no longer hold.
        let wrong = try run.rebuild(author: author.id, prev: author.chain[8].id)
        #expect(!wrong[0].verifySignature(using: author.key.publicKey))
    }
}
