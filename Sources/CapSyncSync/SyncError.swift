import CapSyncWire

/// The one error type of the sync layer: why a session ended, with enough context to write a useful log line.
///
/// Codes with a wire value are what an ERROR frame carries (Protocol/sync.md §Error codes); `peerError` and
/// `connectionClosed` only ever describe what happened locally and are never sent.
public struct SyncError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: UInt16, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// A frame or body does not follow the format (bad varint, trailing bytes, bad magic, bad field value).
        case malformedFrame = 1
        /// A length prefix is above the receiver's frame limit; refused before any byte of the body is buffered.
        case frameTooLarge = 2
        /// The type byte names no message of the negotiated version.
        case unknownMessageType = 3
        /// The two sides' protocol version ranges do not overlap.
        case unsupportedVersion = 4
        /// A count or length inside a frame is above its limit (authors per HEADS, entries per batch, ...).
        case limitExceeded = 5
        /// A message arrived out of order (ENTRIES before HEADS, HEADS twice, anything after DONE, ...).
        case unexpectedMessage = 6
        /// A message contradicts what the peer said before (entries beyond its declared head, a run that does
        /// not continue from the receiver's head, a DONE whose count disagrees with what arrived).
        case disagreeingClaim = 7
        /// A fork proof in a FORKS frame is not two validly signed entries of one author at one seq.
        case invalidForkProof = 8
        /// The shell's handshake, idle or session timer ran out.
        case timeout = 9
        /// The node is already serving its maximum number of sessions; try again later.
        case tooManySessions = 10
        /// Something went wrong on the sender's side that is not the receiver's fault.
        case internalError = 11
        /// The peer ended the session with an ERROR frame (its code is in `remoteCode`).
        case peerError = 100
        /// The transport closed before both sides had sent DONE.
        case connectionClosed = 101

        /// True for the codes that may appear in an ERROR frame.
        public var isSentOnWire: Bool { rawValue < 100 }

        public var description: String {
            switch self {
            case .malformedFrame: "malformed frame"
            case .frameTooLarge: "frame too large"
            case .unknownMessageType: "unknown message type"
            case .unsupportedVersion: "unsupported protocol version"
            case .limitExceeded: "limit exceeded"
            case .unexpectedMessage: "unexpected message"
            case .disagreeingClaim: "disagreeing claim"
            case .invalidForkProof: "invalid fork proof"
            case .timeout: "timeout"
            case .tooManySessions: "too many sessions"
            case .internalError: "internal error"
            case .peerError: "peer error"
            case .connectionClosed: "connection closed"
            }
        }
    }

    public var code: Code
    /// What went wrong, in words an operator can act on.
    public var reason: String
    /// Where it was found: a message and field ("HEADS.heads[3].seq"), or a limit's name.
    public var context: String?
    /// Who the peer was (its label or address), filled in by the session for log lines.
    public var peer: String?
    /// For `peerError`: the code number the peer sent, which may be one this version does not know.
    public var remoteCode: UInt16?

    public init(_ code: Code, _ reason: String, context: String? = nil, peer: String? = nil, remoteCode: UInt16? = nil)
    {
        self.code = code
        self.reason = reason
        self.context = context
        self.peer = peer
        self.remoteCode = remoteCode
    }

    public var description: String {
        var text = "\(code): "
        if let context { text += "\(context): " }
        text += reason
        if let remoteCode { text += " (peer code \(remoteCode))" }
        if let peer { text += " [peer \(peer)]" }
        return text
    }

    /// Maps a wire-layer decoding failure inside a frame body: a value over its limit is a limit violation,
    /// anything else a malformed frame.
    init(decoding error: WireError, message: String) {
        let where_ = error.context.map { "\(message).\($0)" } ?? message
        let offset = error.offset.map { " (body byte \($0))" } ?? ""
        self.init(error.code == .overLimit ? .limitExceeded : .malformedFrame, error.reason + offset, context: where_)
    }
}
