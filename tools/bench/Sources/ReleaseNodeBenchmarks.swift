import CapSyncCrypto
import CapSyncLog
import CapSyncMerge
import CapSyncNode
import CapSyncWire
import Foundation

/// A node's own view and audience digests as a one-shot command (`capsync state`, `state --digest`) computes
/// them: a fresh `Node` of the directory, its store read from disk, sealed entries opened cold (no file of opened
/// keys) and warm (the file the previous command left). The coalition fold of the same store, which opens
/// nothing, is the baseline. Two audiences of NL, so the digests fold twice.
enum ReleaseNodeBenchmarks {
    static func run(
        _ context: BenchContext,
        author: Ed25519PrivateKey,
        decryption: [String: X25519PrivateKey],
        plain: [(kind: UInt64, payload: [UInt8])],
        sealedForThree: [(kind: UInt64, payload: [UInt8])]
    ) throws {
        let root = context.scratchDirectory("release-node")
        let writer = context.scratchDirectory("release-node-writer")
        defer {
            context.remove(root)
            context.remove(writer)
        }
        try? FileManager.default.removeItem(atPath: root)
        let paths = NodePaths(root: root)
        let identity = try NodeSetup.create(at: root, options: .init(partner: "NL"))
        let authorKey = AuthorKey(author.publicKey)
        let roster = try Roster(
            serial: 1,
            members: [.init(partner: "NL", key: AuthorKey(identity.signingKey)), .init(partner: "DE", key: authorKey)]
        )
        try NodeSetup.saveRoster(roster, paths)
        try KeyFile.writeEncryptionKey(decryption["NL"]!, to: paths.encryptionKey)

        // Half the sealed reports as before (DE, NL, US), the other half sealed again for DE and NL only.
        let half = sealedForThree.count / 2
        var operations = plain + Array(sealedForThree.prefix(half))
        for operation in plain.suffix(sealedForThree.count - half) {
            let payload = try SealedEnvelope.seal(
                kind: operation.kind,
                payload: operation.payload,
                recipients: ["DE": decryption["DE"]!.publicKey, "NL": decryption["NL"]!.publicKey],
                rosterSerial: 1,
                author: authorKey
            )
            operations.append((kind: SealedPayload.kind, payload: payload.encoded))
        }
        let source = try LogStore(directory: writer, roster: roster)
        var entries: [Entry] = []
        var now: UInt64 = 1_760_000_000_000
        var start = 0
        while start < operations.count {
            now += 1
            let batch = Array(operations[start..<min(start + 500, operations.count)])
            entries += try source.append(batch, signingKey: author, nowMilliseconds: now)
            start += batch.count
        }
        _ = try Node(root: root).store.ingest(entries, nowMilliseconds: Node.nowMilliseconds())
        let sealedCount = sealedForThree.count
        print("   node of NL: \(entries.count) entries, \(sealedCount) sealed to it under 2 labels")

        func measure(_ name: String, cold: Bool, _ body: (Node) throws -> Void) throws {
            if cold { try? FileManager.default.removeItem(atPath: paths.openedContentKeys) }
            var reused = 0
            let seconds = try BenchContext.seconds {
                let node = try Node(root: root, access: .readOnly)
                try body(node)
                reused = try node.sealedReader()?.openedKeys.reusedCount ?? 0
            }
            BenchContext.report(
                name,
                value: seconds * 1000,
                unit: "ms",
                limit: "\(BenchContext.format(Double(entries.count) / seconds)) entries/s, \(reused) kept keys used",
                target: nil,
                meets: nil
            )
        }
        try measure("node: coalition fold (opens nothing)", cold: true) { _ = try $0.coalitionState() }
        try measure("node: own view, cold (no kept keys)", cold: true) { _ = try $0.viewState() }
        try measure("node: own view, warm (kept keys file)", cold: false) { _ = try $0.viewState() }
        try measure("node: audience digests, cold", cold: true) { _ = try $0.audienceDigests() }
        try measure("node: audience digests, warm", cold: false) { _ = try $0.audienceDigests() }
        try measure("node: view + audience digests, cold", cold: true) {
            _ = try $0.viewState()
            _ = try $0.audienceDigests()
        }
        try measure("node: view + audience digests, warm", cold: false) {
            _ = try $0.viewState()
            _ = try $0.audienceDigests()
        }
    }
}
