import ArgumentParser
import CapSyncCrypto
import CapSyncMerge
import CapSyncNode
import CapSyncWire

/// Resolves `--author`: a partner code (all its keys), a base64 key (the form every output prints), or a hex key
/// prefix (the folder names of an audit export).
func resolveAuthors(_ text: String?, roster: Roster, known: [AuthorKey]) throws -> Set<AuthorKey>? {
    guard let text else { return nil }
    let byPartner = roster.keys(of: text)
    if !byPartner.isEmpty { return Set(byPartner) }
    if let raw = Ed25519Base64.decode(text) { return [AuthorKey(raw)] }
    let matches = known.filter { $0.hex.hasPrefix(text.lowercased()) }
    guard !matches.isEmpty, text.count >= 8 else {
        let near = Suggestions.nearest(to: text, among: roster.partners)
        let hint =
            near.isEmpty
            ? "roster partners: \(roster.partners.joined(separator: ", "))"
            : Suggestions.unknown("partner", text, among: roster.partners)
        throw CLIError(
            "--author '\(text)' is neither a roster partner code, a base64 key, nor a hex key prefix (8+ digits) of a held author; \(hint)"
        )
    }
    return Set(matches)
}

/// A one-line human summary of an entry's operation.
func summary(of entry: Entry) -> String {
    switch entry.kind {
    case RosterGovernance.proposalKind:
        guard let version = try? RosterGovernance.proposal(fromPayload: Array(entry.payload)) else {
            return "(a roster proposal that does not decode)"
        }
        return
            "propose roster version \(version.serial) \(version.hash.hex.prefix(16)): \(version.changes.count) change(s)"
    case RosterGovernance.approvalKind:
        guard let approval = try? RosterGovernance.Approval(payload: Array(entry.payload)) else {
            return "(a roster approval that does not decode)"
        }
        return "approve roster version \(approval.versionHash.hex.prefix(16))"
    case SealedPayload.kind:
        guard let sealed = try? SealedPayload(decoding: entry.payload) else {
            return "(a sealed entry that does not decode)"
        }
        return "sealed: released to \(sealed.labelText) only (roster version \(sealed.rosterSerial))"
    default: break
    }
    do {
        switch try CapSyncMerge.Operation(entry: entry) {
        case .capacityReport(let r):
            return
                "\(r.item) \(r.site) \(r.period): capacity \(r.monthlyCapacity), output \(r.monthlyOutput), stock \(r.stockOnHand), threshold \(r.stockThreshold)"
        case .reportRetraction(let r): return "retract \(r.item) \(r.site) \(r.period)"
        case .need(let n):
            return
                "\(n.owner):\(n.code) \(n.item) \(n.quantity) due \(n.due) p\(n.priority)\(n.isOpen ? "" : " closed")"
        case .pledge(let p): return "pledge \(p.quantity) to \(p.needOwner):\(p.needCode)"
        case .poolJoin(let j): return "join pool \(j.item)"
        case .poolLeave(let l): return "leave pool \(l.item) (\(l.observedTags.count) tags)"
        case .itemDefinition(let d):
            return "define \(d.code): \(d.name), in \(d.unit), \(d.category)" + (d.nsn.isEmpty ? "" : ", NSN \(d.nsn)")
        case .itemGroup(let g):
            return "group \(g.code): \(g.name), "
                + (g.members.isEmpty ? "dissolved" : g.members.joined(separator: ", "))
        case .poolTerms(let t): return "pool terms \(t.item): target \(t.target), \(t.status)"
        case .poolShare(let s): return "pool share \(s.item): wants \(s.quantity)"
        case .drawdownPlan(let d):
            return "drawdown \(d.item) \(d.site) \(d.from)–\(d.to) floor \(d.floor)"
                + d.refill.map { " refill \($0.month):\($0.stock)" }.joined() + (d.isActive ? "" : " withdrawn")
        case .deliverySchedule(let d):
            return "deliveries to \(d.needOwner):\(d.needCode)"
                + d.months.map { " \($0.month) promised \($0.quantity) delivered \($0.delivered)" }.joined()
        case .deliveryConfirmation(let c):
            return "confirm from \(c.pledger) for \(c.needCode)"
                + c.months.map { " \($0.month):\($0.quantity)" }.joined()
        case .factoryOrder(let o):
            return "order \(o.code) at \(o.siteOwner) \(o.site): \(o.quantity) \(o.item) \(o.wantedFrom)–\(o.wantedTo) "
                + "p\(o.priority)\(o.isOpen ? "" : " cancelled")"
        case .orderResponse(let r):
            return "answer \(r.orderPartner):\(r.orderCode) "
                + (r.slot.map { "accepted \($0.quantity) in \($0.month)" } ?? "refused")
        }
    } catch {
        return "(not read by this fold: \(error.reason))"
    }
}

