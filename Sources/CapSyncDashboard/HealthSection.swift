/// The node's own health, as `capsync status` reports it: heads, last sync per peer, forks, the roster chain.
struct HealthSection: DashboardSection {
    let health: NodeHealth
    let id = "health"
    var title: String { "Node health: \(health.partner)" }
    let summary = "What this node holds and when it last synced with each peer. Forks and damage are shown in red."

    func renderBody(into html: inout String) {
        let chain =
            health.rosterChainVersion.map {
                "roster chain version \($0)" + (health.rosterChainHead.map { " (\($0.prefix(16)))" } ?? "")
            }
            ?? "no roster chain adopted (the roster file rules)"
        var facts: [(String, String, Bool)] = [
            ("entries", HTMLText.number(health.entries), false),
            ("store", HTMLText.number(health.storeBytes) + " bytes", false),
            ("roster", "serial \(health.rosterSerial), hash \(health.rosterHash.prefix(16))…", false),
            ("roster chain", chain + ", \(health.pendingProposals) pending proposal(s)", false),
            (
                "forks", health.forks.isEmpty ? "none" : "\(health.forks.count) author(s) equivocated",
                !health.forks.isEmpty
            ),
        ]
        if let serial = health.rosterForkSerial {
            facts.append(("roster fork", "two versions approved at serial \(serial); none adopted", true))
        }
        if let damage = health.storeDamage { facts.append(("store damage", damage + " (run capsync repair)", true)) }
        html += "<dl class=\"facts\">"
        for (name, value, alert) in facts {
            html += "<div\(alert ? " class=\"alert\"" : "")><dt>\(HTMLText.escape(name))</dt>"
            html += "<dd data-fact=\"\(HTMLText.escape(name))\">\(HTMLText.escape(value))</dd></div>"
        }
        html += "</dl>"

        var peers = DataTable(
            name: "peers",
            caption: "Last sync per peer",
            columns: [
                "peer", "label", "last_success", "last_attempt", "last_error", "entries_in", "entries_out",
                "roster_mismatch",
            ]
        )
        for peer in health.peers {
            peers.add([
                .text(peer.peer), .text(peer.label ?? ""), .text(peer.lastSuccess ?? "never"),
                .text(peer.lastAttempt ?? ""), .text(peer.lastError ?? ""), .number(UInt64(peer.entriesIn)),
                .number(UInt64(peer.entriesOut)), .flag(peer.rosterMismatch),
            ])
        }
        peers.render(into: &html)

        var heads = DataTable(
            name: "heads",
            caption: "Heads per author",
            columns: ["partner", "author", "seq", "head", "last_entry_at"]
        )
        for head in health.heads {
            heads.add([
                .text(head.partner ?? "(not in roster)"), .text(head.author), .number(head.seq), .text(head.head),
                .text(head.lastEntryAt ?? ""),
            ])
        }
        heads.render(into: &html)

        if !health.forks.isEmpty {
            var forks = DataTable(
                name: "forks",
                caption: "Forks (equivocations)",
                columns: ["partner", "author", "from_seq"]
            )
            for fork in health.forks {
                forks.add([.text(fork.partner ?? "(not in roster)"), .text(fork.author), .number(fork.fromSeq)])
            }
            forks.render(into: &html)
        }
    }
}
