/// Hard limits of a sync session, with their documented defaults (Protocol/sync.md §Limits).
///
/// Sizes and counts are checked by `FrameDecoder` and `SyncSession` before anything is allocated; the
/// timeouts and the session cap are enforced by the shell that owns the clock and the sockets, but they live
/// here so that one place documents every limit.
public struct SyncLimits: Sendable, Hashable {
    /// Largest frame accepted (length prefix value: type byte + body). Default and ceiling 4 MiB.
    public var maxFrameBytes: Int
    /// Most entries in one ENTRIES frame. Default 4096: large enough to keep every core verifying, small
    /// enough that one batch in memory stays a few MiB.
    public var maxEntriesPerBatch: Int
    /// Most authors in one HEADS frame (also the most fork claims). Default 8192, twice the roster's maximum.
    public var maxAuthorsPerHeads: Int
    /// Most fork proofs accepted in one FORKS frame. Default 256, floor `forkProofsPerFrameSent`.
    public var maxForkProofsPerFrame: Int
    /// From connection to the peer's HEADS. Default 10 s.
    public var handshakeTimeout: Duration
    /// Longest silence from the peer while this side waits for it (sending to it, or verifying what it sent, does not
    /// count). Default 30 s.
    public var idleTimeout: Duration
    /// Longest silence while this side waits for the peer's ACK, once both DONEs are through (it replaces the
    /// idle limit then): the peer may still be verifying and storing the batches this side sent that were in
    /// flight when it sent DONE. Default 120 s.
    public var acknowledgementTimeout: Duration
    /// Longest time from a frame's first byte to its last. Bytes dribbled just inside the idle limit keep the
    /// peer from being idle, but not from this. Default 60 s: a frame of the largest size (4 MiB) needs a link
    /// of about 70 kB/s.
    public var frameTimeout: Duration
    /// Longest whole session. Default 1 h (a full sync of a million entries takes about a minute).
    public var sessionTimeout: Duration
    /// Most sessions a node serves at once; one more is answered with ERROR tooManySessions. Default 64.
    /// Only connections whose TLS peer passed the pin check count (Protocol/sync.md §Admission).
    public var maxConcurrentSessions: Int
    /// Most sessions one pinned partner (all its keys together) may hold at once; one more is refused with
    /// ERROR tooManySessions. Default 2, so one member cannot starve the others.
    public var maxSessionsPerPartner: Int
    /// From accepting a connection to a finished TLS handshake with a pinned peer. Default 5 s.
    public var tlsHandshakeTimeout: Duration
    /// Connections still in their TLS handshake, in total (the oldest is dropped for a new one beyond it) and per
    /// source address (a new one beyond it is closed at once). Defaults 256 and 8.
    public var maxPendingHandshakes: Int
    public var maxPendingHandshakesPerAddress: Int

    /// No frame limit below this is accepted (from a peer's HELLO or a configuration): the largest entry in
    /// any form, and a fork proof of two of the largest entries, must always fit in one frame.
    public static let minimumFrameBytes = 256 * 1024
    /// The ceiling of `maxFrameBytes` (4 MiB: one frame in memory stays small next to a node's store).
    public static let maximumFrameBytes = 4 * 1024 * 1024
    /// The ceiling of `maxAuthorsPerHeads` (an author index is a 32-bit value).
    public static let maximumAuthorsPerHeads = 1 << 20
    /// The ceiling of `maxEntriesPerBatch`.
    public static let maximumEntriesPerBatch = 65_536
    /// Most fork proofs a node puts in one FORKS frame (HELLO does not carry the peer's proof limit, so every
    /// node sends at most this many and accepts at least this many).
    public static let forkProofsPerFrameSent = 16
    /// Most entries of one author sent below the receiver's head in one session, to prove a fork where it began
    /// (Protocol/sync.md §What is sent).
    public static let forkWindow = 16
    /// Longest node label in HELLO, in UTF-8 bytes.
    public static let maxLabelBytes = 64
    /// Longest text in an ERROR frame, in UTF-8 bytes.
    public static let maxErrorTextBytes = 1024

    public init(
        maxFrameBytes: Int = 4 * 1024 * 1024,
        maxEntriesPerBatch: Int = 4096,
        maxAuthorsPerHeads: Int = 8192,
        maxForkProofsPerFrame: Int = 256,
        handshakeTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(30),
        frameTimeout: Duration = .seconds(60),
        acknowledgementTimeout: Duration = .seconds(120),
        sessionTimeout: Duration = .seconds(3600),
        maxConcurrentSessions: Int = 64,
        maxSessionsPerPartner: Int = 2,
        tlsHandshakeTimeout: Duration = .seconds(5),
        maxPendingHandshakes: Int = 256,
        maxPendingHandshakesPerAddress: Int = 8
    ) {
        self.maxFrameBytes = min(max(maxFrameBytes, SyncLimits.minimumFrameBytes), SyncLimits.maximumFrameBytes)
        self.maxEntriesPerBatch = min(max(maxEntriesPerBatch, 1), SyncLimits.maximumEntriesPerBatch)
        self.maxAuthorsPerHeads = min(max(maxAuthorsPerHeads, 1), SyncLimits.maximumAuthorsPerHeads)
        self.maxForkProofsPerFrame = min(max(maxForkProofsPerFrame, SyncLimits.forkProofsPerFrameSent), 65_536)
        self.handshakeTimeout = handshakeTimeout
        self.idleTimeout = idleTimeout
        self.frameTimeout = frameTimeout
        self.acknowledgementTimeout = acknowledgementTimeout
        self.sessionTimeout = sessionTimeout
        self.maxConcurrentSessions = max(maxConcurrentSessions, 1)
        self.maxSessionsPerPartner = max(maxSessionsPerPartner, 1)
        self.tlsHandshakeTimeout = tlsHandshakeTimeout
        self.maxPendingHandshakes = max(maxPendingHandshakes, 1)
        self.maxPendingHandshakesPerAddress = max(maxPendingHandshakesPerAddress, 1)
    }

    public static let `default` = SyncLimits()
}
