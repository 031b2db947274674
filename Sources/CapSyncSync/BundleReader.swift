import CapSyncCrypto
public import CapSyncWire

/// One chunk of a bundle as the reader hands it on: rebuilt canonical entries, or fork proofs.
public enum BundleChunk: Sendable {
    /// Entries of one ENTRIES chunk, in file order (author by author, seq ascending).
    case entries([Entry])
    case forks([ForkProof])
}

/// Reads a bundle file (Protocol/bundle.md) as a stream: the header, then one chunk at a time, then the END
/// chunk, whose digest and creator signature are checked last. Memory holds one chunk (at most 4 MiB) and the
/// header; every length and count is checked against its limit before anything is allocated for it.
///
/// The reader checks the format and every claim the file makes about itself (runs continue each author's base
/// and reach its head id, counts, digest, signature). Entry signatures are not its job: the store checks them on
/// import, `BundleAuditor` on verify. Fork proofs are checked whole (both signatures) as the sync protocol does.
public final class BundleReader {
    /// Up to `count` bytes from the file, fewer only at its end (none once it is reached).
    public typealias Source = (_ count: Int) throws -> [UInt8]

    private let source: Source
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    private var hash: SHA256? = SHA256()
    /// The digest of each chunk seen, in order (`chunkDigests` of a first pass, checked by a second).
    public private(set) var chunkDigests: [[UInt8]] = []
    private let expectedChunkDigests: [[UInt8]]?
    /// File offset of the next byte to read.
    public private(set) var offset = 0
    public private(set) var header: BundleHeader?
    private var next: [(seq: UInt64, id: EntryID)] = []
    private var lastAuthorIndex = 0
    private var sawForks = false
    public private(set) var entries = 0
    public private(set) var forkProofs = 0
    public private(set) var chunks = 0
    public private(set) var digest: [UInt8] = []
    public private(set) var finished = false

    /// `expectedChunkDigests`: refuse any chunk whose bytes differ from the ones a first pass verified (the file
    /// changed in between), before anything of it is decoded.
    public init(source: @escaping Source, expectedChunkDigests: [[UInt8]]? = nil) {
        self.source = source
        self.expectedChunkDigests = expectedChunkDigests
    }

    /// A reader over bytes in memory (tests, fuzzing, vectors).
    public convenience init(bytes: [UInt8]) {
        var position = 0
        self.init(source: { count in
            let end = min(bytes.count, position + count)
            defer { position = end }
            return Array(bytes[position..<end])
        })
    }

    // MARK: Reading bytes

