import CapSyncWire

/// Why a bundle file (Protocol/bundle.md) was refused, and where: the byte offset in the file and the field.
///
/// A bundle is a file, not a session, so its errors carry a file offset rather than a peer; they are the bundle
/// format's counterpart of `SyncError`.
public struct BundleError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The file ends before the END chunk, or inside a field.
        case truncated
        /// A field breaks the format (bad magic, bad varint, bad value, unordered list, trailing bytes).
        case malformed
        /// A length or count is above its limit; refused before anything is allocated for it.
        case limitExceeded
        /// The content contradicts the header (a run that does not continue, a head id the runs do not reach,
        /// counts that disagree).
        case disagreeingClaim
        /// A fork proof's signature or shape is wrong.
        case invalidForkProof
        /// The SHA-256 in the END chunk is not the hash of the file.
        case digestMismatch
        /// The creator's signature over the digest does not verify.
        case badSignature
        /// The creator key is not a roster key of the partner the header names.
        case unknownCreator
        /// The file changed between the verifying pass and the ingesting pass.
        case changedWhileReading
        /// The file could not be read or written.
        case io
    }

    public var code: Code
    public var reason: String
    /// Byte offset in the bundle file where the problem was found.
    public var offset: Int?
    /// The field being read ("header.authors[3].headSeq", "chunk 4 ENTRIES.runs[0].entries[7].payload").
    public var context: String?

    public init(_ code: Code, _ reason: String, offset: Int? = nil, context: String? = nil) {
        self.code = code
        self.reason = reason
        self.offset = offset
        self.context = context
    }

    /// A wire-layer failure inside a section that starts at file offset `base`.
    init(_ error: WireError, base: Int, section: String) {
        let code: Code =
            switch error.code {
            case .truncated: .malformed
            case .overLimit: .limitExceeded
            case .badSignature: .invalidForkProof
            default: .malformed
            }
        self.init(
            code,
            error.reason,
            offset: base + (error.offset ?? 0),
            context: error.context.map { "\(section).\($0)" } ?? section
        )
    }

    public var description: String {
        var text = "\(code.rawValue)"
        if let offset { text += " at byte \(offset)" }
        if let context { text += " (\(context))" }
        return text + ": " + reason
    }
}
