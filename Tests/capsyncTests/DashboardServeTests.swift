import Foundation
import Testing

/// `capsync serve --http`: the live dashboard and `/state.json` over loopback, refreshed when the view changes,
/// GET only, bounded requests, and the store left as it was.
@Suite(.serialized) struct DashboardServeTests {
    func report(_ cli: CLI, _ period: String, capacity: Int) throws {
        try cli.ok([
            "report", "--dir", "NO", "--item", "SHELL-155-HE", "--site", "Raufoss", "--period", period, "--capacity",
            "\(capacity)", "--output", "9000", "--stock", "4000", "--threshold", "1500", "--lead-time", "45", "--quiet",
        ])
    }

    /// Every file of the node's store, with its bytes.
    func storeFiles(_ cli: CLI) throws -> [String: Data] {
        let root = cli.path("NO/store")
        var files: [String: Data] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: root) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + name, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                files[name] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + name))
            }
        }
        return files
    }

    @Test func servesTheLiveDashboardReadOnly() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.ok(["init", "--dir", "NO", "--partner", "NO", "--listen", "127.0.0.1:0"])
        try report(cli, "2026-10", capacity: 12_000)
        let daemon = try CLI.Daemon(
            cli,
            arguments: ["--dir", "NO", "--sync-interval", "3600", "--log-level", "error", "--http", "127.0.0.1:0"]
        )
        let urls = DashboardDOM.matches(#"dashboard on http://127\.0\.0\.1:(\d+)/"#, in: daemon.startOutput)
        let port = try #require(urls.first.flatMap { Int($0[0]) }, "\(daemon.startOutput)")

        let page = try LoopbackHTTP.get(port: port, "/")
        #expect(page.status == 200, "\(page.head)")
        #expect(page.head.contains("Content-Type: text/html"))
        let digest =
            try cli.ok(["state", "--dir", "NO", "--digest", "--format", "csv"]).split(separator: "\n")
            .last.map { String($0.split(separator: ",")[0]) } ?? "?"
        #expect(page.body.contains("data-digest=\"\(digest)\""), "the page shows the view's digest \(digest)")
        #expect(page.body.contains("default-src 'none'"))
        let state = try LoopbackHTTP.get(port: port, "/state.json")
        #expect(state.status == 200)
        let object = try JSONSerialization.jsonObject(with: Data(state.body.utf8)) as? [String: Any]
        #expect(object?["stateDigest"] as? String == digest)
        let totals = object?["totals"] as? [[String: Any]]
        #expect(totals?.first?["monthlyCapacity"] as? Int == 12_000, "\(state.body.prefix(400))")

        // Unchanged view: the same page; a new report (appends work while serve runs): a new page and digest.
        #expect(try LoopbackHTTP.get(port: port, "/").body == page.body)
        let before = try storeFiles(cli)
        try report(cli, "2026-10", capacity: 15_000)
        let changed = try LoopbackHTTP.get(port: port, "/state.json")
        let after = try JSONSerialization.jsonObject(with: Data(changed.body.utf8)) as? [String: Any]
        #expect((after?["totals"] as? [[String: Any]])?.first?["monthlyCapacity"] as? Int == 15_000)
        #expect(after?["stateDigest"] as? String != digest)
        let stored = try storeFiles(cli)

        // Read-only: every other method is refused, and nothing the server did changed the store.
        for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
            let refused = try LoopbackHTTP.exchange(
                port: port,
                "\(method) / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}"
            )
            #expect(refused.status == 405, "\(method): \(refused.head)")
        }
        #expect(try LoopbackHTTP.get(port: port, "/nothing-here").status == 404)
        let huge = try LoopbackHTTP.exchange(
            port: port,
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: \(String(repeating: "a", count: 20_000))\r\n\r\n"
        )
        #expect(huge.status == 431, "\(huge.head)")
        for _ in 0..<5 { _ = try LoopbackHTTP.get(port: port, "/") }
        #expect(try storeFiles(cli) == stored)
        #expect(stored != before, "the report between the two snapshots was stored")

        let (status, log) = daemon.stop()
        #expect(status == 0, "\(log)")
    }

    @Test func refusesAnAddressThatIsNotOne() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.ok(["init", "--dir", "NO", "--partner", "NO", "--listen", "127.0.0.1:0"])
        let result = try cli.run(["serve", "--dir", "NO", "--http", "localhost:http"], timeout: 30)
        #expect(result.status == 64, "\(result.output)")
        #expect(result.stderr.contains("--http"), "\(result.stderr)")
    }

    /// --item narrows every section to one item; --as-of shows the view as it was; bad flags are usage errors.
    @Test func dashboardFlags() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try cli.ok(["init", "--dir", "NO", "--partner", "NO", "--listen", "127.0.0.1:0"])
        try report(cli, "2026-10", capacity: 12_000)
        try cli.ok([
            "report", "--dir", "NO", "--item", "FUZE-PD", "--site", "Horten", "--period", "2026-10", "--capacity",
            "500", "--output", "400", "--stock", "50", "--threshold", "10", "--lead-time", "30", "--quiet",
        ])
        try cli.ok(["dashboard", "--dir", "NO", "--out", "fuze.html", "--item", "FUZE-PD", "--period", "2026-11"])
        let fuze = DashboardDOM(try String(contentsOfFile: cli.path("fuze.html"), encoding: .utf8))
        #expect(fuze.charts("totals").first?.rows.map(\.key) == ["FUZE-PD"])
        #expect(fuze.charts("trend").map(\.item) == ["FUZE-PD"])
        #expect(fuze.charts("stock").map(\.item) == ["FUZE-PD"])

        try cli.ok(["dashboard", "--dir", "NO", "--out", "before.html", "--as-of", "2020-01-01", "--period", "2026-11"])
        let before = try String(contentsOfFile: cli.path("before.html"), encoding: .utf8)
        #expect(DashboardDOM(before).charts("totals").first?.rows.isEmpty == true)
        #expect(before.contains("view as of 2020-01-01T23:59:59"))

        let unknown = try cli.run(["dashboard", "--dir", "NO", "--out", "x.html", "--item", "NO-SUCH-ITEM"])
        #expect(unknown.status != 0 && unknown.stderr.contains("NO-SUCH-ITEM"), "\(unknown.output)")
        #expect(try cli.run(["dashboard", "--dir", "NO"]).status == 64)
        #expect(try cli.run(["dashboard", "--dir", "NO", "--out", "x.html", "--period", "2026-13"]).status == 64)
        let unwritable = try cli.run(["dashboard", "--dir", "NO", "--out", cli.path("missing-dir/x.html")])
        #expect(unwritable.status == 1 && unwritable.stderr.contains("--out"), "\(unwritable.output)")
    }
}
