/// Horizontal bullet bars, one row each, every row on its own scale: figures of different items are never drawn
/// against one axis because their units differ. A row shows a range bar (e.g. capacity or a need), a measure
/// drawn over it (output, pledged, stock) and an optional marker line (a threshold).
struct BulletChart {
    struct Row {
        let key: String
        let label: String
        /// The wide, light bar (none when the row is one measure against a marker).
        let range: (series: String, value: UInt64)?
        /// The narrow, dark bar drawn over it.
        let measure: (series: String, value: UInt64)
        let marker: (series: String, value: UInt64)?
        /// Shown right of the bar: the numbers in words.
        let note: String
        /// Its range drawn hatched (figures older than the view's limit count in it); the note says how many.
        let isStale: Bool
        /// Drawn in the warning colour (stock at or below threshold, a need not covered).
        let isAlert: Bool
    }

    let id: String
    let name: String
    let title: String
    let description: String
    let rows: [Row]
    /// The item every row is about, when the chart is one item's: its rows share one scale (one unit).
    var item: String? = nil

    static let rowHeight = 24
    static let labelWidth = 220
    static let barWidth = 520
    static let noteWidth = 440

    func render(into html: inout String) {
        let width = Self.labelWidth + Self.barWidth + Self.noteWidth
        let height = max(1, rows.count) * Self.rowHeight + 8
        html += "<svg class=\"chart bullet\" data-chart=\"\(HTMLText.escape(name))\" id=\"\(id)\" role=\"img\" "
        html += item.map { "data-item=\"\(HTMLText.escape($0))\" " } ?? ""
        html += "viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" "
        html += "aria-labelledby=\"\(id)-title \(id)-desc\">"
        html += "<title id=\"\(id)-title\">\(HTMLText.escape(title))</title>"
        html += "<desc id=\"\(id)-desc\">\(HTMLText.escape(description))</desc>"
        if rows.isEmpty {
            html += "<text class=\"empty\" x=\"4\" y=\"20\">Nothing to show.</text>"
        }
        func extent(_ row: Row) -> UInt64 { max(row.range?.value ?? 0, row.measure.value, row.marker?.value ?? 0) }
        let shared = item == nil ? nil : rows.map(extent).max()
        for (index, row) in rows.enumerated() {
            let top = 4 + index * Self.rowHeight
            let scale = Double(max(1, shared ?? extent(row)))
            func x(_ value: UInt64) -> String {
                format(Double(Self.labelWidth) + Double(Self.barWidth - 8) * Double(value) / scale)
            }
            let classes = ["row"] + (row.isStale ? ["stale"] : []) + (row.isAlert ? ["alert"] : [])
            html += "<g class=\"\(classes.joined(separator: " "))\" data-key=\"\(HTMLText.escape(row.key))\">"
            html += "<text class=\"label\" x=\"\(Self.labelWidth - 8)\" y=\"\(top + 16)\">"
            html += HTMLText.escape(row.label) + "</text>"
            if let range = row.range {
                mark(&html, "range", range, x: Self.labelWidth, to: x(range.value), top: top + 3, height: 18, key: row)
            }
            mark(
                &html,
                "measure",
                row.measure,
                x: Self.labelWidth,
                to: x(row.measure.value),
                top: top + 8,
                height: 8,
                key: row
            )
            if let marker = row.marker {
                html += "<line class=\"marker\" data-series=\"\(marker.series)\" data-value=\"\(marker.value)\" "
                html += "x1=\"\(x(marker.value))\" x2=\"\(x(marker.value))\" y1=\"\(top + 1)\" y2=\"\(top + 23)\"/>"
            }
            html += "<text class=\"note\" x=\"\(Self.labelWidth + Self.barWidth)\" y=\"\(top + 16)\">"
            html += HTMLText.escape(row.note) + "</text></g>"
        }
        html += "</svg>"
    }

    private func mark(
        _ html: inout String,
        _ role: String,
        _ value: (series: String, value: UInt64),
        x: Int,
        to end: String,
        top: Int,
        height: Int,
        key row: Row
    ) {
        // No <title> per mark: the row's label and note say it in words, and the table under the chart has it all.
        let width = max(0, (Double(end) ?? 0) - Double(x))
        html += "<rect class=\"\(role)\" data-series=\"\(value.series)\" data-value=\"\(value.value)\" x=\"\(x)\" "
        html += "y=\"\(top)\" width=\"\(format(width))\" height=\"\(height)\"/>"
    }
}

/// A coordinate with at most one decimal: enough for the screen, short in the file.
func format(_ value: Double) -> String {
    let tenths = (value * 10).rounded()
    return tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int(tenths / 10)) : String(tenths / 10)
}
