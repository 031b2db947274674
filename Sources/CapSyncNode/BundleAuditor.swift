internal import CapSyncCrypto
public import CapSyncMerge
internal import CapSyncSync
public import CapSyncWire
internal import Foundation

/// `capsync bundle verify` and `capsync audit --bundle`: an auditor holding a bundle and a roster file, and no
/// node, checks everything in it — the format and every claim of the header, the digest, the creator's signature
/// and key, every entry's signature (on all cores), every chain link (the runs rebuild each entry's prev from the
/// one before, so the ids a run reaches are the links; the first entry links to the base id the header names),
/// every fork proof — and sees the view the bundle's entries imply.
public enum BundleAuditor {
    public struct Report: Sendable, Codable {
        public var creatorPartner = ""
        public var creatorKey = ""
        /// Set when the creator key is not one the roster lists for the named partner.
        public var creatorProblem: String?
        public var bundleRosterHash = ""
        public var rosterHash = ""
        public var digest = ""
        public var bytes = 0
        public var chunks = 0
        public var entries = 0
        public var forkProofs = 0
        public var authors: [Auditor.AuthorReport] = []
        /// Why the file itself was refused (damaged, altered, forged), with the byte offset.
        public var fileProblem: String?
        /// The view of the bundle's entries under the roster (only when the file verified).
        public var stateDigest: String?
        public var entrySetDigest: String?
        /// Authors the bundle continues from a base (their earlier entries are not in it): the view is partial.
        public var partial = false

        public var ok: Bool { fileProblem == nil && creatorProblem == nil && authors.allSatisfy(\.ok) }
    }

