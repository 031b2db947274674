import CapSyncWire

/// The queue at one production site in one month (Protocol/fold.md §Order book).
public struct SiteQueue: Sendable, Hashable, Encodable {
    public let siteOwner: String
    public let site: String
    public let item: String
    public let month: Period
    /// The site's monthly capacity from its figure for the month (its report for it, else the latest earlier),
    /// nil when it has reported none.
    public let capacity: UInt64?
    /// Sum of the slots accepted for the month.
    public let accepted: UInt64
    /// Sum of the open, unanswered orders wanting the month (an order counts in each month of its window).
    public let waiting: UInt64
    public let acceptedOrders: Int
    public let waitingOrders: Int
    /// max(0, accepted + waiting − capacity); with no capacity reported, accepted + waiting.
    public let oversubscribed: UInt64
}

/// Where one order stands.
public struct OrderStanding: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case waiting, accepted, refused, cancelled
    }

    public let order: FactoryOrder
    public let status: Status
    /// The accepted slot.
    public let slot: DeliveryMonth?
}

extension CoalitionState {
    /// Every order with where it stands, by ordering partner and code: cancelled when the order is, else the
    /// standing response (accepted with its slot, or refused), else waiting.
    public func orderStandings() -> [OrderStanding] {
        orders.map { record in
            let order = record.value
            let response = responses.first {
                FieldRules.sameBytes($0.value.siteOwner, order.siteOwner)
                    && FieldRules.sameBytes($0.value.orderPartner, order.partner)
                    && FieldRules.sameBytes($0.value.orderCode, order.code)
            }?.value
            if !order.isOpen { return OrderStanding(order: order, status: .cancelled, slot: nil) }
            guard let response else { return OrderStanding(order: order, status: .waiting, slot: nil) }
            return OrderStanding(order: order, status: response.slot == nil ? .refused : .accepted, slot: response.slot)
        }
    }

    /// The queue at each site for each month from `from` through `to` that has an accepted slot or a waiting
    /// order, ordered by site owner, site, item, month.
    public func orderQueues(
        from: Period,
        to: Period,
        staleAfterMonths: Int = ViewPeriod.defaultStaleAfterMonths
    )
        -> [SiteQueue]
    {
        let standings = orderStandings()
        var keys: [TextKey] = []
        var seen = Set<TextKey>()
        for standing in standings where standing.status == .accepted || standing.status == .waiting {
            let key = TextKey(a: standing.order.siteOwner, b: standing.order.site, c: standing.order.item)
            if seen.insert(key).inserted { keys.append(key) }
        }
        keys.sort { CoalitionState.textOrder([$0.a, $0.b, $0.c], [$1.a, $1.b, $1.c]) }
        var queues: [SiteQueue] = []
        for key in keys {
            let here = standings.filter {
                TextKey(a: $0.order.siteOwner, b: $0.order.site, c: $0.order.item) == key
            }
            var month = from
            while month <= to {
                let accepted = here.filter { $0.status == .accepted && $0.slot?.month == month }
                let waiting = here.filter {
                    $0.status == .waiting && $0.order.wantedFrom <= month && month <= $0.order.wantedTo
                }
                if !accepted.isEmpty || !waiting.isEmpty {
                    let figure = siteFigures(at: ViewPeriod(month, staleAfterMonths: staleAfterMonths), item: key.c)
                        .first { FieldRules.sameBytes($0.partner, key.a) && FieldRules.sameBytes($0.site, key.b) }
                    let acceptedLoad = accepted.reduce(0) { $0 + ($1.slot?.quantity ?? 0) }
                    let waitingLoad = waiting.reduce(0) { $0 + $1.order.quantity }
                    let load = acceptedLoad + waitingLoad
                    let capacity = figure?.monthlyCapacity
                    queues.append(
                        SiteQueue(
                            siteOwner: key.a,
                            site: key.b,
                            item: key.c,
                            month: month,
                            capacity: capacity,
                            accepted: acceptedLoad,
                            waiting: waitingLoad,
                            acceptedOrders: accepted.count,
                            waitingOrders: waiting.count,
                            oversubscribed: load > (capacity ?? 0) ? load - (capacity ?? 0) : 0
                        )
                    )
                }
                month = month.adding(months: 1)
            }
        }
        return queues
    }
}
