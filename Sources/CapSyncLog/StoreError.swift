/// The one error type of the store: what went wrong, what to do about it, and where (file and byte offset).
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// A system call failed (open, read, write, rename, ...).
        case io
        /// fsync failed: the store no longer acknowledges writes until it is reopened.
        case fsyncFailed
        /// A committed batch is damaged; the store refuses to open rather than drop acknowledged entries.
        case corruptCommitted
        /// A record read back for a lookup does not match its checksum (damaged after open).
        case corruptRecord
        /// Own appends are refused: a peer holds more of our own chain than we do.
        case ownChainBehind
        /// Own appends are refused: the node cannot prove its own chain is complete (restored, journal lost) until
        /// a peer shows it holds the chain.
        case relearnRequired
        /// Own appends are refused for good: the node's own key is proven to have signed two entries at one seq.
        case ownKeyForked
        /// The store was opened read-only.
        case readOnly
        /// The caller passed something the store cannot take (payload too large, key not in roster, ...).
        case invalidInput
        /// The directory is not usable for this operation (backup target not empty, not a store, ...).
        case badDirectory
        /// The store holds more than its format can address (segment count or size limits).
        case overLimit
    }

    public var code: Code
    public var reason: String
    /// The file concerned (a segment file name, the lock file, ...).
    public var file: String?
    /// Byte offset in `file` where the problem was found.
    public var offset: Int64?

    public init(_ code: Code, _ reason: String, file: String? = nil, offset: Int64? = nil) {
        self.code = code
        self.reason = reason
        self.file = file
        self.offset = offset
    }

    public var description: String {
        var text = reason
        if let file {
            text += " [\(file)"
            if let offset { text += " at byte \(offset)" }
            text += "]"
        }
        return text
    }
}