    /// Audits the bundle at `path` against `roster`; `exportTo` writes the audit export layout of its entries and
    /// fork proofs. Returns the report and, when the file verified, the view.
    public static func audit(
        path: String,
        roster: Roster,
        exportTo: String? = nil
    ) throws(NodeError) -> (report: Report, state: CoalitionState?) {
        var report = Report()
        report.rosterHash = roster.hash.hex
        var exporter = try exportTo.map { (dir) throws(NodeError) in
            try AuditExportWriter(directory: dir, roster: roster)
        }
        var authors: [AuthorKey: Auditor.AuthorReport] = [:]
        var forks: [AuthorKey: UInt64] = [:]
        var keys: [AuthorKey: Ed25519PublicKey?] = [:]
        // The first export failure (a full disk, a directory that cannot be written), reported after the pass.
        var exportError: NodeError?
        func exporting(_ body: (inout AuditExportWriter) throws(NodeError) -> Void) {
            guard exportError == nil, exporter != nil else { return }
            do throws(NodeError) { try body(&exporter!) } catch { exportError = error }
        }
        // First pass: everything that can be checked, entry by entry; nothing held but one chunk.
        let first = Result { () throws(BundleError) -> BundleSummary in
            let reader = try open(path)
            let header = try reader.readHeader()
            report.creatorPartner = header.creatorPartner
            report.creatorKey = Ed25519Base64.encode(header.creatorKey.bytes)
            report.bundleRosterHash = header.rosterHash.hex
            let listed = roster.partner(of: header.creatorKey)
            if listed != header.creatorPartner {
                report.creatorProblem =
                    "creator key is "
                    + (listed.map { "listed for \($0), not \(header.creatorPartner)" } ?? "not in the roster")
            }
            for author in header.authors where author.entryCount > 0 {
                var entry = Auditor.AuthorReport(author: author.author.hex, partner: roster.partner(of: author.author))
                entry.headSeq = author.headSeq
                if !roster.contains(author.author) { entry.problems.append("author is not in the roster") }
                if author.baseSeq > 0 {
                    report.partial = true
                    entry.notes.append(
                        "from seq \(author.baseSeq + 1); links to seq \(author.baseSeq) id \(author.baseID.short) (not in the bundle)"
                    )
                }
                authors[author.author] = entry
                exporting { (writer) throws(NodeError) in
                    try writer.beginAuthor(author.author, firstSeq: author.baseSeq + 1, lastSeq: author.headSeq)
                }
            }
            while let chunk = try reader.nextChunk() {
                switch chunk {
                case .entries(let entries):
                    var start = 0
                    while start < entries.count {
                        let author = entries[start].author
                        var end = start
                        while end < entries.count && entries[end].author == author { end += 1 }
                        let run = Array(entries[start..<end])
                        if keys[author] == nil { keys[author] = .some(try? author.publicKey()) }
                        let valid = Auditor.verifySignatures(run, key: keys[author] ?? nil)
                        var record = authors[author] ?? Auditor.AuthorReport(author: author.hex, partner: nil)
                        for (index, entry) in run.enumerated() {
                            record.entries += 1
                            if !valid[index] { record.badSignatures += 1 }
                            if roster.contains(author) && !roster.allows(author, seq: entry.seq) {
                                record.beyondLastValidSeq += 1
                            }
                            exporting { (writer) throws(NodeError) in try writer.writeEntry(entry) }
                        }
                        authors[author] = record
                        start = end
                    }
                case .forks(let proofs):
                    for proof in proofs {
                        forks[proof.author] = min(forks[proof.author] ?? .max, proof.seq)
                        exporting { (writer) throws(NodeError) in try writer.writeForkProof(proof) }
                    }
                }
            }
            return reader.summary!
        }
        if let exportError { throw exportError }
        try exporter?.finish()
        switch first {
        case .failure(let error):
            report.fileProblem = error.description
        case .success(let summary):
            report.digest = Hex.encode(summary.digest)
            report.bytes = summary.bytes
            report.chunks = summary.chunks
            report.entries = summary.entries
            report.forkProofs = summary.forkProofs
        }
        for (author, seq) in forks {
            var record =
                authors[author] ?? Auditor.AuthorReport(author: author.hex, partner: roster.partner(of: author))
            record.forkedFromSeq = seq
            record.problems.append("equivocated: two signed entries at seq \(seq) (fork proof in the bundle)")
            authors[author] = record
        }
        for key in authors.keys {
            var record = authors[key]!
            if record.badSignatures > 0 { record.problems.append("\(record.badSignatures) bad signature(s)") }
            if record.beyondLastValidSeq > 0 {
                record.notes.append(
                    "\(record.beyondLastValidSeq) entr(y/ies) after the key's cut-off excluded from the view"
                )
            }
            authors[key] = record
        }
        report.authors = authors.values.sorted { $0.author < $1.author }
        guard report.fileProblem == nil else { return (report, nil) }
        // Second pass: the view. The fold needs the forks before the entries, and FORKS chunks come last.
        var state = FoldState(Fold(roster: roster, forks: forks, nowMilliseconds: Node.nowMilliseconds()))
        var admitted: [EntryID] = []
        let second = Result { () throws(BundleError) in
            let reader = try open(path)
            _ = try reader.readHeader()
            while let chunk = try reader.nextChunk() {
                guard case .entries(let entries) = chunk else { continue }
                for entry in entries {
                    state.add(entry)
                    if EntrySetDigest.admits(entry.author, seq: entry.seq, roster: roster, forks: forks) {
                        admitted.append(entry.id)
                    }
                }
            }
        }
        if case .failure(let error) = second {
            report.fileProblem = "the file changed while it was read: \(error)"
            return (report, nil)
        }
        let view = state.finish()
        report.stateDigest = view.digest.hex
        report.entrySetDigest = EntrySetDigest.digest(admittedIDs: admitted, forks: forks, roster: roster).hex
        return (report, view)
    }

    static func open(_ path: String) throws(BundleError) -> BundleReader {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw BundleError(.io, "cannot open the bundle", context: path)
        }
        return BundleReader(source: { count in try handle.read(upToCount: count).map { Array($0) } ?? [] })
    }
}
