import Foundation
import Testing

/// Pool terms and shares, and drawdown plans, through the real binary: PL leads a pool and NO's terms are refused;
/// NO's stock below threshold turns from an unplanned alert into a planned drawdown, then a refill behind plan.
@Suite(.serialized) struct PlanningCLITests {
    /// A table of the command's JSON: the document itself when it prints one table, else its member `table`.
    func rows(_ cli: CLI, _ arguments: [String], table: String) throws -> [[String: Any]] {
        let text = try cli.ok(arguments + ["--format", "json"])
        let document = try JSONSerialization.jsonObject(with: Data(text.utf8))
        if let rows = document as? [[String: Any]] { return rows }
        return try #require((document as? [String: Any])?[table] as? [[String: Any]], "\(text)")
    }

    @Test func onlyTheLeadChangesAPoolAndMembersStateWhatTheyWant() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        var keys: [String: String] = [:]
        for partner in ["NO", "PL"] {
            try cli.ok(["init", "--dir", partner, "--partner", partner, "--listen", "127.0.0.1:0"])
            let card = try cli.ok(["id", "--dir", partner, "--card", "--address", "127.0.0.1:9"])
            try cli.write(card, to: "\(partner).card")
            keys[partner] = CLI.key(ofCard: card)
        }
        try cli.ok(["roster", "add", "--dir", "NO", "PL.card"])
        try cli.ok(["roster", "add", "--dir", "PL", "NO.card"])
        try cli.ok(["pool", "terms", "--dir", "PL", "--item", "BARREL-155", "--target", "400", "--quiet"])
        try cli.ok(["pool", "join", "--dir", "PL", "--item", "BARREL-155", "--quiet"])

        let daemon = try CLI.Daemon(cli, arguments: ["--dir", "PL", "--sync-interval", "3600", "--log-level", "error"])
        try cli.ok([
            "peers", "add", "--dir", "NO", "--partner", "PL", "--address", daemon.address, "--key", keys["PL"]!,
        ])
        try cli.ok(["sync", "--dir", "NO"])

        let refused = try cli.run(["pool", "terms", "--dir", "NO", "--item", "BARREL-155", "--target", "900"])
        #expect(refused.status == 64, "\(refused.output)")
        #expect(refused.stderr.contains("led by PL"), "\(refused.stderr)")
        let badStatus = try cli.run([
            "pool", "terms", "--dir", "PL", "--item", "BARREL-155", "--target", "1", "--status", "done",
        ])
        #expect(badStatus.status == 64 && badStatus.stderr.contains("forming, tendering, contracted, closed"))

        let outsider = try cli.run(["pool", "want", "--dir", "NO", "--item", "BARREL-155", "--quantity", "150"])
        #expect(outsider.status == 0 && outsider.stderr.contains("not in the BARREL-155 pool"), "\(outsider.output)")
        var pools = try rows(cli, ["state", "pools", "--dir", "NO"], table: "pools")
        #expect(pools.count == 1)
        #expect(pools.first?["lead"] as? String == "PL")
        #expect(pools.first?["wanted"] as? Int == 0)
        try cli.ok(["pool", "join", "--dir", "NO", "--item", "BARREL-155", "--quiet"])
        try cli.ok(["pool", "terms", "--dir", "PL", "--item", "BARREL-155", "--target", "500", "--status", "tendering"])
        try cli.ok(["sync", "--dir", "NO"])
        pools = try rows(cli, ["state", "pools", "--dir", "NO"], table: "pools")
        #expect(pools.first?["status"] as? String == "tendering")
        #expect(pools.first?["target"] as? Int == 500)
        #expect(pools.first?["wanted"] as? Int == 150)
        #expect(pools.first?["members"] as? [String] == ["NO:150", "PL:0"])
        let table = try cli.ok(["state", "pools", "--dir", "NO"])
        #expect(table.contains("tendering") && table.contains("NO:150"), "\(table)")
        let (status, log) = daemon.stop()
        #expect(status == 0, "\(log)")
    }

    @Test func aDrawdownPlanTurnsAnAlarmIntoAPlanAndWatchesTheRefill() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        try cli.ok([
            "report", "--dir", "NO", "--item", "SHELL-155-HE", "--site", "Raufoss", "--period", "2026-11",
            "--capacity", "100", "--output", "90", "--stock", "1000", "--threshold", "3000", "--quiet",
        ])
        func alerts(_ period: String, asOf: String? = nil) throws -> [[String: Any]] {
            try rows(
                cli,
                ["state", "drawdowns", "--dir", "NO", "--period", period] + (asOf.map { ["--as-of", $0] } ?? []),
                table: "stock_alerts"
            )
        }
        #expect(try alerts("2026-11").map { $0["alert"] as? String } == ["below-threshold-unplanned"])

        let reversed = try cli.run([
            "drawdown", "--dir", "NO", "--item", "SHELL-155-HE", "--site", "Raufoss", "--from", "2026-11", "--to",
            "2027-01", "--floor", "800", "--refill", "2026-10:3000",
        ])
        #expect(reversed.status == 64 && reversed.stderr.contains("refill"), "\(reversed.output)")
        let notAStep = try cli.run([
            "drawdown", "--dir", "NO", "--item", "SHELL-155-HE", "--site", "Raufoss", "--from", "2026-11", "--to",
            "2027-01", "--floor", "800", "--refill", "3000",
        ])
        #expect(notAStep.status == 64 && notAStep.stderr.contains("MONTH:STOCK"), "\(notAStep.output)")

        try cli.ok([
            "drawdown", "--dir", "NO", "--item", "SHELL-155-HE", "--site", "Raufoss", "--from", "2026-11", "--to",
            "2027-01", "--floor", "800", "--refill", "2027-02:3000", "--quiet",
        ])
        #expect(try alerts("2026-11").map { $0["alert"] as? String } == ["below-threshold-planned"])
        let behind = try alerts("2027-02")
        #expect(behind.map { $0["alert"] as? String } == ["refill-behind-plan"])
        #expect(behind.first?["planned_stock"] as? Int == 3000)
        let plans = try rows(cli, ["state", "drawdowns", "--dir", "NO"], table: "drawdowns")
        #expect(plans.first?["refill"] as? [String] == ["2027-02:3000"])
        let csv = try cli.ok([
            "state", "drawdowns", "--dir", "NO", "--period", "2026-12", "--format", "csv", "--table", "stock_alerts",
        ])
        #expect(csv.hasPrefix("alert,partner,item,site,period,"), "\(csv)")
        #expect(csv.contains("below-threshold-planned"))
        let log = try cli.ok(["log", "--dir", "NO"])
        #expect(log.contains("drawdown SHELL-155-HE Raufoss 2026-11–2027-01 floor 800 refill 2027-02:3000"), "\(log)")

        try cli.ok([
            "drawdown", "--dir", "NO", "--item", "SHELL-155-HE", "--site", "Raufoss", "--from", "2026-11", "--to",
            "2027-01", "--floor", "800", "--withdraw", "--quiet",
        ])
        #expect(try alerts("2026-11").map { $0["alert"] as? String } == ["below-threshold-unplanned"])
        #expect(try alerts("2026-11", asOf: "2000-01-01").isEmpty)
    }
}
