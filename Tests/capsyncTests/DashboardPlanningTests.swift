import Foundation
import Testing

/// The dashboard's planning sections from the real binary: drawdowns, deliveries, factory queues and the
/// projection show the numbers `capsync state drawdowns|deliveries|orders|projection` print for the same node.
@Suite(.serialized) struct DashboardPlanningTests {
    func json(_ cli: CLI, _ arguments: [String]) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(try cli.ok(arguments + ["--format", "json"]).utf8))
    }

    func number(_ value: Any?) -> UInt64? { (value as? Int).map { UInt64($0) } }

    @Test func planningSectionsShowTheViewsNumbers() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try ProjectionCLITests().makePlanningNodes(cli)
        // A second month's report at or below the threshold, inside the drawdown window: a planned drawdown.
        try cli.ok([
            "report", "--dir", "NO", "--item", "SHELL-155-HE", "--site", "Raufoss", "--period", "2026-12",
            "--capacity", "250", "--output", "100", "--stock", "500", "--threshold", "600", "--quiet",
        ])
        try cli.ok(["dashboard", "--dir", "NO", "--out", "dash.html", "--period", "2026-12"])
        let html = try String(contentsOfFile: cli.path("dash.html"), encoding: .utf8)
        let dom = DashboardDOM(html)

        let drawdowns = try #require(dom.charts("drawdowns").first)
        #expect(drawdowns.rows.map(\.key) == ["NO/SHELL-155-HE/Raufoss"])
        #expect(drawdowns.rows.first?.values == ["stock": 500, "threshold": 600])
        #expect(drawdowns.rows.first?.classes.contains("alert") == false, "a planned drawdown is no alarm")
        #expect(html.contains("below-threshold-planned"))

        let deliveries = try #require(dom.charts("deliveries").first)
        let expected = try #require(
            try json(cli, ["state", "deliveries", "--dir", "NO", "--period", "2026-12"]) as? [[String: Any]]
        )
        #expect(
            deliveries.rows.map(\.key)
                == expected.map { "\($0["need"] as? String ?? "")/\($0["pledger"] as? String ?? "")" }
        )
        #expect(deliveries.rows.first?.values["promised"] == number(expected.first?["promised"]))
        #expect(deliveries.rows.first?.classes.contains("alert") == true, "400 promised for 2026-12, none delivered")

        // Capacity 250 in 2026-12 against the 300 accepted: oversubscribed by 50.
        let queues = try #require(dom.charts("queues").first)
        let orders = try #require(
            try json(cli, ["state", "orders", "--dir", "NO", "--period", "2026-12"]) as? [String: Any]
        )
        let queueRows = try #require(orders["queues"] as? [[String: Any]])
        #expect(queues.rows.count == queueRows.count && !queueRows.isEmpty)
        #expect(queues.rows.first?.values["capacity"] == number(queueRows.first?["capacity"]))
        #expect(queues.rows.first?.values["accepted"] == 300)
        #expect(queues.rows.first?.classes.contains("alert") == ((queueRows.first?["oversubscribed"] as? Int ?? 0) > 0))
        #expect(queueRows.first?["oversubscribed"] as? Int == 50)

        let projection = try #require(dom.charts("projection").first)
        #expect(projection.item == "SHELL-155-HE")
        let printed = try #require(
            try json(cli, ["state", "projection", "--dir", "NO", "--item", "SHELL-155-HE", "--period", "2026-12"])
                as? [String: Any]
        )
        let coalition = try #require(printed["coalition"] as? [[String: Any]])
        let stock = projection.series["stock"] ?? []
        #expect(stock.map(\.period) == coalition.map { $0["period"] as? String ?? "" })
        #expect(stock.map(\.value) == coalition.map { number($0["stock"]) ?? .max })
        #expect(stock.allSatisfy { $0.kind == "plan" }, "every projected month is drawn as a plan")
        #expect(
            (projection.series["needs due"] ?? []).map(\.value) == coalition.map { number($0["needs_due"]) ?? .max }
        )
        #expect(html.contains("shortfall from \(printed["first_shortfall"] as? String ?? "?")"))
    }

    /// A page to read, not a listing: at most 40 sites drawn, alarms first, and the rest counted.
    @Test func manyAlertsAreCountedNotDrawn() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        var csv = "item,site,period,capacity,output,stock,threshold,lead_time_days\n"
        for site in 1...45 { csv += "SHELL-155-HE,Site-\(site),2026-11,100,90,\(site),50,30\n" }
        try cli.write(csv, to: "sites.csv")
        try cli.ok(["import", "--dir", "NO", "sites.csv", "--quiet"])
        try cli.ok(["dashboard", "--dir", "NO", "--out", "dash.html", "--period", "2026-11"])
        let html = try String(contentsOfFile: cli.path("dash.html"), encoding: .utf8)
        let drawdowns = try #require(DashboardDOM(html).charts("drawdowns").first)
        #expect(drawdowns.rows.count == 40)
        #expect(drawdowns.rows.allSatisfy { $0.classes.contains("alert") }, "no plan: every one is an alarm")
        #expect(html.contains("… and 5 more site(s) at or below threshold"))
        #expect(html.contains("45 alarm(s), 0 planned"))
    }
}
