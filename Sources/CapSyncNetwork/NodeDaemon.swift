public import CapSyncNode
public import CapSyncSync
internal import Dispatch
internal import Foundation
public import Logging

/// `capsync serve`: the listener plus the scheduled sync with every peer (nightly at the configured time with
/// jitter, failed peers retried with backoff), until SIGINT or SIGTERM. Shutdown cancels the tasks; the store
/// only ever acknowledges fsynced batches, so nothing acknowledged is lost however a session is cut.
public struct NodeDaemon: Sendable {
    public let node: Node
    public let logger: Logger
    /// Sync every this many seconds instead of nightly (tests, demos, small deployments).
    public var intervalSeconds: Int?
    /// Sync with every peer right after starting.
    public var syncAtStart: Bool
    public var limits: SyncLimits
    /// Operators' observers (metrics, structured logs): a peer this node is about to dial, and every finished
    /// session, dialled or accepted, with the peer's name (after `Node.record`).
    public var onSyncStart: @Sendable (String) -> Void = { _ in }
    public var onSession: @Sendable (SessionOutcome, String) -> Void = { _, _ in }

    public init(
        node: Node,
        logger: Logger,
        intervalSeconds: Int? = nil,
        syncAtStart: Bool = false,
        limits: SyncLimits = .default
    ) {
        self.node = node
        self.logger = logger
        self.intervalSeconds = intervalSeconds
        self.syncAtStart = syncAtStart
        self.limits = limits
    }

    /// Runs until a signal arrives. `onListening` gets the bound address (the port is real even for `:0`).
    public func run(onListening: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        let context = try node.syncContext(limits: limits)
        let server = try SyncServer(context: context, logger: logger)
        let address = try HostPort(node.config.listen, allowAnyPort: true)
        let listener: SyncServer.Listener
        do { listener = try await server.bind(host: address.host, port: address.port) } catch {
            throw NodeError(
                .sync,
                NetworkErrorText.bind(error, address: node.config.listen),
                context: node.paths.config,
                hint: "choose another address with --listen HOST:PORT, or stop what listens there"
            )
        }
        // Stop signals are caught before anyone is told the daemon listens (who may stop it at once).
        let signals = try SignalWaiter(signals: [SIGINT, SIGTERM])
        let bound = "\(address.host):\(listener.port)"
        logger.notice("listening", metadata: ["address": "\(bound)", "partner": "\(node.config.partner)"])
        onListening(bound)
        let node = self.node
        let logger = self.logger
        let onSession = self.onSession

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await server.run(listener) { outcome in
                    let peer = outcome.peer?.name ?? "(peer not pinned)"
                    node.record(outcome, peer: peer, logger: logger)
                    onSession(outcome, peer)
                }
            }
            group.addTask { try await self.scheduleLoop(context: context) }
            group.addTask {
                let signal = await signals.next()
                logger.notice("shutting down", metadata: ["signal": "\(signal)"])
            }
            _ = try await group.next()
            group.cancelAll()
        }
        logger.notice("stopped")
    }

    private func scheduleLoop(context: SyncContext) async throws {
        let client = SyncClient(context: context, logger: logger)
        var first = syncAtStart
        // A stable per-node jitter: derived from the TLS key, so it differs between nodes but not between nights.
        let seed = context.tlsKey.publicKey.rawBytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let schedule = SyncSchedule(config: node.config, jitterSeed: seed)
        while !Task.isCancelled {
            if !first {
                let now = Int64(Date().timeIntervalSince1970)
                let next = intervalSeconds.map { now + Int64($0) } ?? schedule.nextRun(after: now)
                logger.info("next sync", metadata: ["at": "\(Date(timeIntervalSince1970: TimeInterval(next)))"])
                try await Task.sleep(for: .seconds(next - now))
            }
            first = false
            try await syncRound(client: client, schedule: schedule)
        }
    }

    /// One round: every peer at once; failed peers retried with backoff until they succeed or retries run out.
    func syncRound(client: SyncClient, schedule: SyncSchedule) async throws {
        var pending = try NodeSetup.loadPeers(node.paths).peers
        var attempt = 0
        while !pending.isEmpty {
            for peer in pending { onSyncStart(peer.pinned.name) }
            let results = await client.syncAll(pending)
            var failed: [PeerList.Peer] = []
            for (peer, outcome) in results {
                node.record(outcome, peer: peer.pinned.name, logger: logger)
                onSession(outcome, peer.pinned.name)
                if outcome.error != nil { failed.append(peer) }
            }
            pending = failed
            attempt += 1
            guard !pending.isEmpty, let delay = schedule.retryDelaySeconds(attempt: attempt) else { break }
            logger.warning(
                "retrying failed peers",
                metadata: [
                    "peers": "\(pending.map(\.name).joined(separator: ","))", "in_seconds": "\(delay)",
                ]
            )
            try await Task.sleep(for: .seconds(delay))
        }
    }
}

/// Turns SIGINT/SIGTERM into an awaitable value (the default action is disabled while waiting).
final class SignalWaiter: @unchecked Sendable {  // immutable after init
    private let stream: AsyncStream<Int32>

    /// The handler is installed with `signal` before this returns (not registered later on a queue, as a
    /// dispatch signal source is on Linux, where a signal arriving in between was lost and a daemon told to stop
    /// right after it started ran on). It only writes the signal's number to a pipe (async-signal-safe); a
    /// thread of its own reads the pipe and wakes the daemon.
    init(signals: [Int32]) throws(NodeError) {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            throw NodeError(
                .io,
                "cannot create the pipe the stop-signal handler writes to: \(String(cString: strerror(errno)))",
                hint: "the process may be out of file descriptors (ulimit -n)"
            )
        }
        signalPipeWriteEnd = ends[1]
        for number in signals {
            signal(number) { received in
                var byte = UInt8(truncatingIfNeeded: received)
                _ = write(signalPipeWriteEnd, &byte, 1)
            }
        }
        let readEnd = ends[0]
        Thread.detachNewThread {
            var byte: UInt8 = 0
            while read(readEnd, &byte, 1) == 1 { continuation.yield(Int32(byte)) }
        }
    }

    func next() async -> Int32 {
        for await number in stream { return number }
        return 0
    }
}

/// Where the stop-signal handler writes (set once, before the handler is installed).
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1
