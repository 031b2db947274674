import CapSyncCrypto
import CapSyncNode
import CapSyncWire
import Foundation
import Testing

@Suite struct NodeFilesTests {
    func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "capsync-node-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func configRoundTripsAndRejectsBadValues() throws {
        var config = NodeConfig(partner: "NO", listen: "127.0.0.1:7420", syncTime: "03:15")
        config.jitterMinutes = 10
        #expect(try NodeConfig(toml: config.tomlText) == config)
        #expect(throws: NodeError.self) { try NodeConfig(toml: "partner = \"no\"\n") }
        #expect(throws: NodeError.self) { try NodeConfig(toml: "partner = \"NO\"\nlisten = \"nowhere\"\n") }
        #expect(throws: NodeError.self) { try NodeConfig(toml: "partner = \"NO\"\n[sync]\ntime = \"25:00\"\n") }
        #expect(throws: NodeError.self) { try NodeConfig(toml: "partner = \"NO\"\nlistn = \"1.2.3.4:5\"\n") }
        #expect { try NodeConfig(toml: "partner = [\n", path: "x.toml") } throws: { "\($0)".contains("x.toml") }
    }

    @Test func peerListRoundTrips() throws {
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 3, count: 32))
        var peers = PeerList()
        try peers.add(.init(partner: "NL", address: "10.0.0.2:7420", key: AuthorKey(key.publicKey)))
        try peers.add(.init(partner: "US", address: "[::1]:7421", key: AuthorKey(key.publicKey)))
        #expect(try PeerList(toml: peers.tomlText) == peers)
        #expect(throws: NodeError.self) {
            try peers.add(.init(partner: "US", address: "[::1]:7421", key: AuthorKey(key.publicKey)))
        }
        #expect(peers.remove("NL") == 1)
        #expect(peers.peers.map(\.partner) == ["US"])
    }

    @Test func trustCardVerifiesAndRefusesTampering() throws {
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 9, count: 32))
        let card = try TrustCard(partner: "NO", address: "no.example:7420", signingKey: key)
        let parsed = try TrustCard(text: card.text)
        #expect(parsed == card)
        #expect(parsed.key == AuthorKey(key.publicKey))
        for (from, to) in [("partner NO", "partner NX"), ("no.example:7420", "evil.example:7420")] {
            #expect(throws: NodeError.self) { try TrustCard(text: card.text.replacingOccurrences(of: from, with: to)) }
        }
        #expect(throws: NodeError.self) { try TrustCard(text: "capsync-card v1\npartner NO\n") }
    }

    @Test func initCreatesALoadableNodeAndRefusesASecondInit() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var options = NodeSetup.Options(partner: "NO")
        options.passphrase = "correct horse"
        let identity = try NodeSetup.create(at: root, options: options)
        let paths = NodePaths(root: root)
        #expect(try NodeSetup.loadConfig(paths).partner == "NO")
        let roster = try NodeSetup.loadRoster(paths)
        #expect(roster.partner(of: AuthorKey(identity.signingKey)) == "NO")
        #expect(throws: NodeError.self) { try NodeSetup.loadSigningKey(paths, passphrase: nil) }
        #expect(try NodeSetup.loadSigningKey(paths, passphrase: "correct horse").publicKey == identity.signingKey)
        let tls = try NodeSetup.loadTLSIdentity(paths)
        #expect(tls.certificate.isSigned(by: identity.signingKey))
        let mode = try FileManager.default.attributesOfItem(atPath: paths.signingKey)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(throws: NodeError.self) { try NodeSetup.create(at: root, options: .init(partner: "NO")) }
    }

    @Test func hostPortParsing() throws {
        #expect(try HostPort("127.0.0.1:7420") == HostPort("127.0.0.1:7420"))
        #expect(try HostPort("[::1]:9").host == "::1")
        #expect(try HostPort(":7420").host == "0.0.0.0")
        for bad in ["x", "x:0", "x:70000", "[::1]9", "a\\\\b:20", "a\"b:20", "a b:20", "[fe80::1\n]:9"] {
            #expect(throws: NodeError.self) { try HostPort(bad) }
        }
        #expect(try HostPort("node-1.example_org:7420").host == "node-1.example_org")
        #expect(try HostPort("[fe80::1%eth0]:9").host == "fe80::1%eth0")
    }
}
