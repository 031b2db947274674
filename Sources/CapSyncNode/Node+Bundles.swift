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
            // rename(2) replaces an older file of that name at once: the name never holds half a bundle.
            guard rename(temporary, path) == 0 else {
                throw NodeError(.io, "cannot rename \(temporary) to the bundle's name: errno \(errno)", context: path)
            }
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
    /// Entries the store refused on the last pass for not verifying or not linking (see `BundleImporter.Pass`).
    public var refused = 0
    /// Entries of authors the roster in force does not admit, on the last pass.
    public var outsideRoster = 0
    /// The reasons of the first few refusals of the last pass.
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
    /// Imports a bundle (Protocol/bundle.md §5): `BundleImporter.verify`, then ingest passes until the roster in
    /// force stops moving, then the creator's heads are recorded for its partner.
    public func importBundle(
        from path: String,
        progress: (BundleProgress) -> Void = { _ in }
    ) throws -> BundleImportReport {
        let importer = BundleImporter(path: path)
        let verified = try importer.verify(progress: progress) { header throws(BundleError) in
            try self.checkCreator(header)
        }
        var report = BundleImportReport(summary: verified.summary)
        while true {
            report.passes += 1
            let pass = try importer.ingest(verified, into: store, progress: progress)
            report.accepted += pass.accepted
            // A later pass offers what the first kept again: only the first pass's duplicates were held before.
            if report.passes == 1 { report.duplicates = pass.duplicates }
            report.newForkProofs += pass.newForkProofs
            report.refused = pass.refused
            report.outsideRoster = pass.outsideRoster
            report.refusals = pass.refusals
            // Roster proposals and approvals travel as entries: when they moved the roster in force, entries of
            // a partner it added were refused as unknown authors in this pass, and fit in the next.
            let changed = try refreshRoster()
            report.rosterChanged = report.rosterChanged || changed
            if !changed || pass.outsideRoster == 0 || report.passes >= 8 { break }
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
                "the bundle names its creator \(header.creatorPartner) with key \(Ed25519Base64.encode(header.creatorKey.bytes)), "
                    + (listed.map { "a key the roster lists for \($0)" } ?? "a key the roster does not list"),
                offset: BundleFormat.preambleSize,
                context: "header.creatorKey"
            )
        }
    }
}
