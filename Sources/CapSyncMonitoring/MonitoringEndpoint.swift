public import CapSyncHTTP
internal import Foundation

/// The routes `serve --metrics` answers: `/metrics` (Prometheus text format) and `/healthz` (200 `ok`, or 503 with
/// the reasons).
public enum MonitoringEndpoint {
    public static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func routes(metrics: NodeMetrics, health: HealthCheck) -> [String: HTTPHandler] {
        [
            "/metrics": { _ in
                HTTPResponse(status: 200, contentType: prometheusContentType, body: metrics.exposition())
            },
            "/healthz": { _ in
                let problems = health.problems()
                return problems.isEmpty
                    ? .text("ok\n") : .text(problems.joined(separator: "\n") + "\n", status: 503)
            },
        ]
    }
}
