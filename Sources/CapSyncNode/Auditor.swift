internal import CapSyncCrypto
public import CapSyncLog
public import CapSyncMerge
public import CapSyncWire
internal import Dispatch
internal import Foundation

/// `capsync audit`: re-verifies everything on disk independently of how it arrived — every signature (on all
/// cores), every chain link, every fork proof, every author against the roster — and reports per author.
public enum Auditor {
    public struct AuthorReport: Sendable, Codable {
        public var author: String
        public var partner: String?
        public var entries = 0
        public var headSeq: UInt64 = 0
        public var badSignatures = 0
        public var brokenLinks = 0
        public var beyondLastValidSeq = 0
        public var forkedFromSeq: UInt64?
        public var problems: [String] = []
        /// What the auditor should know that is not a fault (entries excluded by a roster cut-off).
        public var notes: [String] = []

        public var ok: Bool { problems.isEmpty }
    }

    public struct Report: Sendable, Codable {
        public var authors: [AuthorReport] = []
        public var entries = 0
        public var forkProofs = 0
        public var invalidForkProofs = 0
        public var rosterHash: String = ""
        public var ok: Bool { authors.allSatisfy(\.ok) && invalidForkProofs == 0 }
    }

    /// Adds the fold's authority findings to the report: entries that write another partner's records are
    /// ignored by the fold (Protocol/fold.md, "Authority"), so the audit names them under their author. The
    /// rule itself lives in the fold; this only reports what it found.
    public static func addAuthorityFindings(_ state: CoalitionState, to report: inout Report) {
        var counts: [String: Int] = [:]
        for ignored in state.ignored where ignored.reason == .notOwnRecord {
            counts[ignored.author.hex, default: 0] += 1
        }
        for index in report.authors.indices {
            if let count = counts[report.authors[index].author] {
                report.authors[index].problems.append(
                    "\(count) entr(y/ies) writing another partner's records (\(IgnoredReason.notOwnRecord.rawValue))"
                )
            }
        }
    }

    /// Verifies every entry of `store` against `roster`. Entries are streamed one author at a time in chunks, so
    /// memory stays flat however big the log is.
    public static func audit(store: LogStore, roster: Roster, chunk: Int = 4096) throws(NodeError) -> Report {
        var report = Report()
        report.rosterHash = roster.hash.hex
        let forks = store.forkedAuthors()
        let heads = store.heads()
        for head in heads {
            var author = AuthorReport(author: head.author.hex, partner: roster.partner(of: head.author))
            author.headSeq = head.seq
            author.forkedFromSeq = forks[head.author]
            if let seq = author.forkedFromSeq {
                author.problems.append("equivocated: two signed entries at seq \(seq) (fork proof held)")
            }
            if !roster.contains(head.author) { author.problems.append("author is not in the roster") }
            let key = try? head.author.publicKey()
            if key == nil { author.problems.append("author key is not a valid Ed25519 key") }
            var previous: Entry?
            var seq: UInt64 = 1
            while seq <= head.seq {
                let batch: [Entry]
                do { batch = try store.entries(author: head.author, fromSeq: seq, limit: chunk) } catch {
                    throw NodeError(.store, "reading \(head.author.short) from seq \(seq): \(error)")
                }
                guard !batch.isEmpty else {
                    author.problems.append("entries from seq \(seq) to \(head.seq) are missing")
                    break
                }
                let valid = verifySignatures(batch, key: key)
                for (index, entry) in batch.enumerated() {
                    author.entries += 1
                    if !valid[index] { author.badSignatures += 1 }
                    if let previous {
                        do { try entry.checkFollows(previous) } catch { author.brokenLinks += 1 }
                    } else if entry.seq != 1 || !entry.prev.isZero {
                        author.brokenLinks += 1
                    }
                    if !roster.allows(head.author, seq: entry.seq) && roster.contains(head.author) {
                        author.beyondLastValidSeq += 1
                    }
                    previous = entry
                }
                seq = batch.last!.seq + 1
            }
            if author.badSignatures > 0 { author.problems.append("\(author.badSignatures) bad signature(s)") }
            if author.brokenLinks > 0 { author.problems.append("\(author.brokenLinks) broken chain link(s)") }
            if author.beyondLastValidSeq > 0 {
                // Entries stored before the roster cut the key (a retirement, revocation or removal adopted
                // later): verified like the rest, and excluded by the fold. Not a fault of the log.
                let revoked = roster.member(for: head.author)?.lastValidSeq.map { "after seq \($0)" } ?? ""
                author.notes.append(
                    "\(author.beyondLastValidSeq) entr(y/ies) after the key's cut-off \(revoked) excluded from the view"
                )
            }
            report.entries += author.entries
            report.authors.append(author)
        }
        // A fork proof can be held for an author of whom this store has no entry yet (received as FORKS).
        let listed = Set(heads.map(\.author))
        for (author, seq) in forks where !listed.contains(author) {
            var entry = AuthorReport(author: author.hex, partner: roster.partner(of: author))
            entry.forkedFromSeq = seq
            entry.problems.append(
                "equivocated: two signed entries at seq \(seq) (fork proof held; no entry of this author held yet)"
            )
            report.authors.append(entry)
        }
        report.authors.sort { $0.author < $1.author }
        for proof in store.forkProofs() {
            report.forkProofs += 1
            if (try? ForkProof(proof.first, proof.second)) == nil { report.invalidForkProofs += 1 }
        }
        return report
    }

