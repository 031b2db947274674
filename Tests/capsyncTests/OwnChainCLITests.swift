import Foundation
import Testing

/// Own-chain safety through the real binary: damage, a moved store and a forked key, each ending with a sync to
/// a peer that must record no fork of the node's key (unless the test makes one on purpose).
@Suite(.serialized) struct OwnChainCLITests {
    /// NO and NL know each other; NL runs a daemon NO syncs with.
    func setUp(_ cli: CLI) throws -> CLI.Daemon {
        var cards: [String: String] = [:]
        for partner in ["NO", "NL"] {
            try cli.ok(["init", "--dir", partner, "--partner", partner, "--listen", "127.0.0.1:0"])
            cards[partner] = try cli.ok(["id", "--dir", partner, "--card", "--address", "127.0.0.1:9"])
            try cards[partner]!.write(toFile: cli.path("\(partner).card"), atomically: true, encoding: .utf8)
        }
        try cli.ok(["roster", "add", "--dir", "NO", "NL.card"])
        try cli.ok(["roster", "add", "--dir", "NL", "NO.card"])
        let daemon = try CLI.Daemon(
            cli,
            arguments: ["--dir", "NL", "--sync-interval", "3600", "--log-level", "warning"]
        )
        let key =
            CLI.key(ofCard: cards["NL"]!)
        try cli.ok(["peers", "add", "--dir", "NO", "--partner", "NL", "--address", daemon.address, "--key", key])
        return daemon
    }

    @discardableResult
    func report(_ cli: CLI, _ node: String, _ month: Int) throws -> CLI.Result {
        try cli.run([
            "report", "--dir", node, "--item", "FUZE-PD", "--site", "Raufoss", "--period",
            String(format: "2026-%02d", month),
            "--capacity", "500", "--output", "400", "--stock", "90", "--threshold", "30",
        ])
    }

    func segment(_ cli: CLI, _ node: String) -> String { cli.path("\(node)/store/00000001.seg") }

    func size(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
    }

    func flip(_ path: String, at offset: Int) throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[offset] ^= 0x20
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    /// Every file's bytes (and the list of names): what "changed nothing" compares.
    func digestOfFiles(_ directory: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: directory) {
            files[name] = FileManager.default.contents(atPath: directory + "/" + name) ?? Data()
        }
        return files
    }

    /// NL, the peer, holds no fork proof and verifies everything.
    func expectPeerClean(_ cli: CLI, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let audit = try cli.run(["audit", "--dir", "NL", "--format", "json"])
        #expect(audit.status == 0, "\(audit.output)", sourceLocation: sourceLocation)
        #expect(
            audit.stdout.contains("\"fork_proofs\":0") || audit.stdout.contains("\"fork_proofs\" : 0"),
            "\(audit.stdout)",
            sourceLocation: sourceLocation
        )
    }

    @Test func damagedLastBatchIsReportedByStatusAndPutBackByTheWriter() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let daemon = try setUp(cli)
        defer { _ = daemon.stop() }
        for month in 1...2 { #expect(try report(cli, "NO", month).status == 0) }
        let lastBatch = try size(segment(cli, "NO"))
        #expect(try report(cli, "NO", 3).status == 0)
        try cli.ok(["sync", "--dir", "NO"])

        try flip(segment(cli, "NO"), at: lastBatch + 50)
        let before = try digestOfFiles(cli.path("NO"))
        let status = try cli.run(["status", "--dir", "NO"])
        #expect(status.status == 4)
        #expect(status.stdout.contains("STORE DAMAGE") && status.stdout.contains("00000001.seg"))
        #expect(status.stdout.contains("seq 3-3") || status.stdout.contains("seq 3"))
        for command in [["state"], ["log"], ["audit"]] {
            _ = try cli.run(command + ["--dir", "NO"])
        }
        #expect(try digestOfFiles(cli.path("NO")) == before, "a read-only command changed the node directory")

        let next = try report(cli, "NO", 4)
        #expect(next.status == 0, "\(next.output)")
        #expect(next.stdout.contains("appended seq 4"))
        #expect(next.stderr.contains("put back own entries seq 3-3"))
        try cli.ok(["sync", "--dir", "NO"])
        try expectPeerClean(cli)
    }

    @Test func movingADamagedStoreAsideWaitsForTheChainFromPeers() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let daemon = try setUp(cli)
        defer { _ = daemon.stop() }
        for month in 1...3 { #expect(try report(cli, "NO", month).status == 0) }
        try cli.ok(["sync", "--dir", "NO"])
        try flip(segment(cli, "NO"), at: 60)
        let refused = try report(cli, "NO", 4)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("mv store store.damaged"))

        // The advice, followed.
        try FileManager.default.moveItem(atPath: cli.path("NO/store"), toPath: cli.path("NO/store.damaged"))
        let behind = try report(cli, "NO", 4)
        #expect(behind.status != 0)
        #expect(behind.stderr.contains("signed up to seq 3"))
        let status = try cli.run(["status", "--dir", "NO"])
        #expect(status.stdout.hasPrefix("own appends refused"))
        try cli.ok(["sync", "--dir", "NO"])
        let next = try report(cli, "NO", 4)
        #expect(next.stdout.contains("appended seq 4"), "\(next.output)")
        try cli.ok(["sync", "--dir", "NO"])
        try expectPeerClean(cli)
    }

    @Test func aForkedOwnKeyStopsAppendsAndFailsSync() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let daemon = try setUp(cli)
        defer { _ = daemon.stop() }
        #expect(try report(cli, "NO", 1).status == 0)
        // A file-level copy of the whole node directory (not 'capsync restore'): both copies sign seq 2.
        try FileManager.default.copyItem(atPath: cli.path("NO"), toPath: cli.path("NO-copy"))
        #expect(try report(cli, "NO", 2).status == 0)
        #expect(try report(cli, "NO-copy", 3).status == 0)
        try cli.ok(["sync", "--dir", "NO-copy"])
        let sync = try cli.run(["sync", "--dir", "NO"])
        #expect(sync.status == 3)
        #expect(sync.stderr.contains("own signing key") && sync.stderr.contains("forked at seq 2"))
        let status = try cli.run(["status", "--dir", "NO"])
        #expect(status.stdout.hasPrefix("OWN KEY FORKED"))
        let heads = try cli.ok(["status", "--dir", "NO", "--format", "json", "--table", "heads"])
        let key = try #require(
            (try JSONSerialization.jsonObject(with: Data(heads.utf8)) as? [[String: Any]])?.first {
                $0["partner"] as? String == "NO"
            }?["author"] as? String
        )
        #expect(sync.stderr.contains("own signing key \(key) (NO) is forked"), "\(sync.stderr)")
        #expect(status.stdout.contains("signing key \(key) (NO) signed two different entries"))
        let refused = try report(cli, "NO", 4)
        #expect(refused.status != 0 && refused.stderr.contains("stopped for good"))
    }

    @Test func continuingByHandNeedsTheNextSeqAboveEveryKnownHead() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.ok(["init", "--dir", "NO", "--partner", "NO"])
        #expect(try report(cli, "NO", 1).status == 0)
        // Journal lost and store moved: nothing shows how far the key signed.
        for slot in ["own-chain.0", "own-chain.1"] {
            try? FileManager.default.removeItem(atPath: cli.path("NO/\(slot)"))
        }
        try FileManager.default.moveItem(atPath: cli.path("NO/store"), toPath: cli.path("NO/store.old"))
        let refused = try report(cli, "NO", 2)
        #expect(refused.status != 0 && refused.stderr.contains("--continue-own-chain-at 1"))
        let wrong = try cli.run(["repair", "--dir", "NO", "--continue-own-chain-at", "5"])
        #expect(wrong.status != 0 && wrong.stderr.contains("only continue at seq 1"))
        try cli.ok(["repair", "--dir", "NO", "--continue-own-chain-at", "1"])
        #expect(try report(cli, "NO", 2).stdout.contains("appended seq 1"))
    }
}

