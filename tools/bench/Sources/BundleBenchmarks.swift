import CapSyncCrypto
import CapSyncLog
import CapSyncNode
import CapSyncSync
import CapSyncWire
import Foundation
import Logging

/// Bundle figures (README, performance; Protocol/bundle.md §8): N entries from 40 authors written to a bundle file
/// and imported into a fresh store (verify pass, then the ingest pass that checks every signature), beside the
/// all-cores Ed25519 verify rate measured in the same run; and the bundle's bytes per entry against the sync
/// protocol's application bytes for the same entries (a full sync over TLS of the same store).
enum BundleBenchmarks {
    static func run(_ context: BenchContext) throws {
        let limits = context.limits
        let authors = try (0..<StoreBenchmarks.authorCount).map {
            try Ed25519PrivateKey(seed: [UInt8](repeating: UInt8(10 + $0), count: 32))
        }
        let nodeKeys = try (0..<2).map { try Ed25519PrivateKey(seed: [UInt8](repeating: UInt8(200 + $0), count: 32)) }
        let roster = try Roster(
            serial: 1,
            members: nodeKeys.enumerated().map {
                .init(partner: "NODE\($0.offset)", key: AuthorKey($0.element.publicKey))
            }
                + authors.enumerated().map { .init(partner: "P\($0.offset)", key: AuthorKey($0.element.publicKey)) }
        )
        let perAuthor = max(1, context.entryCount / authors.count)
        let total = perAuthor * authors.count
        print("   signing \(total) entries from \(authors.count) authors for the source node…")
        fflush(nil)
        let chains = StoreBenchmarks.sign(chainsOf: authors, count: perAuthor, start: 1_800_000_000_000)
        let source = try SyncBenchmarks.makeSide(
            context,
            "bundle-src",
            roster: roster,
            key: nodeKeys[0],
            label: "NODE0"
        )
        defer { context.remove(source.directory) }
        for start in stride(from: 0, to: perAuthor, by: 4096) {
            _ = try source.store.ingest(
                chains.flatMap { $0[start..<min(start + 4096, perAuthor)] },
                nowMilliseconds: 1_900_000_000_000
            )
        }
        let canonical = chains.reduce(0) { $0 + $1.reduce(0) { $0 + $1.encoded.count } }

        // Create.
        let scratch = context.scratchDirectory("bundle-file")
        defer { context.remove(scratch) }
        let path = scratch + "/all.csb"
        let syncSource = StoreSyncSource(
            store: source.store,
            logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        )
        var summary: BundleSummary?
        let createSeconds = try BenchContext.seconds {
            let header = BundleWriter.plan(
                source: syncSource,
                recipient: [],
                creatorPartner: "NODE0",
                creatorKey: AuthorKey(nodeKeys[0].publicKey),
                rosterHash: roster.hash
            )
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            summary = try BundleWriter.write(header: header, source: syncSource, signingKey: nodeKeys[0]) {
                try handle.write(contentsOf: $0)
            }
            try handle.synchronize()
            try handle.close()
        }
        let bytes = summary?.bytes ?? 0
        BenchContext.report(
            "bundle create \(total) entries",
            value: Double(total) / createSeconds,
            unit: "entries/s",
            limit:
                "Ed25519 verify all \(BenchContext.cores) cores \(BenchContext.format(limits.verifyAllCoresPerSecond))/s; "
                + "SHA-256 \(BenchContext.format(limits.sha256BytesPerSecond256 / 1e6)) MB/s",
            target: nil,
            meets: nil
        )
        print(
            "      \(BenchContext.format(createSeconds)) s, \(bytes) bytes, \(BenchContext.format(Double(bytes) / createSeconds / 1e6)) MB/s"
        )

        // Import into a fresh store: verify pass, then ingest (every signature checked by the store).
        let destination = try SyncBenchmarks.makeSide(
            context,
            "bundle-dst",
            roster: roster,
            key: nodeKeys[1],
            label: "NODE1"
        )
        defer { context.remove(destination.directory) }
        let importer = BundleImporter(path: path)
        var verifySeconds = 0.0
        var accepted = 0
        let importSeconds = try BenchContext.seconds {
            var verified: BundleImporter.Verified?
            verifySeconds = try BenchContext.seconds { verified = try importer.verify { _ throws(BundleError) in } }
            accepted = try importer.ingest(verified!, into: destination.store).accepted
        }
        let rate = Double(accepted) / importSeconds
        BenchContext.report(
            "bundle import \(accepted) entries",
            value: rate,
            unit: "entries/s",
            limit:
                "Ed25519 verify all \(BenchContext.cores) cores \(BenchContext.format(limits.verifyAllCoresPerSecond))/s",
            target: 0.75 * limits.verifyAllCoresPerSecond,
            meets: rate >= 0.75 * limits.verifyAllCoresPerSecond
        )
        print(
            "      \(BenchContext.format(importSeconds)) s (verify pass \(BenchContext.format(verifySeconds)) s, "
                + "\(BenchContext.format(Double(bytes) / verifySeconds / 1e6)) MB/s)"
        )

        // The sync protocol's bytes for the same entries: a full sync of the same store into a fresh node.
        let synced = try SyncBenchmarks.makeSide(
            context,
            "bundle-sync",
            roster: roster,
            key: nodeKeys[1],
            label: "NODE1"
        )
        defer { context.remove(synced.directory) }
        let full = try SyncBenchmarks.syncOnce(from: source, to: synced)
        let wire = full.summary.bytesReceived + full.summary.bytesSent
        BenchContext.report(
            "bundle bytes per entry",
            value: Double(bytes) / Double(total),
            unit: "B/entry",
            limit: "sync protocol \(BenchContext.format(Double(wire) / Double(total))) B/entry (both ways), "
                + "canonical \(BenchContext.format(Double(canonical) / Double(total))) B/entry",
            target: nil,
            meets: nil
        )
        print(
            "      bundle \(bytes) bytes, sync \(wire) application bytes both ways (\(full.summary.framesReceived) frames in), "
                + "ratio \(String(format: "%.4f", Double(bytes) / Double(wire))); canonical \(canonical) bytes"
        )
    }
}
