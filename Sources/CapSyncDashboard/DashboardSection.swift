/// One section of the page: a heading, its charts and their tables. Sections print one to a page.
///
/// The page is the ordered list `DashboardPage.sections`; a new view (planning: drawdowns, factory queues,
/// projections) adds a type conforming to this protocol and its place in that list, and nothing else changes.
public protocol DashboardSection: Sendable {
    /// The section's anchor in the page (letters, digits and '-').
    var id: String { get }
    var title: String { get }
    /// One line under the heading saying what the section answers.
    var summary: String { get }
    /// The section's body (charts and tables), appended to `html`.
    func renderBody(into html: inout String)
}

extension DashboardSection {
    func render(into html: inout String) {
        html += "<section id=\"\(id)\" aria-labelledby=\"\(id)-h\"><h2 id=\"\(id)-h\">\(HTMLText.escape(title))</h2>"
        html += "<p class=\"summary\">\(HTMLText.escape(summary))</p>"
        renderBody(into: &html)
        html += "</section>"
    }
}
