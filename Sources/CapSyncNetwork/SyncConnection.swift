internal import CapSyncLog
internal import CapSyncNode
internal import CapSyncSync
internal import CapSyncTLS
internal import CapSyncWire
internal import Foundation
internal import Logging
internal import NIOCore

/// Runs one sync session over an established TLS connection: a reader task feeding frames to the session and a
/// writer task draining what it owes, so both directions stream at once (neither side can deadlock the other
/// by filling its window), with the handshake, idle and whole-session limits enforced here, in the shell.
enum SyncConnection {
    static func run(
        channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>,
        identity: EventLoopFuture<PeerIdentity>,
        context: SyncContext,
        peerName: String,
        logger: Logger
    ) async -> SessionOutcome {
        let started = ContinuousClock.now
        // The handshake limit: from the connection to the peer's HELLO and HEADS (TLS included). The idle timer
        // alone cannot end a peer that dribbles a byte just inside it and never completes a frame.
        let limits = context.sessionConfiguration.limits
        let handshakeDeadline = channel.channel.eventLoop.scheduleTask(in: timeAmount(limits.handshakeTimeout)) {
            channel.channel.pipeline.fireErrorCaught(
                SyncError(
                    .timeout,
                    "no HELLO and HEADS within \(limits.handshakeTimeout) of connecting (handshake limit)"
                )
            )
        }
        defer { handshakeDeadline.cancel() }
        var logger = logger
        logger[metadataKey: "peer"] = "\(peerName)"
        let peer: PeerIdentity
        do { peer = try await identity.get() } catch {
            try? await channel.executeThenClose { _, _ in }
            return SessionOutcome(
                summary: SessionSummary(localLabel: context.label),
                error: SyncError(.connectionClosed, "TLS handshake with \(peerName) failed: \(error)"),
                rosterMismatch: nil
            )
        }
        let pinned = PinnedPeer(
            partner: context.roster.partner(of: AuthorKey(peer.signingKey)),
            key: AuthorKey(peer.signingKey)
        )
        logger[metadataKey: "peer"] = "\(pinned.name) at \(peerName)"
        var configuration = context.sessionConfiguration
        configuration.peerDescription = "\(pinned.name) at \(peerName)"
        let sessionLogger = logger
        try? context.store.refresh()  // pick up what the appending commands committed since the last session
        let driver = SessionDriver(
            configuration: configuration,
            store: context.store,
            logger: sessionLogger,
            clock: context.clock
        ) {
            // The peer may still be storing what was in flight when it sent DONE: its silence is not idleness.
            channel.channel.triggerUserOutboundEvent(
                IdleTimeoutHandler.SilenceLimit(
                    timeAmount(limits.acknowledgementTimeout),
                    name: "acknowledgement limit"
                ),
                promise: nil
            )
        }

        // The whole-session limit: close the channel at the deadline; the reader then ends and the session fails.
        let deadline = channel.channel.eventLoop.scheduleTask(in: timeAmount(limits.sessionTimeout)) {
            channel.channel.pipeline.fireErrorCaught(
                SyncError(.timeout, "the session took longer than \(limits.sessionTimeout)")
            )
        }
        defer { deadline.cancel() }

        do {
            try await channel.executeThenClose { inbound, outbound in
                await driver.start()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        while true {
                            let frames = await driver.nextFrames()
                            if frames.isEmpty { break }
                            for frame in frames { try await outbound.write(ByteBuffer(bytes: frame)) }
                        }
                        // The session is over and everything owed (DONE or ERROR) is written: close (TLS
                        // close_notify, bounded by its shutdown timeout), so a peer that keeps the connection open
                        // cannot hold the session, and its slot, until the idle limit.
                        try? await channel.channel.close()
                    }
                    group.addTask {
                        do {
                            for try await buffer in inbound {
                                await driver.feed(buffer.readableBytesView)
                                if await driver.isOver { break }
                                if await driver.peerHandshakeReceived { handshakeDeadline.cancel() }
                            }
                            await driver.connectionClosed()
                        } catch let error as SyncError {
                            await driver.abort(error)
                        } catch let error as TLSError where error.isAlertFromPeer {
                            // The peer's TLS refused us after our side of the handshake finished: in TLS 1.3 the
                            // server judges the client's certificate last, so this is how a refused pin looks here.
                            guard await !driver.peerHandshakeReceived else {
                                await driver.connectionClosed()
                                sessionLogger.info("connection ended: \(error)")
                                return
                            }
                            await driver.abort(
                                SyncError(
                                    .connectionClosed,
                                    "\(peerName) refused this node during TLS (\(error.openSSLReasons.joined(separator: "; "))): "
                                        + "it most likely does not hold this node's signing key in its roster; check that "
                                        + "both sides hold the same roster"
                                )
                            )
                        } catch {
                            await driver.connectionClosed()
                            sessionLogger.info("connection ended: \(error)")
                        }
                    }
                    try await group.waitForAll()
                }
            }
        } catch {
            logger.info("connection error: \(error)")
        }
        var outcome =
            await driver.outcome
            ?? SessionOutcome(
                summary: SessionSummary(localLabel: context.label),
                error: SyncError(.connectionClosed, "connection ended"),
                rosterMismatch: nil
            )
        outcome.duration = ContinuousClock.now - started
        outcome.peer = pinned
        let s = outcome.summary
        if let error = outcome.error {
            logger.log(
                level: context.logsSessionResults ? .warning : .debug,
                "sync session failed: \(error)",
                metadata: [
                    "entries_in": "\(s.entriesReceived)", "entries_out": "\(s.entriesSent)",
                ]
            )
        } else {
            logger.log(
                level: context.logsSessionResults ? .info : .debug,
                "sync session done",
                metadata: [
                    "entries_in": "\(s.entriesReceived)", "accepted": "\(s.entriesAccepted)",
                    "entries_out": "\(s.entriesSent)",
                    "peer_stored": "\(s.peerAcknowledgement.map { "\($0.entriesStored)" } ?? "not acknowledged")",
                    "bytes_in": "\(s.bytesReceived)", "bytes_out": "\(s.bytesSent)", "duration": "\(outcome.duration)",
                ]
            )
        }
        return outcome
    }
}

