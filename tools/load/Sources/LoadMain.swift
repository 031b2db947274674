// capsync-load: N peers (distinct roster keys, real mutual TLS) syncing with one `capsync serve` process at once,
// round after round, against a hub whose store holds a large history (README, reliability). Prints sessions, errors, the
// server's peak RSS and open descriptors (from /proc), and session durations. Never asserts on time; exits 1 if
// any session failed or an entry a peer sent is missing on the hub.
//
//   capsync-load [--peers 50] [--entries 100000] [--rounds 3] [--new 5] [--capsync .build/debug/capsync]
import CapSyncLog
import CapSyncNetwork
import CapSyncNode
import CapSyncSync
import CapSyncWire
import Foundation
import Logging

func option(_ name: String, _ fallback: String) -> String {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: "--" + name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}

/// Samples the server's descriptors and resident set every 20 ms while the load runs (VmHWM alone would also
/// hold the peak reached while the store was opened, before any session).
final class Sampler: @unchecked Sendable {
    private let lock = NSLock()
    private var descriptors = 0
    private var residentKB = 0
    func note(descriptors: Int, residentKB: Int) {
        lock.withLock {
            self.descriptors = max(self.descriptors, descriptors)
            self.residentKB = max(self.residentKB, residentKB)
        }
    }
    var peakDescriptors: Int { lock.withLock { descriptors } }
    var peakResidentKB: Int { lock.withLock { residentKB } }
}

