import CapSyncCrypto
import CapSyncWire
import Testing

/// Opening a sealed entry again with the content key a full open gave (Protocol/releasability.md §9): the same
/// operation, and a key that is not the entry's is refused by the commitment, never read as plaintext.
@Suite struct SealedContentKeyTests {
    /// A full open gives the vector's content key, and that key alone opens the entry to the same operation.
    @Test(arguments: Repository.vectorNames("releasability", prefix: "valid-"))
    func theContentKeyOpensWhatTheFullOpenOpens(_ name: String) throws {
        let vector = try SealedVectorTests.load(name)
        let inputs = try #require(vector.inputs)
        let sealed = try SealedPayload(decoding: Hex.decode(vector.payload)!)
        let author = AuthorKey(hex: vector.author!)!
        for partner in inputs.label {
            let key = try X25519PrivateKey(rawBytes: Hex.decode(vector.encryptionKeys![partner]!.private)!)
            let opened = try SealedEnvelope.open(sealed, partner: partner, keys: [key], author: author)
            #expect(Hex.encode(opened.contentKey) == inputs.contentKey, "\(name) \(partner)")
            let again = try SealedEnvelope.open(sealed, contentKey: opened.contentKey, author: author)
            #expect(again == opened, "\(name) \(partner)")
        }
    }

    @Test func aKeyThatIsNotTheEntrysIsRefusedByTheCommitment() throws {
        let author = AuthorKey(try Ed25519PrivateKey(seed: [UInt8](repeating: 3, count: 32)).publicKey)
        let recipient = try X25519PrivateKey(rawBytes: [UInt8](repeating: 9, count: 32))
        func seal(_ payload: [UInt8]) throws -> SealedPayload {
            try SealedEnvelope.seal(
                kind: 1,
                payload: payload,
                recipients: ["NL": recipient.publicKey],
                rosterSerial: 1,
                author: author
            )
        }
        let sealed = try seal(Array("one figure".utf8))
        let other = try seal(Array("another figure".utf8))
        let key = try SealedEnvelope.open(sealed, partner: "NL", keys: [recipient], author: author).contentKey
        let otherKey = try SealedEnvelope.open(other, partner: "NL", keys: [recipient], author: author).contentKey
        var flipped = key
        flipped[17] ^= 0x04
        let wrongKeys: [[UInt8]] = [
            flipped, otherKey, [UInt8](repeating: 0, count: 32), Array(key.prefix(31)), key + [0], [],
        ]
        for wrong in wrongKeys {
            let error = #expect(throws: WireError.self) {
                try SealedEnvelope.open(sealed, contentKey: wrong, author: author)
            }
            #expect(error?.code == .decryptionFailed)
            #expect(error?.context == "sealed.commitment")
        }
        // The right key still goes through the AEAD: altered content or another author does not open.
        var altered = sealed
        altered.ciphertext[altered.ciphertext.count - 1] ^= 1
        #expect(throws: WireError.self) { try SealedEnvelope.open(altered, contentKey: key, author: author) }
        #expect(throws: WireError.self) { try SealedEnvelope.open(sealed, contentKey: key, author: .zero) }
        let opened = try SealedEnvelope.open(sealed, contentKey: key, author: author)
        #expect(opened.payload == Array("one figure".utf8))
    }
}
