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

/// The listening side: accepts many concurrent sessions, each over mutual TLS. Connections in their TLS
/// handshake have their own small budget and deadline; only pinned peers get session slots, up to a total and a
/// cap per partner (Protocol/sync.md §Admission).
public final class SyncServer: Sendable {
    let context: SyncContext
    let tlsCache: TLSContextCache
    let logger: Logger
    let group: any EventLoopGroup
    let admission: ConnectionAdmission
    private let refusals = RefusalLog()

    public init(context: SyncContext, logger: Logger, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws(NodeError) {
        self.context = context
        self.logger = logger
        self.group = group
        let limits = context.sessionConfiguration.limits
        admission = ConnectionAdmission(
            maxPending: limits.maxPendingHandshakes, maxPendingPerAddress: limits.maxPendingHandshakesPerAddress,
            maxSessions: limits.maxConcurrentSessions, maxPerPartner: limits.maxSessionsPerPartner)
        tlsCache = TLSContextCache(handshakeTimeout: timeAmount(limits.tlsHandshakeTimeout))
        do { _ = try tlsCache.context(for: context) } catch { throw NodeError(.sync, "cannot set up TLS: \(error)") }
    }

    /// One accepted connection: nil ticket when it was over its address's handshake budget (closed at once).
    typealias Accepted = (
        channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>?, identity: EventLoopFuture<PeerIdentity>, address: String,
        ticket: ConnectionAdmission.Ticket?
    )

    /// A bound listener; `run` serves it until the task is cancelled.
    public struct Listener: Sendable {
        let channel: NIOAsyncChannel<Accepted, Never>
        public var port: Int { channel.channel.localAddress?.port ?? 0 }
    }

    public func bind(host: String, port: Int) async throws -> Listener {
        let tlsCache = self.tlsCache
        let context = self.context
        let admission = self.admission
        let limits = context.sessionConfiguration.limits
        let idle = timeAmount(limits.idleTimeout)
        let handshakeLimit = limits.tlsHandshakeTimeout
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1024)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture { () throws -> Accepted in
                    let address = channel.remoteAddress?.ipAddress ?? channel.remoteAddress?.description ?? "?"
                    let promise = channel.eventLoop.makePromise(of: PeerIdentity.self)
                    guard let ticket = admission.admitConnection(address: address, channel: channel) else {
                        // Over its address's handshake budget: closed before any TLS work is done.
                        promise.fail(SyncError(.tooManySessions, "too many TLS handshakes in progress from \(address)"))
                        channel.close(promise: nil)
                        return (nil, promise.futureResult, address, nil)
                    }
                    let async = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    // The pre-authentication deadline: a connection that has not finished its TLS handshake with a
                    // pinned peer by then is closed, and its place in the budget freed.
                    let deadline = channel.eventLoop.scheduleTask(in: timeAmount(handshakeLimit)) {
                        channel.pipeline.fireErrorCaught(SyncError(
                            .timeout, "no finished TLS handshake within \(handshakeLimit) of connecting"))
                        channel.close(promise: nil)
                    }
                    promise.futureResult.whenComplete { _ in
                        deadline.cancel()
                        ticket.release()
                    }
                    // Trust follows roster edits: the TLS context is the one for the roster now in force.
                    try channel.pipeline.syncOperations.addHandler(
                        TLSHandler(context: tlsCache.context(for: context.refreshed())), position: .first)
                    try channel.pipeline.syncOperations.addHandler(PeerIdentityHandler(promise: promise), position: .after(
                        channel.pipeline.syncOperations.handler(type: TLSHandler.self)))
                    try channel.pipeline.syncOperations.addHandler(
                        IdleTimeoutHandler(timeout: idle, frameTimeout: timeAmount(limits.frameTimeout)),
                        position: .after(channel.pipeline.syncOperations.handler(type: PeerIdentityHandler.self)))
                    return (async, promise.futureResult, address, ticket)
                }
            }
        return Listener(channel: channel)
    }

    /// Serves connections until cancelled. Each session's outcome goes to `onSession` (status bookkeeping).
    public func run(_ listener: Listener, onSession: @escaping @Sendable (SessionOutcome) -> Void = { _ in }) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            try await listener.channel.executeThenClose { inbound in
                for try await accepted in inbound {
                    guard let channel = accepted.channel else {
                        refusals.note(logger, address: accepted.address, reason: "too many TLS handshakes in progress from this address")
                        continue
                    }
                    group.addTask {
                        await self.serve(channel, identity: accepted.identity, address: accepted.address, onSession: onSession)
                    }
                }
            }
        }
    }

    /// One accepted connection: wait for the pinned peer, admit a session for its partner, run it.
    private func serve(
        _ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, identity: EventLoopFuture<PeerIdentity>, address: String,
        onSession: @escaping @Sendable (SessionOutcome) -> Void
    ) async {
        let peer: PeerIdentity
        do { peer = try await identity.get() } catch {
            refusals.note(logger, address: address, reason: "\(error)")
            try? await channel.executeThenClose { _, _ in }
            return
        }
        let context = self.context.refreshed()
        let author = AuthorKey(peer.signingKey)
        let partner = context.roster.partner(of: author) ?? author.short
        switch admission.admitSession(partner: partner) {
        case .admitted:
            break
        case .tooManySessions(let limit):
            logger.warning("refusing a session of \(partner): \(limit) sessions already running (maxConcurrentSessions)",
                           metadata: ["peer": "\(address)"])
            await SyncConnection.refuse(channel: channel, error: SyncError(
                .tooManySessions, "this node already serves \(limit) sessions (maxConcurrentSessions); try again later"))
            return
        case .tooManySessionsForPartner(let partner, let limit):
            logger.warning("refusing a session of \(partner): it already holds \(limit) (maxSessionsPerPartner)",
                           metadata: ["peer": "\(address)"])
            await SyncConnection.refuse(channel: channel, error: SyncError(
                .tooManySessions,
                "partner \(partner) already holds \(limit) sessions with this node (maxSessionsPerPartner); "
                    + "finish those first"))
            return
        }
        defer { admission.endSession(partner: partner) }
        let outcome = await SyncConnection.run(
            channel: channel, identity: identity, context: context, peerName: address, logger: logger)
        onSession(outcome)
    }
}

