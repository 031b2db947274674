import CapSyncLog
import CapSyncMerge
import CapSyncWire

/// `audit --decrypt`: every sealed entry with its label, and what it holds when this node may read it.
enum SealedAudit {
    static func table(store: LogStore, roster: Roster, reader: SealedReader) throws -> (table: Table, unopened: Int) {
        var table = Table(
            title: "Sealed entries (opened as \(reader.partner))",
            name: "sealed",
            columns: ["partner", "seq", "entry", "released_to", "result"]
        )
        var unopened = 0
        try store.forEachEntry { entry in
            guard entry.kind == SealedPayload.kind else { return }
            let result: String
            var label: [String] = []
            do {
                let sealed = try SealedPayload(decoding: entry.payload)
                label = sealed.label
                if !sealed.label.contains(reader.partner) {
                    result = "not released to \(reader.partner) (verified, not opened)"
                } else {
                    let opened = try SealedEnvelope.open(
                        sealed,
                        partner: reader.partner,
                        keys: reader.keys,
                        author: entry.author
                    )
                    let inner = try? CapSyncMerge.Operation(kind: opened.kind, payload: opened.payload)
                    result =
                        "opened: "
                        + (inner.map { "\($0.kind.name) \($0.partner)" }
                            ?? "kind \(opened.kind), payload does not decode")
                }
            } catch {
                unopened += label.contains(reader.partner) ? 1 : 0
                result = "DOES NOT OPEN: \(error)"
            }
            table.add([
                roster.partner(of: entry.author).map { .text($0) } ?? .none, .int(Int64(entry.seq)),
                .text(entry.id.short), .list(label.map { .text($0) }), .text(result),
            ])
        }
        return (table, unopened)
    }

    /// What every node can check of every sealed entry without reading it (Protocol/releasability.md §4.1): each
    /// wrap is made to the encryption key its partner has in the roster version the entry names, and that
    /// version lists the partner as active. One line per sealed entry that breaks it.
    static func wrapFindings(store: LogStore, roster: Roster, chain: RosterChain) throws -> [String] {
        var findings: [String] = []
        try store.forEachEntry { entry in
            guard entry.kind == SealedPayload.kind, let sealed = try? SealedPayload(decoding: entry.payload) else {
                return
            }
            let author = roster.partner(of: entry.author) ?? entry.author.short
            let what = "sealed entry \(entry.id.short) of \(author) (seq \(entry.seq))"
            guard let link = chain.link(serial: sealed.rosterSerial) else {
                // A version this node has not adopted yet (it is behind): nothing to judge the wraps by.
                if sealed.rosterSerial > chain.head.version.serial { return }
                findings.append("\(what) names roster version \(sealed.rosterSerial), which the chain does not hold")
                return
            }
            for (partner, wrap) in zip(sealed.label, sealed.wraps) {
                if link.state.partnerActive[partner] != true {
                    findings.append(
                        "\(what) is released to \(partner), not an active partner in version \(link.version.serial)"
                    )
                } else if link.state.encryptionKeys[partner]?.bytes != wrap.recipient {
                    findings.append(
                        "\(what) wraps its key for \(partner) to a key that roster version \(link.version.serial) does not give \(partner)"
                    )
                }
            }
        }
        return findings
    }
}
