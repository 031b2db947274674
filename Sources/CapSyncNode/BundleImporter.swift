public import CapSyncLog
public import CapSyncSync
internal import CapSyncWire
internal import Foundation

/// The two passes of a bundle import (Protocol/bundle.md §5), over any store: the node uses them with its roster
/// checks, the benchmark harness on a bare store.
public struct BundleImporter: Sendable {
    public let path: String
    public let size: Int

    public init(path: String) {
        self.path = path
        size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    /// What the verify pass established: the summary and each chunk's SHA-256.
    public struct Verified: Sendable {
        public var summary: BundleSummary
        public var chunkDigests: [[UInt8]]
    }

    /// What one ingest pass did.
    public struct Pass: Sendable {
        public var accepted = 0
        public var duplicates = 0
        /// Entries that did not verify or link (bad signature, broken chain, a gap): the bundle did not apply whole.
        public var refused = 0
        /// Entries of authors this node's roster does not admit (not listed, or past a key's cut-off): withheld by
        /// policy, as a sync withholds them, not a fault of the bundle.
        public var outsideRoster = 0
        /// The first 20 refusals of either kind, as the store words them.
        public var refusals: [String] = []
        public var newForkProofs = 0
    }

    /// Reads the whole file and checks everything but entry signatures; `checkHeader` adds the caller's checks
    /// (the creator against the roster). Nothing is kept by this pass.
    public func verify(
        progress: (BundleProgress) -> Void = { _ in },
        checkHeader: (BundleHeader) throws(BundleError) -> Void
    ) throws -> Verified {
        let (summary, digests) = try read(pass: "verify", expected: nil, progress: progress, header: checkHeader) {
            _ in
        }
        return Verified(summary: summary, chunkDigests: digests)
    }

    /// Reads the file again, each chunk checked against the verify pass's digest before the store sees it; the
    /// store verifies every entry as for a sync.
    public func ingest(
        _ verified: Verified,
        into store: LogStore,
        nowMilliseconds: @autoclosure () -> UInt64 = Node.nowMilliseconds(),
        progress: (BundleProgress) -> Void = { _ in }
    ) throws -> Pass {
        var pass = Pass()
        func ingest(_ entries: [Entry]) throws {
            let result = try store.ingest(entries, nowMilliseconds: nowMilliseconds())
            pass.accepted += result.accepted.count
            pass.duplicates += result.duplicates
            pass.newForkProofs += result.newForks.count
            for rejection in result.rejected {
                switch rejection.code {
                case .unknownAuthor, .beyondLastValidSeq: pass.outsideRoster += 1
                case .badSignature, .brokenChain, .gap: pass.refused += 1
                }
            }
            for rejection in result.rejected.prefix(max(0, 20 - pass.refusals.count)) {
                pass.refusals.append(rejection.description)
            }
        }
        let onChunk = { (chunk: BundleChunk) throws in
            switch chunk {
            case .entries(let entries):
                try ingest(entries)
            case .forks(let proofs):
                // As a sync does (SyncSession.performStoreActions): keep the proofs, then offer their entries
                // to the chain where they could extend it.
                pass.newForkProofs += try store.ingestForkProofs(proofs).count
                for proof in proofs where proof.seq <= (store.head(of: proof.author)?.seq ?? 0) + 1 {
                    try ingest([proof.first, proof.second])
                }
            }
        }
        _ = try read(
            pass: "import",
            expected: verified.chunkDigests,
            progress: progress,
            header: { _ in },
            chunk: onChunk
        )
        return pass
    }

    private func read(
        pass: String,
        expected: [[UInt8]]?,
        progress: (BundleProgress) -> Void,
        header onHeader: (BundleHeader) throws(BundleError) -> Void,
        chunk onChunk: (BundleChunk) throws -> Void
    ) throws -> (BundleSummary, [[UInt8]]) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw BundleError(.io, "cannot open the bundle", context: path)
        }
        defer { try? handle.close() }
        let reader = BundleReader(
            source: { count in try handle.read(upToCount: count).map { Array($0) } ?? [] },
            expectedChunkDigests: expected
        )
        try onHeader(try reader.readHeader())
        var entries = 0
        while let chunk = try reader.nextChunk() {
            if case .entries(let batch) = chunk { entries += batch.count }
            try onChunk(chunk)
            progress(BundleProgress(pass: pass, bytesDone: reader.offset, bytesTotal: size, entries: entries))
        }
        return (reader.summary!, reader.chunkDigests)
    }
}
