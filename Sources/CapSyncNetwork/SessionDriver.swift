internal import CapSyncLog
public import CapSyncNode
public import CapSyncSync
public import CapSyncWire
internal import Dispatch
internal import Foundation
internal import Logging

/// Owns one sync session's pure core and executes its actions against the store. The connection's reader and
/// writer tasks both talk to it; an actor, so the session is never mutated from two places at once.
///
/// Its work blocks — signature verification of a batch, the fsync that acknowledges it — so it runs on its own
/// serial dispatch queue (`BlockingWorkExecutor`), never on Swift's cooperative pool: a session waiting on the
/// disk cannot starve the tasks that serve other sessions, timers and the listener.
actor SessionDriver {
    private let executor = BlockingWorkExecutor(label: "capsync.session")
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private var session: SyncSession
    private var decoder: FrameDecoder
    private let source: StoreSyncSource
    private let sink: LogStoreSink
    private let logger: Logger
    private var queued: [[UInt8]] = []
    private var waitingWriter: CheckedContinuation<Void, Never>?
    private(set) var outcome: SessionOutcome?
    private var rosterMismatch: (local: Bytes32, remote: Bytes32)?
    private let clock: @Sendable () -> UInt64
    /// Called once, when this side has sent its ACK and waits only for the peer's.
    private let awaitingAcknowledgement: @Sendable () -> Void
    private var announcedAwaitingAcknowledgement = false

    init(
        configuration: SessionConfiguration,
        store: LogStore,
        logger: Logger,
        clock: @escaping @Sendable () -> UInt64,
        awaitingAcknowledgement: @escaping @Sendable () -> Void = {}
    ) {
        self.awaitingAcknowledgement = awaitingAcknowledgement
        session = SyncSession(configuration: configuration)
        decoder = FrameDecoder(limits: configuration.limits)
        source = StoreSyncSource(store: store, logger: logger)
        sink = LogStoreSink(store: store)
        self.logger = logger
        self.clock = clock
    }

    var isOver: Bool { outcome != nil }

    /// The peer's HELLO and HEADS are in (the handshake limit no longer applies).
    var peerHandshakeReceived: Bool { session.phase == .streaming || session.phase == .finished }

    func start() {
        execute(session.start(source: source))
    }

    /// Bytes from the peer: decode every complete frame and hand it to the session.
    func feed(_ bytes: some Collection<UInt8> & Sendable) {
        guard outcome == nil else { return }
        decoder.feed(bytes)
        while outcome == nil {
            let message: SyncMessage?
            do { message = try decoder.next() } catch {
                execute(session.abort(error))
                return
            }
            guard let message else { break }
            execute(session.receive(message, source: source))
        }
    }

    func connectionClosed() { execute(session.connectionClosed()) }

    func abort(_ error: SyncError) { execute(session.abort(error)) }

    /// The writer's next frames; empty once the session is over. Suspends while there is nothing to send yet.
    func nextFrames() async -> [[UInt8]] {
        while true {
            if !queued.isEmpty {
                defer { queued.removeAll(keepingCapacity: true) }
                return queued
            }
            if outcome != nil { return [] }
            execute(session.nextOutput(source: source))
            if !queued.isEmpty || outcome != nil { continue }
            await withCheckedContinuation { waitingWriter = $0 }
        }
    }

    private func wakeWriter() {
        waitingWriter?.resume()
        waitingWriter = nil
    }

    private func execute(_ actions: [SyncAction]) {
        let (transport, events) = session.performStoreActions(actions, on: sink, nowMilliseconds: clock())
        var refusalsLogged = 0
        for event in events {
            switch event {
            case .accepted:
                break
            case .refused(let reason):
                refusalsLogged += 1
                if refusalsLogged <= 5 { logger.warning("refused entry from peer: \(reason)") }
            case .equivocation(let proof, let receivedAsProof):
                let via = receivedAsProof ? " (proof from peer)" : ""
                logger.error("equivocation: author \(proof.author.short) signed two entries at seq \(proof.seq)\(via)")
            case .storeFailed(let error):
                logger.error("the store failed during a session: \(error)")
            }
        }
        for action in transport {
            switch action {
            case .send(let message):
                queued.append(message.encode())
            case .rosterMismatch(let local, let remote):
                rosterMismatch = (local, remote)
                logger.warning(
                    "roster mismatch: ours \(local.hex), the peer's \(remote.hex); syncing the authors both know"
                )
            case .finished(let summary):
                outcome = SessionOutcome(summary: summary, error: nil, rosterMismatch: rosterMismatch.map { $0.remote })
            case .failed(let error):
                outcome = SessionOutcome(
                    summary: session.summary,
                    error: error,
                    rosterMismatch: rosterMismatch.map { $0.remote }
                )
            case .ingest, .ingestForkProofs, .peerHead:
                break  // carried out by performStoreActions
            }
        }
        if session.isAwaitingPeerAcknowledgement && !announcedAwaitingAcknowledgement {
            announcedAwaitingAcknowledgement = true
            awaitingAcknowledgement()
        }
        wakeWriter()
    }
}

/// How a session ended.
public struct SessionOutcome: Sendable {
    public var summary: SessionSummary
    /// Who the session was with, as the TLS pin proved it (nil when the handshake never got that far).
    public var peer: PinnedPeer?
    public var error: SyncError?
    /// The peer's roster hash, when it differed from ours.
    public var rosterMismatch: Bytes32?
    public var duration: Duration = .zero

    public var succeeded: Bool { error == nil }
}

/// A serial executor on a dispatch queue of its own: what an actor that blocks (disk, verification) runs on.
final class BlockingWorkExecutor: SerialExecutor {
    private let queue: DispatchQueue

    init(label: String) { queue = DispatchQueue(label: label) }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }
}