    private func read(_ count: Int, _ field: String) throws(BundleError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            let chunk: [UInt8]
            do { chunk = try source(count - out.count) } catch {
                throw BundleError(.io, "cannot read the bundle: \(error)", offset: offset + out.count, context: field)
            }
            guard !chunk.isEmpty else {
                throw BundleError(
                    .truncated,
                    "the file ends after \(offset + out.count) bytes, inside \(field) (\(count) bytes from byte \(offset))",
                    offset: offset + out.count,
                    context: field
                )
            }
            out += chunk
        }
        hash!.update(out)
        offset += count
        return out
    }

    // MARK: Header

    /// Reads and checks the preamble and the header.
    public func readHeader() throws(BundleError) -> BundleHeader {
        if let header { return header }
        let preamble = try read(BundleFormat.preambleSize, "preamble")
        guard Array(preamble[0..<8]) == BundleFormat.magic else {
            throw BundleError(.malformed, "not a CapSync bundle (no CSBUNDLE magic)", offset: 0, context: "magic")
        }
        let version = UInt16(preamble[8]) << 8 | UInt16(preamble[9])
        guard version == BundleFormat.version else {
            throw BundleError(
                .malformed,
                "bundle version \(version); this node reads version \(BundleFormat.version)",
                offset: 8,
                context: "version"
            )
        }
        guard preamble[10] == 0 && preamble[11] == 0 else {
            throw BundleError(.malformed, "flags must be 0 in version 1", offset: 10, context: "flags")
        }
        let length = Int(preamble[12]) << 24 | Int(preamble[13]) << 16 | Int(preamble[14]) << 8 | Int(preamble[15])
        guard length <= BundleFormat.maxHeaderBytes else {
            throw BundleError(
                .limitExceeded,
                "header length \(length) is above the limit of \(BundleFormat.maxHeaderBytes)",
                offset: 12,
                context: "headerLength"
            )
        }
        let base = offset
        let body = try read(length, "header")
        var reader = ByteReader(body)
        let header: BundleHeader
        do throws(WireError) {
            header = try BundleHeader.read(from: &reader)
            try reader.expectEnd("header")
        } catch { throw BundleError(error, base: base, section: "header") }
        self.header = header
        next = header.authors.map { ($0.baseSeq, $0.baseID) }
        return header
    }

    // MARK: Chunks

    /// The next ENTRIES or FORKS chunk, or nil once the END chunk is read and verified (digest, creator
    /// signature, nothing after it).
    public func nextChunk() throws(BundleError) -> BundleChunk? {
        guard !finished else { return nil }
        let header = try readHeader()
        let chunkOffset = offset
        let prefix = try read(4, "chunk \(chunks) length")
        let length = Int(prefix[0]) << 24 | Int(prefix[1]) << 16 | Int(prefix[2]) << 8 | Int(prefix[3])
        guard length >= 1 else {
            throw BundleError(.malformed, "a chunk length of 0", offset: chunkOffset, context: "chunk \(chunks)")
        }
        guard length <= BundleFormat.maxChunkBytes else {
            throw BundleError(
                .limitExceeded,
                "chunk length \(length) is above the limit of \(BundleFormat.maxChunkBytes)",
                offset: chunkOffset,
                context: "chunk \(chunks)"
            )
        }
        let typeByte = try read(1, "chunk \(chunks) type")[0]
        guard let type = BundleFormat.ChunkType(rawValue: typeByte) else {
            throw BundleError(
                .malformed,
                "chunk type 0x\(String(typeByte, radix: 16)) is not ENTRIES (03), FORKS (04) or END (0f)",
                offset: chunkOffset + 4,
                context: "chunk \(chunks)"
            )
        }
        if type == .end { return try readEnd(header, length: length, at: chunkOffset) }
        let bodyOffset = offset
        let body = try read(length - 1, "chunk \(chunks) body")
        let digest = SHA256.hash(prefix + [typeByte] + body)
        if let expected = expectedChunkDigests {
            guard chunks < expected.count, expected[chunks] == digest else {
                throw BundleError(
                    .changedWhileReading,
                    "chunk \(chunks) differs from the one verified a moment ago: the file changed while it was read",
                    offset: chunkOffset,
                    context: "chunk \(chunks)"
                )
            }
        }
        chunkDigests.append(digest)
        let section = "chunk \(chunks) \(type == .entries ? "ENTRIES" : "FORKS")"
        defer { chunks += 1 }
        var reader = ByteReader(body)
        switch type {
        case .entries:
            guard !sawForks else {
                throw BundleError(
                    .malformed,
                    "an ENTRIES chunk after a FORKS chunk (entries come first)",
                    offset: chunkOffset,
                    context: section
                )
            }
            let batch: EntriesBatch
            do throws(WireError) {
                batch = try EntriesBatch.read(from: &reader, limits: BundleReader.entryLimits)
                try reader.expectEnd("body")
            } catch { throw BundleError(error, base: bodyOffset, section: section) }
            let rebuilt = try rebuild(batch, header: header, at: chunkOffset, section: section)
            entries += rebuilt.count
            guard UInt64(entries) <= header.entryCount else {
                throw BundleError(
                    .disagreeingClaim,
                    "more entries than the \(header.entryCount) the header counts",
                    offset: chunkOffset,
                    context: section
                )
            }
            return .entries(rebuilt)
        case .forks:
            sawForks = true
            let proofs: [ForkProof]
            do throws(WireError) {
                proofs = try SyncMessage.readForks(from: &reader, limits: BundleReader.forkLimits)
                try reader.expectEnd("body")
            } catch {
                var failure = BundleError(error, base: bodyOffset, section: section)
                if error.context == "fork proof" || error.code == .badSignature { failure.code = .invalidForkProof }
                throw failure
            }
            forkProofs += proofs.count
            guard UInt64(forkProofs) <= header.forkProofCount else {
                throw BundleError(
                    .disagreeingClaim,
                    "more fork proofs than the \(header.forkProofCount) the header counts",
                    offset: chunkOffset,
                    context: section
                )
            }
            return .forks(proofs)
        case .end:
            preconditionFailure("handled above")
        }
    }

    static let entryLimits = SyncLimits(
        maxEntriesPerBatch: BundleFormat.maxEntriesPerChunk,
        maxAuthorsPerHeads: BundleFormat.maxAuthors
    )
    static let forkLimits = SyncLimits(maxForkProofsPerFrame: BundleFormat.maxForkProofsPerChunk)

    /// Turns runs back into canonical entries, checking each continues its author as the header says.
    private func rebuild(
        _ batch: EntriesBatch,
        header: BundleHeader,
        at chunkOffset: Int,
        section: String
    ) throws(BundleError) -> [Entry] {
        var result: [Entry] = []
        result.reserveCapacity(batch.entryCount)
        for (r, run) in batch.runs.enumerated() {
            let field = "\(section).runs[\(r)]"
            let index = Int(run.authorIndex)
            guard index < header.authors.count else {
                throw BundleError(
                    .disagreeingClaim,
                    "author index \(index) is not below the header's \(header.authors.count) authors",
                    offset: chunkOffset,
                    context: field
                )
            }
            guard run.prev == nil else {
                throw BundleError(
                    .malformed,
                    "a bundle's runs always continue (prev form 0); an explicit prev is not allowed",
                    offset: chunkOffset,
                    context: field
                )
            }
            guard index >= lastAuthorIndex else {
                throw BundleError(
                    .malformed,
                    "runs must follow the header's author order (index \(index) after \(lastAuthorIndex))",
                    offset: chunkOffset,
                    context: field
                )
            }
            let author = header.authors[index]
            let expected = next[index]
            guard run.firstSeq == expected.seq + 1 else {
                throw BundleError(
                    .disagreeingClaim,
                    "run of \(author.author.short) starts at seq \(run.firstSeq); the bundle continues at \(expected.seq + 1)",
                    offset: chunkOffset,
                    context: field
                )
            }
            guard run.lastSeq <= author.headSeq else {
                throw BundleError(
                    .disagreeingClaim,
                    "run of \(author.author.short) ends at seq \(run.lastSeq), past the header's head \(author.headSeq)",
                    offset: chunkOffset,
                    context: field
                )
            }
            let entries: [Entry]
            do throws(WireError) { entries = try run.rebuild(author: author.author, prev: expected.id) } catch {
                throw BundleError(.malformed, error.reason, offset: chunkOffset, context: field)
            }
            next[index] = (run.lastSeq, entries.last!.id)
            lastAuthorIndex = index
            result += entries
        }
        return result
    }

    // MARK: END

    private func readEnd(_ header: BundleHeader, length: Int, at chunkOffset: Int) throws(BundleError) -> BundleChunk? {
        guard length <= 1 + 30 + BundleFormat.endTailSize, length > 1 + BundleFormat.endTailSize else {
            throw BundleError(
                .malformed,
                "END chunk length \(length) cannot hold three counts, a digest and a signature",
                offset: chunkOffset,
                context: "END"
            )
        }
        let countsOffset = offset
        let countBytes = try read(length - 1 - BundleFormat.endTailSize, "END counts")
        var reader = ByteReader(countBytes)
        let counts: (entries: UInt64, proofs: UInt64, chunks: UInt64)
        do throws(WireError) {
            counts = (
                try reader.readVarint("entryCount"), try reader.readVarint("forkProofCount"),
                try reader.readVarint("chunkCount")
            )
            try reader.expectEnd("END counts")
        } catch { throw BundleError(error, base: countsOffset, section: "END") }
        guard counts.entries == UInt64(entries), counts.entries == header.entryCount,
            counts.proofs == UInt64(forkProofs), counts.proofs == header.forkProofCount,
            counts.chunks == UInt64(chunks)
        else {
            throw BundleError(
                .disagreeingClaim,
                "END counts \(counts.entries) entries, \(counts.proofs) fork proofs, \(counts.chunks) chunks; "
                    + "the header counts \(header.entryCount) and \(header.forkProofCount), and the file holds "
                    + "\(entries), \(forkProofs), \(chunks)",
                offset: countsOffset,
                context: "END"
            )
        }
        for (index, author) in header.authors.enumerated() where next[index] != (author.headSeq, author.headID) {
            throw BundleError(
                .disagreeingClaim,
                "the entries of \(author.author.short) end at seq \(next[index].seq) with id \(next[index].id.short), "
                    + "not at the header's head \(author.headSeq) \(author.headID.short)",
                offset: countsOffset,
                context: "header.authors[\(index)]"
            )
        }
        let computed = hash.take()!.finalize()
        hash = SHA256()
        let digestOffset = offset
        let tail = try read(BundleFormat.endTailSize, "END digest and signature")
        let digest = Array(tail[0..<32])
        guard digest == computed else {
            throw BundleError(
                .digestMismatch,
                "the SHA-256 of the file is \(Hex.encode(computed)), the END chunk says \(Hex.encode(digest)): "
                    + "the bundle was altered or damaged",
                offset: digestOffset,
                context: "END.digest"
            )
        }
        guard let key = try? header.creatorKey.publicKey(),
            key.isValidSignature(Array(tail[32...]), for: BundleFormat.signingDomain + digest)
        else {
            throw BundleError(
                .badSignature,
                "the creator's signature over the digest does not verify under \(header.creatorKey.short)",
                offset: digestOffset + 32,
                context: "END.signature"
            )
        }
        let extra: [UInt8]
        do { extra = try source(1) } catch {
            throw BundleError(.io, "cannot read the bundle: \(error)", offset: offset, context: "end of file")
        }
        guard extra.isEmpty else {
            throw BundleError(.malformed, "bytes after the END chunk", offset: offset, context: "end of file")
        }
        self.digest = digest
        finished = true
        return nil
    }

    /// What was read, once `nextChunk()` returned nil.
    public var summary: BundleSummary? {
        guard finished, let header else { return nil }
        var summary = BundleSummary(header: header)
        summary.entries = entries
        summary.forkProofs = forkProofs
        summary.chunks = chunks
        summary.bytes = offset
        summary.digest = digest
        return summary
    }
}
