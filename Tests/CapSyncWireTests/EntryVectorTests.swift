import CapSyncCrypto
import CapSyncTestSupport
import CapSyncWire
import Testing

/// The Swift implementation against the vectors the independent Python implementation wrote from
/// Protocol/entry.md (tools/vectors/gen_entry_vectors.py).
@Suite struct EntryVectorTests {
    static let validNames = Repository.vectorNames("entry", prefix: "valid-")
    static let invalidNames = Repository.vectorNames("entry", prefix: "invalid-")

    @Test func theVectorSetIsComplete() {
        #expect(Self.validNames.count >= 8)
        #expect(Self.invalidNames.count >= 6)
        let reasons = Set(
            Self.invalidNames.compactMap {
                try? Repository.loadVector(EntryVector.self, "entry", $0).reason
            }
        )
        let required: Set<WireError.Code> = [
            .nonMinimalVarint, .trailingBytes, .truncated, .badSignature, .overLimit, .timestampNotIncreasing,
            .brokenChain, .invalidValue,
        ]
        #expect(required.isSubset(of: Set(reasons.compactMap(WireError.Code.init(rawValue:)))))
    }

    @Test(arguments: validNames)
    func validVectorDecodesToEveryField(_ name: String) throws {
        let vector = try Repository.loadVector(EntryVector.self, "entry", name)
        let encoded = try bytes(vector.encoded, "encoded")
        let entry = try Entry(decoding: encoded)

        #expect(entry.version == vector.version)
        #expect(entry.author.hex == vector.author)
        #expect(entry.seq == vector.seq)
        #expect(entry.prev.hex == vector.prev)
        #expect(entry.timestamp.rawValue == vector.timestamp)
        #expect(entry.timestamp.milliseconds == vector.timestampMilliseconds)
        #expect(entry.timestamp.logical == vector.timestampLogical)
        #expect(entry.kind == vector.kind)
        #expect(entry.payload.count == vector.payloadLength)
        #expect(Hex.encode(entry.payload) == vector.payload)
        #expect(Hex.encode(entry.signature) == vector.signature)
        #expect(Hex.encode(entry.signingMessage) == vector.signingMessage)
        #expect(entry.id.hex == vector.entryId)
        // Booleans, not byte arrays, so a failure on the 65,690-byte vector prints a line, not the entry.
        let keepsItsBytes = entry.encoded == encoded
        let reencodesToItsBytes = reencode(entry) == encoded
        #expect(keepsItsBytes)
        #expect(reencodesToItsBytes)
    }

    @Test(arguments: validNames)
    func validVectorVerifiesAndResignsToTheSameBytes(_ name: String) throws {
        let vector = try Repository.loadVector(EntryVector.self, "entry", name)
        let encoded = try bytes(vector.encoded, "encoded")
        let key = try Ed25519PrivateKey(seed: bytes(vector.seed, "seed"))
        #expect(Hex.encode(key.publicKey.rawBytes) == vector.publicKey)

        let entry = try Entry(decoding: encoded)
        let verifiesUnderTheSeedsKey = entry.verifySignature(using: key.publicKey)
        let verifiesUnderItsAuthor = entry.verifySignature()
        #expect(verifiesUnderTheSeedsKey && verifiesUnderItsAuthor)

        // Ed25519 is deterministic: signing the same fields again gives the vector's bytes exactly.
        let resigned = try Entry.sign(
            version: entry.version,
            key: key,
            seq: entry.seq,
            prev: entry.prev,
            timestamp: entry.timestamp,
            kind: entry.kind,
            payload: entry.payload
        )
        let resignsToTheSameBytes = resigned.encoded == encoded
        #expect(resignsToTheSameBytes)
        #expect(resigned.id == entry.id)

        if let previousHex = vector.previousEncoded {
            let previous = try Entry(decoding: bytes(previousHex, "previous_encoded"))
            let previousVerifies = previous.verifySignature(using: key.publicKey)
            #expect(previousVerifies)
            try entry.checkFollows(previous)
        }
    }

