public import CapSyncCrypto

/// Sealing an operation for an audience, and opening it (Protocol/releasability.md §3–§4).
public enum SealedEnvelope {
    static let contentDomain = Array("CAPSYNC-SEALED-V1".utf8) + [0]
    static let commitmentDomain = Array("CAPSYNC-SEALED-KEY-V1".utf8) + [0]
    /// The inner payload leaves room for the sealed framing inside an entry's 65,536-byte payload.
    public static let maxInnerPayloadBytes = Entry.maxPayloadSize - 64

    /// Operation kinds that may be sealed: never governance (16, 17) or a sealed entry (18).
    public static func isSealable(kind: UInt64) -> Bool { (1...6).contains(kind) || (9...15).contains(kind) }

    /// The random inputs of one sealing. Fresh from OpenSSL's CSPRNG in use; fixed in test vectors.
    public struct Randomness: Sendable {
        public var contentKey: [UInt8]
        public var nonce: [UInt8]
        /// One ephemeral key per recipient, in label order.
        public var ephemerals: [X25519PrivateKey]

        public init(contentKey: [UInt8], nonce: [UInt8], ephemerals: [X25519PrivateKey]) {
            self.contentKey = contentKey
            self.nonce = nonce
            self.ephemerals = ephemerals
        }

        public static func fresh(recipients: Int) throws(CryptoError) -> Randomness {
            var ephemerals: [X25519PrivateKey] = []
            for _ in 0..<recipients { ephemerals.append(try X25519PrivateKey.generate()) }
            return Randomness(
                contentKey: SecureRandom.bytes(32),
                nonce: SecureRandom.bytes(AESGCM.nonceByteCount),
                ephemerals: ephemerals
            )
        }
    }

    /// What opening gives: the operation inside, and the content key that opened it (as secret as the
    /// decryption keys: a reader may keep it to open the same entry again without the X25519 unwrap).
    public struct Opened: Sendable, Hashable {
        public var kind: UInt64
        public var payload: [UInt8]
        public var contentKey: [UInt8]
    }

    /// Seals `payload` of `kind` for `recipients` (partner → encryption key in roster version `rosterSerial`),
    /// as an entry of `author` will carry it. The label is the recipients' codes, sorted.
    public static func seal(
        kind: UInt64,
        payload: [UInt8],
        recipients: [String: X25519PublicKey],
        rosterSerial: UInt64,
        author: AuthorKey,
        randomness: Randomness? = nil
    ) throws(WireError) -> SealedPayload {
        guard isSealable(kind: kind) else {
            throw WireError(.invalidValue, "kind \(kind) cannot be sealed (only operation kinds 1–6 and 9–15)")
        }
        guard payload.count <= maxInnerPayloadBytes else {
            throw WireError(.overLimit, "a sealed operation holds at most \(maxInnerPayloadBytes) bytes")
        }
        guard !recipients.isEmpty, recipients.count <= SealedPayload.maxLabelCount else {
            throw WireError(.overLimit, "a label names 1 to \(SealedPayload.maxLabelCount) partners")
        }
        let label = recipients.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        for partner in label { try Roster.validatePartnerCode(partner) }
        do {
            let random = try randomness ?? Randomness.fresh(recipients: label.count)
            guard random.ephemerals.count == label.count, random.contentKey.count == 32 else {
                throw WireError(.invalidValue, "sealing needs one ephemeral key per recipient and a 32-byte key")
            }
            var sealed = SealedPayload(
                label: label,
                rosterSerial: rosterSerial,
                wraps: [],
                commitment: commitment(random.contentKey),
                nonce: random.nonce,
                ciphertext: []
            )
            let header = sealed.header
            for (index, partner) in label.enumerated() {
                let recipient = recipients[partner]!
                let ephemeral = random.ephemerals[index]
                let wrapped = try ContentKeyWrap.wrap(
                    contentKey: random.contentKey,
                    to: recipient,
                    ephemeral: ephemeral,
                    context: wrapContext(author: author, header: header, partner: partner)
                )
                sealed.wraps.append(
                    .init(recipient: recipient.rawBytes, ephemeral: ephemeral.publicKey.rawBytes, wrapped: wrapped)
                )
            }
            var plaintext = ByteWriter(capacity: payload.count + 10)
            plaintext.writeVarint(kind)
            plaintext.writeBytes(payload)
            sealed.ciphertext = try AESGCM.seal(
                plaintext.bytes,
                key: random.contentKey,
                nonce: random.nonce,
                authenticating: contentAAD(author: author, sealed: sealed)
            )
            return sealed
        } catch let error as WireError {
            throw error
        } catch {
            throw WireError(.invalidValue, "sealing failed: \(error)")
        }
    }

