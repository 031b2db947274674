public import NIOCore
public import NIOPosix
internal import Synchronization

/// A read-only HTTP/1.1 server: each path maps to a handler; GET and HEAD only (anything else 405), unknown
/// paths 404. One request per connection (`Connection: close`), so a connection's whole input is one request head:
/// its size and the time until it is complete are bounded, and the number of connections open at once too.
public final class HTTPServer: Sendable {
    public let routes: [String: HTTPHandler]
    public let limits: HTTPServerLimits
    let group: any EventLoopGroup
    let open = Mutex(0)

    public init(
        routes: [String: HTTPHandler],
        limits: HTTPServerLimits = HTTPServerLimits(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.routes = routes
        self.limits = limits
        self.group = group
    }

    /// A listening server; `close()` stops accepting (connections in flight finish).
    public struct Listener: Sendable {
        let channel: any Channel
        /// The bound port (real even when 0 was asked for).
        public var port: Int { channel.localAddress?.port ?? 0 }
        public var host: String { channel.localAddress?.ipAddress ?? "?" }

        public func close() async { try? await channel.close() }
    }

    /// Binds `host:port` (a loopback host unless the operator chose another).
    public func bind(host: String, port: Int) async throws -> Listener {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 64)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(HTTPConnectionHandler(server: self))
                }
            }
            .bind(host: host, port: port)
            .get()
        return Listener(channel: channel)
    }

    /// Takes a connection slot; false when every slot is taken.
    func admit() -> Bool {
        open.withLock { count in
            guard count < limits.maxConnections else { return false }
            count += 1
            return true
        }
    }

    func release() { open.withLock { $0 -= 1 } }

    /// Connections open now (for tests and a status page).
    public var openConnections: Int { open.withLock { $0 } }

    /// What the server answers a complete request head with (routing, method check).
    func respond(to head: HTTPRequestHead) async -> HTTPResponse {
        guard head.method == "GET" || head.method == "HEAD" else {
            return .text("method \(head.method) not allowed: this server only reads (GET, HEAD)\n", status: 405)
        }
        let (path, query) = head.pathAndQuery
        guard let handler = routes[path] else {
            let known = routes.keys.sorted().joined(separator: ", ")
            return .text("no page at \(path); pages here: \(known)\n", status: 404)
        }
        let request = HTTPRequest(
            method: head.method,
            path: path,
            query: query,
            headers: head.headers.map { (name: $0.name, value: $0.value) }
        )
        return await handler(request)
    }
}

/// One connection: collects the request head within the limits, answers once, closes.
final class HTTPConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let server: HTTPServer
    private var received: [UInt8] = []
    private var answered = false
    private var admitted = false
    private var deadline: Scheduled<Void>?

    init(server: HTTPServer) { self.server = server }

    func channelActive(context: ChannelHandlerContext) {
        guard server.admit() else {
            answered = true
            send(.text("too many connections; try again shortly\n", status: 503), head: false, context: context)
            return
        }
        admitted = true
        let channel = context.channel
        let seconds = server.limits.requestTimeoutSeconds
        deadline = context.eventLoop.scheduleTask(in: .seconds(seconds)) { channel.close(promise: nil) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        if admitted {
            admitted = false
            server.release()
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        let limit = server.limits.maxRequestBytes
        let result = HTTPRequestHead.parse(Array(received.prefix(limit)))
        switch result {
        case .incomplete:
            guard received.count > limit else { return }
            answered = true
            send(.text("request head over \(limit) bytes\n", status: 431), head: false, context: context)
        case .malformed(let reason):
            answered = true
            send(.text("bad request: \(reason)\n", status: 400), head: false, context: context)
        case .complete(let head):
            answered = true
            deadline?.cancel()
            let server = self.server
            let channel = context.channel
            Task {
                let response = await server.respond(to: head)
                HTTPConnectionHandler.write(response, headOnly: head.method == "HEAD", to: channel)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }

    private func send(_ response: HTTPResponse, head: Bool, context: ChannelHandlerContext) {
        Self.write(response, headOnly: head, to: context.channel)
    }

    /// Writes the response and closes the connection once it is out.
    static func write(_ response: HTTPResponse, headOnly: Bool, to channel: any Channel) {
        var text = "HTTP/1.1 \(response.status) \(reasonPhrase(response.status))\r\n"
        text += "Content-Type: \(response.contentType)\r\n"
        text += "Content-Length: \(response.body.count)\r\n"
        text += "Cache-Control: no-store\r\n"
        text += "X-Content-Type-Options: nosniff\r\n"
        if response.status == 405 { text += "Allow: GET, HEAD\r\n" }
        text += "Connection: close\r\n\r\n"
        var buffer = channel.allocator.buffer(capacity: text.utf8.count + response.body.count)
        buffer.writeString(text)
        if !headOnly { buffer.writeBytes(response.body) }
        channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
    }
}
