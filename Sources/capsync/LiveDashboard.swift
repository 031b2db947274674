import CapSyncDashboard
import CapSyncHTTP
import CapSyncMerge
import CapSyncNode
import Foundation

/// The dashboard `serve --http` answers with: the same page `capsync dashboard` writes, folded again only when
/// what it shows may have changed (new entries, another roster, a sync recorded, a new day), else served from the
/// last rendering. Reads the node; never writes it.
actor LiveDashboard {
    struct Version: Equatable {
        let entries: Int
        let rosterHash: String
        let syncStateModified: Date?
        let day: String
    }

    struct Rendering {
        let version: Version
        let page: [UInt8]
        let stateJSON: [UInt8]
    }

    let node: Node
    private var last: Rendering?

    init(node: Node) { self.node = node }

    /// Routes for `HTTPServer`: the page at `/` and `/dashboard.html`, its numbers at `/state.json`. Only GET (and
    /// HEAD, which the server answers without a body) reaches them.
    nonisolated var routes: [String: HTTPHandler] {
        let page: HTTPHandler = { _ in await self.response(\.page, type: "text/html; charset=utf-8") }
        return [
            "/": page, "/dashboard.html": page,
            "/state.json": { _ in await self.response(\.stateJSON, type: "application/json") },
        ]
    }

    private func response(_ part: KeyPath<Rendering, [UInt8]>, type: String) -> HTTPResponse {
        do {
            return HTTPResponse(status: 200, contentType: type, body: try current()[keyPath: part])
        } catch {
            return .text("the view could not be folded: \(error)\n", status: 500)
        }
    }

    func current() throws -> Rendering {
        // What the appending commands committed since (reads only; the roster follows the daemon's own refresh).
        try? node.store.refresh()
        let version = Version(
            entries: node.store.entryCount,
            rosterHash: node.roster.hash.hex,
            syncStateModified: (try? FileManager.default.attributesOfItem(atPath: node.paths.syncState))?[
                .modificationDate
            ] as? Date,
            day: Day(containingMilliseconds: Node.nowMilliseconds()).description
        )
        if let last, last.version == version { return last }
        let model = try dashboardModel(node, view: try ViewOptions.parse([]), item: nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let rendering = Rendering(
            version: version,
            page: Array(DashboardPage(model: model).render().utf8),
            stateJSON: Array(try encoder.encode(model)) + [10]
        )
        last = rendering
        return rendering
    }
}
