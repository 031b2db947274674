public import CapSyncWire

/// Why the fold left an entry out. Every ignored entry is listed with one reason, checked in the order below
/// (the first that applies is given).
public enum IgnoredReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// The author key is not in the roster.
    case notInRoster
    /// The author's key is retired: this seq is past its last valid seq in the roster.
    case pastLastValidSeq
    /// The author equivocated (two entries at one seq) at or before this seq.
    case forkedAuthor
    /// An entry format version other than 1.
    case unsupportedVersion
    /// A kind this fold version does not know.
    case unknownKind
    /// The payload does not decode under Protocol/payloads.md.
    case malformedPayload
    /// The operation writes another partner's records (a report, need, pledge or pool entry naming a partner
    /// other than the author's).
    case notOwnRecord
    /// A partner pledging towards its own need.
    case selfPledge
    /// A roster proposal or approval (Protocol/roster.md §7): read by the roster chain, it changes no record.
    case rosterGovernance
    /// A sealed entry (kind 18, Protocol/releasability.md): left out of the coalition-wide state, and of a node's
    /// views when the node is outside its label or cannot open it.
    case sealed
    /// The author's partner was removed from the roster in force for this view: its records no longer count.
    case partnerRemoved
    /// Pool terms (kind 9) from a partner other than the pool's lead, the partner that stated terms first.
    case notPoolLead
    /// An order response (kind 15) from a partner other than the site owner the order names.
    case notSiteOwner
    /// An item definition (kind 7) of a code the built-in catalog already has (Protocol/catalog.json).
    case builtInCode
    /// An item definition or group (kinds 7, 8) of a code another partner defined first.
    case notCatalogOwner
    /// An item definition (kind 7) by the code's owner with a unit other than the first definition's.
    case unitChanged
}

/// An entry the fold did not apply, and why: shown to operators and auditors, never silently dropped.
public struct IgnoredEntry: Sendable, Hashable, Codable {
    public let id: EntryID
    public let author: AuthorKey
    public let seq: UInt64
    public let kind: UInt64
    public let reason: IgnoredReason
    /// A human explanation (the decoding error, the partner named...).
    public let detail: String

    public init(id: EntryID, author: AuthorKey, seq: UInt64, kind: UInt64, reason: IgnoredReason, detail: String) {
        self.id = id
        self.author = author
        self.seq = seq
        self.kind = kind
        self.reason = reason
        self.detail = detail
    }

    static func order(_ a: IgnoredEntry, _ b: IgnoredEntry) -> Bool {
        (a.author, a.seq, a.id) < (b.author, b.seq, b.id)
    }

    private enum CodingKeys: String, CodingKey { case id, author, seq, kind, reason, detail }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let id = EntryID(hex: try container.decode(String.self, forKey: .id)),
            let author = AuthorKey(hex: try container.decode(String.self, forKey: .author))
        else {
            throw DecodingError.dataCorruptedError(
                forKey: .id,
                in: container,
                debugDescription: "64 hex digits expected"
            )
        }
        self.init(
            id: id,
            author: author,
            seq: try container.decode(UInt64.self, forKey: .seq),
            kind: try container.decode(UInt64.self, forKey: .kind),
            reason: try container.decode(IgnoredReason.self, forKey: .reason),
            detail: try container.decode(String.self, forKey: .detail)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.hex, forKey: .id)
        try container.encode(author.hex, forKey: .author)
        try container.encode(seq, forKey: .seq)
        try container.encode(kind, forKey: .kind)
        try container.encode(reason, forKey: .reason)
        try container.encode(detail, forKey: .detail)
    }
}

/// An entry stamped far ahead of the folding node's clock: applied like any other (every node must reach
/// the same state), but shown so operators can chase the partner whose clock is wrong.
public struct FlaggedEntry: Sendable, Hashable, Codable {
    public let id: EntryID
    public let author: AuthorKey
    public let seq: UInt64
    public let timestamp: HLCTimestamp
    /// How far ahead of the folding node's clock, in milliseconds.
    public let aheadMilliseconds: UInt64

    public init(id: EntryID, author: AuthorKey, seq: UInt64, timestamp: HLCTimestamp, aheadMilliseconds: UInt64) {
        self.id = id
        self.author = author
        self.seq = seq
        self.timestamp = timestamp
        self.aheadMilliseconds = aheadMilliseconds
    }

    private enum CodingKeys: String, CodingKey { case id, author, seq, timestamp, aheadMilliseconds }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let id = EntryID(hex: try container.decode(String.self, forKey: .id)),
            let author = AuthorKey(hex: try container.decode(String.self, forKey: .author))
        else {
            throw DecodingError.dataCorruptedError(
                forKey: .id,
                in: container,
                debugDescription: "64 hex digits expected"
            )
        }
        self.init(
            id: id,
            author: author,
            seq: try container.decode(UInt64.self, forKey: .seq),
            timestamp: HLCTimestamp(rawValue: try container.decode(UInt64.self, forKey: .timestamp)),
            aheadMilliseconds: try container.decode(UInt64.self, forKey: .aheadMilliseconds)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.hex, forKey: .id)
        try container.encode(author.hex, forKey: .author)
        try container.encode(seq, forKey: .seq)
        try container.encode(timestamp.rawValue, forKey: .timestamp)
        try container.encode(aheadMilliseconds, forKey: .aheadMilliseconds)
    }
}
