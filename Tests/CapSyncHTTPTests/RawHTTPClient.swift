import NIOCore
import NIOPosix

/// Sends raw bytes to a server on loopback and collects everything it answers until it closes.
enum RawHTTPClient {
    static func exchange(port: Int, send bytes: [UInt8]) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            // A server that refuses a connection answers and closes before the request arrives.
            try? await outbound.write(ByteBuffer(bytes: bytes))
            var answer: [UInt8] = []
            do {
                for try await var buffer in inbound { answer += buffer.readBytes(length: buffer.readableBytes) ?? [] }
            } catch {
                // A reset after the answer (the server closed while request bytes were still arriving) ends it too.
            }
            return String(decoding: answer, as: UTF8.self)
        }
    }

    static func get(port: Int, _ target: String, method: String = "GET") async throws -> String {
        try await exchange(port: port, send: Array("\(method) \(target) HTTP/1.1\r\nHost: test\r\n\r\n".utf8))
    }
}

/// The status code of a raw answer ("HTTP/1.1 200 OK" → 200).
func statusCode(_ answer: String) -> Int? {
    let parts = answer.split(separator: " ", maxSplits: 2)
    return parts.count >= 2 ? Int(parts[1]) : nil
}

/// The body of a raw answer.
func body(_ answer: String) -> String {
    let parts = answer.split(separator: "\r\n\r\n", maxSplits: 1, omittingEmptySubsequences: false)
    return parts.count == 2 ? String(parts[1]) : ""
}
