public import CapSyncCrypto

/// One version of the roster chain: a change set linked to the version before it, with the approvals of
/// partners of that version (Protocol/roster.md §6).
///
/// The hash and the approval signatures cover the body only, so a version gathers approvals without changing
/// its identity; approvals are kept in their one canonical order whatever order they were added in.
public struct RosterVersion: Sendable, Hashable {
    /// One partner's approval: an Ed25519 signature by one of its open keys over the approval message.
    public struct Approval: Sendable, Hashable, Comparable {
        public var partner: String
        public var key: AuthorKey
        public var signature: [UInt8]

        public init(partner: String, key: AuthorKey, signature: [UInt8]) {
            self.partner = partner
            self.key = key
            self.signature = signature
        }

        public static func < (a: Approval, b: Approval) -> Bool {
            a.partner != b.partner
                ? Array(a.partner.utf8).lexicographicallyPrecedes(Array(b.partner.utf8)) : a.key < b.key
        }
    }

    public let serial: UInt64
    /// The hash of the version before; all zero for the genesis version.
    public let previous: Bytes32
    /// When the version takes effect: the roster in force at a time is the latest version at or before it.
    public let timestamp: HLCTimestamp
    /// In canonical order (strictly ascending by encoding), which is also the order they are applied in.
    public let changes: [RosterChange]
    /// Sorted by (partner, key).
    public private(set) var approvals: [Approval]
    /// The canonical body: what is hashed and signed.
    public let body: [UInt8]
    public let hash: Bytes32

    // MARK: Constants (Protocol/roster.md §6.2–6.3)

    public static let maxSerial: UInt64 = 1 << 62
    public static let maxChanges = 8_192
    public static let maxApprovals = Roster.maxMembers
    public static let hashDomain: [UInt8] = Array("CAPSYNC-ROSTER-VERSION-V1".utf8) + [0]
    public static let approvalDomain: [UInt8] = Array("CAPSYNC-ROSTER-APPROVAL-V1".utf8) + [0]

    /// Builds an unapproved version; changes and approvals are put in canonical order here.
    public init(
        serial: UInt64,
        previous: Bytes32,
        timestamp: HLCTimestamp,
        changes: [RosterChange],
        approvals: [Approval] = []
    ) throws(WireError) {
        guard serial <= RosterVersion.maxSerial, timestamp.rawValue > 0, changes.count <= RosterVersion.maxChanges,
            approvals.count <= RosterVersion.maxApprovals
        else {
            throw WireError(
                .invalidValue,
                "roster version fields out of range (serial \(serial), \(changes.count) changes)"
            )
        }
        let sorted = changes.map { ($0.encoded, $0) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }
        var writer = ByteWriter(capacity: 64 + sorted.reduce(0) { $0 + $1.0.count })
        writer.writeVarint(serial)
        writer.writeBytes(previous.bytes)
        writer.writeUInt64(timestamp.rawValue)
        writer.writeVarint(UInt64(sorted.count))
        for (bytes, _) in sorted { writer.writeBytes(bytes) }
        // Decoding the body back applies every limit and ordering rule of the decoder to what was built here.
        var reader = ByteReader(writer.bytes, context: "roster version")
        try self.init(readingBody: &reader)
        try reader.expectEnd("body")
        for approval in approvals { try add(approval) }
    }

