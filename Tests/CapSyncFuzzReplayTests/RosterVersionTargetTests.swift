import CapSyncFuzzTargets
import Foundation
import Testing

/// The roster version target over the roster chain vectors and seeded mutations of them: whatever decodes must
/// rebuild to the same bytes. A short, deterministic stand-in for a fuzz run, so the target itself is tested.
@Suite("Roster version fuzz target")
struct RosterVersionTargetTests {
    static let vectors = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Protocol/vectors/roster-chain")

    static func versions() throws -> [[UInt8]] {
        var found: [[UInt8]] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: vectors.path).sorted()
        where name.hasSuffix(".json") {
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: vectors.appendingPathComponent(name)))
            guard let vector = object as? [String: Any] else { continue }
            var hexes = ((vector["versions"] as? [[String: Any]]) ?? []).compactMap { $0["encoded"] as? String }
            hexes += ["encoded", "a", "b"].compactMap { vector[$0] as? String }
            found += hexes.map(Self.bytes)
        }
        return found
    }

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return out
    }

    @Test func vectorsAndTheirMutationsAreRefusedOrRoundTrip() throws {
        let inputs = try Self.versions()
        #expect(inputs.count > 40)
        var state: UInt64 = 0x726f_7374_6572
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        for input in inputs {
            #expect(FuzzTarget.rosterVersion.check(input) == nil)
            for _ in 0..<20 where !input.isEmpty {
                var mutated = input
                let index = Int(next() % UInt64(mutated.count))
                switch next() % 3 {
                case 0: mutated[index] ^= UInt8(1 << (next() % 8))
                case 1: mutated.remove(at: index)
                default: mutated.insert(UInt8(truncatingIfNeeded: next()), at: index)
                }
                let violation = FuzzTarget.rosterVersion.check(mutated)
                #expect(violation == nil, "\(String(describing: violation))")
            }
        }
    }
}
