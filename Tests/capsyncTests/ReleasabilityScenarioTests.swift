import Foundation
import Testing

/// Five partners, three audiences, the real binary over TLS on loopback (NL's daemon is the hub every other node
/// syncs with): each node sees exactly the figures released to it, every node — in an audience or not — stores,
/// relays and audits every entry and agrees on the coalition-wide digests, and each audience's members agree on
/// its digest (Protocol/releasability.md).
@Suite(.serialized) struct ReleasabilityScenarioTests {
    static let partners = ["DE", "FR", "NL", "NO", "US"]

    struct Coalition {
        let cli: CLI
        let hub: CLI.Daemon
        var members = ReleasabilityScenarioTests.partners

        func spread() throws {
            for _ in 0..<2 {
                for partner in members where partner != "NL" {
                    try cli.ok(["sync", "--dir", partner, "--log-level", "error"])
                }
            }
        }

        func json(_ arguments: [String]) throws -> Any {
            try JSONSerialization.jsonObject(with: Data(try cli.ok(arguments + ["--format", "json"]).utf8))
        }

        func sites(_ node: String) throws -> [String] {
            let rows =
                try json(["state", "--dir", node, "--item", "SHELL-155-HE", "--period", "2026-11", "--table", "sites"])
                as? [[String: Any]] ?? []
            return rows.compactMap { $0["site"] as? String }.sorted()
        }

        func released(_ node: String) throws -> [String: [String]] {
            let object =
                try json(["state", "--dir", node, "--item", "SHELL-155-HE", "--period", "2026-11"]) as? [String: Any]
            var result: [String: [String]] = [:]
            for row in object?["released"] as? [[String: Any]] ?? [] {
                result[row["site"] as? String ?? ""] = row["released_to"] as? [String]
            }
            return result
        }

        func digests(_ node: String) throws -> [String: Any] {
            (try json(["state", "--dir", node, "--digest"]) as? [[String: Any]])?.first ?? [:]
        }

        func audiences(_ node: String) throws -> [String: String] {
            let object = try json(["status", "--dir", node]) as? [String: Any]
            var result: [String: String] = [:]
            for row in object?["audiences"] as? [[String: Any]] ?? [] {
                let label = (row["label"] as? [String] ?? []).joined(separator: ",")
                result[label] = row["audience_digest"] as? String
            }
            return result
        }

        func report(_ partner: String, site: String, capacity: Int, releaseTo: String? = nil) throws -> CLI.Result {
            try cli.run(
                [
                    "report", "--dir", partner, "--item", "SHELL-155-HE", "--site", site, "--period", "2026-11",
                    "--capacity", "\(capacity)", "--output", "1", "--stock", "1", "--threshold", "0", "-q",
                ] + (releaseTo.map { ["--release-to", $0] } ?? [])
            )
        }
    }

    @Test func threeAudiencesOverFiveNodes() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        var cards: [String: String] = [:]
        for partner in Self.partners {
            try cli.ok(["init", "--dir", partner, "--partner", partner, "--listen", "127.0.0.1:0"])
            let card = try cli.ok(["id", "--dir", partner, "--card", "--address", "127.0.0.1:9"])
            try card.write(toFile: cli.path("\(partner).card"), atomically: true, encoding: .utf8)
            cards[partner] = card
        }
        for partner in Self.partners {
            try cli.ok(
                ["roster", "add", "--dir", partner] + Self.partners.filter { $0 != partner }.map { "\($0).card" }
            )
        }
        let hub = try CLI.Daemon(cli, arguments: ["--dir", "NL", "--sync-interval", "86400", "--log-level", "notice"])
        for partner in Self.partners where partner != "NL" {
            try cli.ok([
                "peers", "add", "--dir", partner, "--partner", "NL", "--address", hub.address, "--key",
                CLI.key(ofCard: cards["NL"]!),
            ])
        }
        var coalition = Coalition(cli: cli, hub: hub)

        // Before any encryption key is in the roster chain, nothing can be released.
        let early = try coalition.report("DE", site: "Early", capacity: 1, releaseTo: "NL")
        #expect(early.status != 0 && early.stderr.contains("roster chain"), "\(early.output)")

        // Genesis with threshold 1/5, so that each partner's own key proposal is adopted at once.
        try cli.ok(["roster", "propose", "genesis", "--dir", "DE", "--threshold", "1/5", "-q"])
        try coalition.spread()
        let genesis = (try coalition.json(["roster", "pending", "--dir", "FR"]) as? [[String: Any]] ?? [])
            .compactMap { $0["id"] as? String }
        #expect(genesis.count == 1)
        for partner in Self.partners where partner != "DE" {
            try cli.ok(["roster", "approve", "--dir", partner, genesis[0], "-q"])
        }
        try coalition.spread()
        let missing = try coalition.report("DE", site: "Early", capacity: 1, releaseTo: "NL")
        #expect(missing.status != 0 && missing.stderr.contains("no encryption key"), "\(missing.output)")
        for partner in Self.partners {
            try cli.ok(["roster", "propose", "encryption-key", "--dir", partner, "-q"])
            try coalition.spread()
        }

