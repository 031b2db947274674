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
