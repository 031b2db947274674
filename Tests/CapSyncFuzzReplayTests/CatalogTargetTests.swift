import CapSyncFuzzTargets
import Foundation
import Testing

/// The item definition and item group targets over the catalog fold vector's payloads and seeded mutations of
/// them (bit flips, deletions, insertions): whatever decodes must re-encode to the same bytes.
@Suite("Catalog fuzz targets")
struct CatalogTargetTests {
    static let vector = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Protocol/vectors/fold/20-coalition-catalog.json")

    /// (kind, payload) of each entry in the vector (entry layout: Protocol/entry.md).
    static func payloads() throws -> [(UInt64, [UInt8])] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: vector)) as? [String: Any]
        let entries = (object?["entries"] as? [String]) ?? []
        return entries.map { hex in
            let entry = RosterVersionTargetTests.bytes(hex)
            var at = 33
            while entry[at] & 0x80 != 0 { at += 1 }
            at += 1 + 32 + 8
            let kind = UInt64(entry[at])
            at += 1
            var length = 0
            var shift = 0
            while true {
                let byte = entry[at]
                at += 1
                length |= Int(byte & 0x7f) << shift
                shift += 7
                if byte & 0x80 == 0 { break }
            }
            return (kind, Array(entry[at..<at + length]))
        }
    }

    @Test func payloadsAndTheirMutationsAreRefusedOrRoundTrip() throws {
        let payloads = try Self.payloads()
        #expect(payloads.filter { $0.0 == 7 }.count >= 4 && payloads.filter { $0.0 == 8 }.count >= 4)
        var state: UInt64 = 0x6361_7461_6c6f_67
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        for (kind, payload) in payloads where kind == 7 || kind == 8 {
            let target: FuzzTarget = kind == 7 ? .itemDefinition : .itemGroup
            #expect(target.check(payload) == nil)
            for _ in 0..<200 {
                var mutated = payload
                let index = Int(next() % UInt64(mutated.count))
                switch next() % 3 {
                case 0: mutated[index] ^= UInt8(1 << (next() % 8))
                case 1: mutated.remove(at: index)
                default: mutated.insert(UInt8(truncatingIfNeeded: next()), at: index)
                }
                let violation = target.check(mutated)
                #expect(violation == nil, "\(String(describing: violation))")
            }
        }
    }
}
