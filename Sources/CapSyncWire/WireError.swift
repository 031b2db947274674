/// The one error type of the wire layer: what was wrong, and where in the input.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case truncated
        case nonMinimalVarint
        case varintOverflow
        case overLimit
        case trailingBytes
        case invalidValue
        case badSignature
        case brokenChain
        case timestampNotIncreasing
        case wrongAuthor
        case parse
        // Roster chain (Protocol/roster.md §6.5): why a roster version was not adopted.
        case rollback
        case wrongPrevious
        case serialNotIncreasing
        case signerNotMember
        case duplicateSigner
        case belowThreshold
        case illegalChange
        case cutoffRaised
        // Sealed entries (Protocol/releasability.md §4.3): why this node cannot read one.
        case notInAudience
        case decryptionFailed
    }

    public var code: Code
    public var reason: String
    /// Byte offset in the input where the problem was found (text formats name the line in `context` instead).
    public var offset: Int?
    /// What was being read ("entry.seq", "roster line 4", ...).
    public var context: String?

    public init(_ code: Code, _ reason: String, offset: Int? = nil, context: String? = nil) {
        self.code = code
        self.reason = reason
        self.offset = offset
        self.context = context
    }

    public var description: String {
        var text = reason
        if let context { text = "\(context): \(text)" }
        if let offset { text += " (at byte \(offset))" }
        return text
    }
}
