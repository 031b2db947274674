import CapSyncWire

/// The one error type of the merge layer: what was wrong with an operation's payload or a fold's inputs, and
/// where.
public struct MergeError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, Codable {
        /// The payload bytes do not follow Protocol/payloads.md (truncated, over a limit, trailing bytes...).
        case malformedPayload
        /// A field decoded but its value is not allowed (a bad item code, month 13, priority 9...).
        case invalidValue
        /// The entry's kind is not one this fold version knows.
        case unknownKind
        /// The entry's format version is not one this fold version reads.
        case unsupportedVersion
        /// Two partial folds were made with different inputs (roster, fold version, as-of, clock).
        case incompatibleFolds
    }

    public var code: Code
    public var reason: String
    /// Which field or input ("capacity report.site", "fold merge"...).
    public var context: String?
    /// Byte offset of the problem: within the entry when decoded from an entry, else within the payload.
    public var offset: Int?

    public init(_ code: Code, _ reason: String, context: String? = nil, offset: Int? = nil) {
        self.code = code
        self.reason = reason
        self.context = context
        self.offset = offset
    }

    init(_ wire: WireError) {
        self.init(.malformedPayload, wire.reason, context: wire.context, offset: wire.offset)
    }

    public var description: String {
        var text = reason
        if let context { text = "\(context): \(text)" }
        if let offset { text += " (at byte \(offset))" }
        return text
    }
}
