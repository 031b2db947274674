import Foundation
import Testing

/// One daemon per node directory: a second `capsync serve` is refused, naming the running one.
@Suite struct ServeLockTests {
    @Test func aSecondServeOnTheSameNodeIsRefusedNamingThePid() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        let daemon = try CLI.Daemon(
            cli,
            arguments: ["--dir", "NO", "--sync-interval", "3600", "--log-level", "warning"]
        )
        let second = try cli.run(
            ["serve", "--dir", "NO", "--listen", "127.0.0.1:0", "--log-level", "warning"],
            timeout: 30
        )
        let (status, log) = daemon.stop()
        #expect(second.status == 1, "\(second.output)")
        #expect(
            second.stderr.contains(
                "another capsync serve (pid \(daemon.process.processIdentifier)) is already running"
            ),
            "\(second.stderr)"
        )
        #expect(second.stderr.contains("kill \(daemon.process.processIdentifier)"))
        #expect(status == 0, "\(log)")

        // The lock goes with the process: the node serves again once the first daemon is gone (the Daemon
        // helper throws unless it prints its listening address).
        let again = try CLI.Daemon(
            cli,
            arguments: ["--dir", "NO", "--sync-interval", "3600", "--log-level", "warning"]
        )
        _ = again.stop()
    }

    @Test func idCardAfterListeningOnPortZeroTakesTheDaemonsBoundAddress() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        let before = try cli.run(["id", "--dir", "NO", "--card"])
        #expect(before.status == 1)
        #expect(
            before.stderr.contains("the listen address 127.0.0.1:0 is not one peers can dial (no daemon is running"),
            "\(before.stderr)"
        )
        #expect(before.stderr.contains("--address HOST:PORT"))
        let daemon = try CLI.Daemon(
            cli,
            arguments: ["--dir", "NO", "--sync-interval", "3600", "--log-level", "warning"]
        )
        defer { _ = daemon.stop() }
        let card = try cli.ok(["id", "--dir", "NO", "--card"])
        #expect(card.contains("address \(daemon.address)"), "\(card)")
        #expect(
            try cli.ok(["id", "--dir", "NO", "--card", "--address", "no.example:7420"]).contains(
                "address no.example:7420"
            )
        )
    }

    @Test func commandsStillAppendWhileTheDaemonRuns() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.makeNodeNO()
        let daemon = try CLI.Daemon(
            cli,
            arguments: ["--dir", "NO", "--sync-interval", "3600", "--log-level", "warning"]
        )
        defer { _ = daemon.stop() }
        let report = try cli.report()
        #expect(report.status == 0, "\(report.output)")
    }
}
