internal import NIOCore

/// The life of one TLS connection as a pure state machine: events in (bytes from the network, writes, flushes,
/// close requests, end of stream, timer expiry), actions out (ciphertext to send, plaintext and events to deliver,
/// timers to arm, the channel to close). It drives OpenSSL through `TLSConnection` but performs no I/O and reads
/// no clock, so the handler around it stays a thin shell and every path is testable by pumping bytes in memory.
///
/// Ordering rule: every call does all of its OpenSSL work first and returns the resulting ciphertext in
/// `Actions.output`, which the handler writes *before* any `callouts`. A callout (a delivered read, an event) may
/// re-enter with a write; by then the earlier records are already on their way, so records never reorder.
struct TLSStateMachine {
    enum State: Equatable {
        /// The channel is not active yet.
        case idle
        case handshaking
        /// Handshake done and the peer pinned: application data flows both ways.
        case active
        /// Our close_notify is sent; waiting for the peer's (bounded by the shutdown timeout).
        case closing
        /// Terminal, cleanly or not. OpenSSL is never called again, so no `SSL_shutdown` after a fatal error.
        case closed
    }

    enum Output {
        case write(ByteBuffer, EventLoopPromise<Void>?)
        case flush
    }

    enum Timer: Equatable {
        case scheduleHandshakeTimeout(TimeAmount)
        case cancelHandshakeTimeout
        case scheduleShutdownTimeout(TimeAmount)
        case cancelShutdownTimeout
    }

    enum Callout {
        case event(TLSEvent)
        case read(ByteBuffer)
        case readComplete
        case error(TLSError)
        case fail([EventLoopPromise<Void>], TLSError)
        case succeed([EventLoopPromise<Void>])
        /// Close the channel, completing these promises with the close's result.
        case close([EventLoopPromise<Void>])
    }

    struct Actions {
        var output: [Output] = []
        var timers: [Timer] = []
        var callouts: [Callout] = []
    }

    private struct PendingWrite {
        var data: ByteBuffer
        var promise: EventLoopPromise<Void>?
    }

    private(set) var state: State = .idle
    private let connection: TLSConnection
    private let allocator: ByteBufferAllocator
    private let handshakeTimeout: TimeAmount
    private let shutdownTimeout: TimeAmount
    private let maxBufferedOutputBytes: Int

    /// Plaintext written before the handshake finished, sent once it has.
    private var pendingWrites: [PendingWrite] = []
    private var pendingBytes = 0
    private var flushRequested = false
    private var closePromises: [EventLoopPromise<Void>] = []
    private var deliveredSinceReadComplete = false
    /// Whether the peer has sent application data: on a client, proof the server accepted our certificate.
    private var peerDataSeen = false
    /// The transport is gone: closing means completing promises, not asking the channel to close.
    private var transportClosed = false

    init(connection: TLSConnection, configuration: TLSConfiguration, allocator: ByteBufferAllocator) {
        self.connection = connection
        self.allocator = allocator
        self.handshakeTimeout = configuration.handshakeTimeout
        self.shutdownTimeout = configuration.shutdownTimeout
        self.maxBufferedOutputBytes = configuration.maxBufferedOutputBytes
    }

    // MARK: Events in

    /// The channel became active: start the handshake (a client sends its ClientHello now).
    mutating func channelActive() -> Actions {
        var actions = Actions()
        guard state == .idle else { return actions }
        state = .handshaking
        actions.timers.append(.scheduleHandshakeTimeout(handshakeTimeout))
        handshakeStep(&actions)
        return actions
    }

    /// Ciphertext arrived from the network.
    mutating func received(_ bytes: ByteBuffer) -> Actions {
        var actions = Actions()
        switch state {
        case .idle:
            connection.feed(bytes)
        case .handshaking:
            connection.feed(bytes)
            handshakeStep(&actions)
        case .active, .closing:
            connection.feed(bytes)
            readLoop(&actions)
        case .closed:
            break
        }
        return actions
    }

    /// The network read burst is over: tell the next handler, if it was given anything.
    mutating func readComplete() -> Actions {
        var actions = Actions()
        if deliveredSinceReadComplete {
            deliveredSinceReadComplete = false
            actions.callouts.append(.readComplete)
        }
        return actions
    }

    mutating func write(_ data: ByteBuffer, promise: EventLoopPromise<Void>?) -> Actions {
        var actions = Actions()
        switch state {
        case .idle, .handshaking:
            guard pendingBytes + data.readableBytes <= maxBufferedOutputBytes else {
                let error = TLSError(
                    .outputBufferFull,
                    "more than \(maxBufferedOutputBytes) bytes written before the TLS handshake finished"
                )
                actions.callouts.append(.fail(promise.map { [$0] } ?? [], error))
                return actions
            }
            pendingBytes += data.readableBytes
            pendingWrites.append(PendingWrite(data: data, promise: promise))
        case .active:
            encrypt(data, promise: promise, &actions)
        case .closing, .closed:
            let error = TLSError(.closed, "write after the TLS connection was closed")
            actions.callouts.append(.fail(promise.map { [$0] } ?? [], error))
        }
        return actions
    }

