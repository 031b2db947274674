import Foundation
import Testing

/// A coalition run from one genesis ceremony through joins, rotations, a theft, a revocation and a removal,
/// with the real binary: every roster change travels by sync alone (one daemon as the hub, one-shot syncs of
/// the others), and every node that is still a member converges on the same roster, digests and clean audit.
@Suite(.serialized) struct RosterLifecycleScenarioTests {
    struct Coalition {
        let cli: CLI
        var hub: CLI.Daemon
        var members: [String]

        func round() throws {
            for partner in members where partner != "NL" {
                try cli.ok(["sync", "--dir", partner, "--log-level", "error"])
            }
        }

        /// Twice, so that what one member sent the hub reaches the members that synced before it.
        func spread() throws {
            try round()
            try round()
        }

        func pendingIDs(_ node: String) throws -> [String] {
            let json = try cli.ok(["roster", "pending", "--dir", node, "--format", "json"])
            let rows = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] ?? []
            return rows.compactMap { $0["id"] as? String }
        }

        func approve(_ id: String, by partners: [String]) throws {
            for partner in partners { try cli.ok(["roster", "approve", "--dir", partner, id, "-q"]) }
        }

        /// The adopted head's serial; nil while the node holds no chain.
        func serial(_ node: String) throws -> Int? {
            let result = try cli.run(["roster", "log", "--dir", node, "--format", "json"])
            guard result.status == 0 else { return nil }
            let json = result.stdout
            let rows = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] ?? []
            return rows.last?["serial"] as? Int
        }

        func digests(_ node: String, asOf: String? = nil) throws -> [String: Any] {
            let json = try cli.ok(
                ["state", "--dir", node, "--digest", "--format", "json"] + (asOf.map { ["--as-of", $0] } ?? [])
            )
            return (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])?.first ?? [:]
        }

        func capacity(_ node: String, asOf: String? = nil) throws -> Int? {
            let json = try cli.ok(
                ["state", "--dir", node, "--item", "SHELL-155-HE", "--format", "json", "--table", "totals"]
                    + (asOf.map { ["--as-of", $0] } ?? [])
            )
            let rows = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] ?? []
            return rows.first?["capacity_per_month"] as? Int
        }

        func report(_ partner: String, site: String, capacity: Int) throws {
            try cli.ok([
                "report", "--dir", partner, "--item", "SHELL-155-HE", "--site", site, "--period", "2026-11",
                "--capacity", "\(capacity)", "--output", "1", "--stock", "1", "--threshold", "0", "-q",
            ])
        }

        /// Every listed node: the same roster serial, the same digests, and an audit that passes.
        func expectConverged(
            _ nodes: [String],
            serial: Int,
            sourceLocation: SourceLocation = #_sourceLocation
        )
            throws
        {
            let reference = try digests(nodes[0])
            for node in nodes {
                #expect(try self.serial(node) == serial, "\(node)'s roster serial", sourceLocation: sourceLocation)
                let own = try digests(node)
                #expect(own["state_digest"] as? String == reference["state_digest"] as? String, "\(node)")
                #expect(own["entry_set_digest"] as? String == reference["entry_set_digest"] as? String, "\(node)")
                let audit = try cli.run(["audit", "--dir", node])
                #expect(audit.status == 0, "audit on \(node): \(audit.output)", sourceLocation: sourceLocation)
            }
        }
    }

    func newKey(in output: String) -> String {
        output.split(separator: "\n").first { $0.hasPrefix("new signing key for ") }
            .map { String($0.split(separator: " ").last ?? "") } ?? ""
    }

    @Test func aCoalitionGovernsItsRosterBySyncAlone() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let founders = ["DE", "FR", "NL", "NO", "PL"]
        var cards: [String: String] = [:]
        for partner in founders {
            try cli.ok(["init", "--dir", partner, "--partner", partner, "--listen", "127.0.0.1:0"])
            let card = try cli.ok(["id", "--dir", partner, "--card", "--address", "127.0.0.1:9"])
            try card.write(toFile: cli.path("\(partner).card"), atomically: true, encoding: .utf8)
            cards[partner] = card
        }
        for partner in founders {
            try cli.ok(["roster", "add", "--dir", partner] + founders.filter { $0 != partner }.map { "\($0).card" })
        }
        let hub = try CLI.Daemon(cli, arguments: ["--dir", "NL", "--sync-interval", "86400", "--log-level", "notice"])
        for partner in founders where partner != "NL" {
            try cli.ok([
                "peers", "add", "--dir", partner, "--partner", "NL", "--address", hub.address, "--key",
                CLI.key(ofCard: cards["NL"]!),
            ])
        }
        var coalition = Coalition(cli: cli, hub: hub, members: founders)

        // Genesis: the roster file as it stands, threshold 3/5, approved by every partner.
        try cli.ok(["roster", "propose", "genesis", "--dir", "DE", "--threshold", "3/5", "-q"])
        try coalition.spread()
        let genesis = try coalition.pendingIDs("FR")
        #expect(genesis.count == 1)
        try coalition.approve(genesis[0], by: ["FR", "NL", "NO"])
        try coalition.spread()
        #expect(try coalition.serial("DE") == nil, "4 of 5 founders approved: no genesis yet")
        try coalition.approve(genesis[0], by: ["PL"])
        try coalition.spread()
        try coalition.expectConverged(founders, serial: 1)
        // The roster file now follows the chain: a hand edit is refused.
        let edit = try cli.run(["roster", "remove", "--dir", "DE", "PL"])
        #expect(edit.status != 0 && edit.stderr.contains("governed by its roster chain"))

        for (partner, site, capacity) in [
            ("DE", "Unterluess", 100), ("FR", "Bourges", 200), ("NL", "Den-Helder", 300), ("NO", "Raufoss", 400),
            ("PL", "Nowa-Deba", 500),
        ] {
            try coalition.report(partner, site: site, capacity: capacity)
        }
        try coalition.spread()
        #expect(try coalition.capacity("DE") == 1500)

        // A sixth partner joins with approvals from three; it installs the genesis roster once and learns every
        // later version by sync.
        try cli.ok(["init", "--dir", "SE", "--partner", "SE", "--listen", "127.0.0.1:0"])
        try cli.ok(["id", "--dir", "SE", "--card", "--address", "127.0.0.1:9"]).write(
            toFile: cli.path("SE.card"),
            atomically: true,
            encoding: .utf8
        )
        try cli.ok(["roster", "export", "--dir", "DE", "--genesis"]).write(
            toFile: cli.path("genesis.txt"),
            atomically: true,
            encoding: .utf8
        )
        try cli.ok(["roster", "import", "--dir", "SE", "genesis.txt"])
        try cli.ok([
            "peers", "add", "--dir", "SE", "--partner", "NL", "--address", hub.address, "--key",
            CLI.key(ofCard: cards["NL"]!),
        ])
        try cli.ok(["roster", "propose", "add", "SE.card", "--dir", "DE", "-q"])
        try coalition.spread()
        let join = try coalition.pendingIDs("FR")
        #expect(join.count == 1)
        // Below the threshold, the refusal says who approved and who may still approve.
        try coalition.approve(join[0], by: ["FR"])
        let pending = try cli.ok(["roster", "pending", "--dir", "FR"])
        #expect(pending.contains("DE; FR") && pending.contains("NL; NO; PL"))
        try coalition.approve(join[0], by: ["NO"])
        try coalition.spread()
        coalition.members.append("SE")
        try coalition.spread()
        try coalition.report("SE", site: "Karlskoga", capacity: 600)
        try coalition.spread()
        try coalition.expectConverged(coalition.members, serial: 2)
        #expect(try coalition.capacity("NO") == 2100)

        // A theft: a copy of PL's node signs a report with PL's key; the coalition revokes the key at the
        // last seq PL itself signed, and the thief's entry leaves every view.
        let plSeq = try lastSeq(cli, of: "PL")
        try FileManager.default.copyItem(atPath: cli.path("PL"), toPath: cli.path("THIEF"))
        try coalition.report("THIEF", site: "Nowa-Deba", capacity: 1)
        try cli.ok(["sync", "--dir", "THIEF", "--log-level", "error"])
        try coalition.spread()
        #expect(try coalition.capacity("DE") == 1601)
        try cli.ok([
            "roster", "propose", "revoke-key", "--dir", "DE", "--key", CLI.key(ofCard: cards["PL"]!), "--last-seq",
            "\(plSeq)",
            "-q",
        ])
        try coalition.spread()
        try coalition.approve(try coalition.pendingIDs("FR")[0], by: ["FR", "NL", "SE"])
        coalition.members.removeAll { $0 == "PL" }
        try coalition.spread()
        #expect(try coalition.capacity("DE") == 2100)
        #expect(try cli.run(["sync", "--dir", "THIEF", "--log-level", "error"]).status != 0)
        let ignored = try cli.ok(["log", "--dir", "DE", "--ignored", "--format", "csv"])
        #expect(ignored.contains("pastLastValidSeq"))

        // PL recovers: a new key, proposed by DE from PL's new key and adopted; PL switches to it and catches up.
        let recovery = try cli.ok(["key", "rotate", "--dir", "PL"])
        let plKey = newKey(in: recovery)
        #expect(!plKey.isEmpty)
        try cli.ok(["roster", "propose", "add-key", "--dir", "DE", "--partner", "PL", "--key", plKey, "-q"])
        try coalition.spread()
        try coalition.approve(try coalition.pendingIDs("FR")[0], by: ["FR", "NL", "SE"])
        try coalition.spread()
        try cli.ok(["key", "rotate", "--dir", "PL", "--now"])
        coalition.members.append("PL")
        try coalition.spread()
        try coalition.report("PL", site: "Nowa-Deba", capacity: 550)
        try coalition.spread()
        #expect(try coalition.capacity("SE") == 2150)
        try coalition.expectConverged(coalition.members, serial: 4)

        // A removal: NO's reports leave the current view; a view as of before the removal keeps them.
        let beforeRemoval = isoNow()
        let asOfDigest = try coalition.digests("DE", asOf: beforeRemoval)
        try cli.ok(["roster", "propose", "remove", "NO", "--dir", "DE", "-q"])
        try coalition.spread()
        try coalition.approve(try coalition.pendingIDs("FR")[0], by: ["FR", "NL", "SE"])
        coalition.members.removeAll { $0 == "NO" }
        try coalition.spread()
        #expect(try coalition.capacity("DE") == 1750)
        #expect(try coalition.capacity("DE", asOf: beforeRemoval) == 2150)
        let asOfAfter = try coalition.digests("FR", asOf: beforeRemoval)
        #expect(asOfAfter["state_digest"] as? String == asOfDigest["state_digest"] as? String)
        #expect(try cli.run(["sync", "--dir", "NO", "--log-level", "error"]).status != 0)
        // NO, which never saw its removal, proposes on the old roster: every member ignores it.
        try cli.ok(["roster", "propose", "threshold", "1/2", "--dir", "NO", "-q"])
        try coalition.expectConverged(coalition.members, serial: 5)
        #expect(try coalition.pendingIDs("DE").isEmpty)

        // A rotation of the hub itself: the daemon must be stopped to switch, then serves with the new key's
        // certificate at the same address; members pinned to its old key follow the roster.
        let rotate = try cli.ok(["key", "rotate", "--dir", "FR"])
        #expect(!newKey(in: rotate).isEmpty)
        try coalition.spread()
        try coalition.approve(try coalition.pendingIDs("DE")[0], by: ["DE", "NL", "SE"])
        try coalition.spread()
        try cli.ok(["key", "rotate", "--dir", "FR"])
        try coalition.report("FR", site: "Bourges", capacity: 250)
        try coalition.spread()
        try coalition.approve(try coalition.pendingIDs("DE")[0], by: ["DE", "NL", "SE"])
        try coalition.spread()
        try coalition.expectConverged(coalition.members, serial: 7)

        try cli.ok(["key", "rotate", "--dir", "NL"])
        try coalition.spread()
        try coalition.approve(try coalition.pendingIDs("DE")[0], by: ["DE", "FR", "SE"])
        try coalition.spread()
        let whileRunning = try cli.run(["key", "rotate", "--dir", "NL"])
        #expect(whileRunning.status != 0 && whileRunning.stderr.contains("daemon"))
        let address = coalition.hub.address
        _ = coalition.hub.stop()
        try cli.ok(["key", "rotate", "--dir", "NL"])
        coalition.hub = try CLI.Daemon(
            cli,
            arguments: ["--dir", "NL", "--listen", address, "--sync-interval", "86400", "--log-level", "notice"]
        )
        try coalition.spread()
        try coalition.approve(try coalition.pendingIDs("DE")[0], by: ["DE", "FR", "SE"])
        try coalition.spread()
        try coalition.expectConverged(coalition.members, serial: 9)
        #expect(try coalition.capacity("PL") == 1800)
        _ = coalition.hub.stop()
    }

    func lastSeq(_ cli: CLI, of partner: String) throws -> Int {
        let json = try cli.ok(["log", "--dir", partner, "--author", partner, "--format", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] ?? []
        return rows.compactMap { $0["seq"] as? Int }.max() ?? 0
    }

    func isoNow() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
