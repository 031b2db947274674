import CapSyncCrypto
import CapSyncWire
import Foundation
import Testing

/// Air-gapped sync with the real binary: a partner reachable only by bundle files converges with partners that
/// sync over TLS; damaged and altered bundles are refused whole; an auditor checks a bundle without a node.
@Suite(.serialized) struct BundleCLITests {
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

    func report(_ cli: CLI, _ node: String, item: String, period: String = "2026-11") throws {
        try cli.ok([
            "report", "--dir", node, "--item", item, "--site", "Site-\(node)", "--period", period, "--capacity", "100",
            "--output", "90", "--stock", "40", "--threshold", "10",
        ])
    }

    @Test func aPartnerReachableOnlyByBundlesConvergesWithTheOthers() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let cards = try makeNodes(cli, ["NO", "NL", "US"])
        // NO and NL sync over TLS; US is air-gapped: bundles only, both ways, through NL.
        let daemon = try CLI.Daemon(
            cli,
            arguments: ["--dir", "NL", "--sync-interval", "3600", "--log-level", "notice"]
        )
        defer { _ = daemon.stop() }
        try cli.ok([
            "peers", "add", "--dir", "NO", "--partner", "NL", "--address", daemon.address, "--key",
            CLI.key(ofCard: cards["NL"]!),
        ])
        try report(cli, "NO", item: "SHELL-155-HE")
        try report(cli, "NL", item: "BEARING-BALL")
        try report(cli, "US", item: "BARREL-155")
        try cli.ok([
            "need", "--dir", "US", "--id", "NEED-001", "--item", "SHELL-155-HE", "--quantity", "500", "--due",
            "2027-01-31", "--priority", "1",
        ])
        try cli.ok(["sync", "--dir", "NO"])

        // NL → US: nothing known of US yet, so everything NL holds.
        let first = try cli.run(["bundle", "create", "--dir", "NL", "--for", "US", "--out", "nl-to-us-1.csb"])
        #expect(first.status == 0, "\(first.output)")
        #expect(first.stderr.contains("nothing is known yet"))
        try cli.ok(["bundle", "import", "--dir", "US", "nl-to-us-1.csb"])
        // US → NL: cut against the heads NL's bundle declared, so only US's own entries travel.
        let back = try cli.ok([
            "bundle", "create", "--dir", "US", "--for", "NL", "--out", "us-to-nl-1.csb", "--format", "json",
        ])
        let backRow = try #require((try JSONSerialization.jsonObject(with: Data(back.utf8)) as? [[String: Any]])?.first)
        #expect(backRow["entries"] as? Int == 2)
        // The daemon holds NL's store open: the import cooperates through the directory lock.
        try cli.ok(["bundle", "import", "--dir", "NL", "us-to-nl-1.csb"])

        // Two more US entries in two bundles for NL, imported out of order and twice: they overlap (NL has not
        // confirmed the first), so the later one alone brings both.
        try report(cli, "US", item: "BARREL-155", period: "2026-12")
        try cli.ok(["bundle", "create", "--dir", "US", "--for", "NL", "--out", "us-to-nl-2.csb"])
        try report(cli, "US", item: "BARREL-155", period: "2027-01")
        try cli.ok(["bundle", "create", "--dir", "US", "--for", "NL", "--out", "us-to-nl-3.csb"])
        for file in ["us-to-nl-3.csb", "us-to-nl-2.csb", "us-to-nl-3.csb"] {
            let imported = try cli.run(["bundle", "import", "--dir", "NL", file, "--format", "json"])
            #expect(imported.status == 0, "\(file): \(imported.output)")
        }
        try cli.ok(["sync", "--dir", "NO"])
        // NO's new entry reaches US through NL by bundle, cut against what US's last bundle said it holds.
        try report(cli, "NO", item: "SHELL-155-HE", period: "2026-12")
        try cli.ok(["sync", "--dir", "NO"])
        let last = try cli.ok([
            "bundle", "create", "--dir", "NL", "--for", "US", "--out", "nl-to-us-2.csb", "--format", "json",
        ])
        let lastRow = try #require((try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [[String: Any]])?.first)
        #expect(lastRow["entries"] as? Int == 1, "only NO's new entry: \(last)")
        try cli.ok(["bundle", "import", "--dir", "US", "nl-to-us-2.csb"])

