public import CapSyncWire

/// One author of a bundle: the creator's head, and the base the bundle continues from — what the creator took the
/// recipient to hold. The bundle carries exactly this author's entries at seq `base.seq + 1 … head.seq`.
public struct BundleAuthor: Sendable, Hashable {
    public var author: AuthorKey
    public var headSeq: UInt64
    public var headID: EntryID
    /// 0 when the recipient's head was unknown, or disagreed with the creator's chain (then the whole chain
    /// travels, so the recipient's store finds where the two part).
    public var baseSeq: UInt64
    /// Zero when `baseSeq` is 0.
    public var baseID: EntryID

    public init(author: AuthorKey, headSeq: UInt64, headID: EntryID, baseSeq: UInt64, baseID: EntryID) {
        self.author = author
        self.headSeq = headSeq
        self.headID = headID
        self.baseSeq = baseSeq
        self.baseID = baseID
    }

    public var entryCount: UInt64 { headSeq - baseSeq }
}

/// The header of a bundle file (Protocol/bundle.md §Header): who made it, against which roster, the creator's
/// heads with the base of each author, and the counts.
public struct BundleHeader: Sendable, Hashable {
    public var creatorPartner: String
    /// The Ed25519 signing key of the creating node; it signs the END chunk.
    public var creatorKey: AuthorKey
    /// `Roster.hash` of the creator's roster in force.
    public var rosterHash: Bytes32
    /// Strictly ascending by author; an author's index in this list is how ENTRIES runs name it.
    public var authors: [BundleAuthor]
    public var entryCount: UInt64
    public var forkProofCount: UInt64

    public init(
        creatorPartner: String,
        creatorKey: AuthorKey,
        rosterHash: Bytes32,
        authors: [BundleAuthor],
        entryCount: UInt64,
        forkProofCount: UInt64
    ) {
        self.creatorPartner = creatorPartner
        self.creatorKey = creatorKey
        self.rosterHash = rosterHash
        self.authors = authors
        self.entryCount = entryCount
        self.forkProofCount = forkProofCount
    }

    /// The creator's heads (what it held when it made the bundle).
    public var creatorHeads: [Head] { authors.map { Head(author: $0.author, seq: $0.headSeq, id: $0.headID) } }

