import CapSyncFuzzTargets
import Foundation
import Testing

/// Replays every input the fuzzer ever crashed on (tools/fuzz/regressions/TARGET/*) through the same target
/// code, without a sanitizer: each must now be refused or round-trip. A regression here means a fixed decoder
/// bug came back.
@Suite("Fuzz regressions")
struct FuzzReplayTests {
    static let regressions = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("tools/fuzz/regressions")

    static func inputs(of target: FuzzTarget) throws -> [(name: String, bytes: [UInt8])] {
        let directory = regressions.appendingPathComponent(target.rawValue)
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
            .filter { !$0.hasPrefix(".") }
            .map { ($0, Array(try Data(contentsOf: directory.appendingPathComponent($0)))) }
    }

    @Test("kept crash inputs are refused or round-trip", arguments: FuzzTarget.allCases)
    func replay(target: FuzzTarget) throws {
        for input in try Self.inputs(of: target) {
            let violation = target.check(input.bytes)
            #expect(violation == nil, "\(target.rawValue)/\(input.name): \(String(describing: violation))")
        }
    }

    @Test("every regression directory names a target")
    func directoriesNameTargets() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.regressions.path).filter {
            !$0.hasPrefix(".")
        }
        for name in names { #expect(FuzzTarget(rawValue: name) != nil, "tools/fuzz/regressions/\(name)") }
    }
}
