public import CapSyncNetwork
public import CapSyncNode
internal import CapSyncWire
public import Foundation
public import Logging
internal import Synchronization

/// The daemon's operator events, logged under stable names (docs/operations.md): `sync.started`,
/// `sync.finished`, `sync.failed`, `peer.silent`, `fork.found`, `roster.adopted`, `store.repaired`. Each is logged
/// once when it happens (a partner falling silent or a new fork is noticed after a session, not every time).
public final class OperationsEvents: Sendable {
    let node: Node
    let logger: Logger
    private struct Seen {
        var forkedAuthors: Set<String> = []
        var rosterFork = false
        var rosterSerial: UInt64 = 0
        var silent: Set<String> = []
    }
    private let seen: Mutex<Seen>

    public init(node: Node, logger: Logger) {
        self.node = node
        self.logger = logger
        let status = node.rosterStatus
        seen = Mutex(Seen(rosterSerial: status.roster.serial))
    }

    /// Logs what the store held when the daemon started: repairs made on open, forks and silent partners known.
    public func started() {
        for recovery in node.store.recoveries {
            logger.warning("store.repaired", metadata: ["detail": "\(recovery)", "store": "\(node.paths.store)"])
        }
        check()
    }

    public func syncStarting(peer: String) {
        logger.info("sync.started", metadata: ["peer": "\(peer)"])
    }

    public func sessionFinished(_ outcome: SessionOutcome, peer: String) {
        let s = outcome.summary
        var metadata: Logger.Metadata = [
            "peer": "\(peer)", "entries_in": "\(s.entriesReceived)", "entries_out": "\(s.entriesSent)",
            "accepted": "\(s.entriesAccepted)", "refused": "\(s.entriesRefused)", "bytes_in": "\(s.bytesReceived)",
            "bytes_out": "\(s.bytesSent)",
            "seconds": "\(String(format: "%.3f", secondsValue(outcome.duration)))",
        ]
        if let error = outcome.error {
            metadata["error"] = "\(error.description)"
            logger.warning("sync.failed", metadata: metadata)
        } else {
            logger.notice("sync.finished", metadata: metadata)
        }
        check()
    }

    /// Compares forks, the roster and silent partners with what was last logged.
    public func check(now: Date = Date()) {
        let store = node.store
        let status = node.rosterStatus
        let roster = status.roster
        let forks = store.forkedAuthors()
        var lastByPartner: [String: UInt64] = [:]
        for head in store.heads() {
            guard let partner = roster.partner(of: head.author),
                let entry = try? store.entry(author: head.author, seq: head.seq)
            else { continue }
            lastByPartner[partner] = max(lastByPartner[partner] ?? 0, entry.timestamp.milliseconds)
        }
        let cutoff = UInt64(max(0, now.timeIntervalSince1970 * 1000)) - UInt64(node.config.staleDays) * 86_400_000
        let silentNow = Set(roster.partners.filter { (lastByPartner[$0] ?? 0) < cutoff })
        let (newForks, rosterForkNew, adopted, newlySilent) = seen.withLock { seen in
            let keys = Set(forks.keys.map { Ed25519Base64.encode($0.bytes) })
            let newForks = forks.filter { !seen.forkedAuthors.contains(Ed25519Base64.encode($0.key.bytes)) }
            seen.forkedAuthors = keys
            let rosterForkNew = status.ledger.fork != nil && !seen.rosterFork
            seen.rosterFork = status.ledger.fork != nil
            let adopted = roster.serial != seen.rosterSerial
            seen.rosterSerial = roster.serial
            let newlySilent = silentNow.subtracting(seen.silent)
            seen.silent = silentNow
            return (newForks, rosterForkNew, adopted, newlySilent)
        }
        for (author, seq) in newForks.sorted(by: { $0.key < $1.key }) {
            logger.error(
                "fork.found",
                metadata: [
                    "author": "\(Ed25519Base64.encode(author.bytes))", "partner": "\(roster.partner(of: author) ?? "")",
                    "seq": "\(seq)",
                ]
            )
        }
        if rosterForkNew, let fork = status.ledger.fork {
            logger.error(
                "fork.found",
                metadata: ["roster_serial": "\(fork.serial)", "versions": "\(fork.versions.count)"]
            )
        }
        if adopted {
            logger.notice(
                "roster.adopted",
                metadata: ["roster_serial": "\(roster.serial)", "roster_hash": "\(roster.hash.hex.prefix(16))"]
            )
        }
        for partner in newlySilent.sorted() {
            let last = lastByPartner[partner].map { "\($0 / 1000)" } ?? "never"
            logger.warning(
                "peer.silent",
                metadata: [
                    "partner": "\(partner)", "last_entry_unix": "\(last)", "stale_days": "\(node.config.staleDays)",
                ]
            )
        }
    }
}
