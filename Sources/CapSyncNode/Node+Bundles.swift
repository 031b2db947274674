public import CapSyncCrypto
internal import CapSyncLog
public import CapSyncSync
public import CapSyncWire
internal import Foundation
internal import Logging

/// Air-gapped sync (Protocol/bundle.md): a bundle file carries what a partner lacks across approved removable
/// media; importing it verifies everything a sync would before anything is kept.
extension Node {
    /// Whom a bundle is for, which decides what it leaves out.
    public enum BundleRecipient: Sendable {
        /// The heads recorded for this partner (a sync's HEADS, its bundles, its heads files).
        case partner(String)
        /// The heads the recipient exported (`capsync bundle heads`).
        case headsFile(BundleHeadsFile)
        /// Everything this node holds.
        case all
    }

    /// What `createBundle` wrote.
    public struct BundleCreation: Sendable {
        public var summary: BundleSummary
        /// The heads the bundle was cut against (empty: everything was included).
        public var base: [Head]
        public var recipientPartner: String?
    }

    /// Writes a bundle for `recipient` to `path` (through a temporary file renamed into place once fsynced, so a
    /// full medium or a crash never leaves a half bundle under the name), and records the heads it brings the
    /// partner to.
    public func createBundle(
        at path: String,
        for recipient: BundleRecipient,
        signingKey: Ed25519PrivateKey
    ) throws(NodeError) -> BundleCreation {
        let creator = AuthorKey(signingKey.publicKey)
        guard roster.partner(of: creator) == config.partner else {
            throw NodeError(.roster, "this node's signing key is not in the roster for \(config.partner)")
        }
        var base: [Head] = []
        var partner: String?
        switch recipient {
        case .all: break
        case .partner(let code):
            partner = code
            base = SyncState.load(paths).partnerHeads?[code]?.confirmedHeads ?? []
        case .headsFile(let file):
            partner = file.partner
            base = file.heads
            recordPartnerHeads(file.partner, confirmed: file.heads, by: "heads file", replacing: true)
        }
        let source = StoreSyncSource(store: store, logger: Logger(label: "capsync.bundle"))
        let header = BundleWriter.plan(
            source: source,
            recipient: base,
            creatorPartner: config.partner,
            creatorKey: creator,
            rosterHash: roster.hash
        )
        let temporary = path + ".partial"
        _ = FileManager.default.createFile(atPath: temporary, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: temporary) else {
            throw NodeError(.io, "cannot create the bundle file", context: temporary)
        }
        let summary: BundleSummary
        do {
            summary = try BundleWriter.write(header: header, source: source, signingKey: signingKey) { bytes in
                try handle.write(contentsOf: bytes)
            }
            try handle.synchronize()
            try handle.close()
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.moveItem(atPath: temporary, toPath: path)
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw NodeError(.io, "cannot write the bundle: \(error)", context: path)
        }
        if let partner {
            withStateLock {
                var state = SyncState.load(paths)
                var record = state.partnerHeads?[partner] ?? PartnerHeads()
                record.sent = header.creatorHeads.map(HeadRecord.init)
                record.sentAt = Date()
                state.partnerHeads = (state.partnerHeads ?? [:]).merging([partner: record]) { $1 }
                try? state.save(paths)
            }
        }
        return BundleCreation(summary: summary, base: base, recipientPartner: partner)
    }

    /// The heads file of this node, for a partner to cut a bundle against.
    public func headsFile() -> BundleHeadsFile { BundleHeadsFile(partner: config.partner, heads: store.heads()) }

    /// Records heads a partner holds (`replacing`: the partner's whole current state; see `PartnerHeads`).
    public func recordPartnerHeads(_ partner: String, confirmed heads: [Head], by source: String, replacing: Bool) {
        withStateLock {
            var state = SyncState.load(paths)
            var record = state.partnerHeads?[partner] ?? PartnerHeads()
            record.confirm(heads, by: source, at: Date(), replacing: replacing)
            state.partnerHeads = (state.partnerHeads ?? [:]).merging([partner: record]) { $1 }
            try? state.save(paths)
        }
    }
}

