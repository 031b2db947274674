internal import Foundation
public import Logging

/// `serve --log-format json`: one JSON object a line on standard error — `time` (ISO 8601, UTC, milliseconds),
/// `level`, `event` (the message), then the metadata as fields (counts as numbers). docs/operations.md lists the
/// events.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let write: @Sendable (String) -> Void

    public init(label: String, level: Logger.Level, write: @escaping @Sendable (String) -> Void = Self.standardError) {
        self.label = label
        logLevel = level
        self.write = write
    }

    public static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data(line.utf8))
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("time", Self.quoted(Self.timeText(Date()))), ("level", Self.quoted(event.level.rawValue)),
            ("event", Self.quoted(event.message.description)), ("logger", Self.quoted(label)),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) where !["time", "level", "event"].contains(key) {
            fields.append((key, Self.json(value)))
        }
        write("{" + fields.map { "\(Self.quoted($0.0)):\($0.1)" }.joined(separator: ",") + "}\n")
    }

    /// A metadata value as JSON: integers stay numbers, everything else is a string (lists become arrays).
    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): Int64(text) != nil && !text.hasPrefix("+") ? text : quoted(text)
        case .stringConvertible(let convertible):
            convertible is any BinaryInteger ? convertible.description : quoted(convertible.description)
        case .array(let values): "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let values):
            "{"
                + values.sorted { $0.key < $1.key }.map { "\(quoted($0.key)):\(json($0.value))" }
                .joined(separator: ",") + "}"
        }
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func timeText(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
