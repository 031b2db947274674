import CapSyncCrypto
import Foundation

/// The dashboard as one HTML document: nothing outside it is needed to view or print it (no network, no files),
/// so it can travel on a USB stick to an air-gapped machine.
public struct DashboardPage: Sendable {
    public let model: DashboardModel
    /// In page order. The coalition sections, then the node's health; planning sections go after the trend.
    public let sections: [any DashboardSection]

    public init(model: DashboardModel, sections: [any DashboardSection]? = nil) {
        self.model = model
        self.sections = sections ?? DashboardPage.standardSections(for: model)
    }

    /// The sections every dashboard has, in order.
    public static func standardSections(for model: DashboardModel) -> [any DashboardSection] {
        [
            TotalsSection(model: model), ShortfallsSection(model: model), StockSection(model: model),
            TrendSection(model: model), DrawdownSection(model: model), DeliverySection(model: model),
            FactoryQueueSection(model: model), ProjectionSection(model: model), PoolsSection(model: model),
            HealthSection(health: model.health),
        ]
    }

    /// The policy a browser enforces on the page: nothing may be fetched, and only the page's own style and script
    /// (by hash) apply. Also sent as a header by `capsync serve --http`.
    public static let contentSecurityPolicy =
        "default-src 'none'; style-src '\(hash(DashboardAssets.style))'; script-src '\(hash(DashboardAssets.script))'; "
        + "img-src data:; base-uri 'none'; form-action 'none'"

    static func hash(_ text: String) -> String {
        "sha256-" + Data(SHA256.hash(Array(text.utf8))).base64EncodedString()
    }

    public func render() -> String {
        var html = ""
        html.reserveCapacity(64 * 1024 + model.totals.count * 2048 + model.stock.count * 1024)
        let scope = model.item.map { " — \($0)" } ?? ""
        html += "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        html += "<meta http-equiv=\"Content-Security-Policy\" content=\"\(DashboardPage.contentSecurityPolicy)\">"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        html += "<meta name=\"generator\" content=\"capsync dashboard\">"
        html += "<title>CapSync coalition dashboard, \(model.period)\(HTMLText.escape(scope))</title>"
        html += "<style>\(DashboardAssets.style)</style></head><body>"
        // Shared pattern for stale figures (referenced by fill:url(#hatch) inside the charts).
        html += "<svg class=\"defs\" width=\"0\" height=\"0\" aria-hidden=\"true\" focusable=\"false\"><defs>"
        html += "<pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
        html += "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#c9d6e3\"/>"
        html +=
            "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#1f4e79\" stroke-width=\"3\"/></pattern></defs></svg>"
        html += "<header><h1>Coalition dashboard, \(model.period)\(HTMLText.escape(scope))</h1>"
        html += "<p>Node \(HTMLText.escape(model.partner)) · generated \(HTMLText.escape(model.generatedAt))"
        html += model.asOf.map { " · view as of \(HTMLText.escape($0))" } ?? ""
        html += " · \(HTMLText.number(model.entriesFolded)) entries folded · state digest "
        html += "<code data-digest=\"\(model.stateDigest)\">\(model.stateDigest.prefix(16))…</code></p>"
        if let note = model.releaseNote {
            html += "<p class=\"released\" role=\"note\">This view \(HTMLText.escape(note)): do not pass them on.</p>"
        }
        html += "<nav aria-label=\"Sections\"><ul>"
        for section in sections {
            html += "<li><a href=\"#\(section.id)\">\(HTMLText.escape(section.title))</a></li>"
        }
        html += "</ul></nav></header><main>"
        for section in sections { section.render(into: &html) }
        html += "</main><footer>Every node holding the same entries and roster shows the same numbers and the same "
        html += "state digest. Figures are what partners reported and signed; matches are suggestions.</footer>"
        html += "<script>\(DashboardAssets.script)</script></body></html>\n"
        return html
    }
}
