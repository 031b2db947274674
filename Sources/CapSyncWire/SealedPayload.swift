/// The payload of a sealed entry (kind 18, Protocol/releasability.md §4): an operation encrypted for the partners
/// its label names, with one wrapped content key per named partner. Every node decodes the clear parts (the
/// label, the roster serial) to verify, list and audit it; only the audience can open the ciphertext.
public struct SealedPayload: Sendable, Hashable {
    public static let kind: UInt64 = 18
    public static let formatVersion: UInt8 = 1
    public static let maxLabelCount = 64
    public static let minCiphertextBytes = 16
    public static let maxCiphertextBytes = 65_536
    public static let wrapByteCount = 32 + 32 + 48

    /// One recipient's wrapped content key (§3).
    public struct Wrap: Sendable, Hashable {
        /// The recipient's encryption key (X25519 public) in the roster version named by the payload.
        public var recipient: [UInt8]
        public var ephemeral: [UInt8]
        public var wrapped: [UInt8]

        public init(recipient: [UInt8], ephemeral: [UInt8], wrapped: [UInt8]) {
            self.recipient = recipient
            self.ephemeral = ephemeral
            self.wrapped = wrapped
        }
    }

    /// The audience: partner codes, strictly ascending, the author's partner among them.
    public var label: [String]
    public var rosterSerial: UInt64
    /// One per label partner, in label order.
    public var wraps: [Wrap]
    public var commitment: [UInt8]
    public var nonce: [UInt8]
    /// AES-256-GCM ciphertext with its 16-byte tag.
    public var ciphertext: [UInt8]

    public init(
        label: [String],
        rosterSerial: UInt64,
        wraps: [Wrap],
        commitment: [UInt8],
        nonce: [UInt8],
        ciphertext: [UInt8]
    ) {
        self.label = label
        self.rosterSerial = rosterSerial
        self.wraps = wraps
        self.commitment = commitment
        self.nonce = nonce
        self.ciphertext = ciphertext
    }

    /// What any node can check without reading the entry (Protocol/releasability.md §4.1): each label partner is
    /// active in roster version `rosterSerial` and its wrap goes to the encryption key that version gives it.
    /// One line per problem; nil when `chain` does not reach that version yet (judge it later).
    public func wrapProblems(chain: RosterChain) -> [String]? {
        guard let link = chain.link(serial: rosterSerial) else {
            if rosterSerial > chain.head.version.serial { return nil }
            return ["names roster version \(rosterSerial), which the chain does not hold"]
        }
        var problems: [String] = []
        for (partner, wrap) in zip(label, wraps) {
            if link.state.partnerActive[partner] != true {
                problems.append("is released to \(partner), not an active partner in roster version \(rosterSerial)")
            } else if link.state.encryptionKeys[partner]?.bytes != wrap.recipient {
                problems.append(
                    "wraps its key for \(partner) to a key that roster version \(rosterSerial) does not give \(partner)"
                )
            }
        }
        return problems
    }

    /// The label as people read it: "DE, NL, US".
    public var labelText: String { label.joined(separator: ", ") }

    // MARK: Encoding

    /// version ‖ label ‖ roster serial: what every wrap context includes.
    public var header: [UInt8] {
        var writer = ByteWriter(capacity: 16 + label.count * 4)
        writer.writeUInt8(Self.formatVersion)
        writer.writeVarint(UInt64(label.count))
        for partner in label { writer.writeString(partner) }
        writer.writeVarint(rosterSerial)
        return writer.bytes
    }

    /// Everything before the ciphertext's length: the part the content's associated data covers.
    public var clearPart: [UInt8] {
        var writer = ByteWriter(capacity: 128 + wraps.count * Self.wrapByteCount)
        writer.writeBytes(header)
        for wrap in wraps {
            writer.writeBytes(wrap.recipient)
            writer.writeBytes(wrap.ephemeral)
            writer.writeBytes(wrap.wrapped)
        }
        writer.writeBytes(commitment)
        writer.writeBytes(nonce)
        return writer.bytes
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 160 + wraps.count * Self.wrapByteCount + ciphertext.count)
        writer.writeBytes(clearPart)
        writer.writeLengthPrefixed(ciphertext)
        return writer.bytes
    }

    /// Decodes a payload, checking every rule of §4.1 in field order; the first problem met is the error.
    public init(decoding payload: some Collection<UInt8>) throws(WireError) {
        var reader = ByteReader(Array(payload))
        let versionOffset = reader.offset
        let version = try reader.readUInt8("sealed.version")
        guard version == Self.formatVersion else {
            throw WireError(
                .invalidValue,
                "sealed payload version \(version) (this node reads version 1)",
                offset: versionOffset,
                context: "sealed.version"
            )
        }
        let countOffset = reader.offset
        let count = try reader.readCount("sealed.labelCount", limit: Self.maxLabelCount)
        guard count > 0 else {
            throw WireError(
                .invalidValue,
                "a label names at least one partner",
                offset: countOffset,
                context: "sealed.labelCount"
            )
        }
        var label: [String] = []
        label.reserveCapacity(count)
        for _ in 0..<count {
            let partnerOffset = reader.offset
            let partner = try reader.readString("sealed.label", limit: RosterChange.maxPartnerCodeBytes)
            do { try Roster.validatePartnerCode(partner) } catch {
                throw WireError(.invalidValue, error.reason, offset: partnerOffset, context: "sealed.label")
            }
            if let previous = label.last, !Array(previous.utf8).lexicographicallyPrecedes(Array(partner.utf8)) {
                throw WireError(
                    .invalidValue,
                    "label partners must be strictly ascending (\(previous) then \(partner))",
                    offset: partnerOffset,
                    context: "sealed.label"
                )
            }
            label.append(partner)
        }
        let serial = try reader.readVarint("sealed.rosterSerial", max: Entry.maxSeq)
        var wraps: [Wrap] = []
        wraps.reserveCapacity(count)
        for _ in 0..<count {
            let recipient = try reader.readBytes("sealed.wrap.recipient", count: 32)
            let ephemeral = try reader.readBytes("sealed.wrap.ephemeral", count: 32)
            let wrapped = try reader.readBytes("sealed.wrap.wrapped", count: 48)
            wraps.append(Wrap(recipient: recipient, ephemeral: ephemeral, wrapped: wrapped))
        }
        let commitment = try reader.readBytes("sealed.commitment", count: 32)
        let nonce = try reader.readBytes("sealed.nonce", count: 12)
        let lengthOffset = reader.offset
        let length = try reader.readCount("sealed.ciphertext.length", limit: Self.maxCiphertextBytes)
        guard length >= Self.minCiphertextBytes else {
            throw WireError(
                .invalidValue,
                "a ciphertext holds at least its 16-byte tag, not \(length) bytes",
                offset: lengthOffset,
                context: "sealed.ciphertext.length"
            )
        }
        let ciphertext = try reader.readBytes("sealed.ciphertext", count: length)
        try reader.expectEnd("sealed payload")
        self.init(
            label: label,
            rosterSerial: serial,
            wraps: wraps,
            commitment: commitment,
            nonce: nonce,
            ciphertext: ciphertext
        )
    }
}
