import CapSyncCrypto
import CapSyncLog
import CapSyncNode
import CapSyncWire
import Foundation

/// What the load run builds before any session: a hub node directory (what `capsync serve` will run) whose own
/// chain holds the large store, a roster of the hub and every load peer, and one replica store that the load
/// peers share, so every peer starts from the hub's history and its syncs are incremental.
struct LoadSetup: Sendable {
    struct Peer: Sendable {
        let code: String
        let signingKey: Ed25519PrivateKey
        let tlsKey: Ed25519PrivateKey
        let certificate: X509Certificate
        var author: AuthorKey { AuthorKey(signingKey.publicKey) }
    }

    let root: String
    let hubDirectory: String
    let hubAuthor: AuthorKey
    let roster: Roster
    let peers: [Peer]
    let replica: LogStore

    /// Creates everything under `root`. `entries` go into the hub's own chain in batches of 10,000 (one fsync each).
    static func make(root: String, peerCount: Int, entries: Int, seed: UInt8) throws -> LoadSetup {
        let hubDirectory = root + "/hub"
        var options = NodeSetup.Options(partner: "HUB")
        options.listen = "127.0.0.1:0"
        let identity = try NodeSetup.create(at: hubDirectory, options: options)
        let hubAuthor = AuthorKey(identity.signingKey)
        var peers: [Peer] = []
        for index in 0..<peerCount {
            let code = String(format: "P%02d", index + 1)
            var seedBytes = [UInt8](repeating: seed, count: 32)
            seedBytes[0] = UInt8(index & 0xff)
            seedBytes[1] = UInt8(index >> 8)
            let signingKey = try Ed25519PrivateKey(seed: seedBytes)
            let tlsKey = try Ed25519PrivateKey.generate()
            let certificate = try X509Certificate.issueTLSCertificate(
                for: tlsKey.publicKey,
                partner: code,
                signedBy: signingKey
            )
            peers.append(Peer(code: code, signingKey: signingKey, tlsKey: tlsKey, certificate: certificate))
        }
        let roster = try Roster(
            serial: 2,
            members: [Roster.Member(partner: "HUB", key: hubAuthor)]
                + peers.map { Roster.Member(partner: $0.code, key: $0.author) }
        )
        let paths = NodePaths(root: hubDirectory)
        try NodeSetup.saveRoster(roster, paths)

        let hubStore = try LogStore(directory: paths.store, roster: roster)
        let hubKey = try NodeSetup.loadSigningKey(paths, passphrase: nil)
        var appended = 0
        let started = ContinuousClock.now
        while appended < entries {
            let count = min(10_000, entries - appended)
            let operations = (0..<count).map { i in
                (
                    kind: UInt64(1),
                    payload: Array("HUB capacity record \(appended + i) — SHELL-155-HE, site Raufoss".utf8)
                )
            }
            _ = try hubStore.append(operations, signingKey: hubKey, nowMilliseconds: Node.nowMilliseconds())
            appended += count
            if appended % 200_000 == 0 { say("  preloaded \(appended) entries (\(started.duration(to: .now)))") }
        }
        // The replica the load peers share starts as a byte copy of the hub's log: the peers already hold the
        // whole history, as partners that synced yesterday would.
        let replicaDirectory = root + "/replica"
        try FileManager.default.createDirectory(atPath: replicaDirectory, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: paths.store) where name != "LOCK" {
            try FileManager.default.copyItem(atPath: paths.store + "/" + name, toPath: replicaDirectory + "/" + name)
        }
        let replica = try LogStore(directory: replicaDirectory, roster: roster)
        return LoadSetup(
            root: root,
            hubDirectory: hubDirectory,
            hubAuthor: hubAuthor,
            roster: roster,
            peers: peers,
            replica: replica
        )
    }
}

/// Peak RSS, current RSS and open descriptors of another process, from /proc.
struct ProcessGauge {
    let pid: Int32

    /// kB values of "VmHWM" (peak resident set) and "VmRSS".
    func memory() -> (peakKB: Int, currentKB: Int) {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return (0, 0) }
        func value(_ key: String) -> Int {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return 0 }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
        }
        return (value("VmHWM"), value("VmRSS"))
    }

    func openDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
    }
}

/// One line to standard output, written at once (not held in a buffer when piped to a file).
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
