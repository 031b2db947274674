/// A monthly series as lines: actual months drawn solid with filled points, plan months (after the view's month)
/// dashed with hollow points, so a plan is never read as a figure already achieved.
struct TrendChart {
    struct Point {
        let period: String
        let isPlan: Bool
        let value: UInt64
    }

    struct Series {
        let name: String
        let points: [Point]
    }

    let id: String
    let item: String
    let title: String
    let description: String
    let months: [String]
    let series: [Series]
    /// The chart's `data-chart` name: "trend" for the item trends, another for other monthly series.
    var name = "trend"

    static let width = 640
    static let height = 220
    static let left = 80
    static let right = 36
    static let top = 14
    static let bottom = 40

    func render(into html: inout String) {
        let plotWidth = Double(Self.width - Self.left - Self.right)
        let plotHeight = Double(Self.height - Self.top - Self.bottom)
        let maximum = Double(max(1, series.flatMap(\.points).map(\.value).max() ?? 1))
        let step = months.count > 1 ? plotWidth / Double(months.count - 1) : 0
        func x(_ index: Int) -> String {
            format(Double(Self.left) + (months.count > 1 ? step * Double(index) : plotWidth / 2))
        }
        func y(_ value: UInt64) -> String { format(Double(Self.top) + plotHeight * (1 - Double(value) / maximum)) }

        html += "<svg class=\"chart trend\" data-chart=\"\(name)\" data-item=\"\(HTMLText.escape(item))\" id=\"\(id)\" "
        html += "role=\"img\" viewBox=\"0 0 \(Self.width) \(Self.height)\" width=\"\(Self.width)\" "
        html += "height=\"\(Self.height)\" aria-labelledby=\"\(id)-title \(id)-desc\">"
        html += "<title id=\"\(id)-title\">\(HTMLText.escape(title))</title>"
        html += "<desc id=\"\(id)-desc\">\(HTMLText.escape(description))</desc>"
        // Axes: zero, half and the maximum on the left; a month label every few months below.
        html += "<g class=\"axis\">"
        for fraction in [0.0, 0.5, 1.0] {
            let value = UInt64((maximum * fraction).rounded())
            html +=
                "<line x1=\"\(Self.left)\" x2=\"\(Self.width - Self.right)\" y1=\"\(y(value))\" y2=\"\(y(value))\"/>"
            html +=
                "<text class=\"tick\" x=\"\(Self.left - 6)\" y=\"\(y(value))\" dy=\"4\">\(HTMLText.number(value))</text>"
        }
        let every = max(1, (months.count + 5) / 6)
        for (index, month) in months.enumerated() where index % every == 0 || index == months.count - 1 {
            html += "<text class=\"month\" x=\"\(x(index))\" y=\"\(Self.height - Self.bottom + 16)\">"
            html += HTMLText.escape(month) + "</text>"
        }
        html += "</g>"
        for (number, line) in series.enumerated() {
            let name = HTMLText.escape(line.name)
            html += "<g class=\"series s\(number)\" data-series=\"\(name)\">"
            // Solid through the last actual; dashed from there through the plans.
            let lastActual = line.points.lastIndex { !$0.isPlan }
            var actual = ""
            var plan = ""
            for (index, point) in line.points.enumerated() {
                let spot = "\(x(index)),\(y(point.value))"
                if !point.isPlan { actual += (actual.isEmpty ? "M" : "L") + spot }
                if point.isPlan || index == lastActual { plan += (plan.isEmpty ? "M" : "L") + spot }
            }
            if !actual.isEmpty { html += "<path class=\"actual\" d=\"\(actual)\"/>" }
            if plan.contains("L") { html += "<path class=\"plan\" d=\"\(plan)\"/>" }
            for (index, point) in line.points.enumerated() {
                let kind = point.isPlan ? "plan" : "actual"
                html += "<circle class=\"point \(kind)\" data-period=\"\(HTMLText.escape(point.period))\" "
                html +=
                    "data-kind=\"\(kind)\" data-value=\"\(point.value)\" cx=\"\(x(index))\" cy=\"\(y(point.value))\" r=\"3\"/>"
            }
            html += "</g>"
        }
        // The legend names the series and the two line styles.
        html += "<g class=\"legend\">"
        for (number, line) in series.enumerated() {
            let left = Self.left + number * 130
            html +=
                "<line class=\"s\(number)\" x1=\"\(left)\" x2=\"\(left + 18)\" y1=\"\(Self.height - 8)\" y2=\"\(Self.height - 8)\"/>"
            html += "<text x=\"\(left + 22)\" y=\"\(Self.height - 4)\">\(HTMLText.escape(line.name))</text>"
        }
        let key = Self.left + series.count * 130
        html += "<text x=\"\(key)\" y=\"\(Self.height - 4)\">solid: actual · dashed: plan</text></g>"
        html += "</svg>"
    }
}
