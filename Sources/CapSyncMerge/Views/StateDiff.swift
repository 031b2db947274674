import CapSyncWire

/// One difference between two folds: what an operator sees after a sync ("what changed since yesterday").
public struct Change: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Area: String, Sendable, Hashable, Codable {
        case report, need, pledge, pool, roster, foldVersion
        case poolTerms, poolShare, drawdown, delivery, confirmation, order, orderResponse
    }

    public enum Action: String, Sendable, Hashable, Codable {
        case added, changed, removed
    }

    public let area: Area
    public let action: Action
    /// The record's key, e.g. "NO SHELL-155-HE Raufoss 2026-11" or "UA NEED-UA-001".
    public let subject: String
    /// Summaries of the value before and after ("capacity 1000, output 900, ...").
    public let before: String?
    public let after: String?
    /// The entry that set the new value (nil for removals that no entry of the new state explains).
    public let setBy: Stamp?
    /// The values before and after as named fields, for machine output (a report's figures, a need's fields).
    public var beforeFields: [Field]? = nil
    public var afterFields: [Field]? = nil

    /// One named value of a record.
    public struct Field: Sendable, Hashable, Codable {
        public enum Value: Sendable, Hashable, Codable {
            case int(UInt64)
            case text(String)
            case bool(Bool)
        }
        public let name: String
        public let value: Value
        public init(_ name: String, _ value: Value) {
            self.name = name
            self.value = value
        }
    }

    public var description: String {
        switch action {
        case .added: "+ \(area.rawValue) \(subject): \(after ?? "")"
        case .removed: "- \(area.rawValue) \(subject): \(before ?? "")"
        case .changed: "~ \(area.rawValue) \(subject): \(before ?? "") -> \(after ?? "")"
        }
    }
}

extension CoalitionState {
    /// What changed from `old` to `new`, in canonical order (area, then key). A retraction shows as a removed
    /// report; a closed need as a changed need; a withdrawn pledge (zero) as a removed pledge. The planning kinds
    /// follow (pool terms and shares, drawdown plans, delivery schedules and confirmations, orders and responses).
    public static func diff(_ old: CoalitionState, _ new: CoalitionState) -> [Change] {
        var changes: [Change] = []
        if old.rosterHash != new.rosterHash {
            changes.append(
                Change(
                    area: .roster,
                    action: .changed,
                    subject: "roster hash",
                    before: old.rosterHash.hex,
                    after: new.rosterHash.hex,
                    setBy: nil,
                    beforeFields: [Change.Field("roster_hash", .text(old.rosterHash.hex))],
                    afterFields: [Change.Field("roster_hash", .text(new.rosterHash.hex))]
                )
            )
        }
        if old.foldVersion != new.foldVersion {
            changes.append(
                Change(
                    area: .foldVersion,
                    action: .changed,
                    subject: "fold version",
                    before: "\(old.foldVersion.rawValue)",
                    after: "\(new.foldVersion.rawValue)",
                    setBy: nil,
                    beforeFields: [Change.Field("fold_version", .int(UInt64(old.foldVersion.rawValue)))],
                    afterFields: [Change.Field("fold_version", .int(UInt64(new.foldVersion.rawValue)))]
                )
            )
        }
        var retractions: [RecordKey: Stamp] = [:]
        for record in new.records where record.report == nil { retractions[record.key] = record.setBy }
        var withdrawals: [TextKey: Stamp] = [:]
        for record in new.pledges where record.pledge.quantity == 0 { withdrawals[record.key] = record.setBy }
        changes += compare(
            area: .report,
            old: old.records.filter { $0.report != nil },
            new: new.records.filter { $0.report != nil },
            key: { "\($0.partner) \($0.item) \($0.site) \($0.period)" },
            order: recordOrder,
            summary: { $0.report.map(Self.summary) ?? "" },
            fields: { $0.report.map(Self.fields) ?? [] },
            stamp: \.setBy,
            tombstone: { retractions[$0.key] }
        )
        changes += compare(
            area: .need,
            old: old.needs,
            new: new.needs,
            key: { "\($0.need.owner) \($0.need.code)" },
            order: { textOrder([$0.need.owner, $0.need.code], [$1.need.owner, $1.need.code]) },
            summary: { n in
                "\(n.need.item) \(n.need.quantity) due \(n.need.due) priority \(n.need.priority) \(n.need.isOpen ? "open" : "closed")"
            },
            fields: { n in
                [
                    Change.Field("item", .text(n.need.item)), Change.Field("quantity", .int(n.need.quantity)),
                    Change.Field("due", .text(n.need.due.description)),
                    Change.Field("priority", .int(UInt64(n.need.priority))), Change.Field("open", .bool(n.need.isOpen)),
                ]
            },
            stamp: \.setBy,
            tombstone: { _ in nil }
        )
        changes += compare(
            area: .pledge,
            old: old.pledges.filter { $0.pledge.quantity > 0 },
            new: new.pledges.filter { $0.pledge.quantity > 0 },
            key: { "\($0.pledge.partner) -> \($0.pledge.needOwner) \($0.pledge.needCode)" },
            order: {
                textOrder(
                    [$0.pledge.partner, $0.pledge.needOwner, $0.pledge.needCode],
                    [$1.pledge.partner, $1.pledge.needOwner, $1.pledge.needCode]
                )
            },
            summary: { "\($0.pledge.quantity)" },
            fields: { [Change.Field("quantity", .int($0.pledge.quantity))] },
            stamp: \.setBy,
            tombstone: { withdrawals[$0.key] }
        )
        changes += compare(
            area: .pool,
            old: old.pools,
            new: new.pools,
            key: { "\($0.item) \($0.partner)" },
            order: { textOrder([$0.item, $0.partner], [$1.item, $1.partner]) },
            summary: { "member (\($0.tags.count) join\($0.tags.count == 1 ? "" : "s"))" },
            fields: { [Change.Field("member", .bool(true)), Change.Field("joins", .int(UInt64($0.tags.count)))] },
            stamp: { _ in nil },
            tombstone: { _ in nil }
        )
        return changes + planningDiff(old, new)
    }

