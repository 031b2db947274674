import CapSyncCrypto
import CapSyncWire
import Foundation
import Testing

/// Protocol/entry.md §7 shows how to verify an entry with bash and the OpenSSL command line alone. This runs that
/// very block on entries CapSync signed, so the page cannot drift from the code.
@Suite struct SpecRecipeTests {
    static func recipe() throws -> String {
        let page = try String(contentsOf: repositoryRoot.appendingPathComponent("Protocol/entry.md"), encoding: .utf8)
        let lines = page.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: "```bash"),
            let end = lines[(start + 1)...].firstIndex(of: "```")
        else { throw CryptoError(.fileIO, "no ```bash block in Protocol/entry.md") }
        return lines[(start + 1)..<end].joined(separator: "\n")
    }

    static func signedEntry() throws -> Entry {
        let key = try Ed25519PrivateKey.generate()
        let stamp = HLCTimestamp(milliseconds: 1_767_225_600_000, logical: 2)
        let first = try Entry.sign(key: key, seq: 1, prev: .zero, timestamp: stamp, kind: 1, payload: [0x41])
        return try Entry.sign(
            key: key,
            seq: 2,
            prev: first.id,
            timestamp: HLCTimestamp(rawValue: stamp.rawValue + 1),
            kind: 300,
            payload: Array(repeating: 0x5a, count: 200)
        )
    }

    @Test func theRecipeVerifiesAnEntryAndPrintsItsId() throws {
        let directory = try TemporaryDirectory()
        let entry = try Self.signedEntry()
        try directory.write("entry.bin", entry.encoded)
        let result = try OpenSSLTool.runCommand(["bash", "-e", "-c", Self.recipe()], in: directory)
        #expect(result.succeeded, "\(result.errorOutput)")
        #expect(result.output == "Signature Verified Successfully\n\(entry.id.hex) *entry.bin\n")
    }

    @Test func theRecipeRefusesATamperedEntry() throws {
        let directory = try TemporaryDirectory()
        var bytes = try Self.signedEntry().encoded
        bytes[bytes.count - 100] ^= 0x01
        try directory.write("entry.bin", bytes)
        let result = try OpenSSLTool.runCommand(["bash", "-e", "-c", Self.recipe()], in: directory)
        #expect(!result.succeeded)
        #expect(!result.output.contains("Signature Verified Successfully"))
    }
}
