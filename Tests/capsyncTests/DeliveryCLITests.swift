import Foundation
import Testing

/// Deliveries through the real binary: NO schedules and records deliveries towards UA's need, UA confirms what it
/// received after a sync over TLS, and the deliveries view shows the late pledger first.
@Suite(.serialized) struct DeliveryCLITests {
    @Test func promisedDeliveredConfirmed() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        var keys: [String: String] = [:]
        for partner in ["NO", "UA"] {
            try cli.ok(["init", "--dir", partner, "--partner", partner, "--listen", "127.0.0.1:0"])
            let card = try cli.ok(["id", "--dir", partner, "--card", "--address", "127.0.0.1:9"])
            try cli.write(card, to: "\(partner).card")
            keys[partner] = CLI.key(ofCard: card)
        }
        try cli.ok(["roster", "add", "--dir", "NO", "UA.card"])
        try cli.ok(["roster", "add", "--dir", "UA", "NO.card"])
        try cli.ok([
            "need", "--dir", "UA", "--id", "NEED-001", "--item", "SHELL-155-HE", "--quantity", "2000", "--due",
            "2027-01-31", "--quiet",
        ])
        try cli.ok(["pledge", "--dir", "NO", "--need", "UA:NEED-001", "--quantity", "900", "--quiet"])
        for arguments in [
            ["--month", "2026-11", "--promise", "300"], ["--month", "2026-12", "--promise", "600"],
            ["--month", "2026-11", "--delivered", "300"], ["--month", "2026-12", "--delivered", "100"],
        ] {
            try cli.ok(["deliver", "--dir", "NO", "--need", "UA:NEED-001", "--quiet"] + arguments)
        }
        let own = try cli.run([
            "deliver", "--dir", "UA", "--need", "UA:NEED-001", "--month", "2026-11", "--promise", "1",
        ])
        #expect(own.status == 64 && own.stderr.contains("own need"), "\(own.output)")
        let noAmount = try cli.run(["deliver", "--dir", "NO", "--need", "UA:NEED-001", "--month", "2026-11"])
        #expect(noAmount.status == 64, "\(noAmount.output)")
        let notOwner = try cli.run([
            "confirm", "--dir", "NO", "--need", "NEED-001", "--from", "NO", "--month", "2026-11", "--quantity", "5",
        ])
        #expect(notOwner.status == 64 && notOwner.stderr.contains("only the needing partner"), "\(notOwner.output)")

        let daemon = try CLI.Daemon(cli, arguments: ["--dir", "UA", "--sync-interval", "3600", "--log-level", "error"])
        try cli.ok([
            "peers", "add", "--dir", "NO", "--partner", "UA", "--address", daemon.address, "--key", keys["UA"]!,
        ])
        try cli.ok(["sync", "--dir", "NO"])
        let (status, log) = daemon.stop()
        #expect(status == 0, "\(log)")
        try cli.ok([
            "confirm", "--dir", "UA", "--need", "NEED-001", "--from", "NO", "--month", "2026-11", "--quantity", "250",
            "--quiet",
        ])

        let text = try cli.ok(["state", "deliveries", "--dir", "UA", "--period", "2026-12", "--format", "json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]], "\(text)")
        #expect(rows.count == 1)
        let row = try #require(rows.first)
        #expect(row["need"] as? String == "UA:NEED-001" && row["pledger"] as? String == "NO")
        #expect(row["pledged"] as? Int == 900 && row["promised"] as? Int == 900)
        #expect(row["delivered"] as? Int == 400 && row["confirmed"] as? Int == 250 && row["late"] as? Int == 500)
        let november = try cli.ok([
            "state", "deliveries", "--dir", "UA", "--period", "2026-11", "--format", "csv",
        ])
        #expect(november.hasPrefix("need,pledger,item,due,pledged,promised,promised_by_month,delivered,confirmed,late"))
        #expect(november.contains("UA:NEED-001,NO,SHELL-155-HE,2027-01-31,900,900,300,400,250,0"), "\(november)")
    }
}
