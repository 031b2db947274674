import CapSyncWire

/// Where one pledging partner's deliveries towards one need stand in a month M (Protocol/fold.md §Deliveries).
public struct DeliveryStatus: Sendable, Hashable, Encodable {
    public let needOwner: String
    public let needCode: String
    public let pledger: String
    /// The need's item and due date, when the need is in the state.
    public let item: String?
    public let due: Day?
    /// The pledger's current pledge towards the need (0 without one).
    public let pledged: UInt64
    /// Everything the schedule promises, and what it promises for months up to M.
    public let promised: UInt64
    public let promisedByMonth: UInt64
    /// Delivered (as the pledger records it) and confirmed (as the needing partner records it), all months.
    public let delivered: UInt64
    public let confirmed: UInt64
    /// max(0, promisedByMonth − delivered): what should have arrived by M and has not.
    public let late: UInt64
}

extension CoalitionState {
    /// Every (need, pledger) with a schedule or a confirmation, late ones first (most late first), then by the
    /// need's due date (unknown needs last), owner, code, pledger.
    public func deliveries(at month: Period) -> [DeliveryStatus] {
        var keys: [TextKey] = []
        var seen = Set<TextKey>()
        for key in schedules.map({ TextKey(a: $0.value.needOwner, b: $0.value.needCode, c: $0.value.partner) })
            + confirmations.map({ TextKey(a: $0.value.needOwner, b: $0.value.needCode, c: $0.value.pledger) })
        where seen.insert(key).inserted {
            keys.append(key)
        }
        let rows = keys.map { key -> DeliveryStatus in
            let schedule = schedules.first {
                TextKey(a: $0.value.needOwner, b: $0.value.needCode, c: $0.value.partner) == key
            }?.value
            let confirmation = confirmations.first {
                TextKey(a: $0.value.needOwner, b: $0.value.needCode, c: $0.value.pledger) == key
            }?.value
            let need = needs.first {
                TextKey(a: $0.need.owner, b: $0.need.code, c: "") == TextKey(a: key.a, b: key.b, c: "")
            }
            let pledge = pledges.first {
                TextKey(a: $0.pledge.needOwner, b: $0.pledge.needCode, c: $0.pledge.partner) == key
            }
            let byMonth = schedule?.months.filter { $0.month <= month }.reduce(0) { $0 + $1.quantity } ?? 0
            let delivered = schedule?.delivered ?? 0
            return DeliveryStatus(
                needOwner: key.a,
                needCode: key.b,
                pledger: key.c,
                item: need?.need.item,
                due: need?.need.due,
                pledged: pledge?.pledge.quantity ?? 0,
                promised: schedule?.promised ?? 0,
                promisedByMonth: byMonth,
                delivered: delivered,
                confirmed: confirmation?.confirmed ?? 0,
                late: byMonth > delivered ? byMonth - delivered : 0
            )
        }
        return rows.sorted { a, b in
            if a.late != b.late { return a.late > b.late }
            if a.due != b.due {
                guard let x = a.due else { return false }
                guard let y = b.due else { return true }
                return x < y
            }
            return CoalitionState.textOrder(
                [a.needOwner, a.needCode, a.pledger],
                [b.needOwner, b.needCode, b.pledger]
            )
        }
    }
}
