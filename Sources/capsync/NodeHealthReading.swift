import CapSyncDashboard
import CapSyncNode
import CapSyncWire
import Foundation

extension NodeHealth {
    /// The node's health as `capsync status` reads it: heads with their last entry time, last sync per pinned
    /// peer, forks, the roster and its chain.
    init(reading node: Node) throws {
        var heads: [Head] = []
        for head in node.store.heads() {
            let entry = try node.store.entry(author: head.author, seq: head.seq)
            heads.append(
                Head(
                    partner: node.roster.partner(of: head.author),
                    author: KeyText.canonical(head.author),
                    seq: head.seq,
                    head: head.id.short,
                    lastEntryAt: entry.map { timeText($0.timestamp) }
                )
            )
        }
        heads.sort { ($0.partner ?? "~", $0.author) < ($1.partner ?? "~", $1.author) }
        let sync = SyncState.load(node.paths)
        let configured = try NodeSetup.loadPeers(node.paths).peers.map(\.pinned.name)
        let iso = ISO8601DateFormatter()
        let peers = Set(configured).union(sync.peers.keys).sorted().map { name in
            let record = sync.peers[name]
            return Peer(
                peer: name,
                label: record?.label,
                lastSuccess: record?.lastSuccess.map { iso.string(from: $0) },
                lastAttempt: record?.lastAttempt.map { iso.string(from: $0) },
                lastError: record?.lastError,
                entriesIn: record?.entriesReceived ?? 0,
                entriesOut: record?.entriesSent ?? 0,
                rosterMismatch: record?.rosterMismatch == true
            )
        }
        let forks = node.store.forkedAuthors().sorted { $0.key < $1.key }.map { author, seq in
            Fork(partner: node.roster.partner(of: author), author: KeyText.canonical(author), fromSeq: seq)
        }
        let rosterStatus = node.rosterStatus
        self.init(
            partner: node.config.partner,
            rosterHash: node.roster.hash.hex,
            rosterSerial: UInt64(node.roster.serial),
            rosterChainVersion: rosterStatus.chain.map { UInt64($0.head.version.serial) },
            rosterChainHead: rosterStatus.chain?.head.version.hash.hex,
            pendingProposals: rosterStatus.ledger.pending(anchor: rosterStatus.anchor).count,
            rosterForkSerial: rosterStatus.ledger.fork.map { UInt64($0.serial) },
            entries: node.store.entryCount,
            storeBytes: UInt64(node.store.sizeOnDisk),
            storeDamage: node.store.pendingRepair?.description,
            heads: heads,
            peers: peers,
            forks: forks
        )
    }
}
