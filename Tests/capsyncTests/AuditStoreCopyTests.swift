import Foundation
import Testing

/// An auditor holding only a copy of a store and the roster file, no node directory.
@Suite struct AuditStoreCopyTests {
    @Test func storeCopyIsAuditedAgainstARosterFile() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.ok(["init", "--dir", "NO", "--partner", "NO"])
        for month in 1...3 {
            try cli.ok([
                "report", "--dir", "NO", "--item", "CHIP-MCU", "--site", "Horten", "--period", "2026-0\(month)",
                "--capacity", "100", "--output", "90", "--stock", "50", "--threshold", "10",
            ])
        }
        try FileManager.default.copyItem(atPath: cli.path("NO/store"), toPath: cli.path("copy"))
        try FileManager.default.copyItem(atPath: cli.path("NO/roster.txt"), toPath: cli.path("roster.txt"))
        let clean = try cli.run(["audit", "--store", "copy", "--roster", "roster.txt", "--format", "json"])
        #expect(clean.status == 0, "\(clean.output)")
        #expect(clean.stdout.contains("\"entries\"") && clean.stdout.contains("\"ok\""))

        // Half the flags is a usage error; a damaged copy does not verify (exit 4), and is left as it was.
        #expect(try cli.run(["audit", "--store", "copy"]).status == 64)
        let segment = cli.path("copy/00000001.seg")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: segment))
        bytes[bytes.count - 40] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: segment))
        let damaged = try cli.run(["audit", "--store", "copy", "--roster", "roster.txt"])
        #expect(damaged.status == 4, "\(damaged.output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: segment)) == bytes)
    }
}
