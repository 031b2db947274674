// CapSyncMonitoring: what an operator's monitoring reads of a running node. Session counters are recorded as
// sessions end; the store's and roster's figures are read when Prometheus scrapes (`exposition()`), so they are
// never stale and cost nothing between scrapes. docs/operations.md lists every metric.
public import CapSyncNetwork
public import CapSyncNode
internal import CapSyncWire
internal import CoreMetrics
public import Foundation
public import Prometheus

/// The node's metrics in one Prometheus registry, under the `capsync_` prefix.
public final class NodeMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    let node: Node
    let startTime: Date

    public init(node: Node, startTime: Date = Date()) {
        self.node = node
        self.startTime = startTime
        registry = PrometheusCollectorRegistry()
        factory = PrometheusMetricsFactory(registry: registry)
        // The families a dashboard expects exist from the first scrape, before any session.
        for result in SessionResult.allCases { _ = counter(.sessions, ["result": result.rawValue]) }
    }

    /// How a session ended, as the `result` label of `capsync_sessions_total`.
    public enum SessionResult: String, CaseIterable, Sendable {
        case ok
        case failed
    }

    /// Counts a finished session (either side: dialled or accepted) with `peer`.
    public func record(_ outcome: SessionOutcome, peer: String) {
        let summary = outcome.summary
        counter(.sessions, ["result": (outcome.succeeded ? SessionResult.ok : .failed).rawValue]).increment()
        let byPeer = ["peer": peer]
        counter(.entriesReceived, byPeer).increment(by: Int64(summary.entriesReceived))
        counter(.entriesSent, byPeer).increment(by: Int64(summary.entriesSent))
        counter(.entriesAccepted, byPeer).increment(by: Int64(summary.entriesAccepted))
        counter(.entriesRefused, byPeer).increment(by: Int64(summary.entriesRefused))
        counter(.bytesReceived, byPeer).increment(by: Int64(summary.bytesReceived))
        counter(.bytesSent, byPeer).increment(by: Int64(summary.bytesSent))
        counter(.entriesVerified, [:]).increment(by: Int64(summary.entriesAccepted + summary.entriesRefused))
        registry.makeCounter(descriptor: CounterFamily.sessionSeconds.descriptor, labels: [("peer", peer)])
            .increment(by: secondsValue(outcome.duration))
    }

    /// The text exposition (format 0.0.4) with every scrape-time gauge read now.
    public func exposition(now: Date = Date()) -> [UInt8] {
        refreshGauges(now: now)
        return registry.emitToBuffer()
    }

    /// A counter through swift-metrics' front end, backed by this registry's family (with its help text).
    private func counter(_ family: CounterFamily, _ labels: [String: String]) -> CoreMetrics.Counter {
        let dimensions = labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let handler = registry.makeCounter(descriptor: family.descriptor, labels: dimensions)
        return CoreMetrics.Counter(
            label: family.descriptor.name,
            dimensions: dimensions,
            handler: handler,
            factory: factory
        )
    }

    private func gauge(_ family: GaugeFamily, _ labels: [(String, String)] = []) -> Prometheus.Gauge {
        labels.isEmpty
            ? registry.makeGauge(descriptor: family.descriptor)
            : registry.makeGauge(descriptor: family.descriptor, labels: labels)
    }

    private func refreshGauges(now: Date) {
        let store = node.store
        let status = node.rosterStatus
        let roster = status.roster
        gauge(.startTime).set(startTime.timeIntervalSince1970)
        gauge(.rosterSerial).set(Double(roster.serial))
        gauge(.rosterFork).set(Double(status.ledger.fork == nil ? 0 : 1))
        gauge(.storeBytes).set(Double(store.sizeOnDisk))
        gauge(.storeEntries).set(Double(store.entryCount))
        gauge(.storeWritable).set(Double(HealthCheck.storeWriteProblem(directory: node.paths.store) == nil ? 1 : 0))
        gauge(.forkedAuthors).set(Double(store.forkedAuthors().count))
        if let descriptors = ProcessFigures.openDescriptors() { gauge(.openDescriptors).set(Double(descriptors)) }
        if let own = store.ownChainStatus { gauge(.ownAppendsRefused).set(Double(own.appendRefusal == nil ? 0 : 1)) }

        var lastEntryByPartner: [String: UInt64] = [:]
        for head in store.heads() {
            let partner = roster.partner(of: head.author) ?? "unknown"
            gauge(.headSeq, [("author", Ed25519Base64.encode(head.author.bytes)), ("partner", partner)])
                .set(Double(head.seq))
            if let entry = try? store.entry(author: head.author, seq: head.seq) {
                lastEntryByPartner[partner] = max(lastEntryByPartner[partner] ?? 0, entry.timestamp.milliseconds)
            }
        }
        let cutoff = UInt64(max(0, now.timeIntervalSince1970 * 1000)) - UInt64(node.config.staleDays) * 86_400_000
        var silent = 0
        for partner in roster.partners {
            let last = lastEntryByPartner[partner] ?? 0
            gauge(.partnerLastEntry, [("partner", partner)]).set(Double(last) / 1000)
            if last < cutoff { silent += 1 }
        }
        gauge(.silentPartners).set(Double(silent))

        let sync = SyncState.load(node.paths)
        let configured = (try? NodeSetup.loadPeers(node.paths).peers.map(\.pinned.name)) ?? []
        for peer in Set(configured).union(sync.peers.keys) {
            let success = sync.peers[peer]?.lastSuccess?.timeIntervalSince1970 ?? 0
            gauge(.peerLastSuccess, [("peer", peer)]).set(success)
        }
    }
}

func secondsValue(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
