import CapSyncCrypto
import CapSyncWire
import Foundation
import Testing

/// The real binary, three partners, real mutual TLS on loopback: the README's demo as a test.
@Suite(.serialized) struct MultiNodeScenarioTests {
    func makeNodes(_ cli: CLI, _ partners: [String]) throws -> [String: String] {
        var cards: [String: String] = [:]
        for partner in partners {
            try cli.ok(["init", "--dir", partner, "--partner", partner, "--listen", "127.0.0.1:0"])
            let card = try cli.ok(["id", "--dir", partner, "--card", "--address", "127.0.0.1:9"])
            try card.write(toFile: cli.path("\(partner).card"), atomically: true, encoding: .utf8)
            cards[partner] = card
        }
        for partner in partners {
            try cli.ok(["roster", "add", "--dir", partner] + partners.filter { $0 != partner }.map { "\($0).card" })
        }
        return cards
    }

    func digests(_ cli: CLI, _ node: String) throws -> [String: Any] {
        let json = try cli.ok(["state", "--dir", node, "--digest", "--format", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]]
        return rows?.first ?? [:]
    }

    @Test func threePartnersConvergeThroughARelayWithTheDaemonRunning() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let cards = try makeNodes(cli, ["NO", "NL", "US"])
        #expect(try cli.ok(["roster", "hash", "--dir", "NO"]) == cli.ok(["roster", "hash", "--dir", "US"]))

        let daemon = try CLI.Daemon(
            cli,
            arguments: ["--dir", "NL", "--sync-interval", "3600", "--log-level", "notice"]
        )
        // NO and US dial only NL: US's entries reach NO through NL's relay.
        for partner in ["NO", "US"] {
            try cli.ok([
                "peers", "add", "--dir", partner, "--partner", "NL", "--address", daemon.address, "--key",
                CLI.key(ofCard: cards["NL"]!),
            ])
        }
        try cli.ok([
            "report", "--dir", "NO", "--item", "SHELL-155-HE", "--site", "Raufoss", "--period", "2026-11",
            "--capacity", "12000", "--output", "9500", "--stock", "4200", "--threshold", "1500", "--lead-time", "45",
        ])
        try
            "item,site,period,capacity,output,stock,threshold,lead_time_days\nBARREL-155,Pittsburgh,2026-11,40,36,12,10,120\n"
            .write(toFile: cli.path("us.csv"), atomically: true, encoding: .utf8)
        try cli.ok(["import", "--dir", "US", "us.csv"])
        try cli.ok([
            "need", "--dir", "US", "--id", "NEED-001", "--item", "SHELL-155-HE", "--quantity", "50000", "--due",
            "2027-01-31", "--priority", "1",
        ])
        // The daemon holds NL's store open; the appending command cooperates with it through the directory lock.
        try cli.ok([
            "report", "--dir", "NL", "--item", "BEARING-BALL", "--site", "Veenendaal", "--period", "2026-11",
            "--capacity", "90000", "--output", "85000", "--stock", "20000", "--threshold", "5000",
        ])
        try cli.ok(["pledge", "--dir", "NO", "--need", "US:NEED-001", "--quantity", "8000"])

        try cli.ok(["sync", "--dir", "NO"])
        try cli.ok(["sync", "--dir", "US"])
        try cli.ok(["sync", "--dir", "NO"])

        let digestsNO = try digests(cli, "NO")
        let digestsNL = try digests(cli, "NL")
        let digestsUS = try digests(cli, "US")
        #expect(digestsNO["entries"] as? Int == 5)
        for other in [digestsNL, digestsUS] {
            #expect(other["state_digest"] as? String == digestsNO["state_digest"] as? String)
            #expect(other["entry_set_digest"] as? String == digestsNO["entry_set_digest"] as? String)
        }
        let view = try ["totals", "shortfalls"].map {
            try cli.ok(["state", "--dir", "NO", "--period", "2026-11", "--format", "csv", "--table", $0])
        }.joined()
        #expect(view.contains("NO:NEED-001") == false)
        #expect(view.contains("US:NEED-001"))
        #expect(view.contains("SHELL-155-HE,rounds,2026-11,12000,9500,4200,2700,2500,1,1,0,0,2026-11"), "\(view)")
        #expect(view.contains("NO 8000"))

