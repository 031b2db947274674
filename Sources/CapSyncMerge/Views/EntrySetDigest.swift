import CapSyncCrypto
public import CapSyncWire

/// The entry-set digest (Protocol/fold.md, "Digests"): over the entries the fold admits — authors in the
/// roster, seqs up to their keys' last valid seq, below the author's fork seq — and the fork seqs themselves.
/// Honest nodes that kept different branches of a forked author exclude both branches from the fork seq on,
/// so they agree on it, and the proofs they hold are covered by the fork list.
public enum EntrySetDigest {
    public static let domain: [UInt8] = Array("CAPSYNC-ENTRYSET-V2".utf8) + [0]

    /// One place in one author's chain: two ids there are an equivocation.
    private struct Position: Hashable {
        let author: AuthorKey
        let seq: UInt64
    }

    /// The digest of an entry set judged by `roster`, with the fork seqs the node knows from proofs (`forks`)
    /// and those the set itself shows (two entries of one author at one seq).
    public static func digest(
        of entries: some Sequence<(id: EntryID, author: AuthorKey, seq: UInt64)>,
        roster: Roster,
        forks: [AuthorKey: UInt64]
    ) -> Bytes32 {
        var forks = forks
        var seen: [Position: EntryID] = [:]
        var distinct: [EntryID: (author: AuthorKey, seq: UInt64)] = [:]
        for entry in entries where distinct[entry.id] == nil {
            distinct[entry.id] = (entry.author, entry.seq)
            if let other = seen.updateValue(entry.id, forKey: Position(author: entry.author, seq: entry.seq)),
                other != entry.id
            {
                forks[entry.author] = min(forks[entry.author] ?? .max, entry.seq)
            }
        }
        let admitted = distinct.filter { admits($0.value.author, seq: $0.value.seq, roster: roster, forks: forks) }
        return digest(admittedIDs: admitted.keys, forks: forks, roster: roster)
    }

    /// Whether the fold admits an entry of `author` at `seq` (rules 1–3 of "Which entries apply").
    @inline(__always)
    public static func admits(_ author: AuthorKey, seq: UInt64, roster: Roster, forks: [AuthorKey: UInt64]) -> Bool {
        roster.allows(author, seq: seq) && seq < (forks[author] ?? .max)
    }

    /// The digest over ids already judged admitted (`admits`), and the fork seqs of the roster's authors.
    public static func digest(
        admittedIDs ids: some Sequence<EntryID>,
        forks: [AuthorKey: UInt64],
        roster: Roster
    ) -> Bytes32 {
        let sorted = Array(Set(ids)).sorted()
        var hash = SHA256()
        var header = ByteWriter(capacity: 32)
        header.writeBytes(domain)
        header.writeUInt64(UInt64(sorted.count))
        hash.update(header.bytes)
        var chunk = ByteWriter(capacity: 32 * 1024)
        for id in sorted {
            chunk.write(id)
            if chunk.count >= 32 * 1024 {
                hash.update(chunk.bytes)
                chunk = ByteWriter(capacity: 32 * 1024)
            }
        }
        let forked = forks.filter { roster.contains($0.key) }.sorted { $0.key < $1.key }
        chunk.writeUInt64(UInt64(forked.count))
        for (author, seq) in forked {
            chunk.writeBytes(author.bytes)
            chunk.writeUInt64(seq)
        }
        hash.update(chunk.bytes)
        return Bytes32(hash.finalize())
    }
}
