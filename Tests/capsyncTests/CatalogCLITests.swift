import Foundation
import Testing

/// The coalition catalog with the real binary: NO defines an item and a group, PL receives them by bundle and
/// reports the new item, NO's need for the built-in item is matched from PL's stock of the new one with
/// --interchangeable; unknown codes, built-in codes, changed units and mixed-unit groups are refused at input.
@Suite(.serialized) struct CatalogCLITests {
    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func makeNodes(_ cli: CLI) throws {
        for partner in ["NO", "PL"] {
            try cli.ok(["init", "--dir", partner, "--partner", partner, "--listen", "127.0.0.1:0"])
            let card = try cli.ok(["id", "--dir", partner, "--card", "--address", "127.0.0.1:9"])
            try card.write(toFile: cli.path("\(partner).card"), atomically: true, encoding: .utf8)
        }
        try cli.ok(["roster", "add", "--dir", "NO", "PL.card"])
        try cli.ok(["roster", "add", "--dir", "PL", "NO.card"])
    }

    func carry(_ cli: CLI, from: String, to: String, _ name: String) throws {
        try cli.ok(["bundle", "create", "--dir", from, "--all", "--out", name])
        try cli.ok(["bundle", "import", "--dir", to, name])
    }

    @Test func definedCodesTravelAndGroupsCountTogether() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try makeNodes(cli)
        let report = [
            "report", "--dir", "PL", "--item", "SHELL-155-HE-M795", "--site", "Mesko", "--period", "2026-11",
            "--capacity", "400", "--output", "100", "--stock", "900", "--threshold", "100", "--lead-time", "10",
        ]
        // Unknown before it is defined: refused with the nearest code.
        let refused = try cli.run(report)
        #expect(refused.status == 1, "\(refused.output)")
        #expect(refused.stderr.contains("did you mean 'SHELL-155-HE'"), "\(refused.stderr)")

        try cli.ok([
            "catalog", "add", "SHELL-155-HE-M795", "--dir", "NO", "--name", "155 mm HE M795", "--unit", "rounds",
            "--category", "ammunition", "--nsn", "1320-01-234-5678",
        ])
        try cli.ok([
            "catalog", "group", "GRP-155-HE", "--dir", "NO", "--name", "155 mm HE", "--items",
            "SHELL-155-HE,SHELL-155-HE-M795",
        ])
        try carry(cli, from: "NO", to: "PL", "no.csb")
        try cli.ok(report)
        try cli.ok([
            "need", "--dir", "NO", "--id", "NEED-1", "--item", "SHELL-155-HE", "--quantity", "500", "--due",
            "2027-01-31",
        ])
        try carry(cli, from: "PL", to: "NO", "pl.csb")

        // The listing says who defined what, in every format.
        let listing = try json(try cli.ok(["catalog", "--dir", "PL", "--format", "json"]))
        let items = try #require(listing["items"] as? [[String: Any]])
        let defined = try #require(items.first { $0["code"] as? String == "SHELL-155-HE-M795" })
        #expect(defined["defined_by"] as? String == "NO" && defined["source"] as? String == "coalition")
        #expect(defined["nsn"] as? String == "1320-01-234-5678" && defined["group"] as? String == "GRP-155-HE")
        #expect(items.first { $0["code"] as? String == "BARREL-155" }?["source"] as? String == "built-in")
        let groups = try #require(listing["groups"] as? [[String: Any]])
        #expect(groups.first?["items"] as? [String] == ["SHELL-155-HE", "SHELL-155-HE-M795"])
        let csv = try cli.ok(["catalog", "--dir", "NO", "--format", "csv", "--table", "groups"])
        #expect(csv.hasPrefix("group,name,items,defined_by,defined_at,counted_elsewhere\n"), "\(csv)")
        #expect(try cli.ok(["catalog", "--dir", "NO"]).contains("coalition"))

        // Matches: without groups nobody else holds SHELL-155-HE; with them PL's M795 stock is a candidate.
        let plain = try json(
            try cli.ok(["state", "shortfalls", "--dir", "NO", "--match", "--period", "2026-11", "--format", "json"])
        )
        #expect((plain["matches"] as? [Any])?.isEmpty == true, "\(plain)")
        let grouped = try cli.ok([
            "state", "shortfalls", "--dir", "NO", "--match", "--interchangeable", "--period", "2026-11", "--format",
            "json",
        ])
        let rows = try #require(try json(grouped)["matches_interchangeable"] as? [[String: Any]])
        #expect(rows.first?["candidate_item"] as? String == "SHELL-155-HE-M795", "\(rows)")
        #expect(rows.first?["partner"] as? String == "PL" && rows.first?["covers"] as? Int == 500)
        #expect(rows.first?["group"] as? String == "GRP-155-HE")
        let checker = MachineOutputTests()
        #expect(try checker.schemaErrors(document: grouped, schema: "state-shortfalls.json", in: cli) == "")

