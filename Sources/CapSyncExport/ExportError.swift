/// Why an export failed, and where (the database file or URL).
public struct ExportError: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public let context: String

    public init(_ reason: String, context: String) {
        self.reason = reason
        self.context = context
    }

    public var description: String { "\(reason) (\(context))" }
}
