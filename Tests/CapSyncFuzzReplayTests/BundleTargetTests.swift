import CapSyncFuzzTargets
import Foundation
import Testing

/// The bundle fuzz target over the bundle vectors and seeded mutations of them: whatever reads to the end must
/// hold together and rewrite to the same content. A short, deterministic stand-in for a fuzz run, so the target
/// itself is tested (and shown to accept the valid vectors, so it does reach its checks).
@Suite("Bundle fuzz target")
struct BundleTargetTests {
    static let vectors = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Protocol/vectors/bundle")

    static func bundles() throws -> [(name: String, bytes: [UInt8])] {
        try FileManager.default.contentsOfDirectory(atPath: vectors.path).sorted().filter { $0.hasSuffix(".json") }
            .map { name in
                let object = try JSONSerialization.jsonObject(
                    with: Data(contentsOf: vectors.appendingPathComponent(name))
                )
                let hex = (object as? [String: Any])?["bundle"] as? String ?? ""
                return (name, RosterVersionTargetTests.bytes(hex))
            }
    }

    @Test func vectorsAndTheirMutationsHoldTogether() throws {
        let inputs = try Self.bundles()
        #expect(inputs.count >= 25)
        var state: UInt64 = 0x6275_6e64_6c65
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        for (name, bytes) in inputs {
            #expect(FuzzTarget.bundle.check([0] + bytes) == nil, "\(name)")
            guard bytes.count > 96 else { continue }
            let unsigned = Array(bytes.dropLast(96))
            #expect(FuzzTarget.bundle.check([1] + unsigned) == nil, "\(name), re-signed")
            for _ in 0..<40 {
                var mutated = unsigned
                let offset = Int(next() % UInt64(mutated.count))
                mutated[offset] ^= UInt8(truncatingIfNeeded: 1 << (next() % 8))
                #expect(FuzzTarget.bundle.check([1] + mutated) == nil, "\(name) with byte \(offset) flipped")
            }
        }
    }
}
