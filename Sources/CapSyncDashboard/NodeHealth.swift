/// What `capsync status` shows of a node's health, as plain values the page can draw: heads, last sync per peer,
/// forks, the roster chain. Gathered by the caller (the CLI reads them from the node directory).
public struct NodeHealth: Sendable, Codable, Hashable {
    public struct Head: Sendable, Codable, Hashable {
        public let partner: String?
        public let author: String
        public let seq: UInt64
        public let head: String
        public let lastEntryAt: String?

        public init(partner: String?, author: String, seq: UInt64, head: String, lastEntryAt: String?) {
            self.partner = partner
            self.author = author
            self.seq = seq
            self.head = head
            self.lastEntryAt = lastEntryAt
        }
    }

    public struct Peer: Sendable, Codable, Hashable {
        public let peer: String
        public let label: String?
        public let lastSuccess: String?
        public let lastAttempt: String?
        public let lastError: String?
        public let entriesIn: Int
        public let entriesOut: Int
        public let rosterMismatch: Bool

        public init(
            peer: String,
            label: String?,
            lastSuccess: String?,
            lastAttempt: String?,
            lastError: String?,
            entriesIn: Int,
            entriesOut: Int,
            rosterMismatch: Bool
        ) {
            self.peer = peer
            self.label = label
            self.lastSuccess = lastSuccess
            self.lastAttempt = lastAttempt
            self.lastError = lastError
            self.entriesIn = entriesIn
            self.entriesOut = entriesOut
            self.rosterMismatch = rosterMismatch
        }
    }

    public struct Fork: Sendable, Codable, Hashable {
        public let partner: String?
        public let author: String
        public let fromSeq: UInt64

        public init(partner: String?, author: String, fromSeq: UInt64) {
            self.partner = partner
            self.author = author
            self.fromSeq = fromSeq
        }
    }

    public let partner: String
    public let rosterHash: String
    public let rosterSerial: UInt64
    /// The adopted roster chain's head version, nil while no chain is adopted (the roster file rules).
    public let rosterChainVersion: UInt64?
    public let rosterChainHead: String?
    public let pendingProposals: Int
    /// A serial at which two versions each reached the threshold (none adopted).
    public let rosterForkSerial: UInt64?
    public let entries: Int
    public let storeBytes: UInt64
    public let storeDamage: String?
    public let heads: [Head]
    public let peers: [Peer]
    public let forks: [Fork]

    public init(
        partner: String,
        rosterHash: String,
        rosterSerial: UInt64,
        rosterChainVersion: UInt64?,
        rosterChainHead: String?,
        pendingProposals: Int,
        rosterForkSerial: UInt64?,
        entries: Int,
        storeBytes: UInt64,
        storeDamage: String?,
        heads: [Head],
        peers: [Peer],
        forks: [Fork]
    ) {
        self.partner = partner
        self.rosterHash = rosterHash
        self.rosterSerial = rosterSerial
        self.rosterChainVersion = rosterChainVersion
        self.rosterChainHead = rosterChainHead
        self.pendingProposals = pendingProposals
        self.rosterForkSerial = rosterForkSerial
        self.entries = entries
        self.storeBytes = storeBytes
        self.storeDamage = storeDamage
        self.heads = heads
        self.peers = peers
        self.forks = forks
    }
}
