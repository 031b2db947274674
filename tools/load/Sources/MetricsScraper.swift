import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Scrapes the hub's `/metrics` every second while the load runs, and sums the samples the check compares with
/// what the peers did. A plain blocking HTTP/1.1 GET over a loopback socket: the harness needs no HTTP client.
final class MetricsScraper: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private let host: String
    private let port: UInt16
    private var scrapes = 0
    private var failures = 0
    private var last: [String: Double] = [:]

    init(address: String) {
        let parts = address.split(separator: ":")
        host = String(parts.first ?? "127.0.0.1")
        port = UInt16(parts.last ?? "0") ?? 0
    }

    var counts: (scrapes: Int, failures: Int) { lock.withLock { (scrapes, failures) } }

    /// Scrapes once a second until cancelled.
    func run() async {
        while !Task.isCancelled {
            _ = scrape()
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// One scrape: the samples by name with labels (`name{labels}` as the text format writes them).
    @discardableResult
    func scrape() -> [String: Double]? {
        guard let text = get("/metrics") else {
            lock.withLock { failures += 1 }
            return nil
        }
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            samples[String(line[..<space])] = value
        }
        lock.withLock {
            scrapes += 1
            last = samples
        }
        return samples
    }

    /// The sum of a family's samples (over every label set).
    static func sum(_ samples: [String: Double], _ family: String) -> Double {
        samples.filter { $0.key == family || $0.key.hasPrefix(family + "{") }.values.reduce(0, +)
    }

    private func get(_ path: String) -> String? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\r\n".utf8)
        guard send(fd, request, request.count, 0) == request.count else { return nil }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            response += buffer[0..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 200"), let split = text.range(of: "\r\n\r\n") else { return nil }
        return String(text[split.upperBound...])
    }
}
