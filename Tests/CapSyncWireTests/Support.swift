import CapSyncCrypto
import CapSyncWire
import Testing

@Suite struct EntrySmokeTests {
    @Test func signDecodeVerifyRoundTrip() throws {
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 7, count: 32))
        let first = try Entry.sign(key: key, seq: 1, prev: .zero, timestamp: HLCTimestamp(milliseconds: 1000), kind: 1, payload: [1, 2, 3])
        let decoded = try Entry(decoding: first.encoded)
        #expect(decoded == first)
        #expect(decoded.verifySignature(using: key.publicKey))
        let second = try Entry.sign(key: key, seq: 2, prev: first.id, timestamp: HLCTimestamp(milliseconds: 1001), kind: 1, payload: [])
        try second.checkFollows(first)
        var forged = second.encoded
        forged[forged.count - 1] ^= 1
        #expect(try !Entry(decoding: forged).verifySignature(using: key.publicKey))
    }
}
