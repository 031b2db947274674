public import CapSyncCrypto
public import CapSyncLog
public import CapSyncSync
internal import CapSyncTLS
public import CapSyncWire
public import Foundation
public import Logging
public import NIOCore
public import NIOPosix

/// Everything a sync connection needs, shared by the server and the client of one node.
public struct SyncContext: Sendable {
    public var store: LogStore
    public var roster: Roster
    public var tlsKey: Ed25519PrivateKey
    public var tlsCertificate: X509Certificate
    public var sessionConfiguration: SessionConfiguration
    public var label: String
    /// Milliseconds since the epoch; injected so tests and simulations control time.
    public var clock: @Sendable () -> UInt64
    /// When set, each new session uses the roster file's current content (a daemon follows roster edits).
    public var rosterWatcher: RosterWatcher?

    public init(store: LogStore, roster: Roster, tlsKey: Ed25519PrivateKey, tlsCertificate: X509Certificate,
                label: String, limits: SyncLimits = .default,
                clock: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1000) }) {
        self.store = store
        self.roster = roster
        self.tlsKey = tlsKey
        self.tlsCertificate = tlsCertificate
        self.label = label
        self.clock = clock
        sessionConfiguration = SessionConfiguration(
            localRosterHash: roster.hash, knownAuthors: Set(roster.authorKeys), limits: limits, label: label)
    }

    var trustedKeys: [Ed25519PublicKey] { roster.authorKeys.compactMap { try? $0.publicKey() } }

    /// This context with the roster now in force (unchanged without a watcher).
    func refreshed() -> SyncContext {
        guard let watcher = rosterWatcher else { return self }
        let current = watcher.current()
        guard current != roster else { return self }
        var copy = self
        copy.roster = current
        copy.sessionConfiguration.localRosterHash = current.hash
        copy.sessionConfiguration.knownAuthors = Set(current.authorKeys)
        return copy
    }
}

/// The listening side: accepts many concurrent sessions, each over mutual TLS, up to the session limit.
public final class SyncServer: Sendable {
    let context: SyncContext
    let tlsCache: TLSContextCache
    let logger: Logger
    let group: any EventLoopGroup
    private let active = ActiveSessions()

    public init(context: SyncContext, logger: Logger, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws(NodeError) {
        self.context = context
        self.logger = logger
        self.group = group
        tlsCache = TLSContextCache()
        do { _ = try tlsCache.context(for: context) } catch { throw NodeError(.sync, "cannot set up TLS: \(error)") }
    }

    /// A bound listener; `run` serves it until the task is cancelled.
    public struct Listener: Sendable {
        let channel: NIOAsyncChannel<(NIOAsyncChannel<ByteBuffer, ByteBuffer>, EventLoopFuture<PeerIdentity>, String), Never>
        public var port: Int { channel.channel.localAddress?.port ?? 0 }
    }

    public func bind(host: String, port: Int) async throws -> Listener {
        let tlsCache = self.tlsCache
        let context = self.context
        let idle = timeAmount(context.sessionConfiguration.limits.idleTimeout)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let promise = channel.eventLoop.makePromise(of: PeerIdentity.self)
                    // Trust follows roster edits: the TLS context is the one for the roster now in force.
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(context: tlsCache.context(for: context.refreshed())))
                    try channel.pipeline.syncOperations.addHandler(PeerIdentityHandler(promise: promise))
                    try channel.pipeline.syncOperations.addHandler(IdleTimeoutHandler(timeout: idle, frameTimeout: timeAmount(context.sessionConfiguration.limits.frameTimeout)))
                    let async = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    return (async, promise.futureResult, channel.remoteAddress?.description ?? "?")
                }
            }
        return Listener(channel: channel)
    }

    /// Serves connections until cancelled. Each session's outcome goes to `onSession` (status bookkeeping).
    public func run(_ listener: Listener, onSession: @escaping @Sendable (SessionOutcome) -> Void = { _ in }) async throws {
        let limit = context.sessionConfiguration.limits.maxConcurrentSessions
        try await withThrowingDiscardingTaskGroup { group in
            try await listener.channel.executeThenClose { inbound in
                for try await (connection, identity, address) in inbound {
                    guard active.tryEnter(limit: limit) else {
                        logger.warning("refusing connection: \(limit) sessions already running (maxConcurrentSessions)",
                                       metadata: ["peer": "\(address)"])
                        // Answered with ERROR tooManySessions (Protocol/sync.md §Limits), so the peer knows to retry
                        // later rather than seeing a bare close.
                        group.addTask { await SyncConnection.refuse(channel: connection, identity: identity, limit: limit) }
                        continue
                    }
                    group.addTask {
                        defer { self.active.leave() }
                        let outcome = await SyncConnection.run(
                            channel: connection, identity: identity, context: self.context.refreshed(), peerName: address,
                            logger: self.logger)
                        onSession(outcome)
                    }
                }
            }
        }
    }
}

