import CapSyncWire

/// The planning kinds' part of `CoalitionState.diff`: each keyed register compared like reports and needs. A
/// withdrawn share (0) shows as removed; a withdrawn drawdown plan or cancelled order as changed (it stays in the
/// state, so a later plan or order of the same key is a change again).
extension CoalitionState {
    static func planningDiff(_ old: CoalitionState, _ new: CoalitionState) -> [Change] {
        var changes: [Change] = []
        changes += compare(
            area: .poolTerms,
            old: old.poolTerms,
            new: new.poolTerms,
            key: { $0.value.item },
            order: { textOrder([$0.value.item], [$1.value.item]) },
            summary: { "lead \($0.value.lead), target \($0.value.target), \($0.value.status)" },
            fields: { t in
                [
                    Change.Field("lead", .text(t.value.lead)), Change.Field("target", .int(t.value.target)),
                    Change.Field("status", .text(t.value.status.description)),
                ]
            },
            stamp: \.setBy,
            tombstone: { _ in nil }
        )
        var withdrawnShares: [TextKey: Stamp] = [:]
        for share in new.poolShares where share.value.quantity == 0 {
            withdrawnShares[TextKey(a: share.value.item, b: share.value.partner, c: "")] = share.setBy
        }
        changes += compare(
            area: .poolShare,
            old: old.poolShares.filter { $0.value.quantity > 0 },
            new: new.poolShares.filter { $0.value.quantity > 0 },
            key: { "\($0.value.item) \($0.value.partner)" },
            order: { textOrder([$0.value.item, $0.value.partner], [$1.value.item, $1.value.partner]) },
            summary: { "\($0.value.quantity)" },
            fields: { [Change.Field("quantity", .int($0.value.quantity))] },
            stamp: \.setBy,
            tombstone: { withdrawnShares[TextKey(a: $0.value.item, b: $0.value.partner, c: "")] }
        )
        changes += compare(
            area: .drawdown,
            old: old.drawdowns,
            new: new.drawdowns,
            key: { "\($0.value.partner) \($0.value.item) \($0.value.site)" },
            order: {
                textOrder(
                    [$0.value.partner, $0.value.item, $0.value.site],
                    [$1.value.partner, $1.value.item, $1.value.site]
                )
            },
            summary: { d in
                let plan = d.value
                return "\(plan.from)–\(plan.to) floor \(plan.floor)"
                    + (plan.refill.isEmpty
                        ? "" : ", refill " + plan.refill.map { "\($0.month):\($0.stock)" }.joined(separator: " "))
                    + (plan.isActive ? "" : ", withdrawn")
            },
            fields: { d in
                [
                    Change.Field("from", .text(d.value.from.description)),
                    Change.Field("to", .text(d.value.to.description)),
                    Change.Field("floor", .int(d.value.floor)),
                    Change.Field(
                        "refill",
                        .text(d.value.refill.map { "\($0.month):\($0.stock)" }.joined(separator: " "))
                    ),
                    Change.Field("active", .bool(d.value.isActive)),
                ]
            },
            stamp: \.setBy,
            tombstone: { _ in nil }
        )
        changes += compare(
            area: .delivery,
            old: old.schedules,
            new: new.schedules,
            key: { "\($0.value.partner) -> \($0.value.needOwner) \($0.value.needCode)" },
            order: {
                textOrder(
                    [$0.value.partner, $0.value.needOwner, $0.value.needCode],
                    [$1.value.partner, $1.value.needOwner, $1.value.needCode]
                )
            },
            summary: { s in
                s.value.months.map { "\($0.month) promised \($0.quantity) delivered \($0.delivered)" }.joined(
                    separator: "; "
                )
            },
            fields: { s in
                [Change.Field("promised", .int(s.value.promised)), Change.Field("delivered", .int(s.value.delivered))]
            },
            stamp: \.setBy,
            tombstone: { _ in nil }
        )
        changes += compare(
            area: .confirmation,
            old: old.confirmations,
            new: new.confirmations,
            key: { "\($0.value.needOwner) \($0.value.needCode) <- \($0.value.pledger)" },
            order: {
                textOrder(
                    [$0.value.needOwner, $0.value.needCode, $0.value.pledger],
                    [$1.value.needOwner, $1.value.needCode, $1.value.pledger]
                )
            },
            summary: { c in c.value.months.map { "\($0.month) received \($0.quantity)" }.joined(separator: "; ") },
            fields: { [Change.Field("confirmed", .int($0.value.confirmed))] },
            stamp: \.setBy,
            tombstone: { _ in nil }
        )
        changes += compare(
            area: .order,
            old: old.orders,
            new: new.orders,
            key: { "\($0.value.partner) \($0.value.code)" },
            order: { textOrder([$0.value.partner, $0.value.code], [$1.value.partner, $1.value.code]) },
            summary: { o in
                let order = o.value
                return "\(order.quantity) \(order.item) at \(order.siteOwner) \(order.site), \(order.wantedFrom)–"
                    + "\(order.wantedTo), priority \(order.priority)\(order.isOpen ? "" : ", cancelled")"
            },
            fields: { o in
                [
                    Change.Field("site_owner", .text(o.value.siteOwner)), Change.Field("site", .text(o.value.site)),
                    Change.Field("item", .text(o.value.item)), Change.Field("quantity", .int(o.value.quantity)),
                    Change.Field("from", .text(o.value.wantedFrom.description)),
                    Change.Field("to", .text(o.value.wantedTo.description)),
                    Change.Field("priority", .int(UInt64(o.value.priority))),
                    Change.Field("open", .bool(o.value.isOpen)),
                ]
            },
            stamp: \.setBy,
            tombstone: { _ in nil }
        )
        changes += compare(
            area: .orderResponse,
            old: old.responses,
            new: new.responses,
            key: { "\($0.value.siteOwner) -> \($0.value.orderPartner) \($0.value.orderCode)" },
            order: {
                textOrder(
                    [$0.value.siteOwner, $0.value.orderPartner, $0.value.orderCode],
                    [$1.value.siteOwner, $1.value.orderPartner, $1.value.orderCode]
                )
            },
            summary: { r in r.value.slot.map { "accepted \($0.month):\($0.quantity)" } ?? "refused" },
            fields: { r in
                [
                    Change.Field("accepted", .bool(r.value.slot != nil)),
                    Change.Field("slot", .text(r.value.slot.map { "\($0.month):\($0.quantity)" } ?? "")),
                ]
            },
            stamp: \.setBy,
            tombstone: { _ in nil }
        )
        return changes
    }
}
