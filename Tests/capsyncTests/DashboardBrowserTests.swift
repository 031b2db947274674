import Foundation
import Testing

/// `capsync dashboard` rendered by headless Chromium from a generated four-partner history synced over real TLS:
/// every chart's points equal the view's numbers as `capsync state` prints them, the page asks the network for
/// nothing, its script ran under its own Content-Security-Policy, and a screenshot is taken.
@Suite(.serialized) struct DashboardBrowserTests {
    static let items = ["SHELL-155-HE", "FUZE-PD", "CHARGE-MACS", "BARREL-155"]
    static let partners = ["NO", "PL", "DE", "UA"]

    /// SplitMix64: the history is the same on every run.
    struct Seeded {
        var state: UInt64
        mutating func next(_ range: ClosedRange<Int>) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return range.lowerBound + Int(z % UInt64(range.count))
        }
    }

    /// Months 2025-12 to 2027-03 with gaps; DE stops reporting after 2026-06 (stale by 2026-11); reports after
    /// 2026-11 are plans. UA needs shells and fuzes, NO and PL pledge; NO and DE pool barrels.
    func makeHistory(_ cli: CLI) throws {
        var random = Seeded(state: 20_261_128)
        var keys: [String: String] = [:]
        for partner in Self.partners {
            try cli.ok(["init", "--dir", partner, "--partner", partner, "--listen", "127.0.0.1:0"])
            let card = try cli.ok(["id", "--dir", partner, "--card", "--address", "127.0.0.1:9"])
            try cli.write(card, to: "\(partner).card")
            keys[partner] = CLI.key(ofCard: card)
        }
        for partner in Self.partners {
            try cli.ok(
                ["roster", "add", "--dir", partner] + Self.partners.filter { $0 != partner }.map { "\($0).card" }
            )
        }
        var months: [String] = ["2025-12"]
        for month in 1...12 { months.append(String(format: "2026-%02d", month)) }
        for month in 1...3 { months.append(String(format: "2027-%02d", month)) }
        for partner in ["NO", "PL", "DE"] {
            var csv = "item,site,period,capacity,output,stock,threshold,lead_time_days\n"
            for item in Self.items where random.next(0...3) > 0 {
                for site in ["\(partner)-North", "\(partner)-South"].prefix(random.next(1...2)) {
                    for month in months where random.next(0...4) > 0 {
                        if partner == "DE" && month > "2026-06" { continue }
                        let capacity = random.next(1_000...50_000)
                        let output = random.next(capacity / 2...capacity)
                        let threshold = random.next(100...5_000)
                        let stock = random.next(0...threshold * 3)
                        csv +=
                            "\(item),\(site),\(month),\(capacity),\(output),\(stock),\(threshold),\(random.next(10...120))\n"
                    }
                }
            }
            try cli.write(csv, to: "\(partner).csv")
            try cli.ok(["import", "--dir", partner, "\(partner).csv", "--quiet"])
        }
        try cli.ok([
            "need", "--dir", "UA", "--id", "NEED-UA-001", "--item", "SHELL-155-HE", "--quantity", "60000", "--due",
            CLI.utcDay(offset: 60), "--priority", "1", "--quiet",
        ])
        try cli.ok([
            "need", "--dir", "UA", "--id", "NEED-UA-002", "--item", "FUZE-PD", "--quantity", "9000", "--due",
            CLI.utcDay(offset: 120), "--priority", "2", "--quiet",
        ])
        try cli.ok(["pledge", "--dir", "NO", "--need", "UA:NEED-UA-001", "--quantity", "7000", "--quiet"])
        try cli.ok(["pledge", "--dir", "PL", "--need", "UA:NEED-UA-001", "--quantity", "4000", "--quiet"])
        try cli.ok(["pledge", "--dir", "PL", "--need", "UA:NEED-UA-002", "--quantity", "9000", "--quiet"])
        try cli.ok(["pool", "join", "--dir", "NO", "--item", "BARREL-155", "--quiet"])
        try cli.ok(["pool", "join", "--dir", "DE", "--item", "BARREL-155", "--quiet"])
        try cli.ok([
            "deliver", "--dir", "NO", "--need", "UA:NEED-UA-001", "--month", "2026-11", "--promise", "3000",
            "--delivered", "1000", "--quiet",
        ])

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

    func json(_ cli: CLI, _ arguments: [String]) throws -> [String: Any] {
        let text = try cli.ok(arguments + ["--format", "json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    func rows(_ object: [String: Any], _ table: String) -> [[String: Any]] { object[table] as? [[String: Any]] ?? [] }

    func number(_ value: Any?) -> UInt64? { (value as? Int).map { UInt64($0) } }

    @Test func chartsShowTheViewsNumbersWithoutNetwork() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try makeHistory(cli)
        let written = try cli.ok(["dashboard", "--dir", "NO", "--out", "dash.html", "--period", "2026-11"])
        #expect(written.contains("dash.html"))
        let html = try String(contentsOfFile: cli.path("dash.html"), encoding: .utf8)
        // Self-contained: the policy forbids fetching, and nothing in the page points outside it.
        #expect(html.contains("default-src 'none'"))
        #expect(DashboardDOM.matches(#"\s(?:src|srcset|action|xlink:href)="#, in: html).isEmpty)
        #expect(DashboardDOM.matches(#"\shref="([^"]*)""#, in: html).allSatisfy { $0[0].hasPrefix("#") })
        #expect(DashboardDOM.matches(#"url\(([^)]*)\)"#, in: html).allSatisfy { $0[0].hasPrefix("#") })

        let chromium = HeadlessChromium(cli: cli)
        let rendering = try chromium.render("dash.html")
        #expect(rendering.pageRequests.isEmpty, "the page requested \(rendering.pageRequests)")
        let dom = DashboardDOM(rendering.dom)
        // The page's script ran (the policy allowed it by hash) and counted every mark the charts drew.
        #expect(dom.bodyAttribute("data-ready") == "true", "the inline script did not run")
        let marks = DashboardDOM.matches(#"data-value="\d+""#, in: rendering.dom).count
        let tableCells = DashboardDOM.matches(#"<td class="num""#, in: rendering.dom).count
        #expect(dom.bodyAttribute("data-marks") == String(marks - tableCells))

        let state = try json(cli, ["state", "--dir", "NO", "--period", "2026-11"])
        #expect(rendering.dom.contains("data-digest=\"\(state["state_digest"] as? String ?? "?")\""))

        // Totals: one row per item, output over capacity, hatched when a stale figure counts.
        let totals = try #require(dom.charts("totals").first)
        let expectedTotals = rows(state, "totals")
        #expect(totals.rows.map(\.key) == expectedTotals.map { $0["item"] as? String ?? "" })
        #expect(expectedTotals.contains { ($0["stale_sites"] as? Int ?? 0) > 0 }, "the history has stale figures")
        for (row, total) in zip(totals.rows, expectedTotals) {
            #expect(row.values["capacity"] == number(total["capacity_per_month"]), "\(row.key)")
            #expect(row.values["output"] == number(total["output_per_month"]), "\(row.key)")
            #expect(row.classes.contains("stale") == ((total["stale_sites"] as? Int ?? 0) > 0), "\(row.key)")
        }

        // Shortfalls: need against pledged, red while not covered.
        let shortfalls = try #require(dom.charts("shortfalls").first)
        let expectedShortfalls = rows(state, "shortfalls")
        #expect(shortfalls.rows.map(\.key) == expectedShortfalls.map { $0["need"] as? String ?? "" })
        #expect(shortfalls.rows.count == 2)
        for (row, need) in zip(shortfalls.rows, expectedShortfalls) {
            #expect(row.values["quantity"] == number(need["quantity"]), "\(row.key)")
            #expect(row.values["pledged"] == number(need["pledged"]), "\(row.key)")
            #expect(row.classes.contains("alert") == ((need["remaining"] as? Int ?? 0) > 0), "\(row.key)")
        }

        // Stock against threshold per partner: the sums of each partner's sites of the item.
        let stockCharts = dom.charts("stock")
        #expect(stockCharts.map(\.item) == expectedTotals.map { $0["item"] as? String })
        for chart in stockCharts {
            let item = try #require(chart.item)
            let sites = rows(try json(cli, ["state", "--dir", "NO", "--period", "2026-11", "--item", item]), "sites")
            var stock: [String: UInt64] = [:]
            var threshold: [String: UInt64] = [:]
            for site in sites {
                let partner = site["partner"] as? String ?? ""
                stock[partner, default: 0] += number(site["stock"]) ?? 0
                threshold[partner, default: 0] += number(site["threshold"]) ?? 0
            }
            #expect(chart.rows.map(\.key) == stock.keys.sorted(), "\(item)")
            for row in chart.rows {
                #expect(row.values["stock"] == stock[row.key], "\(item) \(row.key)")
                #expect(row.values["threshold"] == threshold[row.key], "\(item) \(row.key)")
            }
        }

        // Trend: each item's series, actuals then plans, as `state trend` prints them.
        let trends = dom.charts("trend")
        #expect(trends.map(\.item) == expectedTotals.map { $0["item"] as? String })
        var plans = 0
        for chart in trends {
            let item = try #require(chart.item)
            let expected = rows(
                try json(cli, ["state", "trend", "--dir", "NO", "--period", "2026-11", "--item", item]),
                "trend"
            )
            for (series, column) in [
                ("capacity", "capacity_per_month"), ("output", "output_per_month"), ("stock", "stock"),
            ] {
                let points = chart.series[series] ?? []
                #expect(points.map(\.period) == expected.map { $0["period"] as? String ?? "" }, "\(item) \(series)")
                #expect(points.map(\.kind) == expected.map { $0["kind"] as? String ?? "" }, "\(item) \(series)")
                #expect(points.map(\.value) == expected.map { number($0[column]) ?? .max }, "\(item) \(series)")
            }
            plans += expected.filter { $0["kind"] as? String == "plan" }.count
        }
        #expect(plans > 0, "the history has plans")

        // Planning: NO's late delivery towards UA, and a projection for each item with an open need.
        let deliveries = try #require(dom.charts("deliveries").first)
        #expect(deliveries.rows.map(\.key) == ["UA:NEED-UA-001/NO"])
        #expect(deliveries.rows.first?.values == ["promised": 3000, "delivered": 1000, "confirmed": 0])
        #expect(deliveries.rows.first?.classes.contains("alert") == true)
        let projections = dom.charts("projection")
        #expect(projections.map(\.item) == ["SHELL-155-HE", "FUZE-PD"])
        for chart in projections {
            let item = try #require(chart.item)
            let printed = try json(cli, ["state", "projection", "--dir", "NO", "--period", "2026-11", "--item", item])
            let coalition = rows(printed, "coalition")
            #expect(
                (chart.series["needs due"] ?? []).map(\.value) == coalition.map { number($0["needs_due"]) ?? .max },
                "\(item)"
            )
        }

        // Pools and the node's health are tables.
        #expect(rendering.dom.contains("<th scope=\"row\">BARREL-155</th>"))
        #expect(rendering.dom.contains("data-table=\"peers\""))
        #expect(rendering.dom.contains("<th scope=\"row\">UA</th>"))

        // Printed: every page A4 landscape (841.92 x 594.96 points), each of the ten sections on pages of its own.
        let pdf = String(decoding: try chromium.printToPDF("dash.html"), as: UTF8.self)
        let boxes = DashboardDOM.matches(#"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]"#, in: pdf)
        #expect(boxes.count >= 10, "\(boxes.count) pages")
        #expect(
            boxes.allSatisfy { abs((Double($0[0]) ?? 0) - 841.92) < 1 && abs((Double($0[1]) ?? 0) - 594.96) < 1 },
            "\(Set(boxes.map { $0.joined(separator: "x") }))"
        )

        try chromium.screenshot("dash.html", to: "dash.png")
        let png = try Data(contentsOf: URL(fileURLWithPath: cli.path("dash.png")))
        #expect(png.count > 10_000 && png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]), "\(png.count) bytes")
        // CAPSYNC_KEEP_DASHBOARD=DIR keeps the page and its screenshot (the README's pictures come from them).
        if let keep = ProcessInfo.processInfo.environment["CAPSYNC_KEEP_DASHBOARD"] {
            for file in ["dash.html", "dash.png"] {
                try? FileManager.default.removeItem(atPath: keep + "/" + file)
                try FileManager.default.copyItem(atPath: cli.path(file), toPath: keep + "/" + file)
            }
        }
    }

    /// The request check catches a page that fetches: an image and a fetch() from a file:// page are both seen.
    @Test func requestCheckSeesAPageThatFetches() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.write(
            "<html><body><img src=\"http://127.0.0.1:9/x.png\"><script>fetch('http://127.0.0.1:9/y')</script></body></html>",
            to: "fetching.html"
        )
        let rendering = try HeadlessChromium(cli: cli).render("fetching.html")
        #expect(rendering.pageRequests.contains("http://127.0.0.1:9/x.png"), "\(rendering.pageRequests)")
        #expect(rendering.pageRequests.contains("http://127.0.0.1:9/y"), "\(rendering.pageRequests)")
    }
}
