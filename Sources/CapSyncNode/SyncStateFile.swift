public import CapSyncWire
public import Foundation

/// `sync-state.json`: the outcome of the last sync with each peer, kept for `status` and `state diff --since-sync`.
/// Written by `sync` and `serve` (read-modify-write under the store's directory lock is not needed: the file
/// is advisory, replaced atomically).
public struct SyncState: Codable, Sendable, Equatable {
    public struct PeerRecord: Codable, Sendable, Equatable {
        public var peer: String
        public var lastAttempt: Date?
        public var lastSuccess: Date?
        public var lastError: String?
        public var entriesReceived: Int = 0
        public var entriesSent: Int = 0
        /// What the peer acknowledged storing new of the last session's entries; nil without an acknowledgement.
        public var peerStored: Int?
        public var bytesReceived: Int = 0
        public var bytesSent: Int = 0
        public var remoteRosterHash: String?
        public var rosterMismatch: Bool = false
        /// The label the peer sent in HELLO (display text only, sanitised by the session).
        public var label: String?

        public init(peer: String) { self.peer = peer }
    }

    public var peers: [String: PeerRecord] = [:]
    /// Per partner code: the heads it is known to hold and the heads last sent to it by bundle
    /// (Protocol/bundle.md §Known heads). Absent in files written before bundles existed.
    public var partnerHeads: [String: PartnerHeads]?
    /// Entry-set digest after the last successful sync (what `state diff --since-sync` compares against).
    public var lastSyncAt: Date?

    public init() {}

    public static func load(_ paths: NodePaths) -> SyncState {
        guard let data = FileManager.default.contents(atPath: paths.syncState) else { return SyncState() }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return (try? decoder.decode(SyncState.self, from: data)) ?? SyncState()
    }

    public func save(_ paths: NodePaths) throws(NodeError) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(self) else { throw NodeError(.io, "cannot encode the sync state") }
        try AtomicFile.write(Array(data), to: paths.syncState)
    }
}

/// One head as the sync-state file keeps it (hex, so the file stays readable).
public struct HeadRecord: Codable, Sendable, Equatable {
    public var author: String
    public var seq: UInt64
    public var id: String

    public init(_ head: Head) {
        author = head.author.hex
        seq = head.seq
        id = head.id.hex
    }

    public var head: Head? {
        guard let author = AuthorKey(hex: author), let id = EntryID(hex: id) else { return nil }
        return Head(author: author, seq: seq, id: id)
    }
}

/// What this node knows of one partner's store, for `capsync bundle create --for PARTNER`.
public struct PartnerHeads: Codable, Sendable, Equatable {
    /// Heads the partner is known to hold: from its HEADS in a sync, the creator heads of a bundle it made, or a
    /// heads file it exported. Per author the highest seq seen.
    public var confirmed: [HeadRecord] = []
    public var confirmedAt: Date?
    /// How the last confirmation came: "sync", "bundle" or "heads file".
    public var confirmedBy: String?
    /// The heads the last bundle made for the partner brings it to (not yet confirmed: media get lost).
    public var sent: [HeadRecord]?
    public var sentAt: Date?

    public init() {}

    /// Records heads the partner holds. `replacing`: the heads are the partner's whole current state (its HEADS
    /// in a sync, a heads file it just exported), so they replace what was known — a partner restored from a
    /// backup is then sent what it lost. Otherwise (the creator heads of a bundle, which may be imported long
    /// after it was made) they only raise what is known.
    public mutating func confirm(_ heads: [Head], by source: String, at date: Date, replacing: Bool) {
        var merged: [AuthorKey: Head] = [:]
        if !replacing { for head in confirmed.compactMap(\.head) { merged[head.author] = head } }
        for head in heads where head.seq > 0 && head.seq > (merged[head.author]?.seq ?? 0) {
            merged[head.author] = head
        }
        confirmed = merged.values.sorted { $0.author < $1.author }.map(HeadRecord.init)
        confirmedAt = date
        confirmedBy = source
    }

    public var confirmedHeads: [Head] { confirmed.compactMap(\.head) }
}
