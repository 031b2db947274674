import CapSyncCrypto
import Foundation
import Testing

/// What `capsync sync` and `capsync serve` say when the network fails: in words, with the address, once.
@Suite struct SyncOutputTests {
    @Test func refusedConnectionIsReportedOnceInWords() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.ok(["init", "--dir", "NO", "--partner", "NO"])
        let key = try Ed25519PrivateKey.generate().publicKey.base64
        try cli.ok(["roster", "add", "--dir", "NO", "--partner", "NL", "--key", key])
        try cli.ok(["peers", "add", "--dir", "NO", "--partner", "NL", "--address", "127.0.0.1:1", "--key", key])
        let sync = try cli.run(["sync", "--dir", "NO"])
        #expect(sync.status == 3)
        #expect(sync.output.components(separatedBy: "connection refused by 127.0.0.1:1").count == 2, "\(sync.output)")
        #expect(!sync.output.contains("SingleConnectionFailure") && !sync.output.contains("errno"), "\(sync.output)")
    }

    @Test func busyListenAddressIsNamed() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.ok(["init", "--dir", "NO", "--partner", "NO", "--listen", "127.0.0.1:0"])
        try cli.ok(["init", "--dir", "NL", "--partner", "NL", "--listen", "127.0.0.1:0"])
        let daemon = try CLI.Daemon(
            cli,
            arguments: ["--dir", "NO", "--sync-interval", "3600", "--log-level", "warning"]
        )
        defer { _ = daemon.stop() }
        let second = try cli.run(["serve", "--dir", "NL", "--listen", daemon.address])
        #expect(second.status != 0)
        #expect(second.stderr.contains("address \(daemon.address) already in use"), "\(second.stderr)")
    }
}