        let audit = try cli.run(["audit", "--dir", "US"])
        #expect(audit.status == 0, "\(audit.output)")
        #expect(audit.stdout.contains("all verified"))

        let (status, log) = daemon.stop()
        #expect(status == 0, "daemon exit \(status): \(log)")
        #expect(log.contains("shutting down"))
    }

    @Test func auditExportVerifiesWithOpenSSLAndSha256sum() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.ok(["init", "--dir", "NO", "--partner", "NO"])
        for month in 1...5 {
            try cli.ok([
                "report", "--dir", "NO", "--item", "CHIP-MCU", "--site", "Horten", "--period", "2026-0\(month)",
                "--capacity", "\(1000 * month)", "--output", "900", "--stock", "50", "--threshold", "60",
            ])
        }
        // An auditor's copy holds no private keys; the audit needs none.
        try FileManager.default.copyItem(atPath: cli.path("NO"), toPath: cli.path("auditor-copy"))
        for key in ["keys/signing.key.pem", "keys/tls.key.pem"] {
            try FileManager.default.removeItem(atPath: cli.path("auditor-copy/" + key))
        }
        let copyAudit = try cli.run(["audit", "--dir", "auditor-copy"])
        #expect(copyAudit.status == 0, "\(copyAudit.output)")
        #expect(copyAudit.stdout.contains("5 entries from 1 authors"))
        try cli.ok(["audit", "--dir", "auditor-copy", "--export", "export"])
        let script = """
            set -u
            cd export/*/
            bad=0
            for m in *.msg; do n=${m%.msg}
              openssl pkeyutl -verify -pubin -inkey author.pub.pem -rawin -in $m -sigfile $n.sig >/dev/null || { echo "BAD signature $n"; bad=1; }
              [ "$(sha256sum < $n.entry | cut -d' ' -f1)" = "$(cat $n.id)" ] || { echo "BAD id $n"; bad=1; }
              [ $n -eq 1 ] || [ "$(cat $n.prev)" = "$(cat $((n-1)).id)" ] || { echo "BAD link $n"; bad=1; }
            done
            ls *.msg | wc -l
            exit $bad
            """
        let clean = try CLI.exec("/bin/bash", ["-c", script], in: cli.directory)
        #expect(clean.status == 0, "\(clean.output)")
        #expect(clean.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "5")

        // The same loop catches a forged signature and a broken link.
        let dir = try #require(
            FileManager.default.contentsOfDirectory(atPath: cli.path("export")).sorted().first {
                $0 != "index.csv" && $0 != "forks"
            }
        )
        var signature = try Data(contentsOf: URL(fileURLWithPath: cli.path("export/\(dir)/3.sig")))
        signature[10] ^= 1
        try signature.write(to: URL(fileURLWithPath: cli.path("export/\(dir)/3.sig")))
        try "00\n".write(toFile: cli.path("export/\(dir)/5.prev"), atomically: true, encoding: .utf8)
        let tampered = try CLI.exec("/bin/bash", ["-c", script], in: cli.directory)
        #expect(tampered.status == 1)
        #expect(tampered.stdout.contains("BAD signature 3"))
        #expect(tampered.stdout.contains("BAD link 5"))
    }

    @Test func restoredNodeRelearnsItsChainBeforeAppendingAndNeverForks() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let cards = try makeNodes(cli, ["NO", "NL"])
        let daemon = try CLI.Daemon(
            cli,
            arguments: ["--dir", "NL", "--sync-interval", "3600", "--log-level", "warning"]
        )
        defer { _ = daemon.stop() }
        try cli.ok([
            "peers", "add", "--dir", "NO", "--partner", "NL", "--address", daemon.address, "--key",
            CLI.key(ofCard: cards["NL"]!),
        ])
        func report(_ node: String, _ month: Int) throws -> CLI.Result {
            try cli.run([
                "report", "--dir", node, "--item", "FUZE-PD", "--site", "Raufoss", "--period",
                String(format: "2026-%02d", month),
                "--capacity", "500", "--output", "400", "--stock", "90", "--threshold", "30",
            ])
        }
        #expect(try report("NO", 1).status == 0)
        try cli.ok(["backup", "--dir", "NO", "backup-old"])
        #expect(try report("NO", 2).status == 0)
        #expect(try report("NO", 3).status == 0)
        try cli.ok(["sync", "--dir", "NO"])

        // Disaster: NO's directory is lost; it comes back from the old backup (which knows only seq 1).
        try cli.ok(["restore", "--dir", "NO-restored", "backup-old"])
        let refused = try report("NO-restored", 4)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("restored from a backup"))
        try cli.ok(["sync", "--dir", "NO-restored"])
        #expect(try report("NO-restored", 4).status == 0)
        let log = try cli.ok(["log", "--dir", "NO-restored", "--author", "NO", "--format", "json"])
        let seqs = (try JSONSerialization.jsonObject(with: Data(log.utf8)) as? [[String: Any]])?.compactMap {
            $0["seq"] as? Int
        }
        #expect(seqs == [1, 2, 3, 4])
        try cli.ok(["sync", "--dir", "NO-restored"])
        let audit = try cli.run(["audit", "--dir", "NL"])
        #expect(audit.status == 0, "\(audit.output)")
        #expect(!audit.stdout.contains("equivocated"))
    }

    @Test func badInputGivesClearErrorsAndDocumentedExitCodes() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.ok(["init", "--dir", "NO", "--partner", "NO"])
        let wrongFlag = try cli.run(["state", "--dir", "NO", "--itme", "X"])
        #expect(wrongFlag.status == 64)
        #expect(wrongFlag.stderr.contains("--itme"))

        try
            "item,site,period,capacity,output,stock,threshold,lead_time_days\nSHELL-155-HE,A,2026-11,1,1,1,1,1\nSHELL-155-HE,B,2026-11,-4,1,1,1,1\n"
            .write(toFile: cli.path("bad.csv"), atomically: true, encoding: .utf8)
        let badCSV = try cli.run(["import", "--dir", "NO", "bad.csv"])
        #expect(badCSV.status == 1)
        #expect(badCSV.stderr.contains("line 3, column 4 (capacity): must not be negative"))
        #expect(try cli.ok(["log", "--dir", "NO", "--format", "json"]).contains("seq") == false)

        try "item,site,period,capacity,output,stock,threshold,lead_time_days\nSHELL-155-HE,A,2026-11,1,1,1,1,999999\n"
            .write(toFile: cli.path("lead.csv"), atomically: true, encoding: .utf8)
        let badLead = try cli.run(["import", "--dir", "NO", "lead.csv"])
        #expect(badLead.status == 1)
        #expect(badLead.stderr.contains("line 2, column 8 (lead_time_days)"))

        let unknownItem = try cli.run([
            "report", "--dir", "NO", "--item", "SHELL-999", "--site", "A", "--period", "2026-11",
            "--capacity", "1", "--output", "1", "--stock", "1", "--threshold", "1",
        ])
        #expect(unknownItem.status == 1)
        #expect(unknownItem.stderr.contains("unknown item code 'SHELL-999'"))

        let key = try Ed25519PrivateKey.generate().publicKey.base64
        try cli.ok(["roster", "add", "--dir", "NO", "--partner", "NL", "--key", key])
        try cli.ok(["peers", "add", "--dir", "NO", "--partner", "NL", "--address", "127.0.0.1:1", "--key", key])
        let unreachable = try cli.run(["sync", "--dir", "NO"])
        #expect(unreachable.status == 3)
        #expect(unreachable.stderr.contains("sync failed with: NL@127.0.0.1:1"))

        let notANode = try cli.run(["state", "--dir", "nowhere"])
        #expect(notANode.status == 1)
        #expect(notANode.stderr.contains("not a CapSync node directory"))
    }
}