    /// Decodes one canonical version that fills `bytes` exactly. Checks structure only; `RosterChain` judges
    /// the link, the approvals and the changes.
    public init(decoding bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, context: "roster version")
        try self.init(readingBody: &reader)
        let count = try reader.readCount("approvalCount", limit: RosterVersion.maxApprovals)
        var approvals: [Approval] = []
        approvals.reserveCapacity(min(count, reader.remaining / 99))
        for _ in 0..<count {
            let start = reader.offset
            let partner = try RosterChange.readPartner(&reader, "approval.partner")
            let key = AuthorKey(try reader.readBytes("approval.key", count: 32))
            let signature = try reader.readBytes("approval.signature", count: 64)
            let approval = Approval(partner: partner, key: key, signature: signature)
            if let last = approvals.last, !(last < approval) {
                throw WireError(
                    .invalidValue,
                    "approvals must be strictly ascending by (partner, key)",
                    offset: start,
                    context: "roster version.approval"
                )
            }
            approvals.append(approval)
        }
        try reader.expectEnd("roster version")
        self.approvals = approvals
    }

    /// Decodes a body alone (a version with no approvals) that fills `bytes` exactly: a roster proposal.
    public init(decodingBody bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, context: "roster proposal")
        try self.init(readingBody: &reader)
        try reader.expectEnd("roster proposal")
    }

    private init(readingBody reader: inout ByteReader) throws(WireError) {
        let start = reader.offset
        serial = try reader.readVarint("serial", max: RosterVersion.maxSerial)
        previous = Bytes32(try reader.readBytes("previous", count: 32))
        let timestampOffset = reader.offset
        let rawTimestamp = try reader.readUInt64("timestamp")
        guard rawTimestamp > 0 else {
            throw WireError(
                .invalidValue,
                "timestamp 0 is not allowed",
                offset: timestampOffset,
                context: "roster version.timestamp"
            )
        }
        timestamp = HLCTimestamp(rawValue: rawTimestamp)
        let count = try reader.readCount("changeCount", limit: RosterVersion.maxChanges)
        var changes: [RosterChange] = []
        changes.reserveCapacity(min(count, reader.remaining / 3))
        var previousRange: Range<Int>?
        for _ in 0..<count {
            let changeStart = reader.offset
            let change = try RosterChange(reading: &reader)
            let range = changeStart..<reader.offset
            if let previousRange,
                !reader.bytes[previousRange].lexicographicallyPrecedes(reader.bytes[range])
            {
                throw WireError(
                    .invalidValue,
                    "changes must be strictly ascending by their encoding",
                    offset: changeStart,
                    context: "roster version.change"
                )
            }
            previousRange = range
            changes.append(change)
        }
        self.changes = changes
        body = Array(reader.bytes[start..<reader.offset])
        hash = Bytes32(SHA256.hash(RosterVersion.hashDomain + body))
        approvals = []
    }

    /// The canonical encoding: body, then the approvals in order.
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: body.count + 4 + approvals.count * 100)
        writer.writeBytes(body)
        writer.writeVarint(UInt64(approvals.count))
        for approval in approvals {
            writer.writeString(approval.partner)
            writer.writeBytes(approval.key.bytes)
            writer.writeBytes(approval.signature)
        }
        return writer.bytes
    }

    /// The domain string, then the body: what each approver signs.
    public var approvalMessage: [UInt8] { RosterVersion.approvalDomain + body }

    public var isGenesis: Bool { previous.isZero }

    // MARK: Approvals

    /// Adds an approval in canonical order. The same (partner, key) twice is refused; the same partner with two
    /// keys is kept here and refused by the chain (`duplicateSigner`), which is where it can be explained.
    public mutating func add(_ approval: Approval) throws(WireError) {
        try Roster.validatePartnerCode(approval.partner)
        guard approval.signature.count == 64 else {
            throw WireError(.invalidValue, "an approval signature is 64 bytes, not \(approval.signature.count)")
        }
        guard !approvals.contains(where: { $0.partner == approval.partner && $0.key == approval.key }) else {
            throw WireError(.invalidValue, "\(approval.partner) already approved with key \(approval.key.short)")
        }
        guard approvals.count < RosterVersion.maxApprovals else {
            throw WireError(.overLimit, "a version holds at most \(RosterVersion.maxApprovals) approvals")
        }
        let index = approvals.firstIndex(where: { approval < $0 }) ?? approvals.endIndex
        approvals.insert(approval, at: index)
    }

    /// Signs the approval message with `key` for `partner` and adds the approval.
    public mutating func approve(as partner: String, with key: Ed25519PrivateKey) throws(WireError) {
        let signature: [UInt8]
        do { signature = try key.signature(for: approvalMessage) } catch {
            throw WireError(.badSignature, "signing the approval failed: \(error)")
        }
        try add(Approval(partner: partner, key: AuthorKey(key.publicKey), signature: signature))
    }

    /// Whether `approval`'s signature verifies over this version's approval message under its key.
    public func verifies(_ approval: Approval) -> Bool {
        guard let key = try? approval.key.publicKey() else { return false }
        return key.isValidSignature(approval.signature, for: approvalMessage)
    }

    /// The same version with other approvals (used to merge approvals gathered separately).
    public func withApprovals(_ approvals: [Approval]) throws(WireError) -> RosterVersion {
        var copy = self
        copy.approvals = []
        for approval in approvals { try copy.add(approval) }
        return copy
    }
}