    /// Opens `sealed` as the node of `partner` holding `keys` (its current and earlier encryption keys).
    public static func open(
        _ sealed: SealedPayload,
        partner: String,
        keys: [X25519PrivateKey],
        author: AuthorKey
    ) throws(WireError) -> Opened {
        guard let index = sealed.label.firstIndex(of: partner) else {
            throw WireError(.notInAudience, "\(partner) is not in the label (\(sealed.labelText))")
        }
        let wrap = sealed.wraps[index]
        guard let key = keys.first(where: { $0.publicKey.rawBytes == wrap.recipient }) else {
            throw WireError(
                .decryptionFailed,
                "the entry is wrapped to an encryption key of \(partner) this node does not hold",
                context: "sealed.wrap.recipient"
            )
        }
        let contentKey: [UInt8]
        do {
            contentKey = try ContentKeyWrap.unwrap(
                wrap.wrapped,
                ephemeral: try X25519PublicKey(rawBytes: wrap.ephemeral),
                recipient: key,
                context: wrapContext(author: author, header: sealed.header, partner: partner)
            )
        } catch {
            throw WireError(.decryptionFailed, "the wrapped key does not open: \(error.reason)", context: "sealed.wrap")
        }
        return try open(sealed, contentKey: contentKey, author: author)
    }

    /// Opens `sealed` with a content key obtained earlier (§4.3 steps 4 and 5, without the unwrap): a reader
    /// that opened the entry once opens it again at the cost of one SHA-256 and one AES-GCM open. A key that is
    /// not the entry's (a damaged or foreign cache record) fails the commitment and never yields plaintext; the
    /// AEAD still authenticates every byte of the content.
    public static func open(
        _ sealed: SealedPayload,
        contentKey: [UInt8],
        author: AuthorKey
    ) throws(WireError) -> Opened {
        guard contentKey.count == AESGCM.keyByteCount, commitment(contentKey) == sealed.commitment else {
            throw WireError(
                .decryptionFailed,
                "the content key does not match the commitment",
                context: "sealed.commitment"
            )
        }
        let plaintext: [UInt8]
        do {
            plaintext = try AESGCM.open(
                sealed.ciphertext,
                key: contentKey,
                nonce: sealed.nonce,
                authenticating: contentAAD(author: author, sealed: sealed)
            )
        } catch {
            throw WireError(.decryptionFailed, "the ciphertext does not open: \(error.reason)", context: "sealed")
        }
        var reader = ByteReader(plaintext, context: "sealed plaintext")
        let kind = try reader.readVarint("kind", max: Entry.maxKind)
        guard isSealable(kind: kind) else {
            throw WireError(.invalidValue, "a sealed entry carries kind \(kind), not an operation kind")
        }
        return Opened(kind: kind, payload: Array(plaintext[reader.offset...]), contentKey: contentKey)
    }

    /// C(P) of §4.2.
    static func wrapContext(author: AuthorKey, header: [UInt8], partner: String) -> [UInt8] {
        var writer = ByteWriter(capacity: 32 + header.count + 17)
        writer.writeBytes(author.bytes)
        writer.writeBytes(header)
        writer.writeString(partner)
        return writer.bytes
    }

    static func contentAAD(author: AuthorKey, sealed: SealedPayload) -> [UInt8] {
        contentDomain + author.bytes + sealed.clearPart
    }

    static func commitment(_ contentKey: [UInt8]) -> [UInt8] { SHA256.hash(commitmentDomain + contentKey) }
}
