import ArgumentParser
import CapSyncHTTP
import CapSyncNetwork
import CapSyncNode
import CapSyncSync
import Foundation
import Logging

struct LogOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    /// A logger to standard error at `--log-level`; with `quiet`, nothing below warning.
    func makeLogger(_ label: String, quiet: Bool = false) -> Logger {
        let requested = Logger.Level(rawValue: logLevel) ?? .info
        let level = quiet ? max(requested, .warning) : requested
        LoggingSystem.bootstrap { name in
            var handler = StreamLogHandler.standardError(label: name)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}

extension CapSyncCommand {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the node daemon: accept peers' syncs and sync with every peer nightly.",
            discussion: """
                Listens on the address in capsync.toml (or --listen) for mutual-TLS sync sessions from roster members, \
                and syncs with every peer in peers.toml at the configured nightly time (with jitter; failed peers are \
                retried with backoff). Appending commands keep working while it runs. One daemon serves a node \
                directory: a second 'capsync serve' on it is refused, naming the running one's pid (it holds a lock \
                on serve.lock). SIGINT or SIGTERM stops it cleanly. Standard output gets one line, "listening on \
                ADDRESS", once it listens (for scripts); every log line goes to standard error (--quiet: warnings \
                and errors only).

                Examples:
                  capsync serve
                  capsync serve --listen 127.0.0.1:7420 --sync-interval 60 --sync-now
                  capsync serve --http 8080      # and the dashboard at http://127.0.0.1:8080/
                """
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var log: LogOptions
        @OptionGroup var quiet: QuietOptions
        @Option(help: "Listen on this host:port instead of the configured one (port 0 picks a free port).") var listen:
            String?
        @Option(help: "Sync every this many seconds instead of nightly.") var syncInterval: Int?
        @Flag(help: "Sync with every peer right after starting.") var syncNow = false
        @Option(
            help: ArgumentHelp("Write the bound address to this file once listening (for scripts).", valueName: "file")
        )
        var addressFile: String?
        @Option(
            help: ArgumentHelp(
                "Also serve the dashboard read-only over plain HTTP on this address (off by default; a bare PORT "
                    + "means 127.0.0.1:PORT): / is the page, /state.json its numbers. GET only.",
                valueName: "host:port"
            )
        )
        var http: String?
        @OptionGroup var monitoring: MonitoringOptions

        func validate() throws {
            if let syncInterval, syncInterval < 1 { throw ValidationError("--sync-interval must be at least 1 second") }
            try validateAddress(listen, flag: "--listen", allowAnyPort: true)
            if let http { _ = try Self.httpAddress(http) }
        }

        /// `--http`: HOST:PORT, or a bare PORT on loopback.
        static func httpAddress(_ text: String) throws -> HostPort {
            let full = text.allSatisfy(\.isNumber) ? "127.0.0.1:" + text : text
            do { return try HostPort(full, allowAnyPort: true) } catch {
                throw ValidationError("--http: \(error.reason); write it as PORT or HOST:PORT, e.g. 127.0.0.1:8080")
            }
        }

        func run() async throws {
            let logger = monitoring.makeLogger("capsync.serve", log: log, quiet: quiet.quiet)
            let node = try Node(root: self.node.paths.root, listenOverride: listen)
            let lock = try ServeLock(paths: node.paths)
            if let recovery = node.store.recovery { logger.warning("store recovery on open: \(recovery)") }
            if let range = node.store.ownChainStatus?.restoredFromJournal {
                logger.notice(
                    "own entries seq \(range.lowerBound)-\(range.upperBound) put back from the own-chain journal"
                )
            }
            if let refusal = node.store.ownChainStatus?.appendRefusal {
                logger.warning("own appends are refused until the own chain is complete: \(refusal.reason)")
            }
            var daemon = NodeDaemon(node: node, logger: logger, intervalSeconds: syncInterval, syncAtStart: syncNow)
            let health = try await monitoring.attach(to: &daemon, node: node, logger: logger)
            let addressFile = self.addressFile
            // The dashboard listener is bound before the sync listener, so both addresses go out in one write.
            var dashboardLine = ""
            var dashboardListener: HTTPServer.Listener?
            if let http {
                let address = try Self.httpAddress(http)
                let server = HTTPServer(routes: LiveDashboard(node: node).routes)
                let listener = try await server.bind(host: address.host, port: address.port)
                dashboardListener = listener
                let shown = listener.host.contains(":") ? "[\(listener.host)]" : listener.host
                dashboardLine = "dashboard on http://\(shown):\(listener.port)/\n"
                if !["127.0.0.1", "::1", "localhost"].contains(address.host) {
                    logger.warning(
                        "the dashboard is served beyond this machine on \(address); it has no access control"
                    )
                }
            }
            let firstLines = dashboardLine
            try await daemon.run { address in
                health?.setListener(address)
                lock.record(address: address)
                FileHandle.standardOutput.write(Data("listening on \(address)\n\(firstLines)".utf8))
                if let addressFile {
                    try? Data((address + "\n").utf8).write(to: URL(fileURLWithPath: addressFile), options: .atomic)
                }
            }
            if let dashboardListener { await dashboardListener.close() }
            withExtendedLifetime(lock) {}
        }
    }

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sync once with all peers (or the named ones), concurrently; for cron and systemd timers.",
            discussion: """
                Prints a summary with a row per peer: what was sent and what the peer acknowledged having stored of \
                it (peers that predate acknowledgements only confirm receipt), and what was received and stored \
                here. A sync that takes longer than a second shows progress on standard error (left out with \
                --quiet). Exit status 0 when every peer synced, 3 when any failed (the failed peers are named).

                Examples:
                  capsync sync
                  capsync sync --peer NL --peer US
                """
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var log: LogOptions
        @OptionGroup var format: FormatOptions
        @OptionGroup var quiet: QuietOptions
        @Option(name: .customLong("peer"), help: "Sync only with this peer (partner code or address); repeatable.")
        var only: [String] = []

        func run() async throws {
            let logger = log.makeLogger("capsync.sync", quiet: quiet.quiet)
            let node = try Node(root: self.node.paths.root)
            var peers = try NodeSetup.loadPeers(node.paths).peers
            if !only.isEmpty {
                let unknown = only.filter { name in !peers.contains { $0.partner == name || $0.address == name } }
                guard unknown.isEmpty else {
                    let names = peers.map(\.partner) + peers.map(\.address)
                    throw CLIError(
                        "--peer: "
                            + unknown.map { Suggestions.unknown("peer", $0, among: names) }.joined(separator: "; ")
                            + " (see capsync peers list)"
                    )
                }
                peers = peers.filter { only.contains($0.partner) || only.contains($0.address) }
            }
            guard !peers.isEmpty else {
                throw CLIError("no peers to sync with: add some with 'capsync peers add CARD'")
            }
            var context = try node.syncContext()
            context.logsSessionResults = false  // the summary table reports them
            let client = SyncClient(context: context, logger: logger)
            let interactive = format.format == .table && !quiet.quiet
            // Each result is printed once, in the summary; a sync that takes longer than a second shows progress.
            let progress = SyncProgress(peers: peers.count, interactive: interactive)
            let ticker = Task { await progress.tick() }
            let results = await client.syncAll(peers) { peer, outcome in
                node.record(outcome, peer: peer.pinned.name, logger: logger)
                progress.done(outcome)
            }
            ticker.cancel()
            progress.finish()
            var table = SyncSummaryTable.make()
            for (peer, outcome) in results {
                table.add(SyncSummaryTable.row(peer: peer.name, outcome: outcome))
                if let mismatch = outcome.rosterMismatch {
                    printError(
                        "warning: \(peer.name) holds a different roster (hash \(mismatch.hex)); entries of authors either side lacks were not exchanged"
                    )
                }
            }
            try format.printer.print([table])
            var failed = results.filter { $0.1.error != nil }.map(\.0.name)
            if let own = node.store.ownChainStatus, let seq = own.forkedAt {
                let proof = node.store.forkProofs().first { $0.author == own.author && $0.seq == seq }
                let from = results.filter { $0.1.summary.divergentAuthors.contains(own.author) }.map(\.0.name)
                printError(
                    "FAILED: this node's own signing key \(KeyText.canonical(own.author)) (\(node.config.partner)) is forked at seq \(seq)"
                        + (proof.map { ": entries \($0.first.id.short) and \($0.second.id.short)" } ?? "")
                        + (from.isEmpty ? "" : " (peer \(from.joined(separator: ", ")) holds the other branch)")
                        + ". Own appends are stopped for good; see 'capsync status'."
                )
                if failed.isEmpty { failed = from.isEmpty ? ["own key forked"] : from }
            }
            if !failed.isEmpty {
                printError("sync failed with: \(failed.joined(separator: ", "))")
                throw ExitCode(3)
            }
        }
    }
}