        // One coalition-wide figure, and three audiences: DE,NL,US; FR,NO; NL,US.
        try cli.ok([
            "report", "--dir", "DE", "--item", "SHELL-155-HE", "--site", "Open", "--period", "2026-11",
            "--capacity", "100", "--output", "1", "--stock", "1", "--threshold", "0", "-q",
        ])
        #expect(try coalition.report("DE", site: "Secret-A", capacity: 10, releaseTo: "NL,US").status == 0)
        #expect(try coalition.report("NO", site: "Secret-B", capacity: 20, releaseTo: "FR").status == 0)
        #expect(try coalition.report("US", site: "Secret-C", capacity: 30, releaseTo: "NL").status == 0)
        try coalition.spread()

        let expected: [String: [String]] = [
            "DE": ["Open", "Secret-A"],
            "FR": ["Open", "Secret-B"],
            "NL": ["Open", "Secret-A", "Secret-C"],
            "NO": ["Open", "Secret-B"],
            "US": ["Open", "Secret-A", "Secret-C"],
        ]
        let reference = try coalition.digests("DE")
        for partner in Self.partners {
            #expect(try coalition.sites(partner) == expected[partner], "\(partner) sees exactly its figures")
            let digests = try coalition.digests(partner)
            #expect(digests["state_digest"] as? String == reference["state_digest"] as? String, "\(partner)")
            #expect(digests["entry_set_digest"] as? String == reference["entry_set_digest"] as? String, "\(partner)")
            let audit = try cli.run(["audit", "--dir", partner, "--decrypt"])
            #expect(audit.status == 0, "audit --decrypt on \(partner): \(audit.output)")
            // Every node holds a sealed entry outside its audiences (verified, not opened) and opens its own.
            #expect(audit.stdout.contains("not released to \(partner)"), "\(audit.stdout)")
            #expect(audit.stdout.contains("opened: capacity report"), "\(audit.stdout)")
        }
        #expect(try coalition.released("NL") == ["Secret-A": ["DE", "NL", "US"], "Secret-C": ["NL", "US"]])
        #expect(try coalition.released("FR") == ["Secret-B": ["FR", "NO"]])
        // `state` kept the content keys NL opened (Secret-A, Secret-C) for the next command, private to its owner
        // (Protocol/releasability.md §9); garbage in that file changes no figure and is written over.
        let keptKeys = cli.path("NL/keys/opened-content-keys.cache")
        func kept() throws -> (mode: Int?, size: Int?) {
            let attributes = try FileManager.default.attributesOfItem(atPath: keptKeys)
            return ((attributes[.posixPermissions] as? NSNumber)?.intValue, (attributes[.size] as? NSNumber)?.intValue)
        }
        #expect(try kept().mode == 0o600)
        #expect(try kept().size == 2 * 68)
        try Data(repeating: 0xA5, count: 100).write(to: URL(fileURLWithPath: keptKeys))
        #expect(try coalition.sites("NL") == expected["NL"])
        #expect(try kept().size == 2 * 68)
        let grouped = try cli.ok(["state", "--dir", "NL", "--by", "partner", "--period", "2026-11"])
        #expect(grouped.contains("includes figures released to DE, NL, US only; NL, US only"), "\(grouped)")
        let groupedJSON = try coalition.json(["state", "--dir", "NL", "--by", "partner", "--period", "2026-11"])
        #expect((groupedJSON as? [String: Any])?["released"] == nil, "the grouped JSON keeps its schema")
        let log = try cli.ok(["log", "--dir", "FR"])
        #expect(log.contains("released to DE, NL, US only"), "\(log)")

        let audiences = try Dictionary(uniqueKeysWithValues: Self.partners.map { ($0, try coalition.audiences($0)) })
        #expect(Set(audiences["DE"]!.keys) == ["DE,NL,US"])
        #expect(Set(audiences["NL"]!.keys) == ["DE,NL,US", "NL,US"])
        #expect(Set(audiences["FR"]!.keys) == ["FR,NO"])
        #expect(audiences["DE"]!["DE,NL,US"] == audiences["NL"]!["DE,NL,US"])
        #expect(audiences["DE"]!["DE,NL,US"] == audiences["US"]!["DE,NL,US"])
        #expect(audiences["NL"]!["NL,US"] == audiences["US"]!["NL,US"])
        #expect(audiences["FR"]!["FR,NO"] == audiences["NO"]!["FR,NO"])
        #expect(audiences["NL"]!["NL,US"] != audiences["NL"]!["DE,NL,US"])

