import CapSyncWire

/// One planning value (pool terms or share, drawdown plan, delivery schedule or confirmation, order or response)
/// in one shape, for the state's diff and a partner's detail: the register it lives in, its key, the partner
/// who wrote it, a summary for people and named fields for machines.
public struct PlanningRow: Sendable, Hashable, Codable {
    public let area: Change.Area
    /// The partner whose entry set the value (only that partner's keys write it).
    public let writer: String
    /// The register key, as text parts (ordered by their UTF-8 bytes).
    public let key: [String]
    public let subject: String
    public let summary: String
    public let fields: [Change.Field]
    public let setBy: Stamp
    /// A share of 0: kept in the state to beat older shares, shown as removed.
    public let withdrawn: Bool
}

/// The planning kinds' part of `CoalitionState.diff` and `detail(of:)`. A withdrawn share (0) shows as removed; a
/// withdrawn drawdown plan or cancelled order as changed (it stays in the state, so a later plan or order of the
/// same key is a change again).
extension CoalitionState {
    static let planningAreas: [Change.Area] = [
        .poolTerms, .poolShare, .drawdown, .delivery, .confirmation, .order, .orderResponse,
    ]

    /// Every planning value of the state, by area (in `planningAreas` order), then key.
    public func planningRows() -> [PlanningRow] {
        var rows: [PlanningRow] = []
        func add(
            _ area: Change.Area,
            _ writer: String,
            _ key: [String],
            _ subject: String,
            _ summary: String,
            _ fields: [Change.Field],
            _ setBy: Stamp,
            withdrawn: Bool = false
        ) {
            rows.append(
                PlanningRow(
                    area: area,
                    writer: writer,
                    key: key,
                    subject: subject,
                    summary: summary,
                    fields: fields,
                    setBy: setBy,
                    withdrawn: withdrawn
                )
            )
        }
        for t in poolTerms {
            let terms = t.value
            add(
                .poolTerms,
                terms.lead,
                [terms.item],
                terms.item,
                "lead \(terms.lead), target \(terms.target), \(terms.status)",
                [
                    Change.Field("lead", .text(terms.lead)), Change.Field("target", .int(terms.target)),
                    Change.Field("status", .text(terms.status.description)),
                ],
                t.setBy
            )
        }
        for s in poolShares {
            let share = s.value
            add(
                .poolShare,
                share.partner,
                [share.item, share.partner],
                "\(share.item) \(share.partner)",
                "\(share.quantity)",
                [Change.Field("quantity", .int(share.quantity))],
                s.setBy,
                withdrawn: share.quantity == 0
            )
        }
        for d in drawdowns {
            let plan = d.value
            let refill = plan.refill.map { "\($0.month):\($0.stock)" }.joined(separator: " ")
            add(
                .drawdown,
                plan.partner,
                [plan.partner, plan.item, plan.site],
                "\(plan.partner) \(plan.item) \(plan.site)",
                "\(plan.from)–\(plan.to) floor \(plan.floor)" + (refill.isEmpty ? "" : ", refill \(refill)")
                    + (plan.isActive ? "" : ", withdrawn"),
                [
                    Change.Field("from", .text(plan.from.description)), Change.Field("to", .text(plan.to.description)),
                    Change.Field("floor", .int(plan.floor)), Change.Field("refill", .text(refill)),
                    Change.Field("active", .bool(plan.isActive)),
                ],
                d.setBy
            )
        }
        for s in schedules {
            let schedule = s.value
            add(
                .delivery,
                schedule.partner,
                [schedule.partner, schedule.needOwner, schedule.needCode],
                "\(schedule.partner) -> \(schedule.needOwner) \(schedule.needCode)",
                schedule.months.map { "\($0.month) promised \($0.quantity) delivered \($0.delivered)" }
                    .joined(separator: "; "),
                [
                    Change.Field("promised", .int(schedule.promised)),
                    Change.Field("delivered", .int(schedule.delivered)),
                ],
                s.setBy
            )
        }
        for c in confirmations {
            let confirmation = c.value
            add(
                .confirmation,
                confirmation.needOwner,
                [confirmation.needOwner, confirmation.needCode, confirmation.pledger],
                "\(confirmation.needOwner) \(confirmation.needCode) <- \(confirmation.pledger)",
                confirmation.months.map { "\($0.month) received \($0.quantity)" }.joined(separator: "; "),
                [Change.Field("confirmed", .int(confirmation.confirmed))],
                c.setBy
            )
        }
        for o in orders {
            let order = o.value
            add(
                .order,
                order.partner,
                [order.partner, order.code],
                "\(order.partner) \(order.code)",
                "\(order.quantity) \(order.item) at \(order.siteOwner) \(order.site), \(order.wantedFrom)–"
                    + "\(order.wantedTo), priority \(order.priority)\(order.isOpen ? "" : ", cancelled")",
                [
                    Change.Field("site_owner", .text(order.siteOwner)), Change.Field("site", .text(order.site)),
                    Change.Field("item", .text(order.item)), Change.Field("quantity", .int(order.quantity)),
                    Change.Field("from", .text(order.wantedFrom.description)),
                    Change.Field("to", .text(order.wantedTo.description)),
                    Change.Field("priority", .int(UInt64(order.priority))), Change.Field("open", .bool(order.isOpen)),
                ],
                o.setBy
            )
        }
        for r in responses {
            let response = r.value
            let slot = response.slot.map { "\($0.month):\($0.quantity)" }
            add(
                .orderResponse,
                response.siteOwner,
                [response.siteOwner, response.orderPartner, response.orderCode],
                "\(response.siteOwner) -> \(response.orderPartner) \(response.orderCode)",
                slot.map { "accepted \($0)" } ?? "refused",
                [Change.Field("accepted", .bool(slot != nil)), Change.Field("slot", .text(slot ?? ""))],
                r.setBy
            )
        }
        return rows
    }

    static func planningDiff(_ old: CoalitionState, _ new: CoalitionState) -> [Change] {
        let oldRows = old.planningRows()
        let newRows = new.planningRows()
        var changes: [Change] = []
        for area in planningAreas {
            var withdrawals: [[String]: Stamp] = [:]
            for row in newRows where row.area == area && row.withdrawn { withdrawals[row.key] = row.setBy }
            changes += compare(
                area: area,
                old: oldRows.filter { $0.area == area && !$0.withdrawn },
                new: newRows.filter { $0.area == area && !$0.withdrawn },
                key: \.subject,
                order: { textOrder($0.key, $1.key) },
                summary: \.summary,
                fields: \.fields,
                stamp: \.setBy,
                tombstone: { withdrawals[$0.key] }
            )
        }
        return changes
    }
}