/// What an import did.
public struct BundleImportReport: Sendable {
    public var summary: BundleSummary
    public var accepted = 0
    public var duplicates = 0
    /// Entries the store refused on the last pass, with the reason of the first few.
    public var refused = 0
    public var refusals: [String] = []
    public var newForkProofs = 0
    /// Ingest passes: one more after each that moved the roster in force (an added partner's entries then fit).
    public var passes = 0
    public var rosterChanged = false
}

/// Progress of a bundle read: bytes done of the file's size, and the pass.
public struct BundleProgress: Sendable {
    public var pass: String
    public var bytesDone: Int
    public var bytesTotal: Int
    public var entries: Int
}

extension Node {
    /// Imports a bundle. First pass: the whole file is read and checked — format, limits, every claim of the header,
    /// fork proofs, the digest and the creator's signature, the creator against the roster — and nothing is kept
    /// unless all of it holds. Second pass: each chunk, after checking it is byte for byte the one the first pass
    /// verified, goes to the store, which checks every entry signature, chain link and roster rule as for a sync.
    /// Memory holds one chunk at a time.
    public func importBundle(
        from path: String,
        progress: (BundleProgress) -> Void = { _ in }
    ) throws -> BundleImportReport {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let verified = try readBundle(path, size: size, pass: "verify", expected: nil, progress: progress) {
            try self.checkCreator($0)
        } chunk: { _ in
        }
        var report = BundleImportReport(summary: verified.summary)
        while true {
            report.passes += 1
            var refused = 0
            var refusals: [String] = []
            _ = try readBundle(path, size: size, pass: "import", expected: verified.digests, progress: progress) {
                _ in
            } chunk: { chunk in
                func ingest(_ entries: [Entry]) throws {
                    let result = try self.store.ingest(entries, nowMilliseconds: Node.nowMilliseconds())
                    report.accepted += result.accepted.count
                    report.duplicates += result.duplicates
                    report.newForkProofs += result.newForks.count
                    refused += result.rejected.count
                    for rejection in result.rejected.prefix(max(0, 20 - refusals.count)) {
                        refusals.append(rejection.description)
                    }
                }
                switch chunk {
                case .entries(let entries):
                    try ingest(entries)
                case .forks(let proofs):
                    report.newForkProofs += try self.store.ingestForkProofs(proofs).count
                    for proof in proofs where proof.seq <= (self.store.head(of: proof.author)?.seq ?? 0) + 1 {
                        try ingest([proof.first, proof.second])
                    }
                }
            }
            report.refused = refused
            report.refusals = refusals
            // Roster proposals and approvals travel as entries: when they moved the roster in force, entries of
            // a partner it added were refused as unknown authors in this pass, and fit in the next.
            let changed = try refreshRoster()
            report.rosterChanged = report.rosterChanged || changed
            if !changed || refused == 0 || report.passes >= 8 { break }
        }
        recordPartnerHeads(
            verified.summary.header.creatorPartner,
            confirmed: verified.summary.header.creatorHeads,
            by: "bundle",
            replacing: false
        )
        return report
    }

    /// The creator must be a key the roster in force lists for the partner the header names.
    func checkCreator(_ header: BundleHeader) throws(BundleError) {
        let listed = roster.partner(of: header.creatorKey)
        guard listed == header.creatorPartner else {
            throw BundleError(
                .unknownCreator,
                "the bundle names its creator \(header.creatorPartner) with key \(KeyTextShort.of(header.creatorKey)), "
                    + (listed.map { "a key the roster lists for \($0)" } ?? "a key the roster does not list"),
                offset: BundleFormat.preambleSize,
                context: "header.creatorKey"
            )
        }
    }

    /// Reads a bundle file through, calling `chunk` for each ENTRIES or FORKS chunk; returns the summary and the
    /// chunk digests.
    func readBundle(
        _ path: String,
        size: Int,
        pass: String,
        expected: [[UInt8]]?,
        progress: (BundleProgress) -> Void,
        header onHeader: (BundleHeader) throws -> Void,
        chunk onChunk: (BundleChunk) throws -> Void
    ) throws -> (summary: BundleSummary, digests: [[UInt8]]) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw NodeError(.io, "cannot open the bundle", context: path)
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

/// A key as the CLI prints it in one line: base64, the form of the roster.
enum KeyTextShort {
    static func of(_ key: AuthorKey) -> String { Ed25519Base64.encode(key.bytes) }
}