        // Aggregate release: the coalition gets 1,200 (rounded to 100), NL the exact 1,234.
        #expect(
            try cli.run([
                "report", "--dir", "DE", "--item", "SHELL-155-HE", "--site", "Aggregate", "--period", "2026-11",
                "--capacity", "1234", "--output", "1", "--stock", "1", "--threshold", "0", "-q",
                "--release-to", "NL", "--round-to", "100",
            ]).status == 0
        )
        try coalition.spread()
        for (partner, expected) in [("DE", 1234), ("NL", 1234), ("FR", 1200), ("NO", 1200), ("US", 1200)] {
            let rows =
                try coalition.json([
                    "state", "--dir", partner, "--item", "SHELL-155-HE", "--period", "2026-11", "--table", "sites",
                ]) as? [[String: Any]] ?? []
            let row = rows.first { $0["site"] as? String == "Aggregate" }
            #expect(row?["capacity"] as? Int == expected, "\(partner): \(String(describing: row))")
        }
        #expect(try coalition.released("NL")["Aggregate"] == ["DE", "NL"])
        #expect(try coalition.released("FR")["Aggregate"] == nil)

        // A need released to FR only, and FR's pledge towards it released back to NO: NL relays both unread.
        try cli.ok([
            "need", "--dir", "NO", "--id", "N-1", "--item", "SHELL-155-HE", "--quantity", "500", "--due",
            "2027-01-31", "--release-to", "FR", "-q",
        ])
        try coalition.spread()
        let pledge = try cli.run([
            "pledge", "--dir", "FR", "--need", "NO:N-1", "--quantity", "200", "--release-to", "NO",
        ])
        #expect(pledge.status == 0 && !pledge.stderr.contains("holds no need"), "\(pledge.output)")
        try coalition.spread()
        for (partner, sees) in [("NO", true), ("FR", true), ("NL", false), ("DE", false)] {
            let rows =
                try coalition.json(["state", "shortfalls", "--dir", partner, "--table", "shortfalls"])
                as? [[String: Any]] ?? []
            let row = rows.first { $0["need"] as? String == "NO:N-1" }
            #expect((row != nil) == sees, "\(partner): \(rows)")
            if sees { #expect(row?["pledged"] as? Int == 200, "\(partner): \(rows)") }
        }

        // NL rotates its encryption key: what was sealed to the old one still opens, later entries use the new one.
        try cli.ok(["roster", "propose", "encryption-key", "--dir", "NL", "--rotate", "-q"])
        try coalition.spread()
        #expect(try coalition.report("DE", site: "After-Rotation", capacity: 7, releaseTo: "NL").status == 0)
        try coalition.spread()
        let nlSites = try coalition.sites("NL")
        #expect(nlSites.contains("Secret-A") && nlSites.contains("After-Rotation"), "\(nlSites)")
        #expect(try cli.run(["audit", "--dir", "NL", "--decrypt"]).status == 0)
        // Without the retired key NL reads only what was sealed to its new key, which DE used after the rotation.
        let retired = cli.path("NL/keys/retired-encryption")
        try FileManager.default.moveItem(atPath: retired, toPath: retired + ".away")
        let newKeyOnly = try coalition.sites("NL")
        #expect(newKeyOnly.contains("After-Rotation") && !newKeyOnly.contains("Secret-A"), "\(newKeyOnly)")
        try FileManager.default.moveItem(atPath: retired + ".away", toPath: retired)

        // US leaves: nothing written after its removal is released to it.
        try cli.ok(["roster", "propose", "remove", "--dir", "DE", "US", "-q"])
        coalition.members.removeAll { $0 == "US" }  // its sessions are refused once the removal is adopted
        try coalition.spread()
        let toRemoved = try coalition.report("DE", site: "Late", capacity: 5, releaseTo: "NL,US")
        #expect(toRemoved.status != 0 && toRemoved.stderr.contains("removed"), "\(toRemoved.output)")
        #expect(try coalition.report("DE", site: "Late", capacity: 5, releaseTo: "NL").status == 0)
        try coalition.spread()
        #expect(try coalition.sites("NL").contains("Late"))
        // Even holding every entry (a bundle from NL, carried by hand), US cannot read what was written after it left.
        try cli.ok(["bundle", "create", "--dir", "NL", "--all", "--out", cli.path("nl-all.csb")])
        let carried = try cli.run(["bundle", "import", "--dir", "US", cli.path("nl-all.csb")])
        #expect(carried.status == 0, "\(carried.output)")
        let usLog = try cli.ok(["log", "--dir", "US"])
        #expect(usLog.contains("released to DE, NL only"), "US holds DE's late entry: \(usLog)")
        #expect(try !coalition.sites("US").contains("Late"))
        #expect(try !coalition.sites("FR").contains("Late"))
        _ = hub.stop()
    }
}
