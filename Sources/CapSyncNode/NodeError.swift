/// The one error type of the node layer: what went wrong, where (a file, a peer), and what to do about it.
public struct NodeError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case notANode, alreadyANode, config, keys, roster, peers, card, store, sync, io, usage, lock
        /// A month outside what may be reported (a typing error): a usage error.
        case periodOutOfRange
    }

    public var code: Code
    public var reason: String
    /// The file or peer concerned.
    public var context: String?
    /// What the operator can do about it.
    public var hint: String?

    public init(_ code: Code, _ reason: String, context: String? = nil, hint: String? = nil) {
        self.code = code
        self.reason = reason
        self.context = context
        self.hint = hint
    }

    public var description: String {
        var text = context.map { "\($0): \(reason)" } ?? reason
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }
}