    mutating func flush() -> Actions {
        var actions = Actions()
        switch state {
        case .idle, .handshaking: flushRequested = true
        case .active, .closing: actions.output.append(.flush)
        case .closed: break
        }
        return actions
    }

    /// Orderly close: send close_notify and wait (bounded) for the peer's, so neither side loses data silently.
    mutating func close(promise: EventLoopPromise<Void>?) -> Actions {
        var actions = Actions()
        if let promise { closePromises.append(promise) }
        switch state {
        case .idle:
            state = .closed
            actions.callouts.append(closeCallout())
        case .handshaking:
            state = .closed
            actions.timers.append(.cancelHandshakeTimeout)
            failPendingWrites(TLSError(.closed, "the connection was closed during the handshake"), &actions)
            actions.callouts.append(closeCallout())
        case .active:
            switch connection.shutdown() {
            case .wantMore:
                sendOutput(&actions)
                state = .closing
                actions.timers.append(.scheduleShutdownTimeout(shutdownTimeout))
            case .done, .closedByPeer:
                sendOutput(&actions)
                state = .closed
                actions.callouts.append(.event(.shutdownCompleted))
                actions.callouts.append(closeCallout())
            case .failed(let error):
                fail(error, &actions)
            }
        case .closing:
            break
        case .closed:
            actions.callouts.append(closeCallout())
        }
        return actions
    }

    /// The transport reached end of stream (TCP FIN or the channel went inactive).
    mutating func inputEnded() -> Actions {
        var actions = Actions()
        guard !connection.inputEnded else { return actions }
        connection.markInputEnded()
        switch state {
        case .idle:
            state = .closed
        case .handshaking:
            handshakeStep(&actions)
            if state == .handshaking {
                fail(TLSError(.handshakeFailed, "the peer closed the connection during the handshake"), &actions)
            }
        case .active:
            readLoop(&actions)
            if state == .active {
                fail(TLSError(.truncated, "the connection ended without close_notify"), &actions)
            }
        case .closing:
            // We asked to close and the peer hung up without answering our close_notify. Everything we sent was
            // sent in full; we wanted nothing more from the peer, so the close we asked for is complete.
            state = .closed
            actions.timers.append(.cancelShutdownTimeout)
            actions.callouts.append(closeCallout())
        case .closed:
            break
        }
        return actions
    }

    /// The channel is gone: treat as end of stream, then complete whatever is still waiting.
    mutating func channelInactive() -> Actions {
        transportClosed = true
        var actions = inputEnded()
        if state != .closed {
            state = .closed
            actions.timers.append(contentsOf: [.cancelHandshakeTimeout, .cancelShutdownTimeout])
        }
        failPendingWrites(TLSError(.closed, "the connection closed before these writes were sent"), &actions)
        if !closePromises.isEmpty {
            actions.callouts.append(closeCallout())
        }
        return actions
    }

    mutating func handshakeTimedOut() -> Actions {
        var actions = Actions()
        guard state == .handshaking else { return actions }
        fail(
            TLSError(.handshakeTimeout, "the TLS handshake did not finish within \(describe(handshakeTimeout))"),
            &actions
        )
        return actions
    }

    mutating func shutdownTimedOut() -> Actions {
        var actions = Actions()
        guard state == .closing else { return actions }
        state = .closed
        let error = TLSError(
            .shutdownTimeout,
            "the peer did not answer close_notify within \(describe(shutdownTimeout))"
        )
        actions.callouts.append(.error(error))
        actions.callouts.append(.close([]))
        actions.callouts.append(.fail(closePromises, error))
        closePromises = []
        return actions
    }

    // MARK: Steps

    private mutating func handshakeStep(_ actions: inout Actions) {
        switch connection.handshake() {
        case .wantMore:
            sendOutput(&actions)
        case .done:
            sendOutput(&actions)
            switch connection.verifiedPeer() {
            case .failure(let error):
                fail(error, &actions)
            case .success(let identity):
                state = .active
                actions.timers.append(.cancelHandshakeTimeout)
                sendPendingWrites(&actions)
                actions.callouts.append(.event(.handshakeCompleted(identity)))
                readLoop(&actions)
            }
        case .closedByPeer:
            fail(TLSError(.handshakeFailed, "the peer sent close_notify during the handshake"), &actions)
        case .failed(let error):
            fail(error, &actions)
        }
    }