/// The dialing side: one peer, or all peers concurrently.
public struct SyncClient: Sendable {
    let context: SyncContext
    let logger: Logger
    let group: any EventLoopGroup

    public init(context: SyncContext, logger: Logger, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.context = context
        self.logger = logger
        self.group = group
    }

    /// Syncs with one peer; never throws: failures are in the outcome.
    public func sync(with peer: PeerList.Peer, connectTimeout: TimeAmount = .seconds(10)) async -> SessionOutcome {
        let context = self.context.refreshed()
        let failure = { (reason: String) in
            SessionOutcome(summary: SessionSummary(localLabel: context.label), error: SyncError(.connectionClosed, reason), rosterMismatch: nil)
        }
        let address: HostPort
        do { address = try HostPort(peer.address) } catch { return failure("\(error)") }
        let tls: TLSContext
        do {
            let peerKey = try peer.key.publicKey()
            tls = try TLSContext(configuration: .client(
                privateKey: context.tlsKey, certificate: context.tlsCertificate, trustedSigningKeys: context.trustedKeys,
                dialing: peerKey))
        } catch { return failure("cannot set up TLS for \(peer.name): \(error)") }
        let idle = timeAmount(context.sessionConfiguration.limits.idleTimeout)
        do {
            let (channel, identity) = try await ClientBootstrap(group: group)
                .connectTimeout(connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: address.host, port: address.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let promise = channel.eventLoop.makePromise(of: PeerIdentity.self)
                        try channel.pipeline.syncOperations.addHandler(TLSHandler(context: tls))
                        try channel.pipeline.syncOperations.addHandler(PeerIdentityHandler(promise: promise))
                        try channel.pipeline.syncOperations.addHandler(IdleTimeoutHandler(timeout: idle, frameTimeout: timeAmount(context.sessionConfiguration.limits.frameTimeout)))
                        return (try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel), promise.futureResult)
                    }
                }
            return await SyncConnection.run(channel: channel, identity: identity, context: context, peerName: peer.name, logger: logger)
        } catch {
            return failure("cannot connect to \(peer.name): \(error)")
        }
    }

    /// Syncs with every peer at once; results in the peers' order.
    public func syncAll(_ peers: [PeerList.Peer], onDone: @escaping @Sendable (PeerList.Peer, SessionOutcome) -> Void = { _, _ in })
        async -> [(PeerList.Peer, SessionOutcome)]
    {
        await withTaskGroup(of: (Int, SessionOutcome).self) { group in
            for (index, peer) in peers.enumerated() {
                group.addTask {
                    let outcome = await sync(with: peer)
                    onDone(peer, outcome)
                    return (index, outcome)
                }
            }
            var results = [SessionOutcome?](repeating: nil, count: peers.count)
            for await (index, outcome) in group { results[index] = outcome }
            return zip(peers, results.map { $0! }).map { ($0, $1) }
        }
    }
}

/// One server TLS context per roster (by hash): rebuilt only when the roster changes.
final class TLSContextCache: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var cached: (Bytes32, TLSContext)?

    func context(for context: SyncContext) throws(TLSError) -> TLSContext {
        lock.lock()
        defer { lock.unlock() }
        let hash = context.roster.hash
        if let cached, cached.0 == hash { return cached.1 }
        let fresh = try TLSContext(configuration: .server(
            privateKey: context.tlsKey, certificate: context.tlsCertificate, trustedSigningKeys: context.trustedKeys))
        cached = (hash, fresh)
        return fresh
    }
}

/// Counts running sessions for the concurrency limit.
final class ActiveSessions: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func tryEnter(limit: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard count < limit else { return false }
        count += 1
        return true
    }

    func leave() {
        lock.lock()
        count -= 1
        lock.unlock()
    }
}

/// Swift's `Duration` (the limits' unit) as NIO's `TimeAmount`.
func timeAmount(_ duration: Duration) -> TimeAmount {
    let (seconds, attoseconds) = duration.components
    return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
}
