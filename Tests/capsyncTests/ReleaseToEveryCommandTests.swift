import Foundation
import Testing

/// `--release-to` on every appending command and on import (flag and column), the label an update keeps, and the
/// audience digests of `state --digest`, with four real nodes passing bundles (Protocol/releasability.md §7).
/// DE, NL and US hold encryption keys; PL is in the roster without one and must never see a restricted figure.
@Suite(.serialized) struct ReleaseToEveryCommandTests {
    static let partners = ["DE", "NL", "PL", "US"]

    struct Coalition {
        let cli: CLI

        /// Every node's whole log to every other node, by bundle.
        func spread() throws {
            for from in ReleaseToEveryCommandTests.partners {
                try cli.ok(["bundle", "create", "--dir", from, "--all", "--out", cli.path("\(from).csb")])
            }
            for from in ReleaseToEveryCommandTests.partners {
                for to in ReleaseToEveryCommandTests.partners where to != from {
                    try cli.ok(["bundle", "import", "--dir", to, cli.path("\(from).csb")])
                }
            }
        }

        func json(_ arguments: [String]) throws -> Any {
            try JSONSerialization.jsonObject(with: Data(try cli.ok(arguments + ["--format", "json"]).utf8))
        }

        /// Site → capacity in `node`'s view of SHELL-155-HE in 2026-11.
        func capacities(_ node: String) throws -> [String: Int] {
            let rows =
                try json(["state", "--dir", node, "--item", "SHELL-155-HE", "--period", "2026-11", "--table", "sites"])
                as? [[String: Any]] ?? []
            var result: [String: Int] = [:]
            for row in rows { result[row["site"] as? String ?? ""] = row["capacity"] as? Int }
            return result
        }

        /// The labels `node`'s log shows for its entries ("released to DE, NL only"), counted.
        func labelsInLog(_ node: String) throws -> [String: Int] {
            var counts: [String: Int] = [:]
            for line in try cli.ok(["log", "--dir", node]).split(separator: "\n") {
                guard let start = line.range(of: "released to "),
                    let end = line.range(of: " only", range: start.upperBound..<line.endIndex)
                else { continue }
                counts[line[start.upperBound..<end.lowerBound] + " only", default: 0] += 1
            }
            return counts
        }

        func audiences(_ node: String) throws -> [String: String] {
            let rows = try json(["state", "--dir", node, "--digest"]) as? [[String: Any]] ?? []
            var result: [String: String] = [:]
            for audience in rows.first?["audiences"] as? [[String: Any]] ?? [] {
                let label = (audience["label"] as? [String] ?? []).joined(separator: ",")
                result[label] = audience["audience_digest"] as? String
            }
            return result
        }
    }

    func setUp(_ cli: CLI) throws -> Coalition {
        for partner in Self.partners {
            try cli.ok(["init", "--dir", partner, "--partner", partner, "--listen", "127.0.0.1:0"])
            let card = try cli.ok(["id", "--dir", partner, "--card", "--address", "127.0.0.1:9"])
            try card.write(toFile: cli.path("\(partner).card"), atomically: true, encoding: .utf8)
        }
        for partner in Self.partners {
            try cli.ok(
                ["roster", "add", "--dir", partner] + Self.partners.filter { $0 != partner }.map { "\($0).card" }
            )
        }
        let coalition = Coalition(cli: cli)
        try cli.ok(["roster", "propose", "genesis", "--dir", "NL", "--threshold", "1/4", "-q"])
        try coalition.spread()
        let genesis = (try coalition.json(["roster", "pending", "--dir", "DE"]) as? [[String: Any]] ?? [])
            .compactMap { $0["id"] as? String }
        try #require(genesis.count == 1)
        for partner in Self.partners where partner != "NL" {
            try cli.ok(["roster", "approve", "--dir", partner, genesis[0], "-q"])
        }
        try coalition.spread()
        for partner in ["DE", "NL", "US"] {
            try cli.ok(["roster", "propose", "encryption-key", "--dir", partner, "-q"])
            try coalition.spread()
        }
        return coalition
    }