extension OwnChainCLITests {
    /// A restored node leaves its re-learn state only once it holds its own chain up to the highest head of its
    /// key seen, never because some session completed: a sync with a member that holds none of its chain proves
    /// nothing.
    @Test func restoredNodeIsNotReleasedByAPeerHoldingNoneOfItsChain() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let daemon = try setUp(cli)
        defer { _ = daemon.stop() }
        // A third partner, US, that NO's entries never reach.
        try cli.ok(["init", "--dir", "US", "--partner", "US", "--listen", "127.0.0.1:0"])
        let usCard = try cli.ok(["id", "--dir", "US", "--card", "--address", "127.0.0.1:9"])
        try usCard.write(toFile: cli.path("US.card"), atomically: true, encoding: .utf8)
        for (node, cards) in [("US", ["NO.card", "NL.card"]), ("NO", ["US.card"]), ("NL", ["US.card"])] {
            try cli.ok(["roster", "add", "--dir", node] + cards)
        }
        let us = try CLI.Daemon(cli, arguments: ["--dir", "US", "--sync-interval", "3600", "--log-level", "warning"])
        defer { _ = us.stop() }
        #expect(try report(cli, "NO", 1).status == 0)
        try cli.ok(["backup", "--dir", "NO", "backup-old"])
        for month in 2...3 { #expect(try report(cli, "NO", month).status == 0) }
        try cli.ok(["sync", "--dir", "NO", "--peer", "NL"])

        try cli.ok(["restore", "--dir", "NO-restored", "backup-old"])
        let usKey = CLI.key(ofCard: usCard)
        try cli.ok(["peers", "add", "--dir", "NO-restored", "--partner", "US", "--address", us.address, "--key", usKey])
        try cli.ok(["sync", "--dir", "NO-restored", "--peer", "US"])
        let stillRefused = try report(cli, "NO-restored", 4)
        #expect(
            stillRefused.status != 0 && stillRefused.stderr.contains("restored from a backup"),
            "\(stillRefused.output)"
        )
        // NL holds NO's chain up to seq 3: syncing with it brings the chain back, and appends continue at 4.
        try cli.ok(["sync", "--dir", "NO-restored", "--peer", "NL"])
        #expect(try report(cli, "NO-restored", 4).stdout.contains("appended seq 4"))
        try cli.ok(["sync", "--dir", "NO-restored", "--peer", "NL"])
        try expectPeerClean(cli)
    }
}
