import Foundation
import Testing

/// `serve --metrics`: the real binary's /metrics read by Python's prometheus_client parser and by a real
/// Prometheus server, its /healthz, and the JSON log events of the same run.
@Suite(.serialized) struct MetricsEndpointTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let probe = root + "/tools/monitoring/metrics_probe.py"

    /// NO and NL; NL serves with metrics, NO dials it. Returns NO's signing key text.
    func makePair(_ cli: CLI) throws {
        for partner in ["NO", "NL"] {
            try cli.ok(["init", "--dir", partner, "--partner", partner, "--listen", "127.0.0.1:0"])
            let card = try cli.ok(["id", "--dir", partner, "--card", "--address", "127.0.0.1:9"])
            try card.write(toFile: cli.path("\(partner).card"), atomically: true, encoding: .utf8)
        }
        try cli.ok(["roster", "add", "--dir", "NO", "NL.card"])
        try cli.ok(["roster", "add", "--dir", "NL", "NO.card"])
    }

    func key(_ cli: CLI, _ partner: String) throws -> String {
        let card = try String(contentsOfFile: cli.path("\(partner).card"), encoding: .utf8)
        return card.split(separator: "\n").first { $0.hasPrefix("key ") }.map { String($0.dropFirst(4)) } ?? ""
    }

    func scrape(_ address: String) throws -> (types: [String: String], samples: [String: Double], type: String) {
        let result = try CLI.exec(
            "/usr/bin/env",
            ["python3", Self.probe, "parse", "http://\(address)/metrics"],
            in: "/"
        )
        guard result.status == 0,
            let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            let types = json["types"] as? [String: String], let samples = json["samples"] as? [String: Double]
        else { throw CLIError("prometheus_client could not parse /metrics: \(result.output)") }
        return (types, samples, json["content_type"] as? String ?? "")
    }

    func get(_ url: String) throws -> (status: Int, body: String) {
        let script = """
            import sys, urllib.request, urllib.error
            try:
                r = urllib.request.urlopen(sys.argv[1], timeout=10); print(r.status); print(r.read().decode(), end="")
            except urllib.error.HTTPError as e:
                print(e.code); print(e.read().decode(), end="")
            """
        let result = try CLI.exec("/usr/bin/env", ["python3", "-c", script, url], in: "/")
        let lines = result.stdout.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        return (Int(lines.first ?? "") ?? 0, lines.count > 1 ? String(lines[1]) : result.output)
    }

    @Test func countersAddUpToWhatThePeerDidAndPrometheusScrapesThem() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try makePair(cli)
        let daemon = try MonitoredDaemon(cli, arguments: ["--dir", "NL", "--sync-interval", "3600"])
        var stopped = false
        defer { if !stopped { _ = daemon.stop() } }
        try cli.ok([
            "peers", "add", "--dir", "NO", "--partner", "NL", "--address", daemon.address, "--key", key(cli, "NL"),
        ])
        for (index, item) in ["SHELL-155-HE", "BARREL-155", "FUZE-PD"].enumerated() {
            try cli.ok([
                "report", "--dir", "NO", "--item", item, "--site", "Raufoss", "--period", "2026-11", "--capacity",
                "\(100 + index)", "--output", "90", "--stock", "40", "--threshold", "10",
            ])
        }
        let before = try scrape(daemon.metricsAddress)
        #expect(before.samples["capsync_sessions_total{result=ok}"] == 0)
        #expect(before.types["capsync_sessions"] == "counter", "\(before.types)")
        #expect(before.type.hasPrefix("text/plain; version=0.0.4"))

        let sync = try cli.ok(["sync", "--dir", "NO", "--format", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(sync.utf8)) as? [[String: Any]] ?? []
        let sent = try #require(rows.first?["entries_out"] as? Int)
        let bytesOut = try #require(rows.first?["bytes_out"] as? Int)
        let bytesIn = try #require(rows.first?["bytes_in"] as? Int)
        #expect(sent == 3)

        let after = try scrape(daemon.metricsAddress)
        let s = after.samples
        // Peers are named as their TLS pin proves them: partner code and key fingerprint.
        func byPeer(_ name: String) -> Double? {
            s.first { $0.key.hasPrefix(name + "{peer=NO ") && $0.key.hasSuffix("}") }?.value
        }
        #expect(s["capsync_sessions_total{result=ok}"] == 1, "\(s)")
        #expect(s["capsync_sessions_total{result=failed}"] == 0)
        #expect(byPeer("capsync_entries_received_total") == Double(sent))
        #expect(byPeer("capsync_entries_accepted_total") == Double(sent))
        #expect(s["capsync_entries_verified_total"] == Double(sent))
        // What NO sent, NL received, byte for byte, and the other way round.
        #expect(byPeer("capsync_received_bytes_total") == Double(bytesOut))
        #expect(byPeer("capsync_sent_bytes_total") == Double(bytesIn))
        #expect(s["capsync_store_entries"] == 3)
        #expect(s["capsync_roster_serial"] != nil)
        #expect(s["capsync_forked_authors"] == 0)
        #expect(s["capsync_store_writable"] == 1)
        #expect(s["capsync_head_seq{author=\(try key(cli, "NO")),partner=NO}"] == 3, "\(s.keys.sorted())")
        #expect((s["capsync_store_size_bytes"] ?? 0) > 0)
        #expect((s["capsync_process_open_fds"] ?? 0) > 0)
        // NL has no entry of its own: silent; NO reported just now.
        #expect(s["capsync_silent_partners"] == 1)
        let lastSuccess = byPeer("capsync_peer_last_success_timestamp_seconds") ?? 0
        #expect(abs(lastSuccess - Date().timeIntervalSince1970) < 3600)

        let health = try get("http://\(daemon.metricsAddress)/healthz")
        #expect(health.status == 200 && health.body == "ok\n", "\(health)")
        #expect(try get("http://\(daemon.metricsAddress)/nothing").status == 404)

        let prometheus = try CLI.exec(
            "/usr/bin/env",
            ["python3", Self.probe, "prometheus", daemon.metricsAddress],
            in: "/"
        )
        if prometheus.status == 77 && ProcessInfo.processInfo.environment["CI"] == nil {
            print("skipped the real Prometheus check: \(prometheus.stdout)")
        } else {
            #expect(prometheus.status == 0, "\(prometheus.output)")
            let answer = try JSONSerialization.jsonObject(with: Data(prometheus.stdout.utf8)) as? [String: Any]
            #expect(answer?["up"] as? Double == 1)
            #expect(answer?["capsync_store_entries"] as? Double == 3)
            #expect((answer?["capsync_sessions_total"] as? [String: Double])?["ok"] == 1)
        }

        let (status, log) = daemon.stop()
        stopped = true
        #expect(status == 0)
        let events = MonitoredDaemon.events(in: Data(log.utf8))
        #expect(events.count == log.split(separator: "\n").count, "every log line is one JSON object: \(log)")
        let finished = try #require(events.first { $0["event"] as? String == "sync.finished" })
        #expect((finished["peer"] as? String)?.hasPrefix("NO ") == true)
        #expect(finished["entries_in"] as? Int == sent)
        #expect(finished["level"] as? String == "notice")
        #expect((finished["time"] as? String)?.hasSuffix("Z") == true)
        // Both partners were silent when the daemon started (no entry held); each is logged once.
        let silent = events.filter { $0["event"] as? String == "peer.silent" }
        #expect(silent.compactMap { $0["partner"] as? String }.sorted() == ["NL", "NO"], "\(silent)")
    }

    @Test func healthzIs503NamingTheStoreWhenItCannotBeWritten() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try makePair(cli)
        let daemon = try MonitoredDaemon(cli, arguments: ["--dir", "NL", "--sync-interval", "3600"])
        defer { _ = daemon.stop() }
        #expect(try get("http://\(daemon.metricsAddress)/healthz").status == 200)
        // A directory where the probe file goes: the write fails whoever runs the daemon (root included).
        try FileManager.default.createDirectory(
            atPath: cli.path("NL/store/.health-probe"),
            withIntermediateDirectories: false
        )
        let health = try get("http://\(daemon.metricsAddress)/healthz")
        #expect(health.status == 503)
        #expect(health.body.contains("the store is not writable: cannot create "), "\(health.body)")
        #expect(health.body.contains("NL/store/.health-probe"))
        #expect(try scrape(daemon.metricsAddress).samples["capsync_store_writable"] == 0)
        try FileManager.default.removeItem(atPath: cli.path("NL/store/.health-probe"))
        #expect(try get("http://\(daemon.metricsAddress)/healthz").status == 200)
    }

    @Test func badMetricsAddressIsAUsageError() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        try makePair(cli)
        let result = try cli.run(["serve", "--dir", "NL", "--metrics", "nowhere"], timeout: 30)
        #expect(result.status == 64, "\(result.output)")
        #expect(result.stderr.contains("--metrics:"), "\(result.stderr)")
    }
}
