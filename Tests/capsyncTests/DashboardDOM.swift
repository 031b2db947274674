import Foundation

/// The chart marks of a dashboard DOM, read back from the `data-*` attributes the charts carry.
struct DashboardDOM {
    struct Row: Hashable {
        let key: String
        let classes: Set<String>
        /// Series name to value (a row draws each series once).
        let values: [String: UInt64]
    }

    struct Chart {
        let name: String
        let item: String?
        let rows: [Row]
        /// Trend charts: series name to its points (period, kind, value) in drawing order.
        let series: [String: [(period: String, kind: String, value: UInt64)]]
    }

    let dom: String
    let charts: [Chart]

    init(_ dom: String) {
        self.dom = dom
        var charts: [Chart] = []
        for svg in Self.matches(#"<svg ([^>]*data-chart="[^"]+"[^>]*)>(.*?)</svg>"#, in: dom) {
            let attributes = svg[0]
            let body = svg[1]
            let name = Self.attribute("data-chart", in: attributes) ?? ""
            let item = Self.attribute("data-item", in: attributes)
            let rows = Self.matches(#"<g class="(row[^"]*)" data-key="([^"]*)">(.*?)</g>"#, in: body).map { row in
                var values: [String: UInt64] = [:]
                for mark in Self.matches(#"data-series="([^"]+)" data-value="(\d+)""#, in: row[2]) {
                    values[mark[0]] = UInt64(mark[1])
                }
                return Row(
                    key: Self.unescape(row[1]),
                    classes: Set(row[0].split(separator: " ").map(String.init)),
                    values: values
                )
            }
            var series: [String: [(period: String, kind: String, value: UInt64)]] = [:]
            for group in Self.matches(#"<g class="series s\d+" data-series="([^"]+)">(.*?)</g>"#, in: body) {
                series[group[0]] = Self.matches(
                    #"data-period="([^"]+)" data-kind="([^"]+)" data-value="(\d+)""#,
                    in: group[1]
                ).map { (period: $0[0], kind: $0[1], value: UInt64($0[2]) ?? 0) }
            }
            charts.append(Chart(name: name, item: item.map(Self.unescape), rows: rows, series: series))
        }
        self.charts = charts
    }

    func charts(_ name: String) -> [Chart] { charts.filter { $0.name == name } }

    /// The value of attribute `name` on the body element.
    func bodyAttribute(_ name: String) -> String? {
        Self.matches(#"<body([^>]*)>"#, in: dom).first.flatMap { Self.attribute(name, in: $0[0]) }
    }

    static func attribute(_ name: String, in attributes: String) -> String? {
        matches(#"(?:^|\s)"# + name + #"="([^"]*)""#, in: attributes).first?[0]
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Capture groups of every match of `pattern` (dot matches newlines).
    static func matches(_ pattern: String, in text: String) -> [[String]] {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]) else {
            return []
        }
        let source = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: source.length)).map { match in
            (1..<match.numberOfRanges).map { index in
                let range = match.range(at: index)
                return range.location == NSNotFound ? "" : source.substring(with: range)
            }
        }
    }
}
