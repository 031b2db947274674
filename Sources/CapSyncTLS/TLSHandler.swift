public import NIOCore

/// SwiftNIO's end of CapSync TLS: put it first in a channel's pipeline; plaintext `ByteBuffer`s flow above it.
///
/// A thin shell over `TLSStateMachine`: each channel event is handed to the state machine and the actions it returns
/// are performed here, ciphertext first, then timers, then callouts to the rest of the pipeline. On success it fires
/// the user inbound event `TLSEvent.handshakeCompleted(PeerIdentity)`; failures are fired as `TLSError` through
/// `errorCaught` and close the channel. Writes made before the handshake finishes are held (bounded) and sent after.
///
/// Confined to its channel's event loop; not Sendable.
public final class TLSHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private var machine: TLSStateMachine
    private var handshakeTimer: Scheduled<Void>?
    private var shutdownTimer: Scheduled<Void>?
    private var storedContext: ChannelHandlerContext?

    /// A handler for one connection in `context`'s role (client or server).
    public init(context: TLSContext) throws(TLSError) {
        let connection = try context.makeConnection()
        self.machine = TLSStateMachine(
            connection: connection,
            configuration: context.configuration,
            allocator: ByteBufferAllocator()
        )
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        storedContext = context
        if context.channel.isActive {
            perform(machine.channelActive(), context: context)
        }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        shutdownTimer?.cancel()
        handshakeTimer = nil
        shutdownTimer = nil
        storedContext = nil
    }

    public func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        perform(machine.channelActive(), context: context)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        perform(machine.channelInactive(), context: context)
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        perform(machine.received(unwrapInboundIn(data)), context: context)
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        let actions = machine.readComplete()
        perform(actions, context: context)
        // Bytes were consumed (handshake, partial record) but nothing reached the handlers above, so they have no
        // reason to ask for more; with autoRead off the connection would stall. Ask on their behalf.
        let autoRead = (try? context.channel.syncOptions?.getOption(ChannelOptions.autoRead)) ?? true
        if actions.callouts.isEmpty, !autoRead, context.channel.isActive {
            context.read()
        }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let channelEvent = event as? ChannelEvent, channelEvent == .inputClosed {
            perform(machine.inputEnded(), context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        perform(machine.write(unwrapOutboundIn(data), promise: promise), context: context)
    }

    public func flush(context: ChannelHandlerContext) {
        perform(machine.flush(), context: context)
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        switch mode {
        case .all, .output:
            // TLS cannot close one direction alone without losing the ability to finish the other cleanly here:
            // closing output means close_notify, and we then close fully once the peer answers.
            perform(machine.close(promise: promise), context: context)
        case .input:
            promise?.fail(ChannelError.operationUnsupported)
        }
    }

    // MARK: Performing actions

    private func perform(_ actions: TLSStateMachine.Actions, context: ChannelHandlerContext) {
        for output in actions.output {
            switch output {
            case .write(let buffer, let promise): context.write(wrapOutboundOut(buffer), promise: promise)
            case .flush: context.flush()
            }
        }
        for timer in actions.timers {
            switch timer {
            case .scheduleHandshakeTimeout(let delay):
                handshakeTimer?.cancel()
                handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
                    self.timerFired { $0.handshakeTimedOut() }
                }
            case .cancelHandshakeTimeout:
                handshakeTimer?.cancel()
                handshakeTimer = nil
            case .scheduleShutdownTimeout(let delay):
                shutdownTimer?.cancel()
                shutdownTimer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
                    self.timerFired { $0.shutdownTimedOut() }
                }
            case .cancelShutdownTimeout:
                shutdownTimer?.cancel()
                shutdownTimer = nil
            }
        }
        for callout in actions.callouts {
            switch callout {
            case .event(let event):
                context.fireUserInboundEventTriggered(event)
            case .read(let buffer):
                context.fireChannelRead(wrapInboundOut(buffer))
            case .readComplete:
                context.fireChannelReadComplete()
            case .error(let error):
                context.fireErrorCaught(error)
            case .fail(let promises, let error):
                for promise in promises { promise.fail(error) }
            case .succeed(let promises):
                for promise in promises { promise.succeed() }
            case .close(let promises):
                let closed = context.eventLoop.makePromise(of: Void.self)
                context.close(promise: closed)
                for promise in promises { closed.futureResult.cascade(to: promise) }
            }
        }
    }

    private func timerFired(_ event: (inout TLSStateMachine) -> TLSStateMachine.Actions) {
        guard let context = storedContext else { return }
        perform(event(&machine), context: context)
    }
}

@available(*, unavailable)
extension TLSHandler: Sendable {}
