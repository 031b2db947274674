import CapSyncCrypto
import CapSyncLog
import CapSyncNetwork
import CapSyncNode
import CapSyncSync
import CapSyncWire
import Foundation
import Logging

/// Sync figures (README, performance): a full sync of N entries from 40 authors between two fresh nodes over mutual TLS on
/// loopback, beside the all-cores Ed25519 verify rate and a raw TLS 1.3 transfer of the same bytes with stock
/// OpenSSL; and incremental syncs with 1% new entries at several history sizes: application bytes on the wire
/// against the budget, and frames exchanged (the protocol is one round trip whatever the history).
enum SyncBenchmarks {
    static let authorCount = StoreBenchmarks.authorCount

    struct Side {
        let directory: String
        let store: LogStore
        let context: SyncContext
        let signingKey: Ed25519PrivateKey
    }

    static func run(_ context: BenchContext) throws {
        let limits = context.limits
        let authors = try (0..<authorCount).map {
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
        let perAuthor = max(1, context.entryCount / authorCount)
        let total = perAuthor * authorCount

        print("   signing \(total) entries from \(authorCount) authors for the source node…")
        fflush(nil)
        let chains = StoreBenchmarks.sign(chainsOf: authors, count: perAuthor, start: 1_800_000_000_000)
        let source = try makeSide(context, "sync-src", roster: roster, key: nodeKeys[0], label: "NODE0")
        defer { context.remove(source.directory) }
        let seedTime = try BenchContext.seconds {
            for start in stride(from: 0, to: perAuthor, by: 4096) {
                let slice = chains.flatMap { $0[start..<min(start + 4096, perAuthor)] }
                _ = try source.store.ingest(slice, nowMilliseconds: 1_900_000_000_000)
            }
        }
        print("   source node filled in \(BenchContext.format(seedTime)) s (verified ingest)")
        let canonicalBytes = chains.reduce(0) { $0 + $1.reduce(0) { $0 + $1.encoded.count } }

        // Full sync into a fresh node.
        let destination = try makeSide(context, "sync-dst", roster: roster, key: nodeKeys[1], label: "NODE1")
        defer { context.remove(destination.directory) }
        let full = try syncOnce(from: source, to: destination)
        let rate = Double(full.summary.entriesReceived) / full.seconds
        let cores = BenchContext.cores
        BenchContext.report(
            "full sync \(total) entries, TLS loopback",
            value: rate,
            unit: "entries/s",
            limit: "Ed25519 verify all \(cores) cores \(BenchContext.format(limits.verifyAllCoresPerSecond))/s",
            target: 0.75 * limits.verifyAllCoresPerSecond,
            meets: rate >= 0.75 * limits.verifyAllCoresPerSecond
        )
        let wire = full.summary.bytesReceived + full.summary.bytesSent
        print(
            "   full sync: \(BenchContext.format(full.seconds)) s, \(wire) application bytes (canonical \(canonicalBytes)), "
                + "\(BenchContext.format(Double(wire) / full.seconds / 1e6)) MB/s"
        )
        if let raw = rawTLSMegabytesPerSecond(megabytes: max(1, wire / 1_000_000)) {
            print(
                "   raw TLS 1.3 loopback, stock OpenSSL (tls_pipe.sh, same bytes): \(BenchContext.format(raw)) MB/s "
                    + "→ moving the bytes alone would take \(BenchContext.format(Double(wire) / 1e6 / raw)) s"
            )
        } else {
            print("   raw TLS 1.3 loopback: tools/bench/limits/tls_pipe.sh needs socat, not installed here")
        }
        guard full.error == nil, destination.store.entryCount == total else {
            print(
                "   full sync FAILED: \(full.error.map { "\($0)" } ?? "entries \(destination.store.entryCount) of \(total)")"
            )
            return
        }

        // Incremental syncs with 1% new entries, at growing history sizes.
        for history in [10_000, 100_000, total] where history <= total {
            try incremental(
                context,
                roster: roster,
                authors: authors,
                history: history,
                chains: chains,
                nodeKeys: nodeKeys,
                reuse: history == total ? (source, destination) : nil
            )
        }
    }

    static func incremental(
        _ context: BenchContext,
        roster: Roster,
        authors: [Ed25519PrivateKey],
        history: Int,
        chains: [[Entry]],
        nodeKeys: [Ed25519PrivateKey],
        reuse: (Side, Side)?
    ) throws {
        let perAuthor = history / authorCount
        let (source, destination): (Side, Side)
        var cleanup: [String] = []
        if let reuse {
            (source, destination) = reuse
        } else {
            source = try makeSide(context, "inc-src", roster: roster, key: nodeKeys[0], label: "NODE0")
            destination = try makeSide(context, "inc-dst", roster: roster, key: nodeKeys[1], label: "NODE1")
            cleanup = [source.directory, destination.directory]
            for start in stride(from: 0, to: perAuthor, by: 4096) {
                let slice = chains.flatMap { $0[start..<min(start + 4096, perAuthor)] }
                _ = try source.store.ingest(slice, nowMilliseconds: 1_900_000_000_000)
                _ = try destination.store.ingest(slice, nowMilliseconds: 1_900_000_000_000)
            }
        }
        defer { cleanup.forEach(context.remove) }
        // 1% new entries, spread over every author, continuing each chain.
        let newPerAuthor = max(1, perAuthor / 100)
        var fresh: [Entry] = []
        for key in authors {
            guard let head = source.store.head(of: AuthorKey(key.publicKey)),
                var previous = try source.store.entry(author: head.author, seq: head.seq)
            else { continue }
            for _ in 0..<newPerAuthor {
                let next = try Entry.sign(
                    key: key,
                    seq: previous.seq + 1,
                    prev: previous.id,
                    timestamp: HLCTimestamp(rawValue: previous.timestamp.rawValue + 65_536),
                    kind: 1,
                    payload: StoreBenchmarks.payload
                )
                fresh.append(next)
                previous = next
            }
        }
        _ = try source.store.ingest(fresh, nowMilliseconds: 1_900_000_000_000)
        let result = try syncOnce(from: source, to: destination)
        let canonical = fresh.reduce(0) { $0 + $1.encoded.count }
        let wire = result.summary.bytesReceived + result.summary.bytesSent
        let budget = 1.15 * Double(canonical) + 150.0 * Double(authorCount)
        BenchContext.report(
            "incremental 1% at \(destination.store.entryCount - fresh.count) history",
            value: Double(wire),
            unit: "bytes",
            limit: "\(fresh.count) new entries, canonical \(canonical) B",
            target: budget,
            meets: Double(wire) <= budget
        )
        print(
            "      frames: client sent \(result.summary.framesSent), received \(result.summary.framesReceived); "
                + "round trips: 1 (HELLO+HEADS each way at once, then ENTRIES and DONE); \(BenchContext.format(result.seconds)) s; "
                + (result.error.map { "ERROR \($0)" } ?? "ok")
        )
    }

    static func makeSide(
        _ context: BenchContext,
        _ label: String,
        roster: Roster,
        key: Ed25519PrivateKey,
        label name: String
    ) throws -> Side {
        let directory = context.scratchDirectory(label)
        let store = try LogStore(directory: directory, roster: roster)
        let tlsKey = try Ed25519PrivateKey.generate()
        let certificate = try X509Certificate.issueTLSCertificate(for: tlsKey.publicKey, partner: name, signedBy: key)
        let syncContext = SyncContext(
            store: store,
            roster: roster,
            tlsKey: tlsKey,
            tlsCertificate: certificate,
            label: name
        )
        return Side(directory: directory, store: store, context: syncContext, signingKey: key)
    }

    struct Result: Sendable {
        var seconds: Double
        var summary: SessionSummary
        var error: SyncError?
    }

    /// One session: `to` dials `from` (a real SyncServer on loopback) and pulls what it lacks.
    static func syncOnce(from source: Side, to destination: Side) throws -> Result {
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let box = ResultBox()
        let semaphore = DispatchSemaphore(value: 0)
        let sourceContext = source.context
        let destinationContext = destination.context
        let sourceKey = source.signingKey
        Task {
            do {
                let server = try SyncServer(context: sourceContext, logger: logger)
                let listener = try await server.bind(host: "127.0.0.1", port: 0)
                let serving = Task { try await server.run(listener) }
                let client = SyncClient(context: destinationContext, logger: logger)
                let peer = PeerList.Peer(
                    partner: "NODE0",
                    address: "127.0.0.1:\(listener.port)",
                    key: AuthorKey(sourceKey.publicKey)
                )
                let start = DispatchTime.now().uptimeNanoseconds
                let outcome = await client.sync(with: peer)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                serving.cancel()
                box.set(Result(seconds: seconds, summary: outcome.summary, error: outcome.error))
            } catch {
                box.set(
                    Result(
                        seconds: 0,
                        summary: SessionSummary(localLabel: "bench"),
                        error: SyncError(.internalError, "\(error)")
                    )
                )
            }
            semaphore.signal()
        }
        semaphore.wait()
        return box.value!
    }

    final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Result?
        var value: Result? {
            lock.lock()
            defer { lock.unlock() }
            return stored
        }
        func set(_ result: Result) {
            lock.lock()
            stored = result
            lock.unlock()
        }
    }

    /// `tools/bench/limits/tls_pipe.sh MB` (stock OpenSSL through socat), in MB/s.
    static func rawTLSMegabytesPerSecond(megabytes: Int) -> Double? {
        let script = FileManager.default.currentDirectoryPath + "/tools/bench/limits/tls_pipe.sh"
        guard FileManager.default.fileExists(atPath: script), FileManager.default.fileExists(atPath: "/usr/bin/socat")
        else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, String(megabytes)]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return output.split(separator: " ").compactMap { Double($0) }.last
    }
}
