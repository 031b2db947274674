import Foundation
import Testing

/// Machine output of the real binary: every command's JSON against its schema in docs/json-schemas/, CSV as one
/// table a stream, keys in one text form.
@Suite struct MachineOutputTests {
    static let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/json-schemas").path

    /// Each schema file and the command whose JSON output it describes.
    static let commands: [(schema: String, arguments: [String], status: Set<Int32>)] = [
        ("state.json", ["state", "--dir", "NO"], [0]),
        ("state.json", ["state", "--dir", "NO", "--item", "SHELL-155-HE", "--period", "2026-12"], [0]),
        ("state-by.json", ["state", "--dir", "NO", "--by", "partner", "--period", "2026-11"], [0]),
        ("state-by.json", ["state", "--dir", "NO", "--by", "site", "--period", "2026-11"], [0]),
        ("state-by.json", ["state", "--dir", "NO", "--by", "item", "--period", "2026-11"], [0]),
        ("state-trend.json", ["state", "trend", "--dir", "NO", "--item", "SHELL-155-HE", "--period", "2026-11"], [0]),
        ("state-shortfalls.json", ["state", "shortfalls", "--dir", "NO", "--match", "--period", "2026-11"], [0]),
        ("state-shortfalls.json", ["state", "shortfalls", "--dir", "NO"], [0]),
        ("state-partner.json", ["state", "--dir", "NO", "--partner", "NO"], [0]),
        ("state-digest.json", ["state", "--dir", "NO", "--digest"], [0]),
        ("state-diff.json", ["state", "diff", "--dir", "NO", "--since", "2026-01-01"], [0]),
        ("state-pools.json", ["state", "pools", "--dir", "NO"], [0]),
        ("state-drawdowns.json", ["state", "drawdowns", "--dir", "NO", "--period", "2026-11"], [0]),
        ("state-deliveries.json", ["state", "deliveries", "--dir", "NO", "--period", "2026-11"], [0]),
        ("state-orders.json", ["state", "orders", "--dir", "NO"], [0]),
        (
            "state-projection.json",
            ["state", "projection", "--dir", "NO", "--item", "SHELL-155-HE", "--period", "2026-10"], [0]
        ),
        ("log.json", ["log", "--dir", "NO"], [0]),
        ("log-ignored.json", ["log", "--dir", "NO", "--ignored"], [0]),
        ("status.json", ["status", "--dir", "NO"], [0]),
        ("audit.json", ["audit", "--dir", "NO"], [0, 4]),
        ("roster.json", ["roster", "--dir", "NO"], [0]),
        ("peers.json", ["peers", "list", "--dir", "NO"], [0]),
        ("id.json", ["id", "--dir", "NO"], [0]),
        ("catalog.json", ["catalog"], [0]),
        ("catalog.json", ["catalog", "--dir", "NO"], [0]),
        (
            "state-interchangeable.json",
            ["state", "--dir", "NO", "--by", "item", "--interchangeable", "--period", "2026-11"], [0]
        ),
        (
            "state-interchangeable.json",
            ["state", "--dir", "NO", "--by", "site", "--interchangeable", "--period", "2026-11"], [0]
        ),
        (
            "state-interchangeable.json",
            ["state", "--dir", "NO", "--item", "SHELL-155-HE", "--interchangeable", "--period", "2026-11"], [0]
        ),
        (
            "state-shortfalls.json",
            ["state", "shortfalls", "--dir", "NO", "--match", "--interchangeable", "--period", "2026-11"], [0]
        ),
        ("sync.json", ["sync", "--dir", "NO"], [3]),
        ("bundle-create.json", ["bundle", "create", "--dir", "NO", "--all", "--out", "all.csb"], [0]),
        ("bundle-import.json", ["bundle", "import", "--dir", "NO", "all.csb"], [0]),
        ("bundle-verify.json", ["bundle", "verify", "all.csb", "--roster", "NO/roster.txt"], [0, 4]),
        ("export.json", ["export", "sqlite", "--dir", "NO", "export.db"], [0]),
    ]

