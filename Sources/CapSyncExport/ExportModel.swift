internal import CapSyncLog
internal import CapSyncMerge
public import CapSyncNode
internal import CapSyncWire
internal import Foundation

/// The tables of an export, built from a node: the roster's partners, the catalog's items, the merged view
/// (reports, needs, pledges, pools and the planning kinds) and the entries past the heads a database already holds.
public struct ExportModel: Sendable {
    /// Each author's head (seq) as the database last recorded it; entries at or below it are not read again.
    public typealias Heads = [String: UInt64]

    public var views: [ExportTable]
    public var entries: ExportTable
    /// The store's heads now, to be recorded with the export (author key text → seq).
    public var heads: Heads
    public var rosterHash: String

    public static let schemaVersion = 2

    /// Builds the model; `since` holds the heads already exported (only newer entries become rows).
    public static func build(node: Node, since: Heads) throws(NodeError) -> ExportModel {
        // The node's own view: figures released to this partner are exported too, each marked in `released_to`.
        let state = try node.viewState()
        let roster = node.roster
        var heads: Heads = [:]
        for head in node.store.heads() { heads[keyText(head.author)] = head.seq }
        let forked = Set(node.store.forkedAuthors().keys.map(keyText))

        var entries = entriesTable()
        do {
            try node.store.forEachEntry { entry in
                let author = keyText(entry.author)
                // Entries at or below the exported head are in the database already (a forked author's other
                // branch is read again; the primary key keeps each entry once).
                if let done = since[author], entry.seq <= done, !forked.contains(author) { return }
                entries.rows.append([
                    .text(author), .integer(Int64(entry.seq)), .text(entry.id.hex),
                    roster.partner(of: entry.author).map(SQLValue.text) ?? .null, .integer(Int64(entry.kind)),
                    .text(kindName(entry.kind)), .integer(Int64(entry.timestamp.milliseconds)),
                    .text(isoTime(entry.timestamp.milliseconds)),
                ])
            }
        } catch { throw NodeError(.store, "\(error)", context: node.store.directory) }

        var partners = table(
            "partners",
            key: [("signing_key", "TEXT")],
            [("partner", "TEXT", false), ("last_valid_seq", "BIGINT", true)]
        )
        for member in roster.members {
            partners.rows.append([
                .text(keyText(member.key)), .text(member.partner),
                member.lastValidSeq.map { .integer(Int64($0)) } ?? .null,
            ])
        }
        // The coalition catalog: the built-in items and those partners defined (kinds 7 and 8), with the groups of
        // interchangeable items.
        let catalog = CoalitionCatalog(state: state)
        var items = table(
            "items",
            key: [("code", "TEXT")],
            [
                ("name", "TEXT", false), ("unit", "TEXT", false), ("category", "TEXT", false), ("nsn", "TEXT", true),
                ("defined_by", "TEXT", true),
            ]
        )
        for item in catalog.items {
            items.rows.append([
                .text(item.code), .text(item.name), .text(item.unit), .text(item.category),
                item.nsn.isEmpty ? .null : .text(item.nsn), item.definedBy.map(SQLValue.text) ?? .null,
            ])
        }
        var groups = table(
            "item_groups",
            key: [("group_code", "TEXT"), ("item", "TEXT")],
            [("group_name", "TEXT", false), ("defined_by", "TEXT", false)]
        )
        for group in catalog.groups {
            for member in group.members {
                groups.rows.append([.text(group.code), .text(member), .text(group.name), .text(group.definedBy)])
            }
        }

        var reports = table(
            "reports",
            key: [("partner", "TEXT"), ("item", "TEXT"), ("site", "TEXT"), ("period", "TEXT")],
            [
                ("retracted", "BIGINT", false), ("monthly_capacity", "BIGINT", true),
                ("monthly_output", "BIGINT", true), ("stock_on_hand", "BIGINT", true),
                ("stock_threshold", "BIGINT", true), ("lead_time_days", "BIGINT", true),
                ("constraints", "TEXT", true),
            ] + stampColumns
        )
        for record in state.records {
            let r = record.report
            reports.rows.append(
                [
                    .text(record.partner), .text(record.item), .text(record.site), .text(record.period.description),
                    .integer(r == nil ? 1 : 0), int(r?.monthlyCapacity), int(r?.monthlyOutput), int(r?.stockOnHand),
                    int(r?.stockThreshold), int(r?.leadTimeDays), r.map { .text($0.constraints) } ?? .null,
                ] + stamp(record.setBy, state)
            )
        }
        var needs = table(
            "needs",
            key: [("owner", "TEXT"), ("code", "TEXT")],
            [
                ("item", "TEXT", false), ("quantity", "BIGINT", false), ("due", "TEXT", false),
                ("priority", "BIGINT", false), ("open", "BIGINT", false),
            ] + stampColumns
        )
        for record in state.needs {
            let n = record.need
            needs.rows.append(
                [
                    .text(n.owner), .text(n.code), .text(n.item), .integer(Int64(n.quantity)),
                    .text(n.due.description), .integer(Int64(n.priority)), .integer(n.isOpen ? 1 : 0),
                ] + stamp(record.setBy, state)
            )
        }
        var pledges = table(
            "pledges",
            key: [("partner", "TEXT"), ("need_owner", "TEXT"), ("need_code", "TEXT")],
            [("quantity", "BIGINT", false)] + stampColumns
        )
        for record in state.pledges {
            let p = record.pledge
            pledges.rows.append(
                [.text(p.partner), .text(p.needOwner), .text(p.needCode), .integer(Int64(p.quantity))]
                    + stamp(record.setBy, state)
            )
        }
        var pools = table(
            "pools",
            key: [("item", "TEXT"), ("partner", "TEXT")],
            [("join_tags", "TEXT", false), releasedToColumn]
        )
        for member in state.pools {
            let labels = Set(member.tags.compactMap { state.releasedTo[$0] })
            pools.rows.append([
                .text(member.item), .text(member.partner), .text(member.tags.map(\.hex).joined(separator: ",")),
                releasedTo(labels: labels.sorted { $0.joined(separator: ",") < $1.joined(separator: ",") }),
            ])
        }
        return ExportModel(
            views: [partners, items, groups, reports, needs, pledges, pools] + planningTables(state),
            entries: entries,
            heads: heads,
            rosterHash: roster.hash.hex
        )
    }

