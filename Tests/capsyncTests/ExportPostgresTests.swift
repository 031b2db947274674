import Foundation
import Testing

/// `capsync export postgres`: the real binary into a real PostgreSQL server (a throwaway cluster that
/// tools/export/pg-cluster starts on a free loopback port), read back with psql; the README's queries run there too.
@Suite(.serialized) struct ExportPostgresTests {
    static let script = ExportSQLiteTests.root + "/tools/export/pg-cluster"

    func psql(_ url: String, _ sql: String) throws -> [String] {
        let result = try CLI.exec(
            "/usr/bin/env",
            ["psql", url, "-X", "-At", "-F", ",", "-v", "ON_ERROR_STOP=1", "-c", sql],
            in: "/"
        )
        guard result.status == 0 else { throw CLIError("psql failed: \(result.output)") }
        return result.stdout.split(separator: "\n").map(String.init)
    }

    @Test func exportsIncrementallyIntoARealServer() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let cluster = cli.path("pg")
        let started = try CLI.exec("/bin/bash", [Self.script, "start", cluster], in: "/")
        try #require(started.status == 0, "\(started.output)")
        defer { _ = try? CLI.exec("/bin/bash", [Self.script, "stop", cluster], in: "/") }
        let url = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let plain = String(url.prefix { $0 != "?" })

        try cli.makeNodeNO()
        try cli.report("SHELL-155-HE", capacity: 100, output: 90)  // stock 40, threshold 10
        try cli.ok([
            "report", "--dir", "NO", "--item", "FUZE-PD", "--site", "Raufoss", "--period", "2026-11", "--capacity",
            "10",
            "--output", "5", "--stock", "2", "--threshold", "8",
        ])
        try cli.ok([
            "need", "--dir", "NO", "--id", "N1", "--item", "SHELL-155-HE", "--quantity", "500", "--due", "2027-01-31",
            "--priority", "2",
        ])
        let first = try cli.ok(["export", "postgres", "--dir", "NO", url, "--format", "csv"])
        #expect(first.contains("reports,2,0,0"), "\(first)")
        #expect(first.contains("needs,1,0,0"))
        #expect(first.contains("entries,3,0,0"))
        #expect(first.contains("partners,3,0,0"), "NO plus NL and US from the roster: \(first)")

        #expect(
            try psql(plain, "SELECT seq, kind, kind_name FROM entries ORDER BY seq") == [
                "1,1,capacityReport", "2,1,capacityReport", "3,3,need",
            ]
        )
        #expect(try psql(plain, ExportSQLiteTests.shortfallByItem) == ["SHELL-155-HE,500"])
        #expect(try psql(plain, ExportSQLiteTests.stockBelowThreshold) == ["NO,FUZE-PD,Raufoss,2026-11,2,8"])

        let again = try cli.ok(["export", "postgres", "--dir", "NO", url, "--format", "csv"])
        #expect(!again.contains("reports") && !again.contains("entries"), "\(again)")

        try cli.ok([
            "report", "--dir", "NO", "--item", "FUZE-PD", "--site", "Raufoss", "--period", "2026-11", "--capacity",
            "10",
            "--output", "5", "--stock", "20", "--threshold", "8",
        ])
        let third = try cli.ok(["export", "postgres", "--dir", "NO", url, "--format", "csv"])
        #expect(
            third.contains("reports,0,1,0") && third.contains("entries,1,0,0") && third.contains("needs,0,0,0"),
            "\(third)"
        )
        #expect(try psql(plain, ExportSQLiteTests.stockBelowThreshold).isEmpty)
        #expect(try psql(plain, "SELECT seq FROM capsync_export_heads") == ["4"])

        let refused = try cli.run(["export", "postgres", "--dir", "NO", "postgres://capsync@127.0.0.1:1/coalition"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("cannot connect to PostgreSQL"), "\(refused.stderr)")
        #expect(refused.stderr.contains("postgres://capsync@127.0.0.1:1/coalition"))
        let bad = try cli.run(["export", "postgres", "--dir", "NO", "http://example/x"])
        #expect(bad.status == 1 && bad.stderr.contains("is not a postgres:// URL"), "\(bad.stderr)")
    }
}
