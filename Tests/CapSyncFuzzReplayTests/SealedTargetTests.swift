import CapSyncFuzzTargets
import Foundation
import Testing

/// The sealed payload target over the releasability vectors and seeded mutations of them: whatever decodes must
/// rebuild to the same bytes. A short, deterministic stand-in for a fuzz run, so the target itself is tested.
@Suite("Sealed payload fuzz target")
struct SealedTargetTests {
    static let vectors = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Protocol/vectors/releasability")

    static func payloads() throws -> [[UInt8]] {
        try FileManager.default.contentsOfDirectory(atPath: vectors.path).sorted().filter { $0.hasSuffix(".json") }
            .compactMap { name in
                let object = try JSONSerialization.jsonObject(
                    with: Data(contentsOf: vectors.appendingPathComponent(name))
                )
                return ((object as? [String: Any])?["payload"] as? String).map(RosterVersionTargetTests.bytes)
            }
    }

    @Test func vectorsAndTheirMutationsAreRefusedOrRoundTrip() throws {
        let inputs = try Self.payloads()
        #expect(inputs.count >= 18)
        var state: UInt64 = 0x7365_616c_6564
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var decoded = 0
        for input in inputs {
            #expect(FuzzTarget.sealed.check(input) == nil)
            for _ in 0..<200 where !input.isEmpty {
                var mutated = input
                let index = Int(next() % UInt64(mutated.count))
                switch next() % 3 {
                case 0: mutated[index] ^= UInt8(1 << (next() % 8))
                case 1: mutated.remove(at: index)
                default: mutated.insert(UInt8(truncatingIfNeeded: next()), at: index)
                }
                let violation = FuzzTarget.sealed.check(mutated)
                #expect(violation == nil, "\(String(describing: violation))")
                if violation == nil, FuzzTarget.sealed.decodes(mutated) { decoded += 1 }
            }
        }
        // Bit flips inside keys, wraps and the ciphertext still decode: the mutations reach the round trip.
        #expect(decoded > 100)
    }
}
