internal import CapSyncWire
internal import Foundation
internal import TOMLKit

/// `capsync.toml`: who this node is and when it syncs. Local to the node; the roster and peers live elsewhere.
public struct NodeConfig: Sendable, Equatable {
    /// This node's partner code in the roster (e.g. "NO").
    public var partner: String
    /// Where `serve` listens, "host:port".
    public var listen: String
    /// Nightly sync time, "HH:MM" in UTC.
    public var syncTime: String
    /// Up to this many minutes of random delay added to the nightly time, so 50 nodes do not dial at once.
    public var jitterMinutes: Int
    /// Retries of a failed peer, with exponential backoff starting at `retryBaseSeconds`.
    public var retries: Int
    public var retryBaseSeconds: Int
    /// Partners that have not reported for this many days are listed by `status`.
    public var staleDays: Int

    public init(
        partner: String,
        listen: String = "0.0.0.0:7420",
        syncTime: String = "02:00",
        jitterMinutes: Int = 30,
        retries: Int = 5,
        retryBaseSeconds: Int = 30,
        staleDays: Int = 45
    ) {
        self.partner = partner
        self.listen = listen
        self.syncTime = syncTime
        self.jitterMinutes = jitterMinutes
        self.retries = retries
        self.retryBaseSeconds = retryBaseSeconds
        self.staleDays = staleDays
    }

    private struct File: Codable {
        var partner: String
        var listen: String?
        var sync: Sync?
        var status: Status?
        struct Sync: Codable {
            var time: String?
            var jitter_minutes: Int?
            var retries: Int?
            var retry_base_seconds: Int?
        }
        struct Status: Codable { var stale_days: Int? }
    }

    /// Parses the TOML text; errors name the file, line and key.
    public init(toml: String, path: String = "capsync.toml") throws(NodeError) {
        if let reason = TOMLGuard.abortingSyntax(toml) {
            throw NodeError(.config, "TOML syntax error: \(reason)", context: path)
        }
        let file: File
        do {
            file = try TOMLDecoder(strictDecoding: true).decode(File.self, from: toml)
        } catch let error as TOMLParseError {
            throw NodeError(
                .config,
                "TOML syntax error: \(error.description) at line \(error.source.begin.line)",
                context: path
            )
        } catch let error as DecodingError {
            throw NodeError(.config, Self.describe(error), context: path)
        } catch {
            throw NodeError(.config, "\(error)", context: path)
        }
        self.init(partner: file.partner)
        if let listen = file.listen { self.listen = listen }
        if let sync = file.sync {
            syncTime = sync.time ?? syncTime
            jitterMinutes = sync.jitter_minutes ?? jitterMinutes
            retries = sync.retries ?? retries
            retryBaseSeconds = sync.retry_base_seconds ?? retryBaseSeconds
        }
        staleDays = file.status?.stale_days ?? staleDays
        try validate(path: path)
    }

    public func validate(path: String = "capsync.toml") throws(NodeError) {
        do { try Roster.validatePartnerCode(partner) } catch {
            throw NodeError(.config, "partner: \(error.reason)", context: path)
        }
        guard (try? HostPort(listen, allowAnyPort: true)) != nil else {
            throw NodeError(.config, "listen '\(listen)' must be host:port", context: path)
        }
        guard Self.parseTime(syncTime) != nil else {
            throw NodeError(.config, "sync.time '\(syncTime)' must be HH:MM (UTC)", context: path)
        }
        guard (0...720).contains(jitterMinutes), (0...100).contains(retries), (1...86_400).contains(retryBaseSeconds),
            (1...3650).contains(staleDays)
        else {
            throw NodeError(
                .config,
                "a number is out of range (jitter 0–720 min, retries 0–100, retry base 1–86400 s, stale days 1–3650)",
                context: path
            )
        }
    }

    /// Minutes after midnight UTC.
    public static func parseTime(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
            (0..<24).contains(h), (0..<60).contains(m)
        else { return nil }
        return h * 60 + m
    }

    public var tomlText: String {
        """
        # CapSync node configuration. The roster (roster.txt) and the peers this node dials (peers.toml)
        # are kept in their own files.
        partner = "\(partner)"
        listen = "\(listen)"

        [sync]
        time = "\(syncTime)"                # nightly sync, UTC
        jitter_minutes = \(jitterMinutes)
        retries = \(retries)
        retry_base_seconds = \(retryBaseSeconds)

        [status]
        stale_days = \(staleDays)

        """
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let prefix = path(context)
            return "missing key '\(prefix.isEmpty ? key.stringValue : prefix + "." + key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "key '\(path(context))' has the wrong type: \(context.debugDescription)"
        case .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

/// "host:port" with a port in 1…65535 (IPv6 hosts in brackets: "[::1]:7420"); a listen address may use port 0
/// (the system picks a free one).
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(_ text: String, allowAnyPort: Bool = false) throws(NodeError) {
        var hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw NodeError(.usage, "address '\(text)' must be host:port")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw NodeError(.usage, "address '\(text)' must be host:port")
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        if hostPart.isEmpty { hostPart = "0.0.0.0" }
        // A DNS name, an IPv4 address or an IPv6 address (with an optional %zone): nothing that would need
        // quoting in peers.toml, a trust card or a log line.
        guard hostPart.utf8.count <= 253, hostPart.utf8.allSatisfy(HostPort.isHostByte) else {
            throw NodeError(
                .usage,
                "address '\(text)': the host may hold only letters, digits and . - _ (or an IPv6 address in brackets)"
            )
        }
        guard let port = Int(portPart), ((allowAnyPort ? 0 : 1)...65_535).contains(port) else {
            throw NodeError(.usage, "address '\(text)': the port must be \(allowAnyPort ? 0 : 1)–65535")
        }
        host = String(hostPart)
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "%"):
            true
        default:
            false
        }
    }
}