        // A sync records the peer's HEADS: after a second sync NO knows NL holds everything NO has.
        try cli.ok(["sync", "--dir", "NO"])
        let none = try cli.ok([
            "bundle", "create", "--dir", "NO", "--for", "NL", "--out", "no-to-nl.csb", "--format", "json",
        ])
        let noneRow = try #require((try JSONSerialization.jsonObject(with: Data(none.utf8)) as? [[String: Any]])?.first)
        #expect(noneRow["entries"] as? Int == 0, "\(none)")

        let no = try digests(cli, "NO")
        #expect(no["entries"] as? Int == 7)
        for other in ["NL", "US"] {
            let digest = try digests(cli, other)
            #expect(digest["state_digest"] as? String == no["state_digest"] as? String, "\(other)")
            #expect(digest["entry_set_digest"] as? String == no["entry_set_digest"] as? String, "\(other)")
        }

        // An auditor with the roster and a bundle of everything, and no node, sees the same view.
        try cli.ok(["bundle", "create", "--dir", "US", "--all", "--out", "all.csb"])
        try FileManager.default.copyItem(atPath: cli.path("US/roster.txt"), toPath: cli.path("roster.txt"))
        let verified = try cli.run(["bundle", "verify", "all.csb", "--roster", "roster.txt", "--format", "json"])
        #expect(verified.status == 0, "\(verified.output)")
        let view = try #require(try JSONSerialization.jsonObject(with: Data(verified.stdout.utf8)) as? [String: Any])
        #expect(view["ok"] as? Bool == true)
        #expect(view["entries"] as? Int == 7)
        #expect(view["state_digest"] as? String == no["state_digest"] as? String)
        #expect(view["entry_set_digest"] as? String == no["entry_set_digest"] as? String)
    }

    /// Nodes with one report each, and a bundle NO made for NL.
    func twoNodesAndABundle(_ cli: CLI) throws {
        _ = try makeNodes(cli, ["NO", "NL"])
        try report(cli, "NO", item: "SHELL-155-HE")
        try report(cli, "NO", item: "SHELL-155-HE", period: "2026-12")
        try report(cli, "NO", item: "FUZE-PD", period: "2026-12")
        try cli.ok(["bundle", "create", "--dir", "NO", "--all", "--out", "b.csb"])
    }

    @Test func damagedBundlesAreRefusedWithTheOffsetAndNothingIsKept() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try twoNodesAndABundle(cli)
        let before = try digests(cli, "NL")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: cli.path("b.csb"))))
        var cases: [(String, [UInt8], String)] = [
            ("cut in half", Array(bytes[..<(bytes.count / 2)]), "truncated at byte \(bytes.count / 2)"),
            ("cut before the signature", Array(bytes[..<(bytes.count - 10)]), "truncated at byte \(bytes.count - 10)"),
            ("empty", [], "truncated at byte 0"),
        ]
        for offset in [200, bytes.count / 2, bytes.count - 70, bytes.count - 5] {
            var flipped = bytes
            flipped[offset] ^= 0x10
            cases.append(("bit flip at \(offset)", flipped, "at byte"))
        }
        for (name, damaged, message) in cases {
            try Data(damaged).write(to: URL(fileURLWithPath: cli.path("damaged.csb")))
            let result = try cli.run(["bundle", "import", "--dir", "NL", "damaged.csb"])
            #expect(result.status == 4, "\(name): \(result.output)")
            #expect(result.stderr.contains(message), "\(name): \(result.stderr)")
            #expect(result.stderr.contains("Nothing from this bundle was kept"), "\(name)")
            let verify = try cli.run(["bundle", "verify", "damaged.csb", "--roster", "NL/roster.txt"])
            #expect(verify.status == 4, "\(name): \(verify.output)")
        }
        let after = try digests(cli, "NL")
        #expect(after["entries"] as? Int == before["entries"] as? Int)
        #expect(after["entry_set_digest"] as? String == before["entry_set_digest"] as? String)
        // The intact bundle still imports.
        try cli.ok(["bundle", "import", "--dir", "NL", "b.csb"])
        #expect(try digests(cli, "NL")["entries"] as? Int == 3)
    }

    @Test func auditOfABundleExportsWhatOpenSSLChecks() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try twoNodesAndABundle(cli)
        let audit = try cli.run(["audit", "--bundle", "b.csb", "--roster", "NL/roster.txt", "--export", "export"])
        #expect(audit.status == 0, "\(audit.output)")
        #expect(audit.stdout.contains("3 entries from 1 authors"))
        #expect(audit.stdout.contains("all verified"))
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
        #expect(clean.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "3")
        // Usage: --bundle needs --roster; bundle create needs one recipient form.
        #expect(try cli.run(["audit", "--bundle", "b.csb"]).status == 64)
        #expect(try cli.run(["bundle", "create", "--dir", "NO", "--out", "x.csb"]).status == 64)
        #expect(
            try cli.run(["bundle", "create", "--dir", "NO", "--all", "--for", "NL", "--out", "x.csb"]).status == 64
        )
        let own = try cli.run(["bundle", "create", "--dir", "NO", "--for", "NO", "--out", "x.csb"])
        #expect(own.status == 1 && own.stderr.contains("own partner code"), "\(own.output)")
    }

    @Test func headsFileCutsTheBundleAndSameHeadsGiveSameBytes() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try twoNodesAndABundle(cli)
        try cli.ok(["bundle", "import", "--dir", "NL", "b.csb"])
        try cli.ok(["bundle", "heads", "--dir", "NL", "--out", "nl.heads"])
        try report(cli, "NO", item: "FUZE-PD", period: "2027-01")
        for name in ["x1.csb", "x2.csb"] {
            let out = try cli.ok([
                "bundle", "create", "--dir", "NO", "--since", "nl.heads", "--out", name, "--format", "json",
            ])
            let row = try #require((try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]])?.first)
            #expect(row["entries"] as? Int == 1)
        }
        #expect(FileManager.default.contentsEqual(atPath: cli.path("x1.csb"), andPath: cli.path("x2.csb")))
        try cli.ok(["bundle", "import", "--dir", "NL", "x1.csb"])
        #expect(try digests(cli, "NL")["state_digest"] as? String == digests(cli, "NO")["state_digest"] as? String)
        // A damaged heads file is refused with its line.
        try "capsync-heads 1\npartner NL\nhead zz 1 00\n".write(
            toFile: cli.path("bad.heads"),
            atomically: true,
            encoding: .utf8
        )
        let bad = try cli.run(["bundle", "create", "--dir", "NO", "--since", "bad.heads", "--out", "y.csb"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("line 3"), "\(bad.stderr)")
    }
}

