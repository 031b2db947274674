import CapSyncCrypto
import CapSyncWire
import Testing

/// One file of Protocol/vectors/fork-proof (Protocol/entry.md §6).
struct ForkProofVector: Decodable {
    let description: String
    let valid: Bool
    let encoded: String
    let author: String?
    let seq: UInt64?
    let firstId: String?
    let secondId: String?
    let canonical: String?
    let reason: String?
}

@Suite struct ForkProofTests {
    static let names = Repository.vectorNames("fork-proof", prefix: "fork-")

    @Test(arguments: names)
    func forkProofVector(_ name: String) throws {
        let vector = try Repository.loadVector(ForkProofVector.self, "fork-proof", name)
        let encoded = try bytes(vector.encoded, "encoded")
        do {
            let proof = try ForkProof(decoding: encoded)
            #expect(vector.valid, "accepted, expected \(vector.reason ?? "")")
            #expect(proof.author.hex == vector.author)
            #expect(proof.seq == vector.seq)
            #expect(proof.first.id.hex == vector.firstId && proof.second.id.hex == vector.secondId)
            #expect(Hex.encode(proof.encoded) == vector.canonical)
        } catch {
            #expect(!vector.valid, "refused: \(error)")
            #expect(error.code.rawValue == vector.reason)
        }
    }

    @Test func aProofIsTheSameWhicheverEntryArrivedFirst() throws {
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x21, count: 32))
        let stamp = HLCTimestamp(milliseconds: 1_767_225_600_000)
        let genesis = try Entry.sign(key: key, seq: 1, prev: .zero, timestamp: stamp, kind: 1, payload: [1])
        let later = HLCTimestamp(rawValue: stamp.rawValue + 1)
        let x = try Entry.sign(key: key, seq: 2, prev: genesis.id, timestamp: later, kind: 1, payload: [2])
        let y = try Entry.sign(key: key, seq: 2, prev: genesis.id, timestamp: later, kind: 1, payload: [3])
        let one = try ForkProof(x, y)
        let other = try ForkProof(y, x)
        #expect(one == other && one.encoded == other.encoded)
        #expect(one.first.id < one.second.id)
        #expect(try ForkProof(decoding: one.encoded) == one)

        #expect(throws: WireError.self) { try ForkProof(x, x) }
        #expect(throws: WireError.self) { try ForkProof(genesis, x) }
        let stranger = try Entry.sign(
            key: Ed25519PrivateKey(seed: [UInt8](repeating: 0x22, count: 32)),
            seq: 2,
            prev: genesis.id,
            timestamp: later,
            kind: 1,
            payload: [2]
        )
        #expect(throws: WireError.self) { try ForkProof(x, stranger) }
    }
}