    @Test func importTakesTheFlagAndTheColumnAndIsIdempotent() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let coalition = try setUp(cli)
        let csv = """
            item;site;period;capacity;output;stock;threshold;release_to
            SHELL-155-HE;Open;2026-11;1234;1;1;0;coalition
            SHELL-155-HE;Flagged;2026-11;2345;1;1;0;
            SHELL-155-HE;NL-only;2026-11;3456;1;1;0;NL

            """
        try csv.write(toFile: cli.path("rows.csv"), atomically: true, encoding: .utf8)
        let first = try cli.run(["import", "--dir", "DE", "rows.csv", "--release-to", "NL,US", "--round-to", "100"])
        #expect(first.status == 0, "\(first.output)")
        #expect(first.stdout.contains("3 rows read, 0 already standing"), "\(first.stdout)")
        #expect(first.stdout.contains("(2 released to named partners only)"), "\(first.stdout)")
        // The file again changes nothing: each row stands, with its label.
        let again = try cli.ok(["import", "--dir", "DE", "rows.csv", "--release-to", "NL,US", "--round-to", "100"])
        #expect(again.contains("3 already standing, 0 appended"), "\(again)")
        try coalition.spread()

        #expect(try coalition.capacities("DE") == ["Open": 1234, "Flagged": 2345, "NL-only": 3456])
        #expect(try coalition.capacities("NL") == ["Open": 1234, "Flagged": 2345, "NL-only": 3456])
        #expect(try coalition.capacities("US") == ["Open": 1234, "Flagged": 2345, "NL-only": 3500])
        #expect(try coalition.capacities("PL") == ["Open": 1234, "Flagged": 2300, "NL-only": 3500])
        #expect(try coalition.labelsInLog("PL") == ["DE, NL, US only": 1, "DE, NL only": 1])

        // PL cannot read the sealed entries, yet its audit export lets openssl verify every signature over them,
        // ciphertexts included (each exported entry hashes to its id).
        let audit = try cli.run(["audit", "--dir", "PL", "--export", "export"])
        #expect(audit.status == 0, "\(audit.output)")
        let verify = """
            set -u
            bad=0; count=0
            for d in export/*/; do
              [ -f "$d/author.pub.pem" ] || continue
              for m in "$d"*.msg; do n=${m%.msg}
                openssl pkeyutl -verify -pubin -inkey "$d/author.pub.pem" -rawin -in "$m" -sigfile "$n.sig" >/dev/null \
                  || { echo "BAD signature $n"; bad=1; }
                [ "$(sha256sum < "$n.entry" | cut -d' ' -f1)" = "$(cat "$n.id")" ] || { echo "BAD id $n"; bad=1; }
                count=$((count + 1))
              done
            done
            echo "$count"
            exit $bad
            """
        let verified = try CLI.exec("/bin/bash", ["-c", verify], in: cli.directory)
        #expect(verified.status == 0, "\(verified.output)")
        let sealedIDs = try cli.ok(["log", "--dir", "PL", "--format", "json"])
        let logRows = try JSONSerialization.jsonObject(with: Data(sealedIDs.utf8)) as? [[String: Any]] ?? []
        let total = Int(verified.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(total == logRows.count && logRows.contains { $0["kind"] as? String == "sealed" }, "\(verified.stdout)")

        // A bad cell is refused with its line and column, before anything is appended.
        try "item,site,period,capacity,output,stock,threshold,release_to\nSHELL-155-HE,X,2026-11,1,1,1,0,nl\n"
            .write(toFile: cli.path("bad.csv"), atomically: true, encoding: .utf8)
        let bad = try cli.run(["import", "--dir", "DE", "bad.csv"])
        #expect(bad.status == 1, "\(bad.output)")
        #expect(bad.stderr.contains("line 2, column 8 (release_to)"), "\(bad.stderr)")
        // Rounding needs a sealed row to round.
        try "item,site,period,capacity,output,stock,threshold\nSHELL-155-HE,Y,2026-11,1,1,1,0\n"
            .write(toFile: cli.path("plain.csv"), atomically: true, encoding: .utf8)
        let unsealed = try cli.run(["import", "--dir", "DE", "plain.csv", "--round-to", "100"])
        #expect(unsealed.status == 64 && unsealed.stderr.contains("no row of plain.csv"), "\(unsealed.output)")
        let flag = try cli.run(["report", "--dir", "DE", "--release-to", "nl,US"] + Self.reportFlags(site: "Z"))
        #expect(flag.status == 64 && flag.stderr.contains("--release-to: nl"), "\(flag.output)")
    }