    /// The header body as a bundle carries it (after the preamble).
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 128 + authors.count * 106)
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout ByteWriter) {
        writer.writeString(creatorPartner)
        writer.writeBytes(creatorKey.bytes)
        writer.writeBytes(rosterHash.bytes)
        writer.writeVarint(authors.count)
        for author in authors {
            writer.writeBytes(author.author.bytes)
            writer.writeVarint(author.headSeq)
            writer.writeBytes(author.headID.bytes)
            writer.writeVarint(author.baseSeq)
            if author.baseSeq > 0 { writer.writeBytes(author.baseID.bytes) }
        }
        writer.writeVarint(entryCount)
        writer.writeVarint(forkProofCount)
    }

    /// Decodes a header body; every count is checked against its limit and the bytes left before use.
    static func read(from reader: inout ByteReader) throws(WireError) -> BundleHeader {
        let partnerOffset = reader.offset
        let partner = try reader.readString("creatorPartner", limit: BundleFormat.maxPartnerBytes)
        do { try Roster.validatePartnerCode(partner) } catch {
            throw WireError(.invalidValue, error.reason, offset: partnerOffset, context: "creatorPartner")
        }
        let key = AuthorKey(try reader.readBytes("creatorKey", count: 32))
        let rosterHash = Bytes32(try reader.readBytes("rosterHash", count: 32))
        let countOffset = reader.offset
        let count = try reader.readCount("authors.count", limit: BundleFormat.maxAuthors)
        // The smallest author is 32 + 1 + 32 + 1 bytes.
        guard count <= reader.remaining / 66 else {
            throw WireError(
                .invalidValue,
                "\(count) authors cannot fit in the \(reader.remaining) bytes left of the header",
                offset: countOffset,
                context: "authors.count"
            )
        }
        var authors: [BundleAuthor] = []
        authors.reserveCapacity(count)
        var total: UInt64 = 0
        for index in 0..<count {
            let field = "authors[\(index)]"
            let authorOffset = reader.offset
            let author = AuthorKey(try reader.readBytes(field + ".author", count: 32))
            if let last = authors.last, !(last.author < author) {
                throw WireError(
                    .invalidValue,
                    "authors must be strictly ascending",
                    offset: authorOffset,
                    context: field + ".author"
                )
            }
            let seqOffset = reader.offset
            let headSeq = try reader.readVarint(field + ".headSeq", max: Entry.maxSeq)
            guard headSeq >= 1 else {
                throw WireError(
                    .invalidValue,
                    "a listed author has a head of at least seq 1",
                    offset: seqOffset,
                    context: field + ".headSeq"
                )
            }
            let headID = EntryID(try reader.readBytes(field + ".headId", count: 32))
            let baseOffset = reader.offset
            let baseSeq = try reader.readVarint(field + ".baseSeq", max: Entry.maxSeq)
            guard baseSeq <= headSeq else {
                throw WireError(
                    .invalidValue,
                    "base seq \(baseSeq) is above the head seq \(headSeq)",
                    offset: baseOffset,
                    context: field + ".baseSeq"
                )
            }
            let baseID = baseSeq > 0 ? EntryID(try reader.readBytes(field + ".baseId", count: 32)) : .zero
            total += headSeq - baseSeq  // at most 8192 × 2^62: no overflow
            authors.append(
                BundleAuthor(author: author, headSeq: headSeq, headID: headID, baseSeq: baseSeq, baseID: baseID)
            )
        }
        let entriesOffset = reader.offset
        let entryCount = try reader.readVarint("entryCount")
        guard entryCount == total else {
            throw WireError(
                .invalidValue,
                "entry count \(entryCount) is not the sum of the authors' head − base (\(total))",
                offset: entriesOffset,
                context: "entryCount"
            )
        }
        let forkProofCount = try reader.readVarint("forkProofCount", max: BundleFormat.maxForkProofs)
        return BundleHeader(
            creatorPartner: partner,
            creatorKey: key,
            rosterHash: rosterHash,
            authors: authors,
            entryCount: entryCount,
            forkProofCount: forkProofCount
        )
    }
}

/// Constants of the bundle format (Protocol/bundle.md).
public enum BundleFormat {
    /// The first 8 bytes of every bundle file.
    public static let magic: [UInt8] = Array("CSBUNDLE".utf8)
    public static let version: UInt16 = 1
    /// Bytes before the header body: magic, version, flags, header length.
    public static let preambleSize = 16
    /// Domain of the creator's signature over the file digest.
    public static let signingDomain: [UInt8] = Array("CAPSYNC-BUNDLE-V1".utf8) + [0]
    public static let maxPartnerBytes = 16
    /// Most authors in a header: the roster's 4,096 keys twice over, as in HEADS.
    public static let maxAuthors = 8192
    /// Largest header body (8,192 authors of at most 107 bytes fit with room to spare).
    public static let maxHeaderBytes = 1 << 20
    /// Largest chunk (type byte + body), the sync protocol's frame ceiling.
    public static let maxChunkBytes = SyncLimits.maximumFrameBytes
    /// Most entries in one ENTRIES chunk, the sync protocol's default batch.
    public static let maxEntriesPerChunk = 4096
    /// Most proofs in one FORKS chunk (what a node sends per FORKS frame).
    public static let maxForkProofsPerChunk = SyncLimits.forkProofsPerFrameSent
    /// Most fork proofs in a bundle: one per author and seq is all a store keeps, and a store keeps few.
    public static let maxForkProofs: UInt64 = 1 << 20

    /// Chunk type bytes (ENTRIES and FORKS as in the sync protocol).
    public enum ChunkType: UInt8, Sendable {
        case entries = 0x03
        case forks = 0x04
        case end = 0x0F
    }

    /// The END body after its three counts: digest and signature.
    public static let endTailSize = 32 + 64
}
