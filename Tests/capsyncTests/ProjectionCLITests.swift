import Foundation
import Testing

/// The planning views through the real binary: `state projection` in its three forms and as of a past day, and the
/// JSON of every planning view (pools, drawdowns, deliveries, orders, projection) against its schema.
@Suite(.serialized) struct ProjectionCLITests {
    /// The schemas this suite checks (MachineOutputTests checks that every schema has a command somewhere).
    static let schemas: Set<String> = [
        "state-pools.json", "state-drawdowns.json", "state-deliveries.json", "state-orders.json",
        "state-projection.json",
    ]

    /// NO and UA. UA needs 1000 shells by 2027-01-20 (its entries reach NO in a bundle); NO reports Raufoss for
    /// 2026-11 (output 100, stock 900, threshold 600), plans a drawdown 2026-12..2027-01 to a floor of 400 with a
    /// refill to 700 from 2027-03, promises UA 400 in 2026-12, leads the BARREL-155 pool and takes PL's order.
    func makePlanningNodes(_ cli: CLI) throws {
        for partner in ["NO", "UA"] {
            try cli.ok(["init", "--dir", partner, "--partner", partner, "--listen", "127.0.0.1:0"])
            try cli.write(
                try cli.ok(["id", "--dir", partner, "--card", "--address", "127.0.0.1:9"]),
                to: "\(partner).card"
            )
        }
        try cli.ok(["roster", "add", "--dir", "NO", "UA.card"])
        try cli.ok(["roster", "add", "--dir", "UA", "NO.card"])
        try cli.ok([
            "need", "--dir", "UA", "--id", "NEED-001", "--item", "SHELL-155-HE", "--quantity", "1000", "--due",
            "2027-01-20", "--quiet",
        ])
        try cli.ok(["bundle", "create", "--dir", "UA", "--all", "--out", "ua.csb"])
        try cli.ok(["bundle", "import", "--dir", "NO", "ua.csb"])
        try cli.ok([
            "report", "--dir", "NO", "--item", "SHELL-155-HE", "--site", "Raufoss", "--period", "2026-11",
            "--capacity", "1000", "--output", "100", "--stock", "900", "--threshold", "600", "--quiet",
        ])
        try cli.ok([
            "drawdown", "--dir", "NO", "--item", "SHELL-155-HE", "--site", "Raufoss", "--from", "2026-12", "--to",
            "2027-01", "--floor", "400", "--refill", "2027-03:700", "--quiet",
        ])
        try cli.ok(["pledge", "--dir", "NO", "--need", "UA:NEED-001", "--quantity", "400", "--quiet"])
        try cli.ok([
            "deliver", "--dir", "NO", "--need", "UA:NEED-001", "--month", "2026-12", "--promise", "400", "--quiet",
        ])
        try cli.ok(["pool", "terms", "--dir", "NO", "--item", "BARREL-155", "--target", "400", "--quiet"])
        try cli.ok(["pool", "join", "--dir", "NO", "--item", "BARREL-155", "--quiet"])
        try cli.ok([
            "order", "--dir", "NO", "--id", "ORD-1", "--site-owner", "NO", "--site", "Raufoss", "--item",
            "SHELL-155-HE", "--quantity", "300", "--from", "2026-12", "--to", "2027-01", "--priority", "1", "--quiet",
        ])
        try cli.ok(["answer", "--dir", "NO", "--order", "NO:ORD-1", "--accept", "2026-12:300", "--quiet"])
    }

    static let projection = [
        "state", "projection", "--dir", "NO", "--item", "SHELL-155-HE", "--months", "3", "--period", "2026-11",
    ]

    @Test func projectionInTableJSONAndCSV() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try makePlanningNodes(cli)