func seconds(_ duration: Duration) -> String { String(format: "%.3f", secondsValue(duration)) }

func secondsValue(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Progress of a `capsync sync` on standard error: after the first second, a line a second with the peers done,
/// the entries received and sent so far and the rate. Nothing for syncs that finish within a second.
final class SyncProgress: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private let peers: Int
    private let interactive: Bool
    private let started = ContinuousClock.now
    private var finished = 0
    private var received = 0
    private var sent = 0
    private var printed = false

    init(peers: Int, interactive: Bool) {
        self.peers = peers
        self.interactive = interactive
    }

    func done(_ outcome: SessionOutcome) {
        lock.withLock {
            finished += 1
            received += outcome.summary.entriesReceived
            sent += outcome.summary.entriesSent
        }
    }

    /// Prints a line a second until cancelled.
    func tick() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            if Task.isCancelled { return }
            report()
        }
    }

    func finish() { if lock.withLock({ printed }) { report() } }

    private func report() {
        guard interactive else { return }
        let line: String = lock.withLock {
            printed = true
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let rate = seconds > 0 ? Int(Double(received + sent) / seconds) : 0
            return "sync: \(finished) of \(peers) peers done, \(received) entries received, \(sent) sent, "
                + "\(rate) entries/s, \(Int(seconds)) s"
        }
        printError(line)
    }
}
