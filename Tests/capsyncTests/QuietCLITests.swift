import CapSyncCrypto
import Foundation
import Testing

/// `--quiet` on the commands that print more than what was asked for (the real binary): progress, info lines,
/// hints and the result lines of a change are left out; the output asked for, warnings and errors stay. `sync`
/// and `serve` are covered with a peer in `SyncAcknowledgementCLITests`.
@Suite struct QuietCLITests {
    @Test func quietAuditLeavesOutTheExportLineOnly() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        #expect(try cli.report().status == 0)
        let loud = try cli.run(["audit", "--dir", "NO", "--export", cli.path("loud")])
        #expect(loud.status == 0 && loud.stderr.contains("exported 1 entries"), "\(loud.output)")
        let quiet = try cli.run(["audit", "--dir", "NO", "--export", cli.path("quiet"), "--quiet"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.output)")
        #expect(quiet.stdout == loud.stdout)
    }

    @Test func quietBundlesPrintNothingForPeopleButKeepTheirJSON() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        #expect(try cli.report().status == 0)
        try cli.ok(["init", "--dir", "NL", "--partner", "NL", "--listen", "127.0.0.1:0"])
        let card = try cli.ok(["id", "--dir", "NO", "--card", "--address", "127.0.0.1:9"])
        try card.write(toFile: cli.path("NO.card"), atomically: true, encoding: .utf8)
        try cli.ok(["roster", "add", "--dir", "NL", "NO.card"])
        let created = try cli.run(["bundle", "create", "--dir", "NO", "--all", "--out", "b.csb", "--quiet"])
        #expect(created.status == 0 && created.output.isEmpty, "\(created.output)")
        let imported = try cli.run(["bundle", "import", "--dir", "NL", "b.csb", "-q"])
        #expect(imported.status == 0 && imported.output.isEmpty, "\(imported.output)")
        let json = try cli.run(["bundle", "import", "--dir", "NL", "b.csb", "-q", "--format", "json"])
        #expect(json.status == 0 && json.stdout.contains("\"duplicates\" : 1"), "\(json.output)")
    }

    @Test func quietStateLeavesOutTheHintOnly() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        #expect(try cli.report(period: "2026-10").status == 0)
        #expect(try cli.report(period: "2026-11").status == 0)
        // Cutting the own key off after seq 1 leaves the second report ignored by the fold.
        let id = try cli.ok(["id", "--dir", "NO", "--format", "json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(id.utf8)) as? [[String: Any]])
        let key = try #require(rows.first?["signing_key"] as? String)
        try cli.ok(["roster", "add", "--dir", "NO", "--partner", "NO", "--key", key, "--last-seq", "1"])
        let loud = try cli.run(["state", "--dir", "NO"])
        #expect(loud.status == 0 && loud.stdout.contains("ignored entries: capsync log --ignored"), "\(loud.output)")
        let quiet = try cli.run(["state", "--dir", "NO", "--quiet"])
        #expect(quiet.status == 0, "\(quiet.output)")
        #expect(quiet.stdout + "ignored entries: capsync log --ignored\n" == loud.stdout, "\(quiet.stdout)")
    }

    @Test func quietChangesToTheNodePrintNothingButWarnings() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        let key = try Ed25519PrivateKey.generate().publicKey.base64
        let loud = try cli.run(["roster", "add", "--dir", "NO", "--partner", "UA", "--key", key])
        #expect(loud.status == 0 && loud.stdout.contains("added UA"), "\(loud.output)")
        let other = try Ed25519PrivateKey.generate().publicKey.base64
        for arguments in [
            ["roster", "add", "--dir", "NO", "--partner", "DE", "--key", other],
            ["peers", "add", "--dir", "NO", "--partner", "UA", "--address", "127.0.0.1:9", "--key", key],
            ["peers", "remove", "--dir", "NO", "UA"],
            ["roster", "remove", "--dir", "NO", "DE"],
            ["backup", "--dir", "NO", cli.path("copy")],
            ["restore", cli.path("copy"), "--dir", cli.path("restored")],
        ] {
            let quiet = try cli.run(arguments + ["--quiet"])
            #expect(quiet.status == 0, "\(arguments): \(quiet.output)")
            #expect(quiet.stdout.isEmpty && quiet.stderr.isEmpty, "\(arguments): \(quiet.output)")
        }
        // A warning is never left out: a peer whose key the roster lacks.
        let warned = try cli.run([
            "peers", "add", "--dir", "NO", "--partner", "DE", "--address", "127.0.0.1:9", "--key", other, "--quiet",
        ])
        #expect(warned.status == 0 && warned.stdout.isEmpty, "\(warned.output)")
        #expect(warned.stderr.contains("warning: DE's key is not in the roster"), "\(warned.output)")
    }
}
