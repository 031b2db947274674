import CapSyncHTTP
import Testing

@Suite struct HTTPServerTests {
    /// The test client writes its request from Swift's cooperative pool, which a parallel test run can keep busy
    /// for longer than the server's 10 s request deadline: these servers wait for it (the deadline's own effect is
    /// not what these tests check).
    static let patient = HTTPServerLimits(requestTimeoutSeconds: 600)

    let routes: [String: HTTPHandler] = [
        "/hello": { request in .text("hello \(request.query)\n") },
        "/fail": { _ in .text("down\n", status: 503) },
    ]

    @Test func getAnswersTheHandlersBodyWithLengthAndType() async throws {
        let listener = try await HTTPServer(routes: routes, limits: Self.patient).bind(host: "127.0.0.1", port: 0)
        defer { Task { await listener.close() } }
        let answer = try await RawHTTPClient.get(port: listener.port, "/hello?x=1")
        #expect(statusCode(answer) == 200)
        #expect(body(answer) == "hello x=1\n")
        #expect(answer.contains("Content-Length: 10\r\n"))
        #expect(answer.contains("Content-Type: text/plain; charset=utf-8\r\n"))
        #expect(answer.contains("Connection: close\r\n"))
        let failing = try await RawHTTPClient.get(port: listener.port, "/fail")
        #expect(statusCode(failing) == 503)
        #expect(body(failing) == "down\n")
    }

    @Test func headAnswersWithoutBody() async throws {
        let listener = try await HTTPServer(routes: routes, limits: Self.patient).bind(host: "127.0.0.1", port: 0)
        defer { Task { await listener.close() } }
        let answer = try await RawHTTPClient.get(port: listener.port, "/hello", method: "HEAD")
        #expect(statusCode(answer) == 200)
        #expect(answer.contains("Content-Length: 7\r\n"))
        #expect(body(answer).isEmpty)
    }

    @Test(arguments: ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
    func everyOtherMethodIs405(method: String) async throws {
        let listener = try await HTTPServer(routes: routes, limits: Self.patient).bind(host: "127.0.0.1", port: 0)
        defer { Task { await listener.close() } }
        let answer = try await RawHTTPClient.get(port: listener.port, "/hello", method: method)
        #expect(statusCode(answer) == 405)
        #expect(answer.contains("Allow: GET, HEAD\r\n"))
    }

    @Test func unknownPathIs404NamingThePages() async throws {
        let listener = try await HTTPServer(routes: routes, limits: Self.patient).bind(host: "127.0.0.1", port: 0)
        defer { Task { await listener.close() } }
        let answer = try await RawHTTPClient.get(port: listener.port, "/nothing")
        #expect(statusCode(answer) == 404)
        #expect(body(answer).contains("/fail, /hello"))
    }

    @Test func oversizedRequestHeadIs431() async throws {
        let limits = HTTPServerLimits(maxRequestBytes: 256, requestTimeoutSeconds: 600)
        let listener = try await HTTPServer(routes: routes, limits: limits).bind(host: "127.0.0.1", port: 0)
        defer { Task { await listener.close() } }
        let padding = String(repeating: "a", count: 300)
        let request = "GET /hello HTTP/1.1\r\nX-Padding: \(padding)\r\n\r\n"
        let answer = try await RawHTTPClient.exchange(port: listener.port, send: Array(request.utf8))
        #expect(statusCode(answer) == 431)
        #expect(body(answer).contains("256 bytes"))
    }

    @Test(arguments: [
        "GARBAGE\r\n\r\n", "GET /hello HTTP/2.0\r\n\r\n", "GET /hello HTTP/1.1\r\nno colon here\r\n\r\n",
        "get /hello HTTP/1.1\r\n\r\n",
    ])
    func malformedRequestIs400(request: String) async throws {
        let listener = try await HTTPServer(routes: routes, limits: Self.patient).bind(host: "127.0.0.1", port: 0)
        defer { Task { await listener.close() } }
        let answer = try await RawHTTPClient.exchange(port: listener.port, send: Array(request.utf8))
        #expect(statusCode(answer) == 400)
    }

    @Test func connectionsOverTheLimitAre503() async throws {
        let (entered, enteredContinuation) = AsyncStream<Void>.makeStream()
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        let blocking: [String: HTTPHandler] = [
            "/block": { _ in
                enteredContinuation.yield()
                for await _ in release { break }
                return .text("released\n")
            }
        ]
        let server = HTTPServer(
            routes: blocking,
            limits: HTTPServerLimits(maxConnections: 1, requestTimeoutSeconds: 600)
        )
        let listener = try await server.bind(host: "127.0.0.1", port: 0)
        defer { Task { await listener.close() } }
        let port = listener.port
        let first = Task { try await RawHTTPClient.get(port: port, "/block") }
        for await _ in entered { break }  // the first connection holds the only slot now
        let refused = try await RawHTTPClient.get(port: port, "/block")
        #expect(statusCode(refused) == 503)
        releaseContinuation.yield()
        let answer = try await first.value
        #expect(statusCode(answer) == 200)
        #expect(body(answer) == "released\n")
    }
}