@main
struct LoadMain {
    static func main() async throws {
        let peerCount = Int(option("peers", "50")) ?? 50
        let entryCount = Int(option("entries", "100000")) ?? 100_000
        let rounds = Int(option("rounds", "3")) ?? 3
        let newPerPeer = Int(option("new", "5")) ?? 5
        let capsync = option("capsync", FileManager.default.currentDirectoryPath + "/.build/debug/capsync")
        guard FileManager.default.isExecutableFile(atPath: capsync) else {
            say("capsync-load: no capsync binary at \(capsync) (swift build, or --capsync PATH)")
            exit(2)
        }

        let root = NSTemporaryDirectory() + "capsync-load-\(getpid())"
        say(
            "load: \(peerCount) peers, hub store \(entryCount) entries, \(rounds) rounds, \(newPerPeer) new entries per peer per round"
        )
        let setupStarted = ContinuousClock.now
        let setup = try LoadSetup.make(root: root, peerCount: peerCount, entries: entryCount, seed: 0x5a)
        say("  set up in \(setupStarted.duration(to: .now))")

        // The hub: a real `capsync serve` process, so its memory and descriptors are its own.
        let server = Process()
        server.executableURL = URL(fileURLWithPath: capsync)
        server.arguments = [
            "serve", "--dir", setup.hubDirectory, "--listen", "127.0.0.1:0", "--log-level", "notice", "--metrics",
            "127.0.0.1:0", "--log-format", "json",
        ]
        let serverOutput = Pipe()
        let serverLog = Pipe()
        server.standardOutput = serverOutput
        server.standardError = serverLog
        let openStarted = ContinuousClock.now
        try server.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = serverOutput.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let address = String(decoding: line, as: UTF8.self).replacingOccurrences(of: "listening on ", with: "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard !address.isEmpty else {
            say("capsync-load: the server did not start")
            exit(1)
        }
        // The metrics address: the daemon logged it (JSON) before it printed its listening line.
        var logged = Data()
        var metricsAddress: String?
        while metricsAddress == nil {
            let chunk = serverLog.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            logged.append(chunk)
            for line in String(decoding: logged, as: UTF8.self).split(separator: "\n") {
                let event = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
                if event?["event"] as? String == "metrics.listening" { metricsAddress = event?["address"] as? String }
            }
        }
        guard let metricsAddress else {
            say("capsync-load: the server did not log its metrics address")
            exit(1)
        }
        // Drain the log (a full pipe would block the daemon); only the metrics are checked.
        let drain = Thread { while !serverLog.fileHandleForReading.availableData.isEmpty {} }
        drain.start()
        let scraper = MetricsScraper(address: metricsAddress)
        let scraping = Task.detached { await scraper.run() }
        let gauge = ProcessGauge(pid: server.processIdentifier)
        let baseline = gauge.memory()
        let baselineDescriptors = gauge.openDescriptors()
        say(
            "  hub listening on \(address) after \(openStarted.duration(to: .now)); RSS \(baseline.currentKB / 1024) MiB, \(baselineDescriptors) open descriptors"
        )

        let sampler = Sampler()
        let sampling = Task.detached {
            while !Task.isCancelled {
                sampler.note(descriptors: gauge.openDescriptors(), residentKB: gauge.memory().currentKB)
                try? await Task.sleep(for: .milliseconds(20))
            }
        }

        let logger = {
            var logger = Logger(label: "capsync.load")
            logger.logLevel = .critical
            return logger
        }()
        let hub = PeerList.Peer(partner: "HUB", address: address, key: setup.hubAuthor)
        var sessions = 0
        var errors: [String] = []
        var durations: [Duration] = []
        var entriesSent = 0
        var entriesReceived = 0
        var failedSessions = 0
        for round in 1...rounds {
            // The hub's operator reports once per round while it serves (a real CLI append into the running node),
            // so every session also has something to take from the hub.
            let report = Process()
            report.executableURL = URL(fileURLWithPath: capsync)
            report.arguments = [
                "report", "--dir", setup.hubDirectory, "--item", "SHELL-155-HE", "--site", "Raufoss", "--period",
                "2026-11",
                "--capacity", "\(12_000 + round)", "--output", "9500", "--stock", "4200", "--threshold", "1500",
            ]
            report.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            try report.run()
            report.waitUntilExit()
            if report.terminationStatus != 0 { errors.append("hub report in round \(round) failed") }
            let roundStarted = ContinuousClock.now
            let outcomes = await withTaskGroup(of: (String, SessionOutcome?, String?).self) { group in
                for (index, peer) in setup.peers.enumerated() {
                    // Each partner dials from its own loopback address, as partners on their own hosts would: a
                    // node lets one address hold only a few TLS handshakes at once (Protocol/sync.md §Admission).
                    let source = "127.0.\(1 + index / 250).\(1 + index % 250)"
                    group.addTask {
                        do {
                            _ = try setup.replica.append(
                                (0..<newPerPeer).map {
                                    (kind: UInt64(1), payload: Array("\(peer.code) round \(round) #\($0)".utf8))
                                },
                                signingKey: peer.signingKey,
                                nowMilliseconds: Node.nowMilliseconds()
                            )
                        } catch { return (peer.code, nil, "append: \(error)") }
                        let context = SyncContext(
                            store: setup.replica,
                            roster: setup.roster,
                            tlsKey: peer.tlsKey,
                            tlsCertificate: peer.certificate,
                            label: peer.code
                        )
                        let client = SyncClient(context: context, logger: logger, sourceAddress: source)
                        return (peer.code, await client.sync(with: hub), nil)
                    }
                }
                var collected: [(String, SessionOutcome?, String?)] = []
                for await result in group { collected.append(result) }
                return collected
            }
            for (code, outcome, failure) in outcomes {
                if let failure {
                    errors.append("\(code): \(failure)")
                    continue
                }
                guard let outcome else { continue }
                sessions += 1
                durations.append(outcome.duration)
                entriesSent += outcome.summary.entriesSent
                entriesReceived += outcome.summary.entriesReceived
                if let error = outcome.error {
                    errors.append("\(code): \(error)")
                    failedSessions += 1
                }
            }
            let memory = gauge.memory()
            say(
                "  round \(round): \(outcomes.count) sessions at once in \(roundStarted.duration(to: .now)); server RSS \(memory.currentKB / 1024) MiB, peak \(memory.peakKB / 1024) MiB, descriptors now \(gauge.openDescriptors())"
            )
        }
        sampling.cancel()
        scraping.cancel()
        // The hub counts a session when its side has ended, which may be just after the peer saw its result: the
        // check scrapes (once a second, at most 30 times) until the session count is reached.
        var samples: [String: Double] = [:]
        for _ in 0..<30 {
            samples = scraper.scrape() ?? [:]
            if MetricsScraper.sum(samples, "capsync_sessions_total") >= Double(sessions) { break }
            try? await Task.sleep(for: .seconds(1))
        }
        let metricChecks: [(String, Double, Double)] = [
            ("sessions", MetricsScraper.sum(samples, "capsync_sessions_total"), Double(sessions)),
            (
                "entries received by the hub", MetricsScraper.sum(samples, "capsync_entries_received_total"),
                Double(entriesSent)
            ),
            (
                "entries sent by the hub", MetricsScraper.sum(samples, "capsync_entries_sent_total"),
                Double(entriesReceived)
            ),
            ("failed sessions", samples["capsync_sessions_total{result=\"failed\"}"] ?? -1, Double(failedSessions)),
        ]
        let (scrapes, scrapeFailures) = scraper.counts
        say("  metrics: \(scrapes) scrapes of /metrics at \(metricsAddress), \(scrapeFailures) failed")
        var metricsMismatch = scrapeFailures > 0 ? 1 : 0
        for (what, metric, expected) in metricChecks {
            let agrees = metric == expected
            if !agrees { metricsMismatch += 1 }
            say("  metrics: \(what) \(Int(metric)) (the peers saw \(Int(expected)))\(agrees ? "" : "  MISMATCH")")
        }
        let final = gauge.memory()
        server.terminate()
        server.waitUntilExit()

        // Every entry a peer sent must be on the hub: each peer's chain there reaches rounds × new.
        let hubStore = try LogStore(directory: NodePaths(root: setup.hubDirectory).store, roster: setup.roster)
        let missing =
            setup.peers.filter { (hubStore.head(of: $0.author)?.seq ?? 0) != UInt64(rounds * newPerPeer) }.count
            + (setup.replica.head(of: setup.hubAuthor)?.seq == UInt64(entryCount + rounds) ? 0 : 1)
        let sorted = durations.sorted()
        func seconds(_ d: Duration) -> String {
            String(format: "%.3f", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
        }
        for error in errors.prefix(10) { say("  error: \(error)") }
        // The peers share one replica store, so each session also offers the hub the other peers' new entries:
        // the hub's store takes each once and counts the rest as duplicates (concurrent overlapping ingest).
        say(
            "  session duration: median \(sorted.isEmpty ? "-" : seconds(sorted[sorted.count / 2])) s, max \(sorted.last.map(seconds) ?? "-") s; "
                + "entries to the hub \(entriesSent), from the hub \(entriesReceived)"
        )
        say(
            "load: sessions \(sessions), errors \(errors.count), server peak RSS \(final.peakKB / 1024) MiB (VmHWM, "
                + "reached while opening the store or under load); under load: RSS \(baseline.currentKB / 1024) MiB before, "
                + "peak \(sampler.peakResidentKB / 1024) MiB, growth \((sampler.peakResidentKB - baseline.currentKB) / 1024) MiB; "
                + "server open descriptors peak \(sampler.peakDescriptors) (at start \(baselineDescriptors)); hub store "
                + "\(hubStore.entryCount) entries, stores missing an entry the other side sent: \(missing)"
        )
        try? FileManager.default.removeItem(atPath: root)
        exit(errors.isEmpty && missing == 0 && metricsMismatch == 0 ? 0 : 1)
    }
}