    /// Decrypts everything OpenSSL can from the bytes fed so far and delivers it as one read.
    private mutating func readLoop(_ actions: inout Actions) {
        var plaintext = allocator.buffer(capacity: 16 * 1024)
        var outcome = TLSConnection.Step.wantMore
        reading: while true {
            let step = connection.read(into: &plaintext)
            switch step {
            case .done: continue reading
            default:
                outcome = step
                break reading
            }
        }
        sendOutput(&actions)
        if plaintext.readableBytes > 0 {
            peerDataSeen = true
            deliveredSinceReadComplete = true
            actions.callouts.append(.read(plaintext))
        }
        switch outcome {
        case .closedByPeer:
            peerClosed(&actions)
        case .failed(var error):
            if connection.role == .client, !peerDataSeen, error.code == .protocolError {
                error.code = .handshakeFailed
                error.reason =
                    "the server refused the connection after the handshake; it may not trust our certificate "
                    + "(is our signing key in its roster?)"
            }
            fail(error, &actions)
        case .done, .wantMore:
            break
        }
    }

    /// The peer sent close_notify: answer with ours (if not sent yet) and close.
    private mutating func peerClosed(_ actions: inout Actions) {
        let wasClosing = state == .closing
        switch connection.shutdown() {
        case .failed(let error):
            fail(error, &actions)
            return
        case .done, .wantMore, .closedByPeer:
            break
        }
        sendOutput(&actions)
        actions.output.append(.flush)
        state = .closed
        if wasClosing { actions.timers.append(.cancelShutdownTimeout) }
        actions.callouts.append(.event(.shutdownCompleted))
        actions.callouts.append(closeCallout())
    }

    private mutating func encrypt(_ data: ByteBuffer, promise: EventLoopPromise<Void>?, _ actions: inout Actions) {
        var remaining = data
        var promiseUsed = false
        while remaining.readableBytes > 0 {
            let (taken, step) = remaining.withUnsafeReadableBytes { connection.write($0) }
            if case .failed(let error) = step {
                actions.callouts.append(.fail(promise.map { [$0] } ?? [], error))
                fail(error, &actions)
                return
            }
            guard taken > 0 else {
                let error = TLSError(.protocolError, "OpenSSL accepted no bytes to encrypt")
                actions.callouts.append(.fail(promise.map { [$0] } ?? [], error))
                fail(error, &actions)
                return
            }
            remaining.moveReaderIndex(forwardBy: taken)
            let last = remaining.readableBytes == 0
            if let ciphertext = connection.drainOutput(allocator: allocator) {
                actions.output.append(.write(ciphertext, last ? promise : nil))
                promiseUsed = promiseUsed || last
            }
        }
        if !promiseUsed, let promise {
            // Nothing to encrypt (an empty write): complete in order with the writes around it.
            actions.output.append(.write(allocator.buffer(capacity: 0), promise))
        }
    }

    private mutating func sendPendingWrites(_ actions: inout Actions) {
        let writes = pendingWrites
        pendingWrites = []
        pendingBytes = 0
        for write in writes {
            encrypt(write.data, promise: write.promise, &actions)
            guard state == .active else { return }
        }
        if flushRequested {
            flushRequested = false
            actions.output.append(.flush)
        }
    }

    private func sendOutput(_ actions: inout Actions) {
        if let ciphertext = connection.drainOutput(allocator: allocator) {
            actions.output.append(.write(ciphertext, nil))
            actions.output.append(.flush)
        }
    }

    /// A fatal error: send any alert OpenSSL produced, report, and close without `SSL_shutdown`.
    private mutating func fail(_ error: TLSError, _ actions: inout Actions) {
        sendOutput(&actions)
        switch state {
        case .handshaking: actions.timers.append(.cancelHandshakeTimeout)
        case .closing: actions.timers.append(.cancelShutdownTimeout)
        case .idle, .active, .closed: break
        }
        state = .closed
        actions.callouts.append(.error(error))
        failPendingWrites(error, &actions)
        actions.callouts.append(closeCallout())
    }

    private mutating func failPendingWrites(_ error: TLSError, _ actions: inout Actions) {
        let promises = pendingWrites.compactMap(\.promise)
        pendingWrites = []
        pendingBytes = 0
        if !promises.isEmpty { actions.callouts.append(.fail(promises, error)) }
    }

    private mutating func closeCallout() -> Callout {
        let promises = closePromises
        closePromises = []
        return transportClosed ? .succeed(promises) : .close(promises)
    }

    private func describe(_ amount: TimeAmount) -> String {
        let milliseconds = amount.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}