    @Test(arguments: validNames)
    func validVectorReadsFromAStreamOfEntries(_ name: String) throws {
        let vector = try Repository.loadVector(EntryVector.self, "entry", name)
        let encoded = try bytes(vector.encoded, "encoded")
        var reader = ByteReader(encoded + encoded + [0xAB], context: "stream")
        let first = try Entry(reading: &reader, whole: false)
        let second = try Entry(reading: &reader, whole: false)
        let bothAreTheVector = first.encoded == encoded && second.encoded == encoded
        #expect(bothAreTheVector)
        #expect(reader.remaining == 1)
        #expect(throws: WireError.self) { try Entry(reading: &reader, whole: true) }
    }

    @Test(arguments: invalidNames)
    func invalidVectorIsRefusedForExactlyItsReason(_ name: String) throws {
        let vector = try Repository.loadVector(EntryVector.self, "entry", name)
        let encoded = try bytes(vector.encoded, "encoded")
        let reason = try #require(vector.reason.flatMap(WireError.Code.init(rawValue:)), "reason is a WireError.Code")

        switch vector.stage {
        case "decode":
            #expect(decodeError(encoded) == reason)
        case "signature":
            #expect(reason == .badSignature)
            let entry = try Entry(decoding: encoded)
            let key = try Ed25519PublicKey(rawBytes: bytes(vector.publicKey, "public_key"))
            let verifiesUnderTheKey = entry.verifySignature(using: key)
            let verifiesUnderItsAuthor = entry.verifySignature()
            #expect(!verifiesUnderTheKey && !verifiesUnderItsAuthor)
        case "chain":
            let entry = try Entry(decoding: encoded)
            let previous = try Entry(decoding: bytes(vector.previousEncoded, "previous_encoded"))
            let bothVerify = entry.verifySignature() && previous.verifySignature()
            #expect(bothVerify, "only the chain rule may fail")
            do {
                try entry.checkFollows(previous)
                Issue.record("\(name): the chain link was accepted, expected \(reason)")
            } catch {
                #expect(error.code == reason)
                #expect(error.context == "chain")
            }
        default:
            Issue.record("unknown stage \(vector.stage ?? "nil") in \(name)")
        }
    }

    /// A decoder that accepted two encodings of one entry would give one content two ids. Every accepted byte
    /// string must be exactly the re-encoding of its own fields.
    @Test func mutatedEntriesThatDecodeAreCanonical() throws {
        var random = SplitMix64(seed: 0xC0FFEE)
        let valid = try Self.validNames.filter { $0 != "valid-05-max-payload" }.map {
            try bytes(Repository.loadVector(EntryVector.self, "entry", $0).encoded, "encoded")
        }
        var accepted = 0
        for round in 0..<5_000 {
            var mutated = valid[round % valid.count]
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let index = Int.random(in: 0..<mutated.count, using: &random)
                mutated[index] ^= UInt8.random(in: 1...255, using: &random)
            }
            guard let entry = try? Entry(decoding: mutated) else { continue }
            accepted += 1
            #expect(reencode(entry) == mutated)
        }
        #expect(accepted > 0, "some mutations (payload, signature, key bytes) decode")
    }
}

/// Protocol/vectors/entry-decode: the Python implementation's decision on 400 mutated entries.
struct DecodeDifferentialVector: Decodable {
    struct Case: Decodable {
        let encoded: String
        let outcome: String
    }

    let description: String
    let cases: [Case]
}

extension EntryVectorTests {
    /// Both implementations must refuse every input for the same reason (entry.md §1.2), not merely refuse it.
    @Test func decodingDecidesEveryMutationLikeThePythonImplementation() throws {
        let vector = try Repository.loadVector(DecodeDifferentialVector.self, "entry-decode", "decode-differential")
        #expect(vector.cases.count == 400)
        for (index, c) in vector.cases.enumerated() {
            let outcome = decodeError(try bytes(c.encoded, "encoded"))?.rawValue ?? "decodes"
            #expect(outcome == c.outcome, "case \(index)")
        }
    }
}
