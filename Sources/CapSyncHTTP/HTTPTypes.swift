// CapSyncHTTP: a small read-only HTTP/1.1 server for operators' endpoints (metrics, health, a status page).
// GET and HEAD only; one request per connection; bounded connections, request size and time; loopback unless an
// address is given. It serves what a handler returns for a path and knows nothing of CapSync itself.

/// A request as a handler sees it: the path without the query, the query text, and the headers.
public struct HTTPRequest: Sendable {
    public var method: String
    public var path: String
    public var query: String
    public var headers: [(name: String, value: String)]

    public init(method: String, path: String, query: String = "", headers: [(name: String, value: String)] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
    }

    /// The first header of that name (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// What a handler answers: status, content type and body (the server adds length, date-free caching headers and
/// `Connection: close`).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]

    public init(status: Int, contentType: String, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    public static func text(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }
}

/// Answers a request for one path. Called off the event loop; may do blocking reads of a few milliseconds.
public typealias HTTPHandler = @Sendable (HTTPRequest) async -> HTTPResponse

/// The bounds every connection is held to.
public struct HTTPServerLimits: Sendable {
    /// Connections open at once; one more is answered 503 and closed.
    public var maxConnections: Int
    /// Bytes of the request line and headers; a longer request is answered 431 and closed.
    public var maxRequestBytes: Int
    /// Seconds from accepting a connection to its complete request; a slower client is disconnected.
    public var requestTimeoutSeconds: Int64

    public init(maxConnections: Int = 32, maxRequestBytes: Int = 8192, requestTimeoutSeconds: Int64 = 10) {
        self.maxConnections = maxConnections
        self.maxRequestBytes = maxRequestBytes
        self.requestTimeoutSeconds = requestTimeoutSeconds
    }
}

/// The reason phrase for the statuses this server sends.
func reasonPhrase(_ status: Int) -> String {
    switch status {
    case 200: "OK"
    case 400: "Bad Request"
    case 404: "Not Found"
    case 405: "Method Not Allowed"
    case 408: "Request Timeout"
    case 431: "Request Header Fields Too Large"
    case 500: "Internal Server Error"
    case 503: "Service Unavailable"
    default: "Status \(status)"
    }
}
