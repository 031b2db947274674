public import CapSyncCrypto

/// One signed, hash-chained log entry (docs/design.md D5, Protocol/entry.md).
///
/// Immutable, and it keeps the exact canonical bytes it was decoded from (or signed as): those bytes are what
/// is hashed for the id and what the signature covers, so re-encoding can never change what was signed.
/// Fields are read out of `encoded` through stored offsets; one heap allocation per entry.
public struct Entry: Sendable, Hashable {
    /// The canonical encoding, signature included.
    public let encoded: [UInt8]
    /// SHA-256 of `encoded`.
    public let id: EntryID

    public let version: UInt8
    public let author: AuthorKey
    public let seq: UInt64
    public let prev: EntryID
    public let timestamp: HLCTimestamp
    public let kind: UInt64
    /// Where `payload` sits in `encoded` (package-visible: the fold reads payloads in place, without a slice).
    package let payloadRange: Range<Int>

    public var payload: ArraySlice<UInt8> { encoded[payloadRange] }
    public var signature: ArraySlice<UInt8> { encoded[(encoded.count - Entry.signatureSize)...] }
    /// The canonical encoding without the signature (what follows the domain string in the signing message).
    public var unsignedBytes: ArraySlice<UInt8> { encoded[..<(encoded.count - Entry.signatureSize)] }

    public static func == (a: Entry, b: Entry) -> Bool { a.id == b.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }

    // MARK: Constants (Protocol/entry.md §Limits)

    public static let currentVersion: UInt8 = 1
    public static let signatureSize = 64
    public static let maxPayloadSize = 65_536
    public static let maxSeq: UInt64 = 1 << 62
    public static let maxKind: UInt64 = UInt64(UInt32.max)
    /// The largest possible canonical encoding.
    public static let maxEncodedSize = 1 + 32 + 9 + 32 + 8 + 5 + 3 + maxPayloadSize + signatureSize
    /// Prefixed to the unsigned bytes to form the signing message: the 20 ASCII bytes CAPSYNC-ENTRY-SIG-V1, then one zero byte.
    public static let signingDomain: [UInt8] = Array("CAPSYNC-ENTRY-SIG-V1".utf8) + [0]

    /// domain ‖ canonical bytes without the signature: what Ed25519 signs.
    public var signingMessage: [UInt8] { Entry.signingDomain + unsignedBytes }

    // MARK: Decoding

