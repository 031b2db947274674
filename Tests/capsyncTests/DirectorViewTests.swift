import Foundation
import Testing

/// A director's questions through the real binary, over a coalition synced with real TLS on loopback: totals for
/// a month, who makes what where, the trend, matches for a shortfall — and months refused at input.
@Suite(.serialized) struct DirectorViewTests {
    /// NO, PL, DE and UA, each synced through UA's daemon. NO reports two sites for 2026-11, then Raufoss alone for
    /// 2026-12 and a plan for 2027-03; PL imports Mesko for 2026-11; DE last reported 2025-12; UA needs 50,000
    /// shells in 40 days and NO has pledged 5,000.
    func makeCoalition(_ cli: CLI) throws {
        let partners = ["NO", "PL", "DE", "UA"]
        var keys: [String: String] = [:]
        for partner in partners {
            try cli.ok(["init", "--dir", partner, "--partner", partner, "--listen", "127.0.0.1:0"])
            let card = try cli.ok(["id", "--dir", partner, "--card", "--address", "127.0.0.1:9"])
            try cli.write(card, to: "\(partner).card")
            keys[partner] = CLI.key(ofCard: card)
        }
        for partner in partners {
            try cli.ok(["roster", "add", "--dir", partner] + partners.filter { $0 != partner }.map { "\($0).card" })
        }
        func report(_ partner: String, _ site: String, _ period: String, _ values: [Int]) throws {
            try cli.ok([
                "report", "--dir", partner, "--item", "SHELL-155-HE", "--site", site, "--period", period,
                "--capacity", "\(values[0])", "--output", "\(values[1])", "--stock", "\(values[2])", "--threshold",
                "\(values[3])", "--lead-time", "\(values[4])", "--quiet",
            ])
        }
        try report("NO", "Raufoss", "2026-11", [72_000, 60_000, 9_000, 3_000, 45])
        try report("NO", "Karlskoga", "2026-11", [6_000, 5_000, 900, 300, 20])
        try report("NO", "Raufoss", "2026-12", [72_000, 61_000, 9_500, 3_000, 45])
        try report("NO", "Raufoss", "2027-03", [80_000, 75_000, 9_000, 3_000, 45])
        try report("DE", "Unterluess", "2025-12", [15_000, 14_000, 6_000, 0, 90])
        try cli.write(
            "item,site,period,capacity,output,stock,threshold,lead_time_days\n"
                + "SHELL-155-HE,Mesko,2026-11,20000,8000,1000,1000,10\n",
            to: "pl.csv"
        )
        try cli.ok(["import", "--dir", "PL", "pl.csv", "--quiet"])
        try cli.ok([
            "need", "--dir", "UA", "--id", "NEED-UA-001", "--item", "SHELL-155-HE", "--quantity", "50000", "--due",
            CLI.utcDay(offset: 40), "--priority", "1", "--quiet",
        ])
        try cli.ok(["pledge", "--dir", "NO", "--need", "UA:NEED-UA-001", "--quantity", "5000", "--quiet"])

        let daemon = try CLI.Daemon(cli, arguments: ["--dir", "UA", "--sync-interval", "3600", "--log-level", "error"])
        for partner in ["NO", "PL", "DE"] {
            try cli.ok([
                "peers", "add", "--dir", partner, "--partner", "UA", "--address", daemon.address, "--key", keys["UA"]!,
            ])
        }
        for partner in ["NO", "PL", "DE", "NO"] { try cli.ok(["sync", "--dir", partner]) }
        let (status, log) = daemon.stop()
        #expect(status == 0, "\(log)")
    }

    /// The command's JSON, checked against its schema in docs/json-schemas/.
    func json(_ cli: CLI, _ arguments: [String], schema: String) throws -> [String: Any] {
        let text = try cli.ok(arguments + ["--format", "json"])
        let errors = try MachineOutputTests().schemaErrors(document: text, schema: schema, in: cli)
        #expect(errors.isEmpty, "capsync \(arguments.joined(separator: " ")) against \(schema):\n\(errors)")
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    func rows(_ object: [String: Any], _ table: String) -> [[String: Any]] {
        object[table] as? [[String: Any]] ?? []
    }

    @Test func directorsSession() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try makeCoalition(cli)

        // Totals for November: every site, DE's 2025-12 figures counted and marked stale.
        let november = try json(cli, ["state", "--dir", "NO", "--period", "2026-11"], schema: "state.json")
        #expect(november["period"] as? String == "2026-11")
        let total = try #require(rows(november, "totals").first)
        #expect(total["capacity_per_month"] as? Int == 72_000 + 6_000 + 20_000 + 15_000)
        #expect(total["sites"] as? Int == 4)
        #expect(total["partners"] as? Int == 3)
        #expect(total["stale_sites"] as? Int == 1)
        #expect(total["stale_partners"] as? Int == 1)
        #expect(total["oldest_period"] as? String == "2025-12")

        // December: Raufoss's December report and Karlskoga's November one, NO still 78,000; March is a plan.
        let december = try json(
            cli,
            ["state", "--dir", "NO", "--period", "2026-12", "--item", "SHELL-155-HE"],
            schema: "state.json"
        )
        let no = try #require(rows(december, "partners").first { $0["partner"] as? String == "NO" })
        #expect(no["capacity_per_month"] as? Int == 78_000)
        #expect(no["sites"] as? Int == 2)
        let sites = rows(december, "sites").map {
            "\($0["partner"]!) \($0["site"]!) \($0["period"]!) \($0["age_months"]!)"
        }
        #expect(
            sites == [
                "DE Unterluess 2025-12 12", "NO Karlskoga 2026-11 1", "NO Raufoss 2026-12 0", "PL Mesko 2026-11 1",
            ]
        )
        #expect(rows(december, "sites").first?["stale"] as? Bool == true)