        let json = try cli.ok(Self.projection + ["--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(json)")
        #expect(object["start_stock"] as? Int == 900 && object["first_shortfall"] as? String == "2027-01")
        let rows = try #require(object["partners"] as? [[String: Any]])
        let no = rows.filter { $0["partner"] as? String == "NO" }
        // 900 + 100 − 400 = 600: at the threshold inside the window, above the floor; then 700, 800.
        #expect(no.map { $0["stock"] as? Int } == [600, 700, 800])
        #expect(no.map { $0["status"] as? String } == ["planned-drawdown", "ok", "ok"])
        #expect(no.map { $0["alarm"] as? Int } == [400, 400, 600])
        #expect(no.first?["drawdown"] as? Bool == true && no.first?["refill"] is NSNull)
        let ua = rows.filter { $0["partner"] as? String == "UA" }
        #expect(ua.map { $0["in"] as? Int } == [400, 0, 0])
        let flags = try #require(object["flags"] as? [[String: Any]])
        #expect(flags.map { $0["partner"] as? String } == ["NO", "UA"])
        #expect(flags.first?["crosses_threshold"] is NSNull)

        let csv = try cli.ok(Self.projection + ["--format", "csv", "--table", "coalition"])
        #expect(csv.hasPrefix("period,output,deliveries,stock,needs_due,covered,shortfall\n"), "\(csv)")
        #expect(csv.contains("2026-12,100,400,1000,0,0,0\n"), "\(csv)")
        #expect(csv.contains("2027-01,100,0,1100,1000,400,600\n"), "\(csv)")
        let twoTables = try cli.run(Self.projection + ["--format", "csv"])
        #expect(twoTables.status == 64 && twoTables.stderr.contains("flags, partners, coalition"), "\(twoTables)")

        let text = try cli.ok(Self.projection)
        #expect(text.contains("planned-drawdown") && text.contains("first_shortfall: 2027-01"), "\(text)")
        #expect(text.contains("never"), "a partner that never crosses says so: \(text)")

        let early = try cli.ok(Self.projection.dropLast(2) + ["--as-of", "2000-01-31", "--format", "json"])
        let before = try #require(try JSONSerialization.jsonObject(with: Data(early.utf8)) as? [String: Any])
        #expect(before["period"] as? String == "2000-01" && (before["partners"] as? [Any])?.isEmpty == true)

        let tooMany = try cli.run(Self.projection.dropLast(4) + ["--months", "61"])
        #expect(tooMany.status == 64 && tooMany.stderr.contains("--months"), "\(tooMany.output)")
        let unknownItem = try cli.run(["state", "projection", "--dir", "NO", "--item", "SHELL-999"])
        #expect(unknownItem.status != 0 && unknownItem.stderr.contains("SHELL-999"), "\(unknownItem.output)")
    }

    /// Schemas of the planning views; the planning values also in a partner's detail and in the diff.
    @Test func planningViewsMatchTheirSchemas() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try makePlanningNodes(cli)
        let checker = MachineOutputTests()
        for (schema, arguments) in [
            ("state-pools.json", ["state", "pools", "--dir", "NO"]),
            ("state-drawdowns.json", ["state", "drawdowns", "--dir", "NO", "--period", "2026-12"]),
            ("state-deliveries.json", ["state", "deliveries", "--dir", "NO", "--period", "2027-01"]),
            ("state-orders.json", ["state", "orders", "--dir", "NO", "--from", "2026-12", "--to", "2027-01"]),
            ("state-projection.json", Self.projection),
            ("state-projection.json", Self.projection.dropLast(2) + ["--as-of", "2000-01-31"]),
        ] {
            let document = try cli.ok(arguments + ["--format", "json"])
            let errors = try checker.schemaErrors(document: document, schema: schema, in: cli)
            #expect(errors.isEmpty, "capsync \(arguments.joined(separator: " ")) against \(schema):\n\(errors)")
        }
        let detail = try cli.ok(["state", "--dir", "NO", "--partner", "NO", "--format", "json", "--table", "planning"])
        let planning = try #require(try JSONSerialization.jsonObject(with: Data(detail.utf8)) as? [[String: Any]])
        #expect(
            planning.map { $0["area"] as? String } == ["poolTerms", "drawdown", "delivery", "order", "orderResponse"],
            "\(detail)"
        )
        let diff = try cli.ok(["state", "diff", "--dir", "NO", "--since", "2026-01-01", "--format", "json"])
        let changes = try #require(try JSONSerialization.jsonObject(with: Data(diff.utf8)) as? [[String: Any]])
        let drawdown = try #require(changes.first { $0["area"] as? String == "drawdown" }, "\(diff)")
        #expect((drawdown["after"] as? [String: Any])?["floor"] as? Int == 400, "\(drawdown)")
        #expect(changes.contains { $0["area"] as? String == "delivery" && $0["action"] as? String == "added" })
    }
}
