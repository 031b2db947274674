import ArgumentParser
import CapSyncCrypto
import CapSyncMerge
import CapSyncNode
import CapSyncWire
import Foundation

extension CapSyncCommand {
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Node health: heads per author, last sync per peer, forks, roster hash, silent partners, store size.",
            discussion: """
                Examples:
                  capsync status
                  capsync status --format json
                  capsync status --format csv --table peers

                Tables (--table NAME; --format csv prints one table a stream and needs it): heads, peers, \
                silent_partners, forks, far_future.
                """
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var format: FormatOptions

        func run() async throws {
            let node = try Node(root: self.node.paths.root, access: .readOnly)
            let now = Node.nowMilliseconds()
            let ownLines = ownChainLines(node)
            let own = node.store.ownChainStatus
            let state = try node.coalitionState()
            var heads = Table(
                title: "Heads",
                name: "heads",
                columns: ["partner", "author", "seq", "head", "last_entry_at"]
            )
            var lastByPartner: [String: UInt64] = [:]
            for head in node.store.heads() {
                let entry = try node.store.entry(author: head.author, seq: head.seq)
                let partner = node.roster.partner(of: head.author)
                if let ms = entry?.timestamp.milliseconds {
                    if let partner { lastByPartner[partner] = max(lastByPartner[partner] ?? 0, ms) }
                }
                heads.add([
                    partner.map { .text($0) } ?? .none, .text(KeyText.canonical(head.author)), .int(Int64(head.seq)),
                    .text(head.id.short),
                    entry.map { .text(timeText($0.timestamp)) } ?? .none,
                ])
            }
            let sync = SyncState.load(node.paths)
            // One row per pinned peer (partner code and key), whoever dialed whom; the HELLO label is shown beside.
            var peers = Table(
                title: "Peers",
                name: "peers",
                columns: [
                    "peer", "label", "last_success", "last_attempt", "last_error", "entries_in", "entries_out",
                    "peer_stored", "roster_mismatch", "peer_roster_hash",
                ]
            )
            let configured = try NodeSetup.loadPeers(node.paths).peers.map(\.pinned.name)
            for name in Set(configured).union(sync.peers.keys).sorted() {
                let record = sync.peers[name]
                peers.add([
                    .text(name), record?.label.map { .text($0) } ?? .none,
                    record?.lastSuccess.map { .text(ISO8601DateFormatter().string(from: $0)) } ?? .absent("never"),
                    record?.lastAttempt.map { .text(ISO8601DateFormatter().string(from: $0)) } ?? .none,
                    record?.lastError.map { .text($0) } ?? .none, .int(Int64(record?.entriesReceived ?? 0)),
                    .int(Int64(record?.entriesSent ?? 0)),
                    record?.peerStored.map { .int(Int64($0)) } ?? .none,
                    .bool(record?.rosterMismatch == true),
                    record?.rosterMismatch == true ? (record?.remoteRosterHash.map { .text($0) } ?? .none) : .none,
                ])
            }
            var silent = Table(
                title: "Partners with no entry in the last \(node.config.staleDays) days",
                name: "silent_partners",
                columns: ["partner", "last_entry_at"]
            )
            let cutoff = now - UInt64(node.config.staleDays) * 86_400_000
            for partner in node.roster.partners where (lastByPartner[partner] ?? 0) < cutoff {
                silent.add([
                    .text(partner),
                    lastByPartner[partner].map { .text(timeText(HLCTimestamp(milliseconds: $0))) } ?? .absent("never"),
                ])
            }
            var forks = Table(
                title: "Forks (equivocations)",
                name: "forks",
                columns: ["partner", "author", "from_seq"]
            )
            for (author, seq) in node.store.forkedAuthors().sorted(by: { $0.key < $1.key }) {
                forks.add([
                    node.roster.partner(of: author).map { .text($0) } ?? .none, .text(KeyText.canonical(author)),
                    .int(Int64(seq)),
                ])
            }
            var flagged = Table(
                title: "Entries timestamped far in the future",
                name: "far_future",
                columns: ["partner", "author", "seq", "ahead_seconds"]
            )
            for entry in state.flagged {
                flagged.add([
                    node.roster.partner(of: entry.author).map { .text($0) } ?? .none,
                    .text(KeyText.canonical(entry.author)),
                    .int(Int64(entry.seq)),
                    .int(Int64(entry.aheadMilliseconds / 1000)),
                ])
            }
            // One digest per audience this partner belongs to (Protocol/releasability.md §5), for its members to
            // compare; present only when the node holds sealed entries released to it.
            var audiences = Table(
                title: "Audiences (figures released to these partners only)",
                name: "audiences",
                columns: ["label", "entries", "audience_digest"]
            )
            for audience in try node.audienceDigests() {
                audiences.add([
                    .list(audience.label.map { .text($0) }), .int(Int64(audience.entries)), .text(audience.digest.hex),
                ])
            }
            var tables = [heads, peers, silent, forks, flagged]
            if !audiences.rows.isEmpty { tables.append(audiences) }
            let rosterStatus = node.rosterStatus
            let chain = rosterStatus.chain
            let pendingProposals = rosterStatus.ledger.pending(anchor: rosterStatus.anchor).count
            var mismatched = Set<String>()
            for record in sync.peers.values where record.rosterMismatch {
                mismatched.insert(record.remoteRosterHash ?? "?")
            }
            let extra: [String: Any] = [
                "partner": node.config.partner, "roster_hash": node.roster.hash.hex,
                "roster_serial": node.roster.serial,
                "entries": node.store.entryCount, "store_bytes": node.store.sizeOnDisk,
                "relearn_required": own?.appendRefusal != nil, "other_roster_hashes_seen": mismatched.sorted(),
                "own_chain": [
                    "stored_head": own.map { Int($0.storedHead) } ?? 0,
                    "known_head": own.map { Int($0.knownHead) } ?? 0,
                    "forked_at": own?.forkedAt.map { Int($0) } as Any? ?? NSNull(),
                    "appends_allowed": own != nil && own?.appendRefusal == nil,
                    "refusal": own?.appendRefusal?.reason as Any? ?? NSNull(),
                ] as [String: Any],
                "store_damage": node.store.pendingRepair?.description as Any? ?? NSNull(),
                "roster_chain": [
                    "adopted": chain != nil,
                    "head_serial": chain.map { Int($0.head.version.serial) } as Any? ?? NSNull(),
                    "head_id": chain?.head.version.hash.hex as Any? ?? NSNull(),
                    "pending": pendingProposals,
                    "fork_serial": rosterStatus.ledger.fork.map { Int($0.serial) } as Any? ?? NSNull(),
                ] as [String: Any],
            ]
            if format.format == .table {
                for line in ownLines { print(line) }
                if let pending = node.store.pendingRepair { print("STORE DAMAGE: \(pending)") }
                if !ownLines.isEmpty || node.store.pendingRepair != nil { print("") }
                print("Node \(node.config.partner) at \(node.paths.root)")
                print(
                    "roster hash \(node.roster.hash.hex) (serial \(node.roster.serial))"
                        + (mismatched.isEmpty
                            ? "" : " — peers hold other rosters: \(mismatched.sorted().joined(separator: ", "))")
                )
                if let chain {
                    print(
                        "roster chain: version \(chain.head.version.serial) (\(chain.head.version.hash.hex.prefix(16))), \(pendingProposals) pending proposal(s)"
                    )
                } else {
                    print("roster chain: none adopted (the roster file rules; capsync roster propose genesis)")
                }
                if let fork = rosterStatus.ledger.fork {
                    print(
                        "ROSTER FORK at serial \(fork.serial): \(fork.versions.count) versions each approved by the threshold; none adopted"
                    )
                }
                print("store: \(node.store.entryCount) entries, \(node.store.sizeOnDisk) bytes")
                if let own {
                    print(
                        "own chain: store holds seq \(own.storedHead), highest known seq \(own.knownHead)"
                            + (own.appendRefusal == nil ? "; appends allowed" : "; appends refused (see above)")
                    )
                }
                print("")
                try format.printer.print(tables)
            } else {
                try format.printer.print(
                    tables,
                    extra: format.format == .json ? extra : [:]
                )
            }
            if node.store.pendingRepair != nil {
                printError("store damage found: run 'capsync repair' (read-only commands leave the store as it is)")
                throw ExitCode(4)
            }
        }
    }
}
