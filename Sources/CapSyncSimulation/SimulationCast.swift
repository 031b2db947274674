import CapSyncCrypto
import CapSyncMerge
import CapSyncWire

/// The partners of a simulated coalition: fixed keys (from fixed seeds, so entries are identical run to run)
/// and the roster listing them.
struct SimulationCast: Sendable {
    struct Member: Sendable {
        let partner: String
        let key: Ed25519PrivateKey
        let author: AuthorKey
    }

    static let partnerCodes = ["NO", "NL", "US", "DE", "FR", "PL", "SE", "DK", "FI", "IT"]

    let members: [Member]
    let roster: Roster

    /// The first `count` partners (at most `partnerCodes.count`).
    init(count: Int) {
        precondition(count >= 1 && count <= Self.partnerCodes.count)
        members = (0..<count).map { index in
            let key = try! Ed25519PrivateKey(seed: [UInt8](repeating: UInt8(index + 1), count: 31) + [0x5A])
            return Member(partner: Self.partnerCodes[index], key: key, author: AuthorKey(key.publicKey))
        }
        roster = try! Roster(serial: 1, members: members.map { Roster.Member(partner: $0.partner, key: $0.author) })
    }
}

/// Random but valid operations, so the fold has real work: capacity reports and retractions over a few record
/// keys (last writer wins), needs and pledges between partners, pool joins and leaves (observed-remove sets).
enum SimulatedOperations {
    static let items = ["SHELL-155-HE", "BARREL-155", "FUZE-M739"]
    static let sites = ["Plant-1", "Plant-2"]
    static let periods = [try! Period("2026-10"), try! Period("2026-11")]
    static let due = try! Day("2027-01-31")

    static func random(
        partner: String,
        partners: [String],
        poolTags: [EntryID],
        using random: inout SimulationRandom
    ) -> (kind: UInt64, payload: [UInt8]) {
        let item = items[random.below(items.count)]
        let site = sites[random.below(sites.count)]
        let period = periods[random.below(periods.count)]
        let operation: Operation
        switch random.below(10) {
        case 0..<5:
            operation = .capacityReport(
                try! CapacityReport(
                    partner: partner,
                    item: item,
                    site: site,
                    period: period,
                    monthlyCapacity: UInt64(random.within(100...2000)),
                    monthlyOutput: UInt64(random.within(0...2000)),
                    stockOnHand: UInt64(random.within(0...9000)),
                    stockThreshold: UInt64(random.within(0...3000)),
                    leadTimeDays: UInt64(random.within(1...90))
                )
            )
        case 5:
            operation = .reportRetraction(
                try! ReportRetraction(partner: partner, item: item, site: site, period: period)
            )
        case 6:
            operation = .need(
                try! Need(
                    owner: partner,
                    code: "NEED-\(random.within(1...2))",
                    item: item,
                    quantity: UInt64(random.within(1...50_000)),
                    due: due,
                    priority: UInt8(random.within(1...5)),
                    isOpen: random.chance(80)
                )
            )
        case 7:
            let owner = partners[random.below(partners.count)]
            operation = .pledge(
                try! Pledge(
                    partner: partner,
                    needOwner: owner,
                    needCode: "NEED-\(random.within(1...2))",
                    quantity: UInt64(random.within(0...10_000))
                )
            )
        case 8:
            operation = .poolJoin(try! PoolJoin(partner: partner, item: item))
        default:
            let observed = poolTags.isEmpty ? [] : [poolTags[random.below(poolTags.count)]]
            operation = .poolLeave(try! PoolLeave(partner: partner, item: item, observedTags: observed))
        }
        return (operation.kind.rawValue, operation.payload())
    }
}
