import CapSyncCrypto
import CapSyncMerge
import CapSyncWire
import Foundation
import Testing

@testable import CapSyncDashboard

/// The page's pieces without a browser: escaping of text that comes from peers, identifiers, numbers, the policy's
/// hashes, and the sections' order.
@Suite struct DashboardPageTests {
    static let hostile = "</script><script>alert(1)</script>\"'&<b>"

    func health(lastError: String = "", label: String = "") -> NodeHealth {
        NodeHealth(
            partner: "NO",
            rosterHash: String(repeating: "ab", count: 32),
            rosterSerial: 3,
            rosterChainVersion: 2,
            rosterChainHead: String(repeating: "cd", count: 32),
            pendingProposals: 1,
            rosterForkSerial: nil,
            entries: 12,
            storeBytes: 4096,
            storeDamage: nil,
            heads: [],
            peers: [
                NodeHealth.Peer(
                    peer: "UA",
                    label: label,
                    lastSuccess: nil,
                    lastAttempt: "2026-11-28T10:00:00Z",
                    lastError: lastError,
                    entriesIn: 5,
                    entriesOut: 7,
                    rosterMismatch: false
                )
            ],
            forks: [NodeHealth.Fork(partner: "PL", author: "key", fromSeq: 9)]
        )
    }

    func page(_ health: NodeHealth) throws -> String {
        let state = CoalitionState(
            rosterHash: Bytes32(SHA256.hash(Array("roster".utf8))),
            foldVersion: .current,
            records: [],
            needs: [],
            pledges: [],
            pools: []
        )
        let model = DashboardModel(
            state: state,
            view: ViewPeriod(try Period("2026-11")),
            today: try Day(year: 2026, month: 11, day: 28),
            item: nil,
            health: health,
            generatedAt: "now",
            asOf: nil
        )
        return DashboardPage(model: model).render()
    }

    @Test(arguments: [
        ("a<b", "a&lt;b"), ("\"x\" & 'y'", "&quot;x&quot; &amp; &#39;y&#39;"), ("bell\u{7}", "bell\u{FFFD}"),
        ("plain", "plain"),
    ])
    func escapes(_ text: String, _ expected: String) {
        #expect(HTMLText.escape(text) == expected)
    }

    @Test func identifiersOfDifferentTextsDiffer() {
        let texts = ["SHELL-155", "SHELL_155", "SHELL 155", "shell-155", "Ø-1"]
        let ids = texts.map { HTMLText.identifier("chart", $0) }
        #expect(Set(ids).count == texts.count)
        #expect(ids.allSatisfy { $0.unicodeScalars.allSatisfy { $0.isASCII && $0 != " " } })
    }

    @Test(arguments: [(0, "0"), (999, "999"), (1000, "1,000"), (1_234_567, "1,234,567"), (-42_000, "-42,000")])
    func groupsDigits(_ value: Int, _ expected: String) {
        #expect(HTMLText.number(value) == expected)
    }

    @Test func textFromPeersCannotAddMarkup() throws {
        let html = try page(health(lastError: Self.hostile, label: Self.hostile))
        #expect(!html.contains("<script>alert"))
        #expect(!html.contains("<b>"))
        #expect(html.contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"))
        // Exactly the page's own script, once.
        #expect(html.components(separatedBy: "<script>").count == 2)
    }

    @Test func policyAllowsExactlyThePagesStyleAndScript() throws {
        let html = try page(health())
        for asset in [DashboardAssets.style, DashboardAssets.script] {
            let hash = Data(SHA256.hash(Array(asset.utf8))).base64EncodedString()
            #expect(DashboardPage.contentSecurityPolicy.contains("'sha256-\(hash)'"))
            #expect(html.contains(">\(asset)</"))
        }
        #expect(DashboardPage.contentSecurityPolicy.hasPrefix("default-src 'none';"))
        #expect(!DashboardPage.contentSecurityPolicy.contains("unsafe"))
    }

    @Test func sectionsInOrderEachWithItsAnchor() throws {
        let html = try page(health())
        let ids = [
            "totals", "shortfalls", "stock", "trend", "drawdowns", "deliveries", "queues", "projection", "pools",
            "health",
        ]
        let positions = ids.map { html.range(of: "<section id=\"\($0)\"")?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
        for id in ids { #expect(html.contains("href=\"#\(id)\"")) }
        // The node's health: roster chain version, a fork in red, last sync per peer.
        #expect(html.contains("roster chain version 2"))
        #expect(html.contains("<div class=\"alert\"><dt>forks</dt>"))
        #expect(html.contains("<th scope=\"row\">UA</th><td></td><td>never</td>"))
        // Planning sections of an empty state say so rather than drawing empty charts.
        #expect(html.contains("No delivery schedules or confirmations."))
        #expect(html.contains("No open needs: nothing to project."))
    }
}