    /// Decodes one canonical entry that fills `bytes` exactly. Checks structure only; signatures and chain
    /// links are checked by `verifySignature` / `checkFollows`.
    public init(decoding bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, context: "entry")
        try self.init(reading: &reader, whole: true)
    }

    /// Decodes one entry from `reader`; with `whole`, the entry must be all that remains.
    public init(reading reader: inout ByteReader, whole: Bool) throws(WireError) {
        let start = reader.offset
        let version = try reader.readUInt8("version")
        guard version != 0 else {
            throw WireError(.invalidValue, "version 0 is not allowed", offset: start, context: "entry.version")
        }
        let authorRange = try reader.skipBytes("author", count: 32)
        let seqOffset = reader.offset
        let seq = try reader.readVarint("seq", max: Entry.maxSeq)
        guard seq >= 1 else {
            throw WireError(.invalidValue, "seq starts at 1", offset: seqOffset, context: "entry.seq")
        }
        let prevRange = try reader.skipBytes("prev", count: 32)
        let timestampOffset = reader.offset
        let timestamp = try reader.readUInt64("timestamp")
        guard timestamp > 0 else {
            throw WireError(
                .invalidValue,
                "timestamp 0 is not allowed",
                offset: timestampOffset,
                context: "entry.timestamp"
            )
        }
        let kind = try reader.readVarint("kind", max: Entry.maxKind)
        let payloadLength = try reader.readCount("payload.length", limit: Entry.maxPayloadSize)
        let payloadStart = reader.offset - start
        _ = try reader.skipBytes("payload", count: payloadLength)
        _ = try reader.skipBytes("signature", count: Entry.signatureSize)
        if whole { try reader.expectEnd("entry") }

        let encoded =
            start == 0 && reader.offset == reader.bytes.count
            ? reader.bytes : Array(reader.bytes[start..<reader.offset])
        let prev = EntryID(reader.bytes, at: prevRange.lowerBound)
        guard (seq == 1) == prev.isZero else {
            throw WireError(
                .invalidValue,
                seq == 1 ? "seq 1 must have an all-zero prev" : "only seq 1 may have an all-zero prev",
                offset: prevRange.lowerBound,
                context: "entry.prev"
            )
        }
        self.encoded = encoded
        self.id = EntryID(SHA256.hash(encoded))
        self.version = version
        self.author = AuthorKey(reader.bytes, at: authorRange.lowerBound)
        self.seq = seq
        self.prev = prev
        self.timestamp = HLCTimestamp(rawValue: timestamp)
        self.kind = kind
        self.payloadRange = payloadStart..<(payloadStart + payloadLength)
    }

    // MARK: Signing

    /// Builds and signs an entry. The caller (the store) supplies seq, prev and a timestamp above its head's.
    public static func sign(
        version: UInt8 = Entry.currentVersion,
        key: Ed25519PrivateKey,
        seq: UInt64,
        prev: EntryID,
        timestamp: HLCTimestamp,
        kind: UInt64,
        payload: some Collection<UInt8>
    ) throws(WireError) -> Entry {
        try sign(
            version: version,
            author: AuthorKey(key.publicKey),
            seq: seq,
            prev: prev,
            timestamp: timestamp,
            kind: kind,
            payload: payload
        ) { message throws(CryptoError) in try key.signature(for: message) }
    }

    /// Builds and signs an entry with a reusable signing context (the store's batch path; see `Ed25519Context`).
    /// `author` must be the context's key.
    public static func sign(
        author: AuthorKey,
        using context: Ed25519Context,
        seq: UInt64,
        prev: EntryID,
        timestamp: HLCTimestamp,
        kind: UInt64,
        payload: some Collection<UInt8>
    ) throws(WireError) -> Entry {
        try sign(
            version: currentVersion,
            author: author,
            seq: seq,
            prev: prev,
            timestamp: timestamp,
            kind: kind,
            payload: payload
        ) { message throws(CryptoError) in try context.sign(message) }
    }

    /// The one encoder of entries (Protocol/entry.md §2): writes the signing message (domain ‖ canonical bytes
    /// without the signature) once, signs it, and decodes the result back through `Entry(decoding:)`, which
    /// checks every field.
    private static func sign(
        version: UInt8,
        author: AuthorKey,
        seq: UInt64,
        prev: EntryID,
        timestamp: HLCTimestamp,
        kind: UInt64,
        payload: some Collection<UInt8>,
        signer: ([UInt8]) throws(CryptoError) -> [UInt8]
    ) throws(WireError) -> Entry {
        guard version != 0, seq >= 1, seq <= maxSeq, (seq == 1) == prev.isZero, timestamp.rawValue > 0,
            kind <= maxKind, payload.count <= maxPayloadSize
        else {
            throw WireError(
                .invalidValue,
                "entry fields out of range (seq \(seq), kind \(kind), payload \(payload.count) bytes)"
            )
        }
        var writer = ByteWriter(capacity: signingDomain.count + 150 + payload.count + signatureSize)
        writer.writeBytes(signingDomain)
        writer.writeUInt8(version)
        writer.writeBytes(author.bytes)
        writer.writeVarint(seq)
        writer.writeBytes(prev.bytes)
        writer.writeUInt64(timestamp.rawValue)
        writer.writeVarint(kind)
        writer.writeLengthPrefixed(payload)
        let signature: [UInt8]
        do { signature = try signer(writer.bytes) } catch {
            throw WireError(.badSignature, "signing failed: \(error)")
        }
        writer.writeBytes(signature)
        return try Entry(decoding: Array(writer.bytes[signingDomain.count...]))
    }

    /// Verifies the signature with a reusable verifying context for this entry's author.
    public func verifySignature(using context: Ed25519Context) -> Bool {
        context.verify(
            signature: encoded,
            at: (encoded.count - Entry.signatureSize)..<encoded.count,
            message: signingMessage
        )
    }

    // MARK: Verification

    /// Verifies the signature under `key`, which must be this entry's author.
    public func verifySignature(using key: Ed25519PublicKey) -> Bool {
        guard AuthorKey(key) == author else { return false }
        return key.isValidSignature(signature, for: signingMessage)
    }

    /// Verifies the signature, resolving the author key itself (slower: builds an OpenSSL key each time).
    public func verifySignature() -> Bool {
        guard let key = try? author.publicKey() else { return false }
        return verifySignature(using: key)
    }

    /// Checks that this entry directly follows `previous` in the same chain: same author, next seq, prev link,
    /// strictly later timestamp.
    public func checkFollows(_ previous: Entry) throws(WireError) {
        guard previous.author == author else {
            throw WireError(.wrongAuthor, "entry \(seq) follows an entry of another author", context: "chain")
        }
        guard seq == previous.seq + 1 else {
            throw WireError(.brokenChain, "seq \(seq) does not follow seq \(previous.seq)", context: "chain")
        }
        guard prev == previous.id else {
            throw WireError(
                .brokenChain,
                "entry \(seq) names prev \(prev.short), but entry \(previous.seq) is \(previous.id.short)",
                context: "chain"
            )
        }
        guard timestamp > previous.timestamp else {
            throw WireError(
                .timestampNotIncreasing,
                "timestamp \(timestamp) of seq \(seq) is not above \(previous.timestamp) of seq \(previous.seq)",
                context: "chain"
            )
        }
    }
}
