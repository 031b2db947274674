internal import CapSyncCrypto
internal import CapSyncLog
public import CapSyncNode
internal import CapSyncSync
internal import CapSyncTLS
internal import CapSyncWire
internal import Foundation
public import Logging
public import NIOCore
public import NIOPosix

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
    private let unserved = UnservedConnections()

    public init(
        context: SyncContext,
        logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws(NodeError) {
        self.context = context
        self.logger = logger
        self.group = group
        let limits = context.sessionConfiguration.limits
        admission = ConnectionAdmission(
            maxPending: limits.maxPendingHandshakes,
            maxPendingPerAddress: limits.maxPendingHandshakesPerAddress,
            maxSessions: limits.maxConcurrentSessions,
            maxPerPartner: limits.maxSessionsPerPartner
        )
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
        let unserved = self.unserved
        let limits = context.sessionConfiguration.limits
        let handshakeLimit = limits.tlsHandshakeTimeout
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1024)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture { () throws -> Accepted in
                    let address = channel.remoteAddress?.ipAddress ?? channel.remoteAddress?.description ?? "?"
                    guard let ticket = admission.admitConnection(address: address, channel: channel) else {
                        // Over its address's handshake budget: closed before any TLS work is done.
                        channel.close(promise: nil)
                        let refused: EventLoopFuture<PeerIdentity> = channel.eventLoop.makeFailedFuture(
                            SyncError(
                                .tooManySessions,
                                "too many TLS handshakes in progress from \(address)"
                            )
                        )
                        return (nil, refused, address, nil)
                    }
                    // Trust follows roster edits: the TLS context is the one for the roster now in force.
                    let identity = try SyncPipeline.configure(
                        channel,
                        tls: tlsCache.context(for: context.refreshed()),
                        limits: limits
                    )
                    let async = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    unserved.add(async)
                    // The pre-authentication deadline: a connection that has not finished its TLS handshake with a
                    // pinned peer by then is closed, and its place in the budget freed.
                    let deadline = channel.eventLoop.scheduleTask(in: timeAmount(handshakeLimit)) {
                        channel.pipeline.fireErrorCaught(
                            SyncError(
                                .timeout,
                                "no finished TLS handshake within \(handshakeLimit) of connecting"
                            )
                        )
                        channel.close(promise: nil)
                    }
                    identity.whenComplete { _ in
                        deadline.cancel()
                        ticket.release()
                    }
                    return (async, identity, address, ticket)
                }
            }
        return Listener(channel: channel)
    }

    /// Serves connections until cancelled. Each session's outcome goes to `onSession` (status bookkeeping).
    public func run(
        _ listener: Listener,
        onSession: @escaping @Sendable (SessionOutcome) -> Void = { _ in }
    ) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            defer {
                // Connections accepted but never handed to a task (the loop ended first) are closed properly: a
                // wrapped channel dropped while open traps in NIO.
                let leftovers = unserved.drain()
                group.addTask { for connection in leftovers { try? await connection.executeThenClose { _, _ in } } }
            }
            try await listener.channel.executeThenClose { inbound in
                for try await accepted in inbound {
                    guard let channel = accepted.channel else {
                        refusals.note(
                            logger,
                            address: accepted.address,
                            reason: "too many TLS handshakes in progress from this address"
                        )
                        continue
                    }
                    unserved.take(channel.channel)
                    group.addTask {
                        await self.serve(
                            channel,
                            identity: accepted.identity,
                            address: accepted.address,
                            onSession: onSession
                        )
                    }
                }
            }
        }
    }

    /// One accepted connection: wait for the pinned peer, admit a session for its partner, run it.
    private func serve(
        _ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>,
        identity: EventLoopFuture<PeerIdentity>,
        address: String,
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
            logger.warning(
                "refusing a session of \(partner): \(limit) sessions already running (maxConcurrentSessions)",
                metadata: ["peer": "\(address)"]
            )
            await SyncConnection.refuse(
                channel: channel,
                error: SyncError(
                    .tooManySessions,
                    "this node already serves \(limit) sessions (maxConcurrentSessions); try again later"
                )
            )
            return
        case .tooManySessionsForPartner(let partner, let limit):
            logger.warning(
                "refusing a session of \(partner): it already holds \(limit) (maxSessionsPerPartner)",
                metadata: ["peer": "\(address)"]
            )
            await SyncConnection.refuse(
                channel: channel,
                error: SyncError(
                    .tooManySessions,
                    "partner \(partner) already holds \(limit) sessions with this node (maxSessionsPerPartner); "
                        + "finish those first"
                )
            )
            return
        }
        defer { admission.endSession(partner: partner) }
        let outcome = await SyncConnection.run(
            channel: channel,
            identity: identity,
            context: context,
            peerName: address,
            logger: logger
        )
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

/// One server TLS context per roster (by hash) and certificate: rebuilt only when either changes (a roster
/// version adopted, the certificate re-issued by a rotated signing key).
final class TLSContextCache: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var cached: (Bytes32, X509Certificate, TLSContext)?
    private let handshakeTimeout: TimeAmount

    init(handshakeTimeout: TimeAmount = TLSConfiguration.defaultHandshakeTimeout) {
        self.handshakeTimeout = handshakeTimeout
    }

    func context(for context: SyncContext) throws(TLSError) -> TLSContext {
        lock.lock()
        defer { lock.unlock() }
        let hash = context.roster.hash
        if let cached, cached.0 == hash, cached.1 == context.tlsCertificate { return cached.2 }
        var configuration = TLSConfiguration.server(
            privateKey: context.tlsKey,
            certificate: context.tlsCertificate,
            trustedSigningKeys: context.trustedKeys
        )
        configuration.handshakeTimeout = handshakeTimeout
        let fresh = try TLSContext(configuration: configuration)
        cached = (hash, context.tlsCertificate, fresh)
        return fresh
    }
}

/// Accepted connections between their channel initializer and the serving loop, so that none is dropped unclosed
/// when the loop ends with some still queued.
final class UnservedConnections: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var waiting: [ObjectIdentifier: NIOAsyncChannel<ByteBuffer, ByteBuffer>] = [:]

    func add(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        lock.withLock { waiting[ObjectIdentifier(connection.channel)] = connection }
    }

    func take(_ channel: any Channel) {
        _ = lock.withLock { waiting.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    func drain() -> [NIOAsyncChannel<ByteBuffer, ByteBuffer>] {
        lock.withLock {
            defer { waiting.removeAll() }
            return Array(waiting.values)
        }
    }
}
