import Foundation
import Testing

/// `capsync export sqlite`: the real binary into a real SQLite file, read back with Python's sqlite3; the README's
/// example queries run against it; a second export writes nothing, a third only what changed.
@Suite(.serialized) struct ExportSQLiteTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The README's example queries (checked to be there verbatim).
    static let shortfallByItem = """
        SELECT n.item,
               SUM(CASE WHEN n.quantity > COALESCE(p.pledged, 0) THEN n.quantity - COALESCE(p.pledged, 0) ELSE 0 END)
                   AS shortfall
        FROM needs n
        LEFT JOIN (SELECT need_owner, need_code, SUM(quantity) AS pledged FROM pledges GROUP BY need_owner, need_code) p
               ON p.need_owner = n.owner AND p.need_code = n.code
        WHERE n.open = 1
        GROUP BY n.item
        ORDER BY shortfall DESC, n.item;
        """
    static let stockBelowThreshold = """
        SELECT partner, item, site, period, stock_on_hand, stock_threshold
        FROM reports
        WHERE retracted = 0 AND stock_on_hand < stock_threshold
        ORDER BY partner, item, site, period;
        """

    func query(_ database: String, _ sql: String) throws -> [[String]] {
        let script = """
            import json, sqlite3, sys
            rows = sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchall()
            print(json.dumps([[str(v) for v in row] for row in rows]))
            """
        let result = try CLI.exec("/usr/bin/env", ["python3", "-c", script, database, sql], in: "/")
        guard result.status == 0,
            let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String]]
        else { throw CLIError("query failed: \(result.output)") }
        return rows
    }

    func changes(_ json: String) throws -> [String: [Int]] {
        let rows = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] ?? []
        var out: [String: [Int]] = [:]
        for row in rows {
            out[row["table"] as? String ?? ""] = ["inserted", "updated", "deleted"].map { row[$0] as? Int ?? -1 }
        }
        return out
    }

    func key(_ cli: CLI, _ partner: String) throws -> String {
        let card = try String(contentsOfFile: cli.path("\(partner).card"), encoding: .utf8)
        return card.split(separator: "\n").first { $0.hasPrefix("key ") }.map { String($0.dropFirst(4)) } ?? ""
    }

    func report(_ cli: CLI, _ partner: String, _ item: String, stock: Int, threshold: Int) throws {
        try cli.ok([
            "report", "--dir", partner, "--item", item, "--site", "Site-\(partner)", "--period", "2026-11",
            "--capacity",
            "100", "--output", "90", "--stock", "\(stock)", "--threshold", "\(threshold)",
        ])
    }

    @Test func exportsTheMergedViewIncrementallyAndTheExampleQueriesAnswer() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        for partner in ["NO", "NL"] {
            try cli.ok(["init", "--dir", partner, "--partner", partner, "--listen", "127.0.0.1:0"])
            let card = try cli.ok(["id", "--dir", partner, "--card", "--address", "127.0.0.1:9"])
            try card.write(toFile: cli.path("\(partner).card"), atomically: true, encoding: .utf8)
        }
        try cli.ok(["roster", "add", "--dir", "NO", "NL.card"])
        try cli.ok(["roster", "add", "--dir", "NL", "NO.card"])
        let daemon = try CLI.Daemon(
            cli,
            arguments: ["--dir", "NL", "--sync-interval", "3600", "--log-level", "warning"]
        )
        defer { _ = daemon.stop() }
        try cli.ok([
            "peers", "add", "--dir", "NO", "--partner", "NL", "--address", daemon.address, "--key", key(cli, "NL"),
        ])
        try report(cli, "NO", "SHELL-155-HE", stock: 5, threshold: 10)
        try report(cli, "NO", "BARREL-155", stock: 40, threshold: 10)
        try cli.ok([
            "need", "--dir", "NO", "--id", "N1", "--item", "SHELL-155-HE", "--quantity", "500", "--due", "2027-01-31",
            "--priority", "1",
        ])
        try cli.ok(["sync", "--dir", "NO"])
        try cli.ok(["pledge", "--dir", "NL", "--need", "NO:N1", "--quantity", "200"])
        try report(cli, "NL", "FUZE-PD", stock: 1, threshold: 3)
        try cli.ok(["sync", "--dir", "NO"])

        let database = cli.path("coalition.db")
        let first = try changes(cli.ok(["export", "sqlite", "--dir", "NO", database, "--format", "json"]))
        #expect(first["partners"] == [2, 0, 0])
        #expect(first["reports"] == [3, 0, 0])
        #expect(first["needs"] == [1, 0, 0])
        #expect(first["pledges"] == [1, 0, 0])
        #expect(first["entries"] == [5, 0, 0], "\(first)")
        #expect((first["items"]?[0] ?? 0) > 0)

        let entries = try query(database, "SELECT partner, seq, kind, kind_name FROM entries ORDER BY partner, seq")
        #expect(
            entries == [
                ["NL", "1", "4", "pledge"], ["NL", "2", "1", "capacityReport"], ["NO", "1", "1", "capacityReport"],
                ["NO", "2", "1", "capacityReport"], ["NO", "3", "3", "need"],
            ],
            "\(entries)"
        )
        #expect(try query(database, Self.shortfallByItem) == [["SHELL-155-HE", "300"]])
        #expect(
            try query(database, Self.stockBelowThreshold) == [
                ["NL", "FUZE-PD", "Site-NL", "2026-11", "1", "3"],
                ["NO", "SHELL-155-HE", "Site-NO", "2026-11", "5", "10"],
            ]
        )

        // Nothing changed: nothing written (the export reports no table).
        let again = try cli.ok(["export", "sqlite", "--dir", "NO", database, "--format", "json"])
        #expect(try changes(again).isEmpty, "\(again)")
        let exportedAt = try query(database, "SELECT value FROM capsync_export_meta WHERE key = 'exported_at'")

        // One report changed: one row replaced, one entry added, nothing else touched.
        try report(cli, "NO", "SHELL-155-HE", stock: 50, threshold: 10)
        let third = try changes(cli.ok(["export", "sqlite", "--dir", "NO", database, "--format", "json"]))
        #expect(third["reports"] == [0, 1, 0])
        #expect(third["entries"] == [1, 0, 0])
        #expect(third["needs"] == [0, 0, 0] && third["pledges"] == [0, 0, 0] && third["partners"] == [0, 0, 0])
        #expect(try query(database, Self.stockBelowThreshold).map { $0[0] } == ["NL"])
        #expect(
            try query(database, "SELECT author, seq FROM capsync_export_heads ORDER BY seq").map { $0[1] } == [
                "2", "4",
            ]
        )
        #expect(
            try query(database, "SELECT value FROM capsync_export_meta WHERE key = 'exported_at'") != []
                && exportedAt != []
        )

        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        let docs = try String(contentsOfFile: Self.root + "/docs/export.md", encoding: .utf8)
        for sql in [Self.shortfallByItem, Self.stockBelowThreshold] {
            #expect(readme.contains(sql), "README lacks the example query:\n\(sql)")
            #expect(docs.contains(sql), "docs/export.md lacks the example query:\n\(sql)")
        }
    }

    @Test func aFailedExportWritesNothing() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        try cli.report()
        let database = cli.path("coalition.db")
        try cli.ok(["export", "sqlite", "--dir", "NO", database])
        // A database from a future capsync: refused before anything is written, the transaction rolled back.
        _ = try query(database, "SELECT 1")
        let script = """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1]); c.execute("UPDATE capsync_export_meta SET value = '99' WHERE key = 'schema_version'"); c.commit()
            """
        #expect(try CLI.exec("/usr/bin/env", ["python3", "-c", script, database], in: "/").status == 0)
        try cli.report("BARREL-155")
        let refused = try cli.run(["export", "sqlite", "--dir", "NO", database])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("the database holds export schema version 99"), "\(refused.stderr)")
        #expect(refused.stderr.contains("nothing was written"))
        #expect(try query(database, "SELECT COUNT(*) FROM entries") == [["1"]])
        #expect(try query(database, "SELECT seq FROM capsync_export_heads") == [["1"]])

        let missing = try cli.run(["export", "sqlite", "--dir", "NO", cli.path("no/such/dir/x.db")])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot open the SQLite database"), "\(missing.stderr)")
    }

    /// Pools with terms, a drawdown, a delivery schedule and an answered order at the node's own plant become rows
    /// of the planning tables; a later delivery updates its month's row.
    @Test func exportsThePlanningTables() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        for arguments in [
            ["pool terms", "--item", "BARREL-155", "--target", "400", "--status", "tendering"],
            ["pool join", "--item", "BARREL-155"], ["pool want", "--item", "BARREL-155", "--quantity", "150"],
            [
                "drawdown", "--item", "SHELL-155-HE", "--site", "Raufoss", "--from", "2026-11", "--to", "2027-01",
                "--floor", "800", "--refill", "2027-02:3000",
            ],
            ["deliver", "--need", "UA:N1", "--month", "2026-12", "--promise", "600"],
            [
                "order", "--id", "ORD-1", "--site-owner", "NO", "--site", "Raufoss", "--item", "SHELL-155-HE",
                "--quantity", "700", "--from", "2026-11", "--to", "2026-12", "--priority", "2",
            ],
            ["answer", "--order", "NO:ORD-1", "--accept", "2026-12:700"],
        ] {
            let command = arguments[0].split(separator: " ").map(String.init)
            try cli.ok(command + ["--dir", "NO", "--quiet"] + arguments.dropFirst())
        }
        let database = cli.path("coalition.db")
        try cli.ok(["export", "sqlite", "--dir", "NO", database, "--quiet"])
        #expect(
            try query(database, "SELECT item, lead, target, status FROM pool_terms") == [
                ["BARREL-155", "NO", "400", "tendering"]
            ]
        )
        #expect(
            try query(database, "SELECT item, partner, quantity FROM pool_shares") == [["BARREL-155", "NO", "150"]]
        )
        #expect(
            try query(database, "SELECT partner, site, from_period, to_period, floor, active FROM drawdowns") == [
                ["NO", "Raufoss", "2026-11", "2027-01", "800", "1"]
            ]
        )
        #expect(try query(database, "SELECT month, stock FROM drawdown_refills") == [["2027-02", "3000"]])
        let deliveries = "SELECT pledger, need_code, month, promised, delivered, confirmed FROM deliveries"
        #expect(try query(database, deliveries) == [["NO", "N1", "2026-12", "600", "0", "None"]])
        #expect(
            try query(database, "SELECT code, site, quantity, answer, slot_month, slot_quantity FROM orders") == [
                ["ORD-1", "Raufoss", "700", "accepted", "2026-12", "700"]
            ]
        )
        try cli.ok(["deliver", "--dir", "NO", "--need", "UA:N1", "--month", "2026-12", "--delivered", "250", "--quiet"])
        let second = try changes(cli.ok(["export", "sqlite", "--dir", "NO", database, "--format", "json"]))
        #expect(second["deliveries"] == [0, 1, 0], "\(second)")
        #expect(try query(database, deliveries) == [["NO", "N1", "2026-12", "600", "250", "None"]])
    }
}
