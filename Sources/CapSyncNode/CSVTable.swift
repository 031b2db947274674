/// RFC 4180 CSV, strict: quoted fields may hold commas, quotes ("") and newlines; every row must have as many
/// fields as the header. Errors name the line and column, because operators fix imports in a spreadsheet.
public struct CSVTable: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        /// 1-based line where the row starts.
        public var line: Int
        public var fields: [String]
    }

    public var header: [String]
    public var rows: [Row]

    public static let maxBytes = 64 * 1024 * 1024
    public static let maxFields = 256

    /// `separator` is the field separator: `,` as RFC 4180 has it, or `;` as spreadsheets write CSV in locales
    /// where the comma is the decimal mark.
    public init(parsing text: String, source: String = "csv", separator: UInt8 = UInt8(ascii: ",")) throws(NodeError) {
        let bytes = Array(text.utf8)
        guard bytes.count <= Self.maxBytes else {
            throw NodeError(.usage, "the file is over \(Self.maxBytes / 1_048_576) MiB", context: source)
        }
        var records: [Row] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1
        var column = 1
        var rowLine = 1
        var index = 0
        var inQuotes = false
        var fieldWasQuoted = false
        var quoteLine = 0
        var quoteColumn = 0

        func fail(_ reason: String, _ l: Int, _ c: Int) -> NodeError {
            NodeError(.usage, "line \(l), column \(c): \(reason)", context: source)
        }
        func endField() throws(NodeError) {
            guard let text = String(validating: field, as: UTF8.self) else {
                throw fail("not valid UTF-8", line, column)
            }
            fields.append(text)
            field.removeAll(keepingCapacity: true)
            fieldWasQuoted = false
            guard fields.count <= Self.maxFields else { throw fail("more than \(Self.maxFields) fields", line, column) }
        }
        func endRecord() {
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(Row(line: rowLine, fields: fields)) }
            fields.removeAll()
        }

        while index < bytes.count {
            let byte = bytes[index]
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 2
                        column += 2
                        continue
                    }
                    inQuotes = false
                    index += 1
                    column += 1
                    if index < bytes.count, ![separator, UInt8(ascii: "\n"), UInt8(ascii: "\r")].contains(bytes[index])
                    {
                        throw fail("unexpected character after a closing quote", line, column)
                    }
                    continue
                }
                if byte == UInt8(ascii: "\n") {
                    line += 1
                    column = 0
                }
                field.append(byte)
            } else {
                switch byte {
                case separator:
                    try endField()
                case UInt8(ascii: "\r"):
                    break
                case UInt8(ascii: "\n"):
                    try endField()
                    endRecord()
                    line += 1
                    column = 0
                    rowLine = line
                case UInt8(ascii: "\""):
                    guard field.isEmpty, !fieldWasQuoted else {
                        throw fail("a quote inside an unquoted field", line, column)
                    }
                    inQuotes = true
                    fieldWasQuoted = true
                    quoteLine = line
                    quoteColumn = column
                default:
                    field.append(byte)
                }
            }
            index += 1
            column += 1
        }
        if inQuotes { throw fail("a quoted field is never closed", quoteLine, quoteColumn) }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted {
            try endField()
            endRecord()
        }
        guard let first = records.first else {
            throw NodeError(.usage, "the file is empty: expected a header row", context: source)
        }
        header = first.fields.map { $0.trimmed(of: " \t").lowercased() }
        rows = Array(records.dropFirst())
        for row in rows where row.fields.count != header.count {
            throw fail("expected \(header.count) fields as in the header, found \(row.fields.count)", row.line, 1)
        }
    }

    /// The index of a header column, or an error naming the missing column and the expected ones.
    public func column(_ name: String, expected: [String]) throws(NodeError) -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw NodeError(.usage, "missing column '\(name)' (expected columns: \(expected.joined(separator: ",")))")
        }
        return index
    }

    /// One field as RFC 4180 writes it: quoted (inner quotes doubled) when it holds a comma, quote, CR or LF.
    /// Decided on Unicode scalars, not Characters: a quote followed by a combining mark, or CR LF, is one
    /// Character, and a Character comparison would miss the quote or the line break inside it.
    public static func escape(_ field: String) -> String {
        guard field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return field
        }
        var out = String.UnicodeScalarView()
        out.append("\"")
        for scalar in field.unicodeScalars {
            if scalar == "\"" { out.append(scalar) }
            out.append(scalar)
        }
        out.append("\"")
        return String(out)
    }

    /// Rows as CSV text (LF line ends), every field through `escape`; `CSVTable(parsing:)` reads it back.
    public static func render(header: [String], rows: [[String]]) -> String {
        var out = header.map(escape).joined(separator: ",") + "\n"
        for row in rows { out += row.map(escape).joined(separator: ",") + "\n" }
        return out
    }
}