    static func reportFlags(site: String, capacity: Int = 10) -> [String] {
        [
            "--item", "SHELL-155-HE", "--site", site, "--period", "2026-11", "--capacity", "\(capacity)", "--output",
            "1", "--stock", "1", "--threshold", "0",
        ]
    }

    @Test func updatesAndAnswersKeepTheLabelOfWhatTheyChange() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let coalition = try setUp(cli)

        // A report released to NL, corrected without the flag: the correction stays NL's; retracting it too.
        try cli.ok(["report", "--dir", "DE", "--release-to", "NL", "-q"] + Self.reportFlags(site: "Secret"))
        let corrected = try cli.run(["report", "--dir", "DE"] + Self.reportFlags(site: "Secret", capacity: 11))
        #expect(corrected.status == 0 && corrected.stderr.contains("note: released to DE, NL only"), "\(corrected)")
        try coalition.spread()
        #expect(try coalition.capacities("NL")["Secret"] == 11)
        #expect(try coalition.capacities("US")["Secret"] == nil)
        let retracted = try cli.run([
            "retract", "--dir", "DE", "--item", "SHELL-155-HE", "--site", "Secret", "--period", "2026-11",
        ])
        #expect(retracted.status == 0 && retracted.stderr.contains("released to DE, NL only"), "\(retracted)")
        try coalition.spread()
        #expect(try coalition.capacities("NL")["Secret"] == nil)
        #expect(try coalition.labelsInLog("PL") == ["DE, NL only": 3], "nothing of it went coalition-wide")

        // An aggregate release retracted: the coalition's rounded figure goes too, so the retraction is public.
        try cli.ok(
            ["report", "--dir", "DE", "--release-to", "NL", "--round-to", "100", "-q"]
                + Self.reportFlags(site: "Rounded", capacity: 1234)
        )
        try cli.ok(["retract", "--dir", "DE", "--item", "SHELL-155-HE", "--site", "Rounded", "--period", "2026-11"])
        try coalition.spread()
        for partner in Self.partners { #expect(try coalition.capacities(partner)["Rounded"] == nil, "\(partner)") }

        // NL's need released to DE; DE's pledge and deliveries keep its label, and so does NL's confirmation.
        try cli.ok([
            "need", "--dir", "NL", "--id", "N-1", "--item", "SHELL-155-HE", "--quantity", "500", "--due",
            "2027-01-31", "--release-to", "DE", "-q",
        ])
        try coalition.spread()
        for arguments in [
            ["pledge", "--dir", "DE", "--need", "NL:N-1", "--quantity", "200"],
            ["deliver", "--dir", "DE", "--need", "NL:N-1", "--month", "2026-12", "--promise", "100"],
            ["deliver", "--dir", "DE", "--need", "NL:N-1", "--month", "2027-01", "--promise", "100"],
        ] {
            let result = try cli.run(arguments)
            #expect(result.status == 0 && result.stderr.contains("released to DE, NL only"), "\(result)")
        }
        try coalition.spread()
        let confirmed = try cli.run([
            "confirm", "--dir", "NL", "--need", "N-1", "--from", "DE", "--month", "2026-12", "--quantity", "90",
        ])
        #expect(confirmed.status == 0 && confirmed.stderr.contains("released to DE, NL only"), "\(confirmed)")
        try coalition.spread()
        let nlDeliveries = try cli.ok(["state", "deliveries", "--dir", "NL", "--format", "json"])
        #expect(nlDeliveries.contains("N-1"), "\(nlDeliveries)")
        let forPeople = try cli.ok(["state", "deliveries", "--dir", "NL"])
        #expect(forPeople.contains("includes figures released to DE, NL only"), "\(forPeople)")
        for outsider in ["US", "PL"] {
            let seen = try cli.ok(["state", "deliveries", "--dir", outsider, "--format", "json"])
            #expect(!seen.contains("N-1"), "\(outsider): \(seen)")
        }

        // US orders at DE's site, released to DE; DE's answer keeps the label. NL sees neither.
        try cli.ok([
            "order", "--dir", "US", "--id", "ORD-1", "--site-owner", "DE", "--site", "Works", "--item",
            "SHELL-155-HE", "--quantity", "50", "--from", "2026-12", "--to", "2027-02", "--release-to", "DE", "-q",
        ])
        try coalition.spread()
        let answered = try cli.run(["answer", "--dir", "DE", "--order", "US:ORD-1", "--accept", "2027-01:50"])
        #expect(answered.status == 0 && answered.stderr.contains("released to DE, US only"), "\(answered)")
        try coalition.spread()
        #expect(try cli.ok(["state", "orders", "--dir", "US", "--format", "json"]).contains("ORD-1"))
        #expect(try !cli.ok(["state", "orders", "--dir", "NL", "--format", "json"]).contains("ORD-1"))

        // The flag chooses, even over a restricted standing value: 'coalition' publishes the next month.
        let published = try cli.run([
            "deliver", "--dir", "DE", "--need", "NL:N-1", "--month", "2027-02", "--promise", "100",
            "--release-to", "coalition",
        ])
        #expect(published.status == 0 && !published.stderr.contains("note:"), "\(published)")
        #expect(
            published.stderr.contains("warning: the value this updates was released to DE, NL only"),
            "the carried months go public: \(published)"
        )

