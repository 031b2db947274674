import Foundation
import Testing

/// The monitoring files shipped in tools/: the Prometheus alert rules pass `promtool check rules`, and their unit
/// tests (`promtool test rules`: each alert fires on the series that should fire it, and not before).
@Suite struct MonitoringFilesTests {
    static let monitoring = ExportSQLiteTests.root + "/tools/monitoring"

    func promtool(_ arguments: [String]) throws -> CLI.Result? {
        let which = try CLI.exec("/usr/bin/env", ["sh", "-c", "command -v promtool"], in: "/")
        guard which.status == 0 else {
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "promtool is missing in CI (.ci/run installs it)")
            print("skipped: promtool is not installed (Debian package prometheus)")
            return nil
        }
        return try CLI.exec("/usr/bin/env", ["promtool"] + arguments, in: Self.monitoring)
    }

    @Test func alertRulesPassPromtoolCheck() throws {
        guard let result = try promtool(["check", "rules", "capsync-alerts.yml"]) else { return }
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("SUCCESS: 3 rules found"), "\(result.output)")
    }

    @Test func alertRulesFireOnTheirUnitTestSeries() throws {
        guard let result = try promtool(["test", "rules", "capsync-alerts.test.yml"]) else { return }
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func systemdUnitsCarryTheHealthCheckAndTheMetricsFlag() throws {
        let unit = try String(
            contentsOfFile: ExportSQLiteTests.root + "/tools/systemd/capsync.service",
            encoding: .utf8
        )
        #expect(unit.contains("#ExecStart=/usr/local/bin/capsync serve --metrics 127.0.0.1:9420"))
        #expect(unit.contains("ExecStartPost="))
        #expect(unit.contains("/healthz"))
    }
}