    static func fields(_ report: CapacityReport) -> [Change.Field] {
        [
            Change.Field("capacity", .int(report.monthlyCapacity)), Change.Field("output", .int(report.monthlyOutput)),
            Change.Field("stock", .int(report.stockOnHand)), Change.Field("threshold", .int(report.stockThreshold)),
            Change.Field("lead_time_days", .int(report.leadTimeDays)),
            Change.Field("constraints", .text(report.constraints)),
        ]
    }

    static func summary(_ report: CapacityReport) -> String {
        "capacity \(report.monthlyCapacity), output \(report.monthlyOutput), stock \(report.stockOnHand), "
            + "threshold \(report.stockThreshold), lead \(report.leadTimeDays)d"
            + (report.constraints.isEmpty ? "" : ", constraints \"\(report.constraints)\"")
    }

    /// Merges two canonically sorted lists, reporting keys only in `new` (added), only in `old` (removed), and in
    /// both with a different summary or stamp (changed).
    static func compare<T>(
        area: Change.Area,
        old: [T],
        new: [T],
        key: (T) -> String,
        order: (T, T) -> Bool,
        summary: (T) -> String,
        fields: (T) -> [Change.Field],
        stamp: (T) -> Stamp?,
        tombstone: (T) -> Stamp?
    ) -> [Change] {
        var changes: [Change] = []
        var i = 0
        var j = 0
        while i < old.count || j < new.count {
            if j == new.count || (i < old.count && order(old[i], new[j])) {
                changes.append(
                    Change(
                        area: area,
                        action: .removed,
                        subject: key(old[i]),
                        before: summary(old[i]),
                        after: nil,
                        setBy: tombstone(old[i]),
                        beforeFields: fields(old[i])
                    )
                )
                i += 1
            } else if i == old.count || order(new[j], old[i]) {
                changes.append(
                    Change(
                        area: area,
                        action: .added,
                        subject: key(new[j]),
                        before: nil,
                        after: summary(new[j]),
                        setBy: stamp(new[j]),
                        afterFields: fields(new[j])
                    )
                )
                j += 1
            } else {
                let before = summary(old[i])
                let after = summary(new[j])
                if before != after || stamp(old[i]) != stamp(new[j]) {
                    changes.append(
                        Change(
                            area: area,
                            action: .changed,
                            subject: key(new[j]),
                            before: before,
                            after: after,
                            setBy: stamp(new[j]),
                            beforeFields: fields(old[i]),
                            afterFields: fields(new[j])
                        )
                    )
                }
                i += 1
                j += 1
            }
        }
        return changes
    }
}

extension CoalitionState.Record {
    var key: RecordKey { RecordKey(partner: partner, item: item, site: site, period: period) }
}

extension CoalitionState.PledgeRecord {
    var key: TextKey { TextKey(a: pledge.partner, b: pledge.needOwner, c: pledge.needCode) }
}
