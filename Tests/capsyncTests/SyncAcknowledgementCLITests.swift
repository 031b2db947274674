import Foundation
import Testing

/// The real binary, two partners over real mutual TLS on loopback: what `capsync sync` reports is what the peer
/// acknowledged having stored; `--quiet` leaves out info and progress but never the result; `capsync serve`
/// writes one line to standard output and everything else to standard error.
@Suite(.serialized) struct SyncAcknowledgementCLITests {
    /// Nodes NO and NL, each holding the other's key in its roster; NL serves, NO has NL as its peer.
    func makePair(_ cli: CLI, serveArguments: [String] = []) throws -> CLI.Daemon {
        for partner in ["NO", "NL"] {
            try cli.ok(["init", "--dir", partner, "--partner", partner, "--listen", "127.0.0.1:0"])
            try cli.write(
                try cli.ok(["id", "--dir", partner, "--card", "--address", "127.0.0.1:9"]),
                to: partner + ".card"
            )
        }
        try cli.ok(["roster", "add", "--dir", "NO", "NL.card"])
        try cli.ok(["roster", "add", "--dir", "NL", "NO.card"])
        let daemon = try CLI.Daemon(cli, arguments: ["--dir", "NL", "--sync-interval", "3600"] + serveArguments)
        let card = try cli.ok(["id", "--dir", "NL", "--card", "--address", daemon.address])
        try cli.write(card, to: "NL-live.card")
        try cli.ok(["peers", "add", "--dir", "NO", "NL-live.card"])
        return daemon
    }

    func report(_ cli: CLI, _ node: String, months: ClosedRange<Int>) throws {
        for month in months {
            try cli.ok([
                "report", "--dir", node, "--quiet", "--item", "SHELL-155-HE", "--site", "Site-\(node)", "--period",
                String(format: "2026-%02d", month), "--capacity", "100", "--output", "90", "--stock", "40",
                "--threshold", "10",
            ])
        }
    }

    @Test func syncReportsWhatThePeerAcknowledgedStoring() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let daemon = try makePair(cli)
        defer { _ = daemon.stop() }
        try report(cli, "NO", months: 1...3)
        try report(cli, "NL", months: 1...1)

        let first = try cli.run(["sync", "--dir", "NO"])
        #expect(first.status == 0, "\(first.output)")
        #expect(
            first.stdout.contains("sent 3 (peer stored 3 new, 0 already held), received 1 (stored 1)"),
            "\(first.stdout)"
        )
        #expect(!first.stdout.contains("entries_out"), "the table for people says it in words: \(first.stdout)")

        try report(cli, "NO", months: 4...5)
        let second = try cli.run(["sync", "--dir", "NO", "--format", "json"])
        #expect(second.status == 0, "\(second.output)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [[String: Any]])
        let row = try #require(rows.first)
        #expect(row["status"] as? String == "ok")
        #expect(row["entries_out"] as? Int == 2)
        #expect(row["peer_stored"] as? Int == 2, "\(row)")
        #expect(row["peer_already_held"] as? Int == 0, "\(row)")
        #expect(row["peer_refused"] as? Int == 0, "\(row)")
        #expect(row["peer_fork_proofs_kept"] as? Int == 0, "\(row)")
        #expect(row["entries_in"] as? Int == 0)
        #expect(row["result"] as? String == "sent 2 (peer stored 2 new, 0 already held), received 0 (stored 0)")

        let digest = try cli.ok(["state", "--dir", "NL", "--digest", "--format", "json"])
        #expect(digest.contains("\"entries\" : 6"), "NL holds what it acknowledged: \(digest)")
        // status keeps what the peer acknowledged of the last session.
        let status = try cli.ok(["status", "--dir", "NO", "--format", "json", "--table", "peers"])
        let peers = try #require(try JSONSerialization.jsonObject(with: Data(status.utf8)) as? [[String: Any]])
        #expect(peers.first?["peer_stored"] as? Int == 2, "\(peers)")
    }

    @Test func quietSyncPrintsTheResultAndNoInfo() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let daemon = try makePair(cli)
        defer { _ = daemon.stop() }
        try report(cli, "NO", months: 1...2)
        let loud = try cli.run(["sync", "--dir", "NO", "--log-level", "trace"])
        #expect(loud.status == 0, "\(loud.output)")
        #expect(!loud.stderr.isEmpty, "trace logging says something on standard error")
        try report(cli, "NO", months: 3...3)
        let quiet = try cli.run(["sync", "--dir", "NO", "--log-level", "trace", "--quiet"])
        #expect(quiet.status == 0, "\(quiet.output)")
        #expect(quiet.stderr.isEmpty, "--quiet leaves out info lines: \(quiet.stderr)")
        #expect(quiet.stdout.contains("sent 1 (peer stored 1 new, 0 already held)"), "\(quiet.stdout)")
        // Errors are never left out.
        let failed = try cli.run(["sync", "--dir", "NO", "--quiet", "--peer", "XX"])
        #expect(failed.status != 0 && failed.stderr.contains("XX"), "\(failed.output)")
    }

    @Test(arguments: [false, true])
    func serveWritesOnlyTheListeningLineToStandardOutput(quiet: Bool) throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let daemon = try makePair(cli, serveArguments: ["--log-level", "trace"] + (quiet ? ["--quiet"] : []))
        try report(cli, "NO", months: 1...1)
        try report(cli, "NL", months: 1...1)
        // A session makes the daemon log; none of it may reach standard output.
        let sync = try cli.run(["sync", "--dir", "NO"])
        #expect(sync.status == 0, "\(sync.output)")
        let (status, stdout, stderr) = daemon.stopCollectingOutput()
        #expect(status == 0, "\(stderr)")
        #expect(stdout == "listening on \(daemon.address)\n", "standard output: \(stdout)")
        if quiet {
            #expect(!stderr.contains("shutting down") && !stderr.contains("sync session"), "\(stderr)")
        } else {
            #expect(stderr.contains("shutting down") && stderr.contains("sync session done"), "\(stderr)")
        }
    }
}