    /// The entries table's shape (also when no entry is new).
    static func entriesTable() -> ExportTable {
        table(
            "entries",
            key: [("author", "TEXT"), ("seq", "BIGINT"), ("id", "TEXT")],
            [
                ("partner", "TEXT", true), ("kind", "BIGINT", false), ("kind_name", "TEXT", false),
                ("timestamp_ms", "BIGINT", false), ("timestamp", "TEXT", false),
            ]
        )
    }

    static let stampColumns: [(String, String, Bool)] = [
        ("set_by_author", "TEXT", false), ("set_by_seq", "BIGINT", false), ("set_by_entry", "TEXT", false),
        ("set_at", "TEXT", false), releasedToColumn,
    ]

    /// Who a row's figures were released to only (Protocol/releasability.md §5): NULL when coalition-wide, else
    /// the label's codes separated by commas, and distinct labels of one row separated by "; ".
    static let releasedToColumn = ("released_to", "TEXT", true)

    /// The tables a version 1 database lacks `released_to` in.
    static let tablesMarkedSinceVersion2 = [
        "reports", "needs", "pledges", "pools", "pool_terms", "pool_shares", "drawdowns", "drawdown_refills",
        "deliveries", "orders",
    ]

    static func stamp(_ stamp: Stamp, _ state: CoalitionState) -> [SQLValue] {
        [
            .text(keyText(stamp.author)), .integer(Int64(stamp.seq)), .text(stamp.entryID.hex),
            .text(isoTime(stamp.timestamp.milliseconds)), releasedTo([stamp], state),
        ]
    }

    static func releasedTo(_ stamps: [Stamp], _ state: CoalitionState) -> SQLValue {
        releasedTo(labels: state.releaseLabels(of: stamps))
    }

    static func releasedTo(labels: [[String]]) -> SQLValue {
        labels.isEmpty ? .null : .text(labels.map { $0.joined(separator: ",") }.joined(separator: "; "))
    }

    static func table(
        _ name: String,
        key: [(String, String)],
        _ columns: [(String, String, Bool)]
    ) -> ExportTable {
        ExportTable(
            name: name,
            columns: key.map { .init(name: $0.0, type: $0.1, nullable: false) }
                + columns.map { .init(name: $0.0, type: $0.1, nullable: $0.2) },
            keyColumns: key.count,
            rows: []
        )
    }

    static func int(_ value: UInt64?) -> SQLValue { value.map { .integer(Int64($0)) } ?? .null }

    static func keyText(_ key: AuthorKey) -> String { Ed25519Base64.encode(key.bytes) }

    /// The kind's case name (`capacityReport`, `rosterProposal`), easy to write in SQL; `kind-N` when unknown.
    static func kindName(_ kind: UInt64) -> String {
        switch kind {
        case RosterGovernance.proposalKind: "rosterProposal"
        case RosterGovernance.approvalKind: "rosterApproval"
        case SealedPayload.kind: "sealed"
        default: EntryKind(rawValue: kind).map { "\($0)" } ?? "kind-\(kind)"
        }
    }

    static func isoTime(_ milliseconds: UInt64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