extension SyncConnection {
    /// A pinned peer refused a session (over a limit): one ERROR frame saying why, then close.
    static func refuse(channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, error: SyncError) async {
        do {
            try await channel.executeThenClose { _, outbound in
                try await outbound.write(ByteBuffer(bytes: SyncMessage.error(SyncErrorMessage(error)).encode()))
            }
        } catch {
            try? await channel.channel.close()
        }
    }
}

/// Turns a silent or dribbling peer into a `SyncError(.timeout)` the session reports and sends as ERROR.
///
/// Silence (the idle limit) is counted only while this side is waiting for the peer: from a read request (the
/// session wants more input) until bytes arrive, and it starts over whenever a write goes out (the peer is taking
/// what this side sends). So neither a long transfer to a peer that has already said DONE, nor this side's own
/// time spent verifying a batch (when it asks for nothing), counts as the peer being idle.
///
/// A peer that sends one byte just inside the idle limit is never silent, so the frame limit also follows the
/// frames in the plaintext stream (the length prefix of Protocol/sync.md §Frames): from a frame's first byte, its
/// last must arrive within `frameTimeout`.
final class IdleTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    /// An outbound user event that replaces the idle limit (and the name its timeout error gives it).
    struct SilenceLimit: Sendable {
        var timeout: TimeAmount
        var name: String
        init(_ timeout: TimeAmount, name: String) {
            self.timeout = timeout
            self.name = name
        }
    }

    private var timeout: TimeAmount
    private var limitName = "idle limit"
    private let frameTimeout: TimeAmount
    private var timer: Scheduled<Void>?
    private var frameTimer: Scheduled<Void>?
    private var frames = FrameBoundaryTracker()

    init(timeout: TimeAmount, frameTimeout: TimeAmount) {
        self.timeout = timeout
        self.frameTimeout = frameTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) { arm(context) }
    func handlerRemoved(context: ChannelHandlerContext) { disarmAll() }
    func channelInactive(context: ChannelHandlerContext) {
        disarmAll()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        disarm()  // the peer spoke; the clock starts again at the next read request
        let buffer = unwrapInboundIn(data)
        let wasInFrame = frames.isInFrame
        let completed = frames.consume(buffer.readableBytesView)
        if completed || !wasInFrame {
            frameTimer?.cancel()
            frameTimer = nil
        }
        if frames.isInFrame && frameTimer == nil { armFrame(context) }
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        if timer == nil { arm(context) }
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if timer != nil { arm(context) }
        context.write(data, promise: promise)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let limit = event as? SilenceLimit else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        timeout = limit.timeout
        limitName = limit.name
        if timer != nil { arm(context) }
        promise?.succeed()
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }

    private func disarmAll() {
        disarm()
        frameTimer?.cancel()
        frameTimer = nil
    }

    private func arm(_ context: ChannelHandlerContext) {
        timer?.cancel()
        let timeout = self.timeout
        let name = limitName
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            loopBound.value.fireErrorCaught(
                SyncError(.timeout, "nothing received for \(timeout.nanoseconds / 1_000_000_000) s (\(name))")
            )
        }
    }

    private func armFrame(_ context: ChannelHandlerContext) {
        let timeout = frameTimeout
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        frameTimer = context.eventLoop.scheduleTask(in: timeout) {
            loopBound.value.fireErrorCaught(
                SyncError(
                    .timeout,
                    "a frame was still incomplete \(timeout.nanoseconds / 1_000_000_000) s after its first byte (frame limit)"
                )
            )
        }
    }
}

/// Captures the TLS handler's verdict on the peer as a future the async side awaits before starting a session.
final class PeerIdentityHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let promise: EventLoopPromise<PeerIdentity>
    private var settled = false

    init(promise: EventLoopPromise<PeerIdentity>) { self.promise = promise }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted(let identity)? = event as? TLSEvent, !settled {
            settled = true
            promise.succeed(identity)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !settled {
            settled = true
            promise.fail(error)
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !settled {
            settled = true
            promise.fail(SyncError(.connectionClosed, "the connection closed during the TLS handshake"))
        }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if !settled {
            settled = true
            promise.fail(SyncError(.connectionClosed, "the connection closed during the TLS handshake"))
        }
    }
}
