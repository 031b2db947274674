import CapSyncCrypto
import Foundation
import Testing

/// SHA-256 against the FIPS 180-4 / NIST example vectors, and streaming against one-shot.
@Suite struct SHA256Tests {
    struct Known: Sendable, CustomTestStringConvertible {
        let name: String
        let message: [UInt8]
        let digest: String
        var testDescription: String { name }
    }

    static let known: [Known] = [
        Known(
            name: "empty",
            message: [],
            digest: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        ),
        Known(
            name: "abc",
            message: Array("abc".utf8),
            digest: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        ),
        Known(
            name: "448 bits",
            message: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
            digest: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        Known(
            name: "896 bits",
            message: Array(
                ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                    + "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu").utf8
            ),
            digest: "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
        Known(
            name: "one million a",
            message: [UInt8](repeating: 0x61, count: 1_000_000),
            digest: "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        ),
    ]

    @Test(arguments: known)
    func oneShotMatchesTheKnownDigest(_ k: Known) {
        #expect(Hex.encode(SHA256.hash(k.message)) == k.digest)
    }

    @Test(arguments: known)
    func streamingInSeededRandomPiecesMatchesTheKnownDigest(_ k: Known) {
        var state: UInt64 = 0x0123_4567_89AB_CDEF ^ UInt64(k.message.count)
        var hasher = SHA256()
        var offset = 0
        while offset < k.message.count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let piece = min(Int(state >> 52) + 1, k.message.count - offset)
            hasher.update(Array(k.message[offset..<offset + piece]))
            offset += piece
        }
        hasher.update([UInt8]())
        #expect(Hex.encode(hasher.finalize()) == k.digest)
    }

    @Test func rawBufferUpdatesMatchTheOneShotDigest() {
        let message = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var hasher = SHA256()
        message.withUnsafeBytes { raw in
            hasher.update(UnsafeRawBufferPointer(rebasing: raw[..<4_000]))
            hasher.update(UnsafeRawBufferPointer(rebasing: raw[4_000...]))
        }
        #expect(hasher.finalize() == SHA256.hash(message))
    }

    @Test func fingerprintIsTheFirstSixteenDigestBytesInGroupsOfFour() {
        let digest = Hex.encode(SHA256.hash(Array("abc".utf8)))
        let fingerprint = Fingerprint.of(Array("abc".utf8))
        #expect(fingerprint == "ba78:16bf:8f01:cfea:4141:40de:5dae:2223")
        #expect(fingerprint.replacingOccurrences(of: ":", with: "") == String(digest.prefix(32)))
    }
}
