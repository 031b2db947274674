import ArgumentParser
import CapSyncDashboard
import CapSyncMerge
import CapSyncNode
import CapSyncWire
import Foundation

extension CapSyncCommand {
    struct Dashboard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the coalition view as one self-contained HTML page with charts.",
            discussion: """
                The page holds its styles, script and data: open it in any browser, print it (A4 landscape, one \
                section a page) or carry it to an air-gapped machine. It asks the network for nothing (its \
                Content-Security-Policy forbids it). Sections: coalition totals per item with stale marks, \
                shortfalls against needs with pledges and candidates, stock against threshold per partner, the \
                monthly trend per item (actuals solid, plans dashed), pools, and this node's health. Every chart's \
                numbers are also in a table under it.

                Examples:
                  capsync dashboard --out coalition.html
                  capsync dashboard --out shells.html --item SHELL-155-HE --period 2026-11
                  capsync dashboard --out then.html --as-of 2026-10-31
                """
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var view: ViewOptions
        @Option(help: ArgumentHelp("Where to write the page.", valueName: "file.html")) var out: String
        @Option(help: "Only this item code.") var item: String?

        func run() async throws {
            if let item { try Suggestions.requireItem(item, catalog: { try self.node.catalog() }) }
            let node = try Node(root: self.node.paths.root, access: .readOnly)
            warnAboutPendingRepair(node)
            let page = try DashboardPage(model: dashboardModel(node, view: view, item: item))
            let data = Data(page.render().utf8)
            do {
                try data.write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                throw CLIError("--out \(out): cannot write the page: \(error.localizedDescription)")
            }
            print("wrote \(out) (\(data.count) bytes)")
        }
    }
}

/// The dashboard's numbers for `node`, folded now (or as of --as-of).
func dashboardModel(_ node: Node, view: ViewOptions, item: String?) throws -> DashboardModel {
    // This partner's own view, with what was released to it; the digest shown is the coalition's.
    let state = try node.viewState(asOf: view.asOfStamp)
    let coalition = state.releaseAudiences.isEmpty ? state : try node.coalitionState(asOf: view.asOfStamp)
    return DashboardModel(
        state: state,
        view: try view.viewPeriod(),
        today: view.today,
        item: item,
        health: try NodeHealth(reading: node),
        generatedAt: ISO8601DateFormatter().string(from: Date()),
        asOf: view.asOfStamp.map(timeText),
        coalitionDigest: coalition.digest.hex
    )
}