        // Totals per group, in every format.
        let totals = try cli.ok([
            "state", "--dir", "NO", "--by", "item", "--interchangeable", "--period", "2026-11", "--format", "json",
        ])
        let total = try #require((try json(totals)["by_item_interchangeable"] as? [[String: Any]])?.first)
        #expect(total["item"] as? String == "GRP-155-HE" && total["group"] as? Bool == true, "\(total)")
        #expect(total["stock"] as? Int == 900 && total["unit"] as? String == "rounds")
        #expect(try checker.schemaErrors(document: totals, schema: "state-interchangeable.json", in: cli) == "")
        let listingJSON = try cli.ok(["catalog", "--dir", "NO", "--format", "json"])
        #expect(try checker.schemaErrors(document: listingJSON, schema: "catalog.json", in: cli) == "")
        let one = try cli.ok([
            "state", "--dir", "NO", "--item", "SHELL-155-HE", "--interchangeable", "--period", "2026-11", "--format",
            "csv", "--table", "by_item_interchangeable",
        ])
        #expect(one.contains("GRP-155-HE,true,") || one.contains("GRP-155-HE,yes,"), "\(one)")
        #expect(
            try cli.ok(["state", "--dir", "NO", "--by", "partner", "--interchangeable", "--period", "2026-11"])
                .contains("GRP-155-HE")
        )

        // Both nodes, holding the same entries, fold the same catalog into the same state.
        try carry(cli, from: "NO", to: "PL", "no-2.csb")
        let digests = try ["NO", "PL"].map { try cli.ok(["state", "--dir", $0, "--digest", "--format", "csv"]) }
        #expect(
            digests[0].split(separator: "\n").last?.prefix(64) == digests[1].split(separator: "\n").last?.prefix(64)
        )
    }

    @Test func catalogInputChecks() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try makeNodes(cli)
        let builtIn = try cli.run([
            "catalog", "add", "SHELL-155-HE", "--dir", "NO", "--name", "x", "--unit", "rounds", "--category", "c",
        ])
        #expect(builtIn.status == 1 && builtIn.stderr.contains("built-in"), "\(builtIn.output)")
        let badNSN = try cli.run([
            "catalog", "add", "X-1", "--dir", "NO", "--name", "x", "--unit", "kg", "--category", "c", "--nsn", "123",
        ])
        #expect(badNSN.status != 0 && badNSN.stderr.contains("NNNN-NN-NNN-NNNN"), "\(badNSN.output)")
        try cli.ok(["catalog", "add", "X-1", "--dir", "NO", "--name", "x", "--unit", "kg", "--category", "c"])
        let unit = try cli.run([
            "catalog", "add", "X-1", "--dir", "NO", "--name", "x", "--unit", "tonnes", "--category", "c",
        ])
        #expect(unit.status == 1 && unit.stderr.contains("counted in kg"), "\(unit.output)")
        try cli.ok(["catalog", "add", "X-1", "--dir", "NO", "--name", "renamed", "--unit", "kg", "--category", "c"])
        try carry(cli, from: "NO", to: "PL", "no.csb")
        let owned = try cli.run([
            "catalog", "add", "X-1", "--dir", "PL", "--name", "x", "--unit", "kg", "--category", "c",
        ])
        #expect(owned.status == 1 && owned.stderr.contains("defined by NO first"), "\(owned.output)")
        let mixed = try cli.run([
            "catalog", "group", "G-1", "--dir", "NO", "--name", "g", "--items", "X-1,SHELL-155-HE",
        ])
        #expect(mixed.status == 1 && mixed.stderr.contains("share one unit"), "\(mixed.output)")
        let unknown = try cli.run(["catalog", "group", "G-1", "--dir", "NO", "--name", "g", "--items", "X-1,X-2"])
        #expect(unknown.status == 1 && unknown.stderr.contains("did you mean 'X-1'"), "\(unknown.output)")
        let usage = try cli.run(["state", "--dir", "NO", "--interchangeable"])
        #expect(usage.status == 64, "\(usage.output)")
        let listed = try json(try cli.ok(["catalog", "--dir", "PL", "--format", "json"]))
        let item = (listed["items"] as? [[String: Any]])?.first { $0["code"] as? String == "X-1" }
        #expect(item?["name"] as? String == "renamed", "the owner's restatement wins: \(String(describing: item))")
    }
}
