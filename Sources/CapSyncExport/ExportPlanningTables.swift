internal import CapSyncMerge

/// The planning tables of an export: pools' terms and wanted quantities, drawdown plans with their refill steps,
/// delivery schedules month by month with what was delivered and confirmed, and factory orders with their answers.
/// Each table's key is the key the fold merges that kind under, so a row is one merged value.
extension ExportModel {
    static func planningTables(_ state: CoalitionState) -> [ExportTable] {
        var pools = table(
            "pool_terms",
            key: [("item", "TEXT")],
            [("lead", "TEXT", false), ("target", "BIGINT", false), ("status", "TEXT", false)] + stampColumns
        )
        for terms in unique(state.poolTerms, by: { [$0.item] }) {
            pools.rows.append(
                [.text(terms.value.item), .text(terms.value.lead), .integer(Int64(terms.value.target))]
                    + [.text(terms.value.status.description)] + stamp(terms.setBy, state)
            )
        }
        var shares = table(
            "pool_shares",
            key: [("item", "TEXT"), ("partner", "TEXT")],
            [("quantity", "BIGINT", false)] + stampColumns
        )
        for share in unique(state.poolShares, by: { [$0.item, $0.partner] }) {
            shares.rows.append(
                [.text(share.value.item), .text(share.value.partner), .integer(Int64(share.value.quantity))]
                    + stamp(share.setBy, state)
            )
        }
        return [pools, shares] + drawdownTables(state) + deliveryTables(state) + [orderTable(state)]
    }

    private static func drawdownTables(_ state: CoalitionState) -> [ExportTable] {
        let place = [("partner", "TEXT"), ("item", "TEXT"), ("site", "TEXT")]
        var drawdowns = table(
            "drawdowns",
            key: place,
            [
                ("from_period", "TEXT", false), ("to_period", "TEXT", false), ("floor", "BIGINT", false),
                ("active", "BIGINT", false),
            ] + stampColumns
        )
        var refills = table(
            "drawdown_refills",
            key: place + [("month", "TEXT")],
            [("stock", "BIGINT", false), releasedToColumn]
        )
        for plan in unique(state.drawdowns, by: { [$0.partner, $0.item, $0.site] }) {
            let d = plan.value
            let key: [SQLValue] = [.text(d.partner), .text(d.item), .text(d.site)]
            drawdowns.rows.append(
                key + [
                    .text(d.from.description), .text(d.to.description), .integer(Int64(d.floor)),
                    .integer(d.isActive ? 1 : 0),
                ] + stamp(plan.setBy, state)
            )
            for step in d.refill {
                refills.rows.append(
                    key + [.text(step.month.description), .integer(Int64(step.stock)), releasedTo([plan.setBy], state)]
                )
            }
        }
        return [drawdowns, refills]
    }

    /// One row per pledger, need and month: promised and delivered from the pledger's schedule, confirmed from
    /// the needing partner's confirmation (either may be missing).
    private static func deliveryTables(_ state: CoalitionState) -> [ExportTable] {
        struct Month: Hashable {
            let pledger: String
            let needOwner: String
            let needCode: String
            let month: String
        }
        var figures: [Month: (promised: UInt64?, delivered: UInt64?, confirmed: UInt64?)] = [:]
        var stamps: [Month: [Stamp]] = [:]
        for schedule in unique(state.schedules, by: { [$0.partner, $0.needOwner, $0.needCode] }) {
            let s = schedule.value
            for m in s.months {
                let key = Month(pledger: s.partner, needOwner: s.needOwner, needCode: s.needCode, month: "\(m.month)")
                figures[key, default: (nil, nil, nil)].promised = m.quantity
                figures[key, default: (nil, nil, nil)].delivered = m.delivered
                stamps[key, default: []].append(schedule.setBy)
            }
        }
        for confirmation in unique(state.confirmations, by: { [$0.needOwner, $0.needCode, $0.pledger] }) {
            let c = confirmation.value
            for m in c.months {
                let key = Month(pledger: c.pledger, needOwner: c.needOwner, needCode: c.needCode, month: "\(m.month)")
                figures[key, default: (nil, nil, nil)].confirmed = m.quantity
                stamps[key, default: []].append(confirmation.setBy)
            }
        }
        var deliveries = table(
            "deliveries",
            key: [("pledger", "TEXT"), ("need_owner", "TEXT"), ("need_code", "TEXT"), ("month", "TEXT")],
            [
                ("promised", "BIGINT", true), ("delivered", "BIGINT", true), ("confirmed", "BIGINT", true),
                releasedToColumn,
            ]
        )
        let ordered = figures.keys.sorted {
            ($0.pledger, $0.needOwner, $0.needCode, $0.month) < ($1.pledger, $1.needOwner, $1.needCode, $1.month)
        }
        for key in ordered {
            let f = figures[key]!
            deliveries.rows.append([
                .text(key.pledger), .text(key.needOwner), .text(key.needCode), .text(key.month), int(f.promised),
                int(f.delivered), int(f.confirmed), releasedTo(stamps[key] ?? [], state),
            ])
        }
        return [deliveries]
    }

    /// Orders with the site's answer: `accepted` with a slot, `refused`, or null while waiting.
    private static func orderTable(_ state: CoalitionState) -> ExportTable {
        var answers: [[String]: OrderResponse] = [:]
        var answerStamps: [[String]: Stamp] = [:]
        for response in state.responses {
            answers[[response.value.orderPartner, response.value.orderCode]] = response.value
            answerStamps[[response.value.orderPartner, response.value.orderCode]] = response.setBy
        }
        var orders = table(
            "orders",
            key: [("partner", "TEXT"), ("code", "TEXT")],
            [
                ("site_owner", "TEXT", false), ("site", "TEXT", false), ("item", "TEXT", false),
                ("quantity", "BIGINT", false), ("wanted_from", "TEXT", false), ("wanted_to", "TEXT", false),
                ("priority", "BIGINT", false), ("open", "BIGINT", false), ("answer", "TEXT", true),
                ("slot_month", "TEXT", true), ("slot_quantity", "BIGINT", true),
            ] + stampColumns
        )
        for order in unique(state.orders, by: { [$0.partner, $0.code] }) {
            let o = order.value
            let answer = answers[[o.partner, o.code]]
            let answerText: SQLValue = answer.map { .text($0.slot == nil ? "refused" : "accepted") } ?? .null
            orders.rows.append(
                [
                    .text(o.partner), .text(o.code), .text(o.siteOwner), .text(o.site), .text(o.item),
                    .integer(Int64(o.quantity)), .text(o.wantedFrom.description), .text(o.wantedTo.description),
                    .integer(Int64(o.priority)), .integer(o.isOpen ? 1 : 0), answerText,
                    answer?.slot.map { .text($0.month.description) } ?? .null, int(answer?.slot?.quantity),
                ] + stamp(order.setBy, state).dropLast()
                    + [releasedTo([order.setBy] + (answerStamps[[o.partner, o.code]].map { [$0] } ?? []), state)]
            )
        }
        return orders
    }

    /// The merged values once per table key (the fold already keeps one per key; this keeps a primary key safe).
    private static func unique<Value>(
        _ values: [CoalitionState.Stamped<Value>],
        by key: (Value) -> [String]
    ) -> [CoalitionState.Stamped<Value>] {
        var seen = Set<[String]>()
        return values.filter { seen.insert(key($0.value)).inserted }
    }
}