extension CapSyncCommand {
    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List log entries, decoded: of one author (partner code or key) or of all.",
            discussion: """
                Examples:
                  capsync log --author NO
                  capsync log --author NL --from-seq 100 --format json
                  capsync log --ignored      # entries the fold ignored, and why
                """
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var format: FormatOptions
        @Option(help: "A partner code, a base64 signing key, or a hex key prefix.") var author: String?
        @Option(help: "Start at this seq.") var fromSeq: UInt64 = 1
        @Option(help: "At most this many entries (0: all).") var limit: Int = 0

        func validate() throws {
            guard limit >= 0 else { throw ValidationError("--limit must be 0 (all) or more, not \(limit)") }
        }
        @Flag(help: "List the entries the fold ignored instead, with the reason.") var ignored = false

        func run() async throws {
            let node = try Node(root: self.node.paths.root, access: .readOnly)
            warnAboutPendingRepair(node)
            if ignored {
                let state = try node.coalitionState()
                let table = ignoredTable(state.ignored, roster: node.roster)
                try format.printer.print([table])
                return
            }
            let authors = try resolveAuthors(author, roster: node.roster, known: node.store.heads().map(\.author))
            let full = format.format != .table
            var columns = ["partner", "author", "seq", "time", "kind", "entry", "summary"]
            if full { columns += ["version", "prev", "timestamp", "payload_hex", "signature"] }
            var table = Table(name: "entries", columns: columns)
            var count = 0
            for head in node.store.heads() where authors?.contains(head.author) ?? true {
                var seq = fromSeq
                while seq <= head.seq && (limit == 0 || count < limit) {
                    let batch = try node.store.entries(author: head.author, fromSeq: seq, limit: 1024)
                    if batch.isEmpty { break }
                    for entry in batch where limit == 0 || count < limit {
                        var row: [Cell] = [
                            node.roster.partner(of: entry.author).map { .text($0) } ?? .none,
                            .text(KeyText.canonical(entry.author)),
                            .int(Int64(entry.seq)), .text(timeText(entry.timestamp)),
                            .text(kindName(entry.kind)),
                            .text(full ? entry.id.hex : entry.id.short),
                            .text(summary(of: entry)),
                        ]
                        if full {
                            row += [
                                .int(Int64(entry.version)), .text(entry.prev.hex),
                                .text(String(entry.timestamp.rawValue)),
                                .text(Hex.encode(entry.payload)), .text(Hex.encode(entry.signature)),
                            ]
                        }
                        table.add(row)
                        count += 1
                    }
                    seq = batch.last!.seq + 1
                }
            }
            try format.printer.print([table])
        }
    }
}

/// An entry kind's name for people: the fold's kinds and the roster chain's.
func kindName(_ kind: UInt64) -> String {
    switch kind {
    case RosterGovernance.proposalKind: "roster proposal"
    case RosterGovernance.approvalKind: "roster approval"
    case SealedPayload.kind: "sealed"
    default: EntryKind(rawValue: kind)?.name ?? "kind \(kind)"
    }
}