/// Roster changes and strictly incremental bundles imported out of order, with the real binary.
@Suite(.serialized) struct BundleRosterAndOrderTests {
    func json(_ text: String) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
    }

    func digest(_ cli: CLI, _ node: String) throws -> String? {
        try json(try cli.ok(["state", "--dir", node, "--digest", "--format", "json"])).first?["state_digest"] as? String
    }

    /// NO and US, bundles only: a genesis approved by both travels by bundle; then NO's proposal adding SE is
    /// adopted at once (threshold 1/2) and reaches US in the same bundle as SE's first report — refused as an
    /// unknown author in the first ingest pass, kept in the pass after the roster moved.
    @Test func rosterChangesTravelInBundlesWithTheEntriesTheyAdmit() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        for partner in ["NO", "US", "SE"] {
            try cli.ok(["init", "--dir", partner, "--partner", partner, "--listen", "127.0.0.1:0"])
            let card = try cli.ok(["id", "--dir", partner, "--card", "--address", "127.0.0.1:9"])
            try card.write(toFile: cli.path("\(partner).card"), atomically: true, encoding: .utf8)
        }
        try cli.ok(["roster", "add", "--dir", "NO", "US.card"])
        try cli.ok(["roster", "add", "--dir", "US", "NO.card"])
        try cli.ok(["roster", "add", "--dir", "SE", "NO.card", "US.card"])
        let genesis = try json(
            try cli.ok(["roster", "propose", "genesis", "--dir", "NO", "--threshold", "1/2", "--format", "json"])
        )
        let id = try #require(genesis.first?["id"] as? String)
        try cli.ok(["bundle", "create", "--dir", "NO", "--for", "US", "--out", "genesis.csb"])
        try cli.ok(["bundle", "import", "--dir", "US", "genesis.csb"])
        try cli.ok(["roster", "approve", "--dir", "US", String(id.prefix(16))])
        try cli.ok(["bundle", "create", "--dir", "US", "--for", "NO", "--out", "approval.csb"])
        try cli.ok(["bundle", "import", "--dir", "NO", "approval.csb"])
        #expect(try cli.ok(["roster", "hash", "--dir", "NO"]) == cli.ok(["roster", "hash", "--dir", "US"]))

        try cli.ok(["roster", "propose", "add", "--dir", "NO", "SE.card"])
        try cli.ok([
            "report", "--dir", "SE", "--item", "SHELL-155-HE", "--site", "Karlskoga", "--period", "2026-11",
            "--capacity", "10", "--output", "9", "--stock", "4", "--threshold", "1",
        ])
        try cli.ok(["bundle", "create", "--dir", "SE", "--all", "--out", "se.csb"])
        try cli.ok(["bundle", "import", "--dir", "NO", "se.csb"])
        try cli.ok(["bundle", "create", "--dir", "NO", "--for", "US", "--out", "no-to-us.csb"])
        let imported = try cli.run(["bundle", "import", "--dir", "US", "no-to-us.csb", "--format", "json"])
        #expect(imported.status == 0, "\(imported.output)")
        #expect(imported.stderr.contains("the roster in force changed"), "\(imported.stderr)")
        let row = try #require(try json(imported.stdout).first)
        #expect(row["accepted"] as? Int == 3, "NO's proposal and approval, SE's report: \(imported.stdout)")
        #expect(row["refused"] as? Int == 0)
        #expect(try cli.ok(["roster", "hash", "--dir", "US"]) == cli.ok(["roster", "hash", "--dir", "NO"]))
        #expect(try digest(cli, "US") == digest(cli, "NO"))
    }

    /// Bundles cut against heads files, so each holds only what the one before did not: the later one imported
    /// first keeps nothing of the chain it cannot link yet (a gap, exit 4); after the earlier one, it imports.
    @Test func strictlyIncrementalBundlesOutOfOrderConvergeOnceBothAreIn() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        for partner in ["NO", "NL"] {
            try cli.ok(["init", "--dir", partner, "--partner", partner, "--listen", "127.0.0.1:0"])
            let card = try cli.ok(["id", "--dir", partner, "--card", "--address", "127.0.0.1:9"])
            try card.write(toFile: cli.path("\(partner).card"), atomically: true, encoding: .utf8)
        }
        try cli.ok(["roster", "add", "--dir", "NO", "NL.card"])
        try cli.ok(["roster", "add", "--dir", "NL", "NO.card"])
        func report(_ period: String) throws {
            try cli.ok([
                "report", "--dir", "NO", "--item", "SHELL-155-HE", "--site", "Raufoss", "--period", period,
                "--capacity", "10", "--output", "9", "--stock", "4", "--threshold", "1",
            ])
        }
        try cli.ok(["bundle", "heads", "--dir", "NL", "--out", "h0.heads"])
        try report("2026-11")
        try cli.ok(["bundle", "create", "--dir", "NO", "--since", "h0.heads", "--out", "c1.csb"])
        // What NL will hold after c1: NO's head as c1 brings it.
        let id = try #require(
            try json(try cli.ok(["log", "--dir", "NO", "--format", "json"])).last?["entry"] as? String
        )
        let key = try String(contentsOfFile: cli.path("NO/keys/signing.pub.pem"), encoding: .utf8)
        let author = try AuthorKey(Ed25519PublicKey(pem: key)).hex
        try "capsync-heads 1\npartner NL\nhead \(author) 1 \(id)\n".write(
            toFile: cli.path("h1.heads"),
            atomically: true,
            encoding: .utf8
        )
        try report("2026-12")
        let c2 = try cli.ok([
            "bundle", "create", "--dir", "NO", "--since", "h1.heads", "--out", "c2.csb", "--format", "json",
        ])
        #expect(try json(c2).first?["entries"] as? Int == 1)

        let early = try cli.run(["bundle", "import", "--dir", "NL", "c2.csb"])
        #expect(early.status == 4, "\(early.output)")
        #expect(early.stderr.contains("refused"), "\(early.stderr)")
        try cli.ok(["bundle", "import", "--dir", "NL", "c1.csb"])
        try cli.ok(["bundle", "import", "--dir", "NL", "c2.csb"])
        #expect(try digest(cli, "NL") == digest(cli, "NO"))
    }
}
