import ArgumentParser
import CapSyncNode
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
    case none

    var plain: String {
        switch self {
        case .text(let s): s
        case .int(let n): String(n)
        case .bool(let b): b ? "yes" : "no"
        case .none: ""
        }
    }

    /// The text for a table for people: one line per row, so a line break or tab inside a value (constraints are
    /// free text) is shown escaped (\n, \r, \t) instead of breaking the table; JSON and CSV keep the value as it is.
    var tableText: String {
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
        case .none: NSNull()
        }
    }

    var isNumeric: Bool { if case .int = self { true } else { false } }
}

/// One titled table of rows; every output format renders from it, so the three never disagree.
struct Table: Sendable {
    var title: String?
    /// The key of this table in JSON output (default: derived from the title).
    var name: String?
    var columns: [String]
    var rows: [[Cell]] = []

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
            !rows.isEmpty && rows.allSatisfy { $0[i].isNumeric || $0[i] == .none }
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
/// object keyed by table title; CSV prints them separated by a blank line, each with its header row.
struct Printer {
    var format: OutputFormat

    func print(_ tables: [Table], extra: [String: Any] = [:]) {
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
            for table in tables { object[table.name ?? Self.key(table.title ?? "rows")] = table.jsonObjects }
            printJSON(object)
        }
    }

    func printJSON(_ value: Any) {
        let data =
            (try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys]))
            ?? Data("null".utf8)
        Swift.print(String(decoding: data, as: UTF8.self))
    }

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
