/// A table of a chart's numbers (the chart's accessible fallback, and what prints when colour does not).
struct DataTable {
    enum Cell {
        case text(String)
        /// A number, right-aligned, its exact value kept in `data-value`.
        case number(UInt64)
        /// A number that may be negative (a projected stock).
        case signed(Int64)
        case flag(Bool)
    }

    let name: String
    let caption: String
    let columns: [String]
    private(set) var rows: [[Cell]] = []

    init(name: String, caption: String, columns: [String]) {
        self.name = name
        self.caption = caption
        self.columns = columns
    }

    mutating func add(_ row: [Cell]) {
        precondition(row.count == columns.count, "a row of \(name) has \(row.count) cells for \(columns.count)")
        rows.append(row)
    }

    func render(into html: inout String) {
        html += "<table class=\"data\" data-table=\"\(HTMLText.escape(name))\"><caption>"
        html += HTMLText.escape(caption) + "</caption><thead><tr>"
        for column in columns { html += "<th scope=\"col\">\(HTMLText.escape(column))</th>" }
        html += "</tr></thead><tbody>"
        for row in rows {
            html += "<tr>"
            for (index, cell) in row.enumerated() {
                switch cell {
                case .text(let text):
                    html +=
                        index == 0
                        ? "<th scope=\"row\">" + HTMLText.escape(text) + "</th>" : "<td>\(HTMLText.escape(text))</td>"
                case .number(let value):
                    html +=
                        "<td class=\"num\" data-value=\"\(value)\">\(HTMLText.number(value))</td>"
                case .signed(let value):
                    // Its own attribute: `data-value` marks unsigned figures, which the page's tests count.
                    html += "<td class=\"num signed\" data-signed=\"\(value)\">\(HTMLText.number(Int(value)))</td>"
                case .flag(let value):
                    html += "<td>\(value ? "yes" : "no")</td>"
                }
            }
            html += "</tr>"
        }
        html += "</tbody></table>"
    }

    /// The table folded under the chart it backs: open on screen with one click, opened for printing by the page's
    /// script.
    func renderFolded(into html: inout String, summary: String = "The numbers as a table") {
        html += "<details class=\"fallback\"><summary>\(HTMLText.escape(summary))</summary>"
        render(into: &html)
        html += "</details>"
    }
}