        // Drawdowns, pool terms, shares, joins and leaves take the flag too.
        for arguments in [
            [
                "drawdown", "--dir", "DE", "--item", "SHELL-155-HE", "--site", "Works", "--from", "2026-12", "--to",
                "2027-02", "--floor", "5",
            ],
            ["pool", "terms", "--dir", "DE", "--item", "BARREL-155", "--target", "40"],
            ["pool", "join", "--dir", "DE", "--item", "BARREL-155"],
            ["pool", "want", "--dir", "DE", "--item", "BARREL-155", "--quantity", "4"],
        ] {
            #expect(try cli.run(arguments + ["--release-to", "US", "-q"]).status == 0, "\(arguments)")
        }
        let left = try cli.run(["pool", "leave", "--dir", "DE", "--item", "BARREL-155"])
        #expect(left.status == 0 && left.stderr.contains("released to DE, US only"), "\(left)")
        try coalition.spread()
        #expect(try cli.ok(["state", "drawdowns", "--dir", "US", "--format", "json"]).contains("Works"))
        #expect(try !cli.ok(["state", "drawdowns", "--dir", "NL", "--format", "json"]).contains("Works"))
        #expect(try cli.ok(["state", "pools", "--dir", "US", "--format", "json"]).contains("BARREL-155"))
        #expect(try !cli.ok(["state", "pools", "--dir", "PL", "--format", "json"]).contains("BARREL-155"))

        // The dashboard marks what the node's view adds, and shows the coalition digest every node shares.
        try cli.ok(["dashboard", "--dir", "NL", "--out", cli.path("nl.html")])
        let page = try String(contentsOfFile: cli.path("nl.html"), encoding: .utf8)
        let coalitionDigest =
            (try coalition.json(["state", "--dir", "PL", "--digest"]) as? [[String: Any]])?.first?["state_digest"]
            as? String ?? "?"
        #expect(page.contains("includes figures released to DE, NL only"))
        #expect(page.contains("data-digest=\"\(coalitionDigest)\""))
        try cli.ok(["dashboard", "--dir", "PL", "--out", cli.path("pl.html")])
        #expect(try !String(contentsOfFile: cli.path("pl.html"), encoding: .utf8).contains("released to"))
        // The diff marks each restricted change with its partners.
        let changes =
            try coalition.json(["state", "diff", "--dir", "US", "--since", "2000-01-01"]) as? [[String: Any]] ?? []
        let order = changes.first { $0["area"] as? String == "order" }
        #expect(order?["released_to"] as? [String] == ["DE", "US"], "\(changes)")
        #expect(changes.contains { ($0["released_to"] as? [String])?.isEmpty == true }, "coalition-wide changes too")