    /// Verifies a batch on all cores; one OpenSSL key shared (read-only use is thread-safe).
    static func verifySignatures(_ entries: [Entry], key: Ed25519PublicKey?) -> [Bool] {
        guard let key else { return [Bool](repeating: false, count: entries.count) }
        let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: entries.count)
        defer { results.deallocate() }
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let stride = (entries.count + workers - 1) / workers
        let sendable = SendableBuffer(results)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let start = worker * stride
            let end = min(entries.count, start + stride)
            guard start < end else { return }
            for index in start..<end { sendable.buffer[index] = entries[index].verifySignature(using: key) }
        }
        return Array(results)
    }

    struct SendableBuffer: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<Bool>
        init(_ buffer: UnsafeMutableBufferPointer<Bool>) { self.buffer = buffer }
    }

    // MARK: Export for independent tools

    /// Writes, per author, `author.pub.pem` and per entry `<seq>.entry` (canonical bytes), `<seq>.msg` (signing
    /// message), `<seq>.sig` (64-byte signature), `<seq>.id` and `<seq>.prev` (hex, newline), so that
    /// `openssl pkeyutl -verify -pubin -rawin` and `sha256sum` check signatures, ids and links without CapSync.
    /// Fork proofs go to `forks/<author>-<seq>/{a,b}.*` the same way. Folders are named by the key in hex (base64
    /// holds `/`); `index.csv` maps each folder to its partner code and the key in base64, the form the roster and
    /// the CLI print (columns folder, partner, key, first_seq, last_seq; for a fork proof both are its seq).
    @discardableResult
    public static func export(
        store: LogStore,
        roster: Roster,
        to directory: String,
        authors: Set<AuthorKey>? = nil,
        fromSeq: UInt64 = 1
    ) throws(NodeError) -> Int {
        var writer = try AuditExportWriter(directory: directory, roster: roster)
        for head in store.heads() where authors?.contains(head.author) ?? true {
            var seq = max(1, fromSeq)
            try writer.beginAuthor(head.author, firstSeq: seq, lastSeq: head.seq)
            while seq <= head.seq {
                let batch: [Entry]
                do { batch = try store.entries(author: head.author, fromSeq: seq, limit: 4096) } catch {
                    throw NodeError(.store, "\(error)")
                }
                guard let last = batch.last else { break }
                for entry in batch { try writer.writeEntry(entry) }
                seq = last.seq + 1
            }
        }
        for proof in store.forkProofs() where authors?.contains(proof.author) ?? true {
            try writer.writeForkProof(proof)
        }
        try writer.finish()
        let written = writer.written
        return written
    }
}
