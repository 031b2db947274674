import ArgumentParser
import CapSyncCrypto
import CapSyncNode
import CapSyncWire
import Foundation

/// How a command prints results: a table for people, JSON or CSV for scripts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table, json, csv
}

/// A cell value that keeps its type for JSON (numbers stay numbers) and prints plainly in tables and CSV.
enum Cell: Sendable, Equatable {
    case text(String)
    case int(Int64)
    case bool(Bool)
    case number(Double)
    /// A list: an array in JSON; items joined by "; " in tables and CSV.
    case list([Cell])
    /// Named values: an object in JSON; the values joined by spaces in tables and CSV.
    case record([Field])
    /// A value with its own words for tables and CSV (a `state diff` summary) and its typed form for JSON.
    indirect case described(String, Cell)
    /// No value, shown to people as a word ("never"): empty in CSV, null in JSON.
    case absent(String)
    case none

    struct Field: Sendable, Equatable {
        var name: String
        var value: Cell
        init(_ name: String, _ value: Cell) {
            self.name = name
            self.value = value
        }
    }

    var plain: String {
        switch self {
        case .text(let s): s
        case .int(let n): String(n)
        case .bool(let b): b ? "yes" : "no"
        case .number(let x): String(format: "%.3f", x)
        case .list(let items): items.map(\.plain).joined(separator: "; ")
        case .record(let fields): fields.map(\.value.plain).filter { !$0.isEmpty }.joined(separator: " ")
        case .described(let text, _): text
        case .absent, .none: ""
        }
    }

    /// The text for a table for people: one line per row, so a line break or tab inside a value (constraints are
    /// free text) is shown escaped (\n, \r, \t) instead of breaking the table; JSON and CSV keep the value as it is.
    var tableText: String {
        if case .absent(let word) = self { return word }
        let text = plain
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    var json: Any {
        switch self {
        case .text(let s): s
        case .int(let n): n
        case .bool(let b): b
        case .number(let x): x
        case .list(let items): items.map(\.json)
        case .record(let fields): Dictionary(fields.map { ($0.name, $0.value.json) }, uniquingKeysWith: { a, _ in a })
        case .described(_, let value): value.json
        case .absent, .none: NSNull()
        }
    }

    var isNumeric: Bool {
        switch self {
        case .int, .number: true
        default: false
        }
    }
}

/// One titled table of rows; every output format renders from it, so the three never disagree.
struct Table: Sendable {
    var title: String?
    /// The key of this table in JSON output (default: derived from the title).
    var name: String?
    var columns: [String]
    var rows: [[Cell]] = []
    /// Columns the table for people leaves out because another column already says the same in words (JSON and
    /// CSV keep every column, typed).
    var hiddenFromPeople: Set<String> = []

    init(title: String? = nil, name: String? = nil, columns: [String]) {
        self.title = title
        self.name = name
        self.columns = columns
    }

    mutating func add(_ cells: [Cell]) {
        precondition(cells.count == columns.count, "row width must match the columns")
        rows.append(cells)
    }

    func renderText() -> String {
        guard hiddenFromPeople.isEmpty else {
            let shown = columns.indices.filter { !hiddenFromPeople.contains(columns[$0]) }
            var visible = Table(title: title, name: name, columns: shown.map { columns[$0] })
            visible.rows = rows.map { row in shown.map { row[$0] } }
            return visible.renderText()
        }
        var widths = columns.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.tableText.count) }
        }
        func line(_ cells: [String], numeric: [Bool]) -> String {
            cells.enumerated().map { i, text in
                let pad = String(repeating: " ", count: widths[i] - text.count)
                return numeric[i] ? pad + text : text + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var out = ""
        if let title { out += "\(title)\n" }
        let numericColumns = columns.indices.map { i in
            !rows.isEmpty && rows.allSatisfy { $0[i].isNumeric || $0[i].plain.isEmpty }
        }
        out += line(columns, numeric: numericColumns) + "\n"
        out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for row in rows { out += line(row.map(\.tableText), numeric: numericColumns) + "\n" }
        if rows.isEmpty { out += "(none)\n" }
        return out
    }

    func renderCSV() -> String {
        CSVTable.render(header: columns, rows: rows.map { $0.map(\.plain) })
    }

    var jsonObjects: [[String: Any]] {
        rows.map { row in Dictionary(uniqueKeysWithValues: zip(columns, row.map(\.json))) }
    }
}

/// Prints tables in the chosen format. Several tables: text prints them one after another; JSON prints one
/// object keyed by table name. CSV is one table a stream (so `sqlite3 .import` and spreadsheets read it): with
/// several tables `--table NAME` picks one, and without it the command refuses (exit 64) naming the choices.
/// `--table` also narrows text and JSON output to that table (JSON: just its array of rows).
struct Printer {
    var format: OutputFormat
    var table: String? = nil

    func print(_ tables: [Table], extra: [String: Any] = [:]) throws {
        let names = tables.map(Self.name)
        var tables = tables
        var extra = extra
        if let table {
            guard let index = names.firstIndex(of: table) else {
                printError(
                    "--table: this output has no table '\(table)'; choose one of: \(names.joined(separator: ", "))"
                )
                throw ExitCode(64)
            }
            tables = [tables[index]]
            extra = [:]
        } else if format == .csv && tables.count > 1 {
            printError(
                "--format csv prints one table a stream and this output has \(tables.count); add --table NAME with "
                    + "one of: \(names.joined(separator: ", "))"
            )
            throw ExitCode(64)
        }
        switch format {
        case .table:
            Swift.print(tables.map { $0.renderText() }.joined(separator: "\n"), terminator: "")
            for (key, value) in extra.sorted(by: { $0.key < $1.key }) { Swift.print("\(key): \(value)") }
        case .csv:
            Swift.print(tables.map { $0.renderCSV() }.joined(separator: "\n"), terminator: "")
        case .json:
            var object: [String: Any] = extra
            if tables.count == 1 && extra.isEmpty {
                printJSON(tables[0].jsonObjects)
                return
            }
            for table in tables { object[Self.name(table)] = table.jsonObjects }
            printJSON(object)
        }
    }

    func printJSON(_ value: Any) {
        let data =
            (try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys]))
            ?? Data("null".utf8)
        Swift.print(String(decoding: data, as: UTF8.self))
    }

    static func name(_ table: Table) -> String { table.name ?? key(table.title ?? "rows") }

    static func key(_ title: String) -> String {
        title.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }.reduce(into: "") { $0.append($1) }
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}

/// The one text form of a signing key the CLI prints and reads: standard base64 of the 32-byte Ed25519 public key
/// (44 characters), as the roster and trust cards write it, so an operator can paste it from any output into
/// `--author` or a roster. Printed with the partner code beside it wherever the roster knows one.
enum KeyText {
    static func canonical(_ key: AuthorKey) -> String { Ed25519Base64.encode(key.bytes) }
}

/// The canonical text of a key given as 64 hex digits (the auditor's report); the text as it is otherwise.
func keyText(hex: String) -> String {
    guard hex.count == 64, let bytes = Hex.decode(hex), bytes.count == 32 else { return hex }
    return Ed25519Base64.encode(bytes)
}
