import Foundation
import Testing

/// The order book through the real binary: PL orders at NO's plant and NO at its own, synced over TLS; only NO
/// answers orders at its site; the queue shows the plant oversubscribed until NO refuses its own order.
@Suite(.serialized) struct OrderBookCLITests {
    func rows(_ cli: CLI, _ arguments: [String], table: String) throws -> [[String: Any]] {
        let text = try cli.ok(arguments + ["--format", "json"])
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            "\(text)"
        )
        return try #require(document[table] as? [[String: Any]], "\(text)")
    }

    @Test func theQueueAtOneFactory() throws {
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
        try cli.ok([
            "report", "--dir", "NO", "--item", "SHELL-155-HE", "--site", "Raufoss", "--period", "2026-11",
            "--capacity", "1000", "--output", "900", "--stock", "5000", "--threshold", "1000", "--quiet",
        ])
        func order(_ partner: String, _ id: String, _ quantity: Int, _ from: String, _ to: String) throws {
            try cli.ok([
                "order", "--dir", partner, "--id", id, "--site-owner", "NO", "--site", "Raufoss", "--item",
                "SHELL-155-HE", "--quantity", "\(quantity)", "--from", from, "--to", to, "--priority", "1", "--quiet",
            ])
        }
        try order("NO", "ORD-9", 600, "2026-11", "2026-11")
        try order("PL", "ORD-1", 700, "2026-11", "2026-12")
        let unknown = try cli.run([
            "order", "--dir", "PL", "--id", "X", "--site-owner", "ZZ", "--site", "S", "--item", "SHELL-155-HE",
            "--quantity", "1", "--from", "2026-11", "--to", "2026-11",
        ])
        #expect(unknown.status == 64, "\(unknown.output)")

        let daemon = try CLI.Daemon(cli, arguments: ["--dir", "NO", "--sync-interval", "3600", "--log-level", "error"])
        try cli.ok([
            "peers", "add", "--dir", "PL", "--partner", "NO", "--address", daemon.address, "--key", keys["NO"]!,
        ])
        try cli.ok(["sync", "--dir", "PL"])
        let (status, log) = daemon.stop()
        #expect(status == 0, "\(log)")

        let notOwner = try cli.run(["answer", "--dir", "PL", "--order", "PL:ORD-1", "--accept", "2026-11:700"])
        #expect(notOwner.status == 64 && notOwner.stderr.contains("only the site's partner"), "\(notOwner.output)")
        var queues = try rows(
            cli,
            ["state", "orders", "--dir", "NO", "--from", "2026-11", "--to", "2026-12"],
            table: "queues"
        )
        #expect(queues.map { $0["month"] as? String } == ["2026-11", "2026-12"])
        #expect(queues.first?["waiting"] as? Int == 1300 && queues.first?["oversubscribed"] as? Int == 300)

        try cli.ok(["answer", "--dir", "NO", "--order", "PL:ORD-1", "--accept", "2026-11:700", "--quiet"])
        try cli.ok(["answer", "--dir", "NO", "--order", "NO:ORD-9", "--refuse", "--quiet"])
        queues = try rows(
            cli,
            ["state", "orders", "--dir", "NO", "--from", "2026-11", "--to", "2026-12"],
            table: "queues"
        )
        #expect(queues.count == 1)
        #expect(queues.first?["accepted"] as? Int == 700 && queues.first?["oversubscribed"] as? Int == 0)
        let orders = try rows(cli, ["state", "orders", "--dir", "NO", "--partner", "PL"], table: "orders")
        #expect(orders.map { $0["status"] as? String } == ["accepted"])
        #expect(orders.first?["slot"] as? String == "2026-11:700")
        let table = try cli.ok(["state", "orders", "--dir", "NO", "--from", "2026-11"])
        #expect(table.contains("refused") && table.contains("accepted"), "\(table)")
    }
}