        // Audience digests: the members of each audience agree; PL, in none, shows none.
        let de = try coalition.audiences("DE")
        let nl = try coalition.audiences("NL")
        let us = try coalition.audiences("US")
        #expect(Set(de.keys) == ["DE,NL", "DE,US"], "\(de)")
        #expect(de["DE,NL"] == nl["DE,NL"] && de["DE,US"] == us["DE,US"])
        #expect(Set(nl.keys) == ["DE,NL"] && Set(us.keys) == ["DE,US"])
        #expect(try coalition.audiences("PL").isEmpty)
    }

    /// The SQL export carries the node's own view, each row marked with the partners it was released to; a
    /// database of export schema version 1 gains the marking in place.
    @Test func exportMarksWhatWasReleasedAndMigratesVersion1() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let coalition = try setUp(cli)
        try cli.ok(["report", "--dir", "DE", "--release-to", "NL", "-q"] + Self.reportFlags(site: "Secret"))
        try cli.ok(["report", "--dir", "DE", "-q"] + Self.reportFlags(site: "Open"))
        try coalition.spread()
        let sql = ExportSQLiteTests()
        let reports = "SELECT site, COALESCE(released_to, '-') FROM reports ORDER BY site"
        for (node, expected) in [("NL", [["Open", "-"], ["Secret", "DE,NL"]]), ("PL", [["Open", "-"]])] {
            let database = cli.path("\(node).db")
            try cli.ok(["export", "sqlite", "--dir", node, database])
            #expect(try sql.query(database, reports) == expected, "\(node)")
        }
        // Back to version 1: no marking column, an older schema version.
        let database = cli.path("NL.db")
        let downgrade = """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            for t in sys.argv[2].split(","): c.execute(f"ALTER TABLE {t} DROP COLUMN released_to")
            c.execute("UPDATE capsync_export_meta SET value = '1' WHERE key = 'schema_version'"); c.commit()
            """
        let tables =
            "reports,needs,pledges,pools,pool_terms,pool_shares,drawdowns,drawdown_refills,deliveries,orders"
        let downgraded = try CLI.exec("/usr/bin/env", ["python3", "-c", downgrade, database, tables], in: "/")
        #expect(downgraded.status == 0, "\(downgraded.output)")
        let migrated = try cli.run(["export", "sqlite", "--dir", "NL", database, "--format", "json"])
        #expect(migrated.status == 0, "\(migrated.output)")
        #expect(try sql.query(database, reports) == [["Open", "-"], ["Secret", "DE,NL"]])
        #expect(
            try sql.query(database, "SELECT value FROM capsync_export_meta WHERE key = 'schema_version'") == [["2"]]
        )

        // A backup holds the roster chain's genesis and the decryption keys, retired ones too: the restored node
        // reads what was released to NL before and after a rotation of its key.
        try cli.ok(["roster", "propose", "encryption-key", "--dir", "NL", "--rotate", "-q"])
        try coalition.spread()
        try cli.ok(["report", "--dir", "DE", "--release-to", "NL", "-q"] + Self.reportFlags(site: "After"))
        try coalition.spread()
        try cli.ok(["backup", "--dir", "NL", "nl-backup"])
        try cli.ok(["restore", "--dir", "NL-restored", "nl-backup"])
        #expect(try coalition.capacities("NL-restored") == ["Open": 10, "Secret": 10, "After": 10])
        let serial = { (node: String) in
            (try coalition.json(["status", "--dir", node]) as? [String: Any])?["roster_serial"] as? Int
        }
        #expect(try serial("NL-restored") == serial("NL"))
        #expect(try coalition.audiences("NL-restored") == coalition.audiences("NL"))
    }
}
