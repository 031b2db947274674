import ArgumentParser
import CapSyncHTTP
import CapSyncMonitoring
import CapSyncNetwork
import CapSyncNode
import Foundation
import Logging

/// `serve`'s operator options: the metrics and health endpoint and the log format.
struct MonitoringOptions: ParsableArguments {
    enum LogFormat: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Option(
        help: ArgumentHelp(
            "Serve /metrics (Prometheus) and /healthz on this address (PORT or :PORT listens on 127.0.0.1 only).",
            valueName: "host:port"
        )
    )
    var metrics: String?

    @Option(help: "Log lines on standard error as text or as one JSON object a line (json).")
    var logFormat: LogFormat = .text

    func validate() throws {
        guard let metrics else { return }
        do { _ = try Self.address(metrics) } catch {
            throw ValidationError(
                "--metrics: \(error.reason); write it as HOST:PORT or PORT, e.g. 127.0.0.1:9420 or 9420"
            )
        }
    }

    /// PORT and :PORT mean loopback; a host given is taken as it is.
    static func address(_ text: String) throws(NodeError) -> HostPort {
        if !text.isEmpty, text.allSatisfy(\.isNumber) { return try HostPort("127.0.0.1:" + text, allowAnyPort: true) }
        if text.hasPrefix(":") { return try HostPort("127.0.0.1" + text, allowAnyPort: true) }
        return try HostPort(text, allowAnyPort: true)
    }

    /// The logger for `serve`: the text handler of `LogOptions`, or JSON lines.
    func makeLogger(_ label: String, log: LogOptions, quiet: Bool) -> Logger {
        guard logFormat == .json else { return log.makeLogger(label, quiet: quiet) }
        let requested = Logger.Level(rawValue: log.logLevel) ?? .info
        let level = quiet ? max(requested, .warning) : requested
        LoggingSystem.bootstrap { name in JSONLogHandler(label: name, level: level) }
        return Logger(label: label)
    }

    /// Starts the endpoint when asked for and hooks metrics and operator events into the daemon.
    func attach(to daemon: inout NodeDaemon, node: Node, logger: Logger) async throws -> HealthCheck? {
        let events = OperationsEvents(node: node, logger: logger)
        events.started()
        guard let metrics else {
            daemon.onSyncStart = { events.syncStarting(peer: $0) }
            daemon.onSession = { events.sessionFinished($0, peer: $1) }
            return nil
        }
        let address = try Self.address(metrics)
        let nodeMetrics = NodeMetrics(node: node)
        let health = HealthCheck(node: node)
        let server = HTTPServer(routes: MonitoringEndpoint.routes(metrics: nodeMetrics, health: health))
        let listener: HTTPServer.Listener
        do { listener = try await server.bind(host: address.host, port: address.port) } catch {
            throw NodeError(
                .sync,
                "cannot serve metrics on \(metrics): \(error)",
                hint: "choose another address with --metrics HOST:PORT, or stop what listens there"
            )
        }
        logger.notice("metrics.listening", metadata: ["address": "\(address.host):\(listener.port)"])
        daemon.onSyncStart = { events.syncStarting(peer: $0) }
        daemon.onSession = { outcome, peer in
            nodeMetrics.record(outcome, peer: peer)
            events.sessionFinished(outcome, peer: peer)
        }
        return health
    }
}