    /// Node NO with a report, a need, a pledge, a pool, a peer NL that refuses connections (one failed sync), a
    /// change of its own key's last valid seq so that one of its entries is ignored, and a retraction.
    func makeBusyNode(_ cli: CLI) throws {
        try cli.ok(["init", "--dir", "NO", "--partner", "NO", "--listen", "127.0.0.1:0"])
        try cli.ok(["init", "--dir", "NL", "--partner", "NL", "--listen", "127.0.0.1:0"])
        let card = try cli.ok(["id", "--dir", "NL", "--card", "--address", "127.0.0.1:1"])
        try cli.write(card, to: "NL.card")
        try cli.ok(["roster", "add", "--dir", "NO", "NL.card"])
        try cli.ok(["peers", "add", "--dir", "NO", "NL.card"])
        #expect(try cli.report(extra: ["--constraints", "TNT, one shift"]).status == 0)
        #expect(try cli.report(period: "2026-10").status == 0)
        try cli.ok([
            "need", "--dir", "NO", "--id", "NEED-1", "--item", "SHELL-155-HE", "--quantity", "5", "--due", "2027-01-31",
        ])
        try cli.ok([
            "need", "--dir", "NO", "--id", "NEED-1", "--item", "SHELL-155-HE", "--quantity", "7", "--due", "2027-01-31",
            "--close",
        ])
        try cli.ok(["pledge", "--dir", "NO", "--need", "NL:NEED-9", "--quantity", "3"])
        try cli.ok(["pool", "join", "--dir", "NO", "--item", "BARREL-155"])
        try cli.ok(["retract", "--dir", "NO", "--item", "SHELL-155-HE", "--site", "Raufoss", "--period", "2026-10"])
        #expect(try cli.run(["sync", "--dir", "NO"]).status == 3)
        let key = try #require(
            (try JSONSerialization.jsonObject(with: Data(try cli.ok(["id", "--dir", "NO", "--format", "json"]).utf8))
                as? [[String: Any]])?.first?["signing_key"] as? String
        )
        try cli.ok(["roster", "add", "--dir", "NO", "--partner", "NO", "--key", key, "--last-seq", "6"])
    }

    /// The validation errors of a JSON document against a schema (Python's `jsonschema`, Draft 2020-12).
    func schemaErrors(document: String, schema: String, in cli: CLI) throws -> String {
        try cli.write(document, to: "document.json")
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            errors = jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2])))
            for e in errors: print(list(e.absolute_path), e.message)
            """
        let result = try CLI.exec(
            "/usr/bin/env",
            ["python3", "-c", script, Self.schemas + "/" + schema, cli.path("document.json")],
            in: cli.directory
        )
        return result.status == 0 ? result.stdout : "validator failed: \(result.output)"
    }

    @Test func everyCommandsJSONMatchesItsSchema() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try makeBusyNode(cli)
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.schemas).filter { $0.hasSuffix(".json") }
        #expect(
            Set(files)
                == Set(Self.commands.map(\.schema)).union(RosterChainOutputTests.schemas)
                .union(ProjectionCLITests.schemas),
            "every schema has a command and every command one"
        )
        for (schema, arguments, status) in Self.commands {
            let result = try cli.run(arguments + ["--format", "json"])
            #expect(status.contains(result.status), "\(arguments): \(result.output)")
            let errors = try schemaErrors(document: result.stdout, schema: schema, in: cli)
            #expect(errors.isEmpty, "capsync \(arguments.joined(separator: " ")) against \(schema):\n\(errors)")
        }
        let ignored = try cli.ok(["log", "--dir", "NO", "--ignored", "--format", "json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(ignored.utf8)) as? [[String: Any]])
        #expect(rows.count == 1, "\(ignored)")
        #expect(rows.first?["kind"] as? String == "report retraction")
        #expect((rows.first?["entry"] as? String)?.count == 64)
        let state = try cli.ok(["state", "--dir", "NO", "--format", "json"])
        let view = try #require(try JSONSerialization.jsonObject(with: Data(state.utf8)) as? [String: Any])
        #expect((view["ignored"] as? [Any])?.count == 1)
        let ignoredCSV = try cli.ok(["state", "--dir", "NO", "--format", "csv", "--table", "ignored"])
        #expect(ignoredCSV.hasPrefix("partner,author,seq,kind,reason,detail,entry\n"), "\(ignoredCSV)")
        let status = try cli.ok(["status", "--dir", "NO", "--format", "json"])
        #expect(status.contains("\"roster_mismatch\" : false"), "\(status)")
        let diff = try cli.ok(["state", "diff", "--dir", "NO", "--since", "2026-01-01", "--format", "json"])
        #expect(diff.contains("\"constraints\" : \"TNT, one shift\""), "\(diff)")
        let changes = try #require(try JSONSerialization.jsonObject(with: Data(diff.utf8)) as? [[String: Any]])
        let need = try #require(changes.first { $0["area"] as? String == "need" })
        #expect(need["before"] is NSNull, "\(need)")
        #expect((need["after"] as? [String: Any])?["open"] as? Bool == false, "\(need)")
        #expect((need["after"] as? [String: Any])?["quantity"] as? Int == 7, "\(need)")
        let words = try cli.ok(["state", "diff", "--dir", "NO", "--since", "2026-01-01"])
        #expect(words.contains("capacity 100, output 90"), "tables keep the words: \(words)")
    }

    @Test func csvIsOneTableAStream() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try makeBusyNode(cli)
        for arguments in [
            ["state", "--dir", "NO"], ["state", "--dir", "NO", "--partner", "NO"], ["status", "--dir", "NO"],
        ] {
            let refused = try cli.run(arguments + ["--format", "csv"])
            #expect(refused.status == 64, "\(refused.output)")
            #expect(refused.stderr.contains("one table a stream"))
            #expect(refused.stdout.isEmpty)
        }
        #expect(
            try cli.run(["state", "--dir", "NO", "--format", "csv"]).stderr.contains(
                "totals, shortfalls, below_threshold, pools"
            )
        )
        let totals = try cli.ok(["state", "--dir", "NO", "--format", "csv", "--table", "totals"])
        #expect(totals.hasPrefix("item,unit,period,capacity_per_month,"), "\(totals)")
        #expect(totals.contains("\n\n") == false)
        #expect(totals.split(separator: "\n").filter { $0.hasPrefix("item,") }.count == 1)
        let peers = try cli.ok(["status", "--dir", "NO", "--format", "csv", "--table", "peers"])
        #expect(peers.hasPrefix("peer,label,last_success,"), "\(peers)")
        #expect(peers.contains(",false,") || peers.contains(",no,"), "\(peers)")
        let pools = try cli.ok(["state", "--dir", "NO", "--format", "json", "--table", "pools"])
        #expect(
            (try JSONSerialization.jsonObject(with: Data(pools.utf8)) as? [[String: Any]])?.first?["members"]
                as? [String] == ["NO"]
        )
        let unknown = try cli.run(["status", "--dir", "NO", "--format", "csv", "--table", "nope"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("heads, peers, silent_partners, forks, far_future"), "\(unknown.stderr)")
        let help = try cli.run(["state", "--help"])
        #expect(help.stdout.contains("--table") && help.stdout.contains("below_threshold"))
    }

    @Test func keysAreBase64WithThePartnerCodeEverywhere() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try makeBusyNode(cli)
        let id = try cli.ok(["id", "--dir", "NO", "--format", "json"])
        let key = try #require(
            (try JSONSerialization.jsonObject(with: Data(id.utf8)) as? [[String: Any]])?.first?["signing_key"]
                as? String
        )
        let hex = Data(base64Encoded: key)!.map { String(format: "%02x", $0) }.joined()
        for arguments in [["log", "--dir", "NO"], ["status", "--dir", "NO"], ["audit", "--dir", "NO"]] {
            let output = try cli.run(arguments).stdout
            let line = output.split(separator: "\n").first { $0.contains(key) }
            #expect(line?.contains("NO") == true, "capsync \(arguments.joined(separator: " ")): \(output)")
            #expect(output.contains(hex.prefix(16)) == false, "no hex key in \(arguments): \(output)")
        }
        #expect(try cli.ok(["log", "--dir", "NO", "--ignored"]).contains(key))
        #expect(try cli.ok(["log", "--dir", "NO", "--author", key, "--format", "csv"]).contains(key))

        let audit = try cli.run(["audit", "--dir", "NO", "--export", "export"])
        #expect([0, 4].contains(audit.status), "\(audit.output)")
        let index = try String(contentsOfFile: cli.path("export/index.csv"), encoding: .utf8)
        #expect(index.hasPrefix("folder,partner,key,first_seq,last_seq\n"), "\(index)")
        #expect(index.contains("\(hex),NO,\(key),1,"), "\(index)")
        #expect(FileManager.default.fileExists(atPath: cli.path("export/\(hex)/partner")))
    }
}

/// The roster chain commands' JSON: two partners adopt a genesis through a daemon, then one proposes a change.
@Suite(.serialized) struct RosterChainOutputTests {
    /// The schemas this suite checks (a roster chain needs two nodes and a daemon, which the busy node lacks).
    static let schemas: Set<String> = ["roster-proposal.json", "roster-pending.json", "roster-log.json"]

    @Test func rosterChainCommandsMatchTheirSchemas() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        for partner in ["NO", "NL"] {
            try cli.ok(["init", "--dir", partner, "--partner", partner, "--listen", "127.0.0.1:0"])
            try cli.write(
                try cli.ok(["id", "--dir", partner, "--card", "--address", "127.0.0.1:9"]),
                to: "\(partner).card"
            )
        }
        try cli.ok(["roster", "add", "--dir", "NO", "NL.card"])
        try cli.ok(["roster", "add", "--dir", "NL", "NO.card"])
        let daemon = try CLI.Daemon(cli, arguments: ["--dir", "NL", "--sync-interval", "86400"])
        defer { _ = daemon.stop() }
        let nlKey = CLI.key(ofCard: try cli.ok(["id", "--dir", "NL", "--card", "--address", "127.0.0.1:9"]))
        try cli.ok(["peers", "add", "--dir", "NO", "--partner", "NL", "--address", daemon.address, "--key", nlKey])
        let proposal = try cli.ok([
            "roster", "propose", "genesis", "--dir", "NO", "--threshold", "1/2", "--format", "json",
        ])
        let checker = MachineOutputTests()
        #expect(try checker.schemaErrors(document: proposal, schema: "roster-proposal.json", in: cli) == "")
        try cli.ok(["sync", "--dir", "NO"])
        let pending = try cli.ok(["roster", "pending", "--dir", "NL", "--format", "json"])
        #expect(try checker.schemaErrors(document: pending, schema: "roster-pending.json", in: cli) == "")
        let id = try #require(
            (try JSONSerialization.jsonObject(with: Data(pending.utf8)) as? [[String: Any]])?.first?["id"] as? String
        )
        let approved = try cli.ok(["roster", "approve", "--dir", "NL", id, "--format", "json"])
        #expect(try checker.schemaErrors(document: approved, schema: "roster-proposal.json", in: cli) == "")
        #expect(approved.contains("\"adopted\" : true"), "\(approved)")
        try cli.ok(["sync", "--dir", "NO"])
        let log = try cli.ok(["roster", "log", "--dir", "NO", "--format", "json"])
        #expect(try checker.schemaErrors(document: log, schema: "roster-log.json", in: cli) == "")
        #expect(log.contains("\"serial\" : 1"))
        let status = try cli.ok(["status", "--dir", "NO", "--format", "json"])
        #expect(try checker.schemaErrors(document: status, schema: "status.json", in: cli) == "")
        #expect(status.contains("\"adopted\" : true"), "\(status)")
    }
}
