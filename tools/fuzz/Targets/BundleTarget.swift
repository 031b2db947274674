import CapSyncCrypto
import CapSyncSync
import CapSyncWire

/// The bundle reader (Protocol/bundle.md). The first input byte picks the mode: even, the rest is a whole bundle
/// file; odd, the rest is a bundle without its digest and signature, which the target appends (SHA-256 of the
/// bytes, signed with the vectors' creator key, seed 03…03), so mutations reach the END checks behind the digest.
///
/// Whatever reads to the end must hold together: each author's entries run from its base to its head without a
/// gap, linked, ending at the head id; the counts agree; the header re-encodes to its own bytes; and the decoded
/// content written again by `BundleWriter` reads back to the same entries and proofs.
enum BundleTarget {
    static let creator = try! Ed25519PrivateKey(seed: [UInt8](repeating: 3, count: 32))

    static func check(_ bytes: [UInt8]) -> String? {
        guard let mode = bytes.first else { return nil }
        var file = Array(bytes.dropFirst())
        if mode & 1 == 1 {
            let digest = SHA256.hash(file)
            guard let signature = try? creator.signature(for: BundleFormat.signingDomain + digest) else {
                return "cannot sign"
            }
            file += digest + signature
        }
        guard let read = readAll(file) else { return nil }
        let header = read.summary.header
        if read.summary.entries != Int(header.entryCount) || read.summary.forkProofs != Int(header.forkProofCount) {
            return "counts disagree with the header: \(read.summary)"
        }
        let length = Int(file[12]) << 24 | Int(file[13]) << 16 | Int(file[14]) << 8 | Int(file[15])
        if header.encoded != Array(file[16..<(16 + length)]) {
            return "the header does not re-encode to its bytes: \(hexPrefix(file[16..<(16 + length)]))"
        }
        var byAuthor: [AuthorKey: [Entry]] = [:]
        for entry in read.entries { byAuthor[entry.author, default: []].append(entry) }
        for author in header.authors {
            let chain = byAuthor[author.author] ?? []
            guard chain.count == Int(author.entryCount) else {
                return "\(author.author.short): \(chain.count) entries for head − base \(author.entryCount)"
            }
            var prev = author.baseID
            for (index, entry) in chain.enumerated() {
                if entry.seq != author.baseSeq + UInt64(index) + 1 || entry.prev != prev {
                    return "\(author.author.short): entry at seq \(entry.seq) does not continue"
                }
                prev = entry.id
            }
            if !chain.isEmpty && prev != author.headID { return "\(author.author.short): ends off the head id" }
        }
        // Written again (canonical chunking, this target's key) and read back: the same content.
        let source = Source(chains: byAuthor, proofs: read.proofs)
        var again: [UInt8] = []
        let resigned = BundleHeader(
            creatorPartner: header.creatorPartner,
            creatorKey: AuthorKey(creator.publicKey),
            rosterHash: header.rosterHash,
            authors: header.authors,
            entryCount: header.entryCount,
            forkProofCount: header.forkProofCount
        )
        do { _ = try BundleWriter.write(header: resigned, source: source, signingKey: creator) { again += $0 } } catch {
            return "the decoded content cannot be written again: \(error)"
        }
        guard let back = readAll(again) else { return "the rewritten bundle does not read" }
        if back.entries != read.entries { return "the rewritten bundle reads back other entries" }
        if Set(back.proofs) != Set(read.proofs) { return "the rewritten bundle reads back other proofs" }
        return nil
    }

    static func readAll(_ file: [UInt8]) -> (summary: BundleSummary, entries: [Entry], proofs: [ForkProof])? {
        let reader = BundleReader(bytes: file)
        var entries: [Entry] = []
        var proofs: [ForkProof] = []
        do {
            while let chunk = try reader.nextChunk() {
                switch chunk {
                case .entries(let batch): entries += batch
                case .forks(let batch): proofs += batch
                }
            }
        } catch { return nil }
        guard let summary = reader.summary else { return nil }
        return (summary, entries, proofs)
    }

    struct Source: SyncSource {
        let chains: [AuthorKey: [Entry]]
        let proofs: [ForkProof]
        func heads() -> [Head] { [] }
        func entries(author: AuthorKey, fromSeq: UInt64, limit: Int) -> [Entry] {
            let chain = chains[author] ?? []
            guard let start = chain.firstIndex(where: { $0.seq == fromSeq }) else { return [] }
            return Array(chain[start..<min(chain.count, start + limit)])
        }
        func entry(author: AuthorKey, seq: UInt64) -> Entry? { chains[author]?.first { $0.seq == seq } }
        func forkProofs() -> [ForkProof] { proofs }
    }
}
