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

    /// Every sealed entry whose wraps do not go to the keys its roster version names (Protocol/releasability.md
    /// §4.1), one line per problem: what every node checks, in the audience or not.
    static func wrapFindings(store: LogStore, roster: Roster, chain: RosterChain) throws -> [String] {
        var findings: [String] = []
        try store.forEachEntry { entry in
            guard entry.kind == SealedPayload.kind, let sealed = try? SealedPayload(decoding: entry.payload) else {
                return
            }
            let author = roster.partner(of: entry.author) ?? entry.author.short
            for problem in sealed.wrapProblems(chain: chain) ?? [] {
                findings.append("sealed entry \(entry.id.short) of \(author) (seq \(entry.seq)) \(problem)")
            }
        }
        return findings
    }
}