        // Pivots, as CSV one table a stream.
        let bySite = try cli.ok(["state", "--dir", "NO", "--period", "2026-11", "--by", "site", "--format", "csv"])
        #expect(bySite.hasPrefix("site,item,unit,capacity_per_month,"), "\(bySite)")
        #expect(bySite.contains("\nMesko,SHELL-155-HE,rounds,20000,8000,1000,0,12000,1,1,0,2026-11\n"), "\(bySite)")
        let byPartner = try json(
            cli,
            ["state", "--dir", "NO", "--period", "2026-11", "--by", "partner"],
            schema: "state-by.json"
        )
        #expect(rows(byPartner, "by_partner").map { $0["partner"] as? String } == ["DE", "NO", "PL"])

        // The trend: actuals to November, then plans (December's report, March's plan).
        let trend = try json(
            cli,
            [
                "state", "trend", "--dir", "NO", "--item", "SHELL-155-HE", "--period", "2026-11", "--from", "2026-10",
                "--to", "2027-03",
            ],
            schema: "state-trend.json"
        )
        let series = rows(trend, "trend").map { "\($0["period"]!) \($0["kind"]!) \($0["capacity_per_month"]!)" }
        #expect(
            series == [
                "2026-10 actual 15000", "2026-11 actual 113000", "2026-12 plan 72000", "2027-01 plan 0",
                "2027-02 plan 0", "2027-03 plan 80000",
            ]
        )
        let trendTable = try cli.ok(["state", "trend", "--dir", "NO", "--item", "SHELL-155-HE", "--period", "2026-11"])
        #expect(trendTable.contains("2027-03  plan"), "\(trendTable)")

        // Matches for UA's need: 45,000 remain; ranked by how much, then how soon; never UA itself.
        let matches = try json(
            cli,
            ["state", "shortfalls", "--dir", "NO", "--match", "--period", "2026-11"],
            schema: "state-shortfalls.json"
        )
        let candidates = rows(matches, "matches").map {
            "\($0["partner"]!) \($0["site"]!) \($0["source"]!) \($0["covers"]!)\($0["stale"] as? Bool == true ? " stale" : "")"
        }
        // NO Raufoss's spare 12,000 takes 45 days (due in 40): left out. DE's stock is stale, shown as such.
        #expect(
            candidates == [
                "PL Mesko spare_capacity 12000", "DE Unterluess stock 6000 stale", "NO Raufoss stock 6000",
                "NO Karlskoga spare_capacity 1000", "NO Karlskoga stock 600",
            ]
        )
        #expect(rows(matches, "matches").first?["remaining"] as? Int == 45_000)
        #expect(rows(matches, "matches").last?["already_pledged"] as? Int == 5_000)
        let words = try cli.ok(["state", "shortfalls", "--dir", "NO", "--match", "--period", "2026-11"])
        #expect(words.contains("Suggested matches (from reported figures of 2026-11, not commitments"), "\(words)")
        let csv = try cli.ok([
            "state", "shortfalls", "--dir", "NO", "--match", "--period", "2026-11", "--format", "csv", "--table",
            "matches",
        ])
        #expect(csv.hasPrefix("need,item,due,remaining,rank,partner,site,source,"), "\(csv)")

        // As of a time before anything was reported, there is nothing to total.
        let past = try json(
            cli,
            ["state", "--dir", "NO", "--period", "2026-11", "--as-of", "2020-01-01"],
            schema: "state.json"
        )
        #expect(rows(past, "totals").isEmpty)
    }

    /// A month before 2000-01 or more than 24 months ahead is a usage error naming it and the accepted range,
    /// from `report` and from `import` (nothing imported).
    @Test func monthsOutsideTheAcceptedRangeAreRefusedAtInput() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        func month(_ offset: Int) -> String {
            let date = calendar.date(byAdding: .month, value: offset, to: Date())!
            let parts = calendar.dateComponents([.year, .month], from: date)
            return String(format: "%04d-%02d", parts.year!, parts.month!)
        }
        for period in ["1999-12", month(25), "2931-01"] {
            let refused = try cli.report(period: period)
            #expect(refused.status == 64, "\(period): \(refused.output)")
            #expect(refused.stderr.contains(period), "\(refused.stderr)")
            #expect(refused.stderr.contains("2000-01 to \(month(24))"), "\(refused.stderr)")
        }
        #expect(try cli.report(period: month(24)).status == 0)
        #expect(try cli.report(period: "2000-01").status == 0)

        try cli.write(
            "item,site,period,capacity,output,stock,threshold\nSHELL-155-HE,Raufoss,2026-11,5,5,5,5\n"
                + "SHELL-155-HE,Raufoss,2031-01,1,0,0,0\n",
            to: "typo.csv"
        )
        let imported = try cli.run(["import", "--dir", "NO", "typo.csv"])
        #expect(imported.status == 64, "\(imported.output)")
        #expect(imported.stderr.contains("line 3, column 3 (period): 2031-01 is outside"), "\(imported.stderr)")
        #expect(try cli.ok(["log", "--dir", "NO", "--format", "csv"]).split(separator: "\n").count == 3)
    }
}
