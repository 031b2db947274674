/// The head of one author's chain as a node holds it: the highest contiguous seq and that entry's id.
public struct Head: Sendable, Hashable {
    public var author: AuthorKey
    public var seq: UInt64
    public var id: EntryID

    public init(author: AuthorKey, seq: UInt64, id: EntryID) {
        self.author = author
        self.seq = seq
        self.id = id
    }
}

/// Proof that an author equivocated: two entries, both validly signed by the same author, with the same seq
/// and different ids. Self-verifying: anyone holding the author's public key can check it (docs/design.md D5).
public struct ForkProof: Sendable, Hashable {
    /// Ordered by id, so a proof has one canonical form whichever entry arrived first.
    public let first: Entry
    public let second: Entry

    public var author: AuthorKey { first.author }
    public var seq: UInt64 { first.seq }

    /// Checks the shape (same author and seq, different ids) and both signatures.
    public init(_ a: Entry, _ b: Entry) throws(WireError) {
        guard a.author == b.author, a.seq == b.seq, a.id != b.id else {
            throw WireError(
                .invalidValue,
                "a fork proof needs two different entries of one author at one seq",
                context: "fork proof"
            )
        }
        guard let key = try? a.author.publicKey(), a.verifySignature(using: key), b.verifySignature(using: key) else {
            throw WireError(.badSignature, "a fork proof needs two validly signed entries", context: "fork proof")
        }
        (first, second) = a.id < b.id ? (a, b) : (b, a)
    }

    /// Canonical encoding: varint length + entry, twice (first, second) — Protocol/entry.md §Fork proofs.
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: first.encoded.count + second.encoded.count + 8)
        writer.writeLengthPrefixed(first.encoded)
        writer.writeLengthPrefixed(second.encoded)
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, context: "fork proof")
        let a = try Entry(decoding: reader.readLengthPrefixed("first", limit: Entry.maxEncodedSize))
        let b = try Entry(decoding: reader.readLengthPrefixed("second", limit: Entry.maxEncodedSize))
        try reader.expectEnd("fork proof")
        try self.init(a, b)
    }
}
