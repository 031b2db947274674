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

/// The dialing side: one peer, or all peers concurrently.
public struct SyncClient: Sendable {
    let context: SyncContext
    let logger: Logger
    let group: any EventLoopGroup

    /// The local address to dial from (nil: the system's choice). Load tests give each simulated partner its own
    /// loopback address, as partners on their own hosts would have (a node limits handshakes per address).
    let sourceAddress: String?

    public init(
        context: SyncContext,
        logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        sourceAddress: String? = nil
    ) {
        self.sourceAddress = sourceAddress
        self.context = context
        self.logger = logger
        self.group = group
    }

    /// Syncs with one peer; never throws: failures are in the outcome.
    public func sync(with peer: PeerList.Peer, connectTimeout: TimeAmount = .seconds(10)) async -> SessionOutcome {
        let context = self.context.refreshed()
        let started = ContinuousClock.now
        let failure = { (reason: String) in
            var outcome = SessionOutcome(
                summary: SessionSummary(localLabel: context.label),
                error: SyncError(.connectionClosed, reason),
                rosterMismatch: nil
            )
            outcome.peer = peer.pinned
            outcome.duration = ContinuousClock.now - started
            return outcome
        }
        let address: HostPort
        do { address = try HostPort(peer.address) } catch { return failure("\(error)") }
        let tls: TLSContext
        do {
            // The peer list pins a key; the partner may have rotated it since: any open key the roster gives the
            // same partner is that partner too.
            let partnerKeys =
                context.roster.partner(of: peer.key).map { partner in
                    context.roster.members.filter { $0.partner == partner && $0.lastValidSeq == nil }.map(\.key)
                } ?? []
            let pinned = peer.key
            let primary = partnerKeys.contains(pinned) || partnerKeys.isEmpty ? pinned : partnerKeys[0]
            tls = try TLSContext(
                configuration: .client(
                    privateKey: context.tlsKey,
                    certificate: context.tlsCertificate,
                    trustedSigningKeys: context.trustedKeys,
                    dialing: try primary.publicKey(),
                    orAnyOf: partnerKeys.filter { $0 != primary }.compactMap { try? $0.publicKey() }
                )
            )
        } catch { return failure("cannot set up TLS for \(peer.name): \(error)") }
        do {
            var bootstrap = ClientBootstrap(group: group)
            if let sourceAddress {
                bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: sourceAddress, port: 0))
            }
            let (channel, identity) =
                try await bootstrap
                .connectTimeout(connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: address.host, port: address.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let identity = try SyncPipeline.configure(
                            channel,
                            tls: tls,
                            limits: context.sessionConfiguration.limits
                        )
                        return (
                            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel), identity
                        )
                    }
                }
            return await SyncConnection.run(
                channel: channel,
                identity: identity,
                context: context,
                peerName: peer.name,
                logger: logger
            )
        } catch {
            return failure(NetworkErrorText.connect(error, address: peer.address, timeout: connectTimeout))
        }
    }

    /// Syncs with every peer at once; results in the peers' order.
    public func syncAll(
        _ peers: [PeerList.Peer],
        onDone: @escaping @Sendable (PeerList.Peer, SessionOutcome) -> Void = { _, _ in }
    )
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

/// The channel pipeline every sync connection gets, client and server alike: our TLS handler (over the
/// connection's TLS context), the handler that turns its verdict into the pinned peer's identity, and the idle
/// and frame timers.
enum SyncPipeline {
    /// Adds the handlers to a new channel (on its event loop); the future is the pinned peer, or why not.
    static func configure(
        _ channel: any Channel,
        tls: TLSContext,
        limits: SyncLimits
    ) throws -> EventLoopFuture<PeerIdentity> {
        let promise = channel.eventLoop.makePromise(of: PeerIdentity.self)
        let handlers = channel.pipeline.syncOperations
        try handlers.addHandler(TLSHandler(context: tls))
        try handlers.addHandler(PeerIdentityHandler(promise: promise))
        try handlers.addHandler(
            IdleTimeoutHandler(timeout: timeAmount(limits.idleTimeout), frameTimeout: timeAmount(limits.frameTimeout))
        )
        return promise.futureResult
    }
}

/// Swift's `Duration` (the limits' unit) as NIO's `TimeAmount`.
func timeAmount(_ duration: Duration) -> TimeAmount {
    let (seconds, attoseconds) = duration.components
    return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
}