/// Refused TLS handshakes logged at info, at most `burst` a minute (a flood must not flood the log); the rest are
/// counted and the count reported with the next line that gets through.
final class RefusalLog: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private let burst = 20
    private var windowStart = ContinuousClock.now
    private var inWindow = 0
    private var suppressed = 0

    func note(_ logger: Logger, address: String, reason: String) {
        let line: String? = lock.withLock {
            let now = ContinuousClock.now
            if now - windowStart > .seconds(60) {
                windowStart = now
                inWindow = 0
            }
            guard inWindow < burst else {
                suppressed += 1
                return nil
            }
            inWindow += 1
            defer { suppressed = 0 }
            return suppressed == 0 ? reason : "\(reason) (\(suppressed) more refusals not logged)"
        }
        if let line { logger.info("refused connection before a session: \(line)", metadata: ["peer": "\(address)"]) }
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
    private let handshakeTimeout: TimeAmount

    init(handshakeTimeout: TimeAmount = TLSConfiguration.defaultHandshakeTimeout) {
        self.handshakeTimeout = handshakeTimeout
    }

    func context(for context: SyncContext) throws(TLSError) -> TLSContext {
        lock.lock()
        defer { lock.unlock() }
        let hash = context.roster.hash
        if let cached, cached.0 == hash { return cached.1 }
        var configuration = TLSConfiguration.server(
            privateKey: context.tlsKey, certificate: context.tlsCertificate, trustedSigningKeys: context.trustedKeys)
        configuration.handshakeTimeout = handshakeTimeout
        let fresh = try TLSContext(configuration: configuration)
        cached = (hash, fresh)
        return fresh
    }
}

/// Swift's `Duration` (the limits' unit) as NIO's `TimeAmount`.
func timeAmount(_ duration: Duration) -> TimeAmount {
    let (seconds, attoseconds) = duration.components
    return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
}
