import CapSyncCrypto
public import CapSyncWire

/// The merged coalition view: every current capacity record (and tombstone), need, pledge and pool membership,
/// sorted into one canonical order. Equal entry sets, roster and fold version give equal `canonicalBytes` and
/// `digest` on every node (Protocol/fold.md §State encoding).
public struct CoalitionState: Sendable, Hashable {
    /// One capacity record: the last write for (partner, item, site, period).
    public struct Record: Sendable, Hashable {
        public let partner: String
        public let item: String
        public let site: String
        public let period: Period
        public let setBy: Stamp
        /// The report, or nil when the last write was a retraction.
        public let report: CapacityReport?
    }

    public struct NeedRecord: Sendable, Hashable {
        public let need: Need
        public let setBy: Stamp
    }

    public struct PledgeRecord: Sendable, Hashable {
        public let pledge: Pledge
        public let setBy: Stamp
    }

    /// A partner in an item's pool, with the join tags that keep it there.
    public struct PoolMembership: Sendable, Hashable {
        public let item: String
        public let partner: String
        /// Live join tags (entry ids), ascending.
        public let tags: [EntryID]
    }

    /// A planning value (pool terms, pool share, drawdown plan) with the stamp of the entry that set it.
    public struct Stamped<Value: Sendable & Hashable>: Sendable, Hashable {
        public let value: Value
        public let setBy: Stamp

        public init(value: Value, setBy: Stamp) {
            self.value = value
            self.setBy = setBy
        }
    }

    /// An item group as its owner last stated it, with the entry that founded it (the group an item counts in
    /// when several list it is the one founded first, Protocol/fold.md).
    public struct GroupRecord: Sendable, Hashable {
        public let group: ItemGroup
        public let since: Stamp
        public let setBy: Stamp

        public init(group: ItemGroup, since: Stamp, setBy: Stamp) {
            self.group = group
            self.since = since
            self.setBy = setBy
        }
    }

    public let rosterHash: Bytes32
    public let foldVersion: FoldVersion
    /// Sorted by partner, item, site (UTF-8 bytes), then period.
    public let records: [Record]
    /// Sorted by owner, then code.
    public let needs: [NeedRecord]
    /// Sorted by pledging partner, need owner, need code. Zero pledges (withdrawals) are kept: they must keep
    /// beating older pledges.
    public let pledges: [PledgeRecord]
    /// Sorted by item, then partner.
    public let pools: [PoolMembership]
    /// Each pool's terms as its lead last stated them, sorted by item.
    public let poolTerms: [Stamped<PoolTerms>]
    /// Sorted by item, then partner.
    public let poolShares: [Stamped<PoolShare>]
    /// Sorted by partner, item, site; withdrawn plans are kept (they must keep beating older ones).
    public let drawdowns: [Stamped<DrawdownPlan>]
    /// Sorted by pledging partner, need owner, need code.
    public let schedules: [Stamped<DeliverySchedule>]
    /// Sorted by need owner, need code, pledging partner.
    public let confirmations: [Stamped<DeliveryConfirmation>]
    /// Sorted by ordering partner, code; cancelled orders are kept.
    public let orders: [Stamped<FactoryOrder>]
    /// Sorted by site owner, ordering partner, order code.
    public let responses: [Stamped<OrderResponse>]
    /// Coalition item definitions (kind 7), one per code as its owner last stated it, sorted by code.
    public let itemDefinitions: [Stamped<ItemDefinition>]
    /// Interchangeable groups (kind 8), one per group code (dissolved ones too), sorted by code.
    public let itemGroups: [GroupRecord]

    // Not part of the canonical encoding:
    /// Entries left out, sorted by author, seq, id.
    public let ignored: [IgnoredEntry]
    /// Entries stamped far ahead of the folding node's clock (applied all the same).
    public let flagged: [FlaggedEntry]
    /// Distinct entries folded (after the as-of filter), applied or not.
    public let entryCount: Int
    public let asOf: HLCTimestamp?
    /// The sealed entries this state applied (a node's own views), by id, with their labels: a value whose
    /// `setBy` is one of them was released to those partners only (Protocol/releasability.md §5).
    public internal(set) var releasedTo: [EntryID: [String]] = [:]

    public static let encodingDomain: [UInt8] = Array("CAPSYNC-STATE-V1".utf8) + [0]

    /// Builds the state from explicit parts, sorting them canonically.
    public init(
        rosterHash: Bytes32,
        foldVersion: FoldVersion,
        records: [Record],
        needs: [NeedRecord],
        pledges: [PledgeRecord],
        pools: [PoolMembership],
        poolTerms: [Stamped<PoolTerms>] = [],
        poolShares: [Stamped<PoolShare>] = [],
        drawdowns: [Stamped<DrawdownPlan>] = [],
        schedules: [Stamped<DeliverySchedule>] = [],
        confirmations: [Stamped<DeliveryConfirmation>] = [],
        orders: [Stamped<FactoryOrder>] = [],
        responses: [Stamped<OrderResponse>] = [],
        itemDefinitions: [Stamped<ItemDefinition>] = [],
        itemGroups: [GroupRecord] = [],
        ignored: [IgnoredEntry] = [],
        flagged: [FlaggedEntry] = [],
        entryCount: Int = 0,
        asOf: HLCTimestamp? = nil
    ) {
        self.rosterHash = rosterHash
        self.foldVersion = foldVersion
        // Sort indices, not the (large) records themselves.
        let order = records.indices.sorted { CoalitionState.recordOrder(records[$0], records[$1]) }
        self.records = order.map { records[$0] }
        self.needs = needs.sorted {
            CoalitionState.textOrder([$0.need.owner, $0.need.code], [$1.need.owner, $1.need.code])
        }
        self.pledges = pledges.sorted {
            CoalitionState.textOrder(
                [$0.pledge.partner, $0.pledge.needOwner, $0.pledge.needCode],
                [$1.pledge.partner, $1.pledge.needOwner, $1.pledge.needCode]
            )
        }
        self.pools = pools.sorted { CoalitionState.textOrder([$0.item, $0.partner], [$1.item, $1.partner]) }
        self.poolTerms = poolTerms.sorted { CoalitionState.textOrder([$0.value.item], [$1.value.item]) }
        self.poolShares = poolShares.sorted {
            CoalitionState.textOrder([$0.value.item, $0.value.partner], [$1.value.item, $1.value.partner])
        }
        self.drawdowns = drawdowns.sorted {
            CoalitionState.textOrder(
                [$0.value.partner, $0.value.item, $0.value.site],
                [$1.value.partner, $1.value.item, $1.value.site]
            )
        }
        self.schedules = schedules.sorted {
            CoalitionState.textOrder(
                [$0.value.partner, $0.value.needOwner, $0.value.needCode],
                [$1.value.partner, $1.value.needOwner, $1.value.needCode]
            )
        }
        self.confirmations = confirmations.sorted {
            CoalitionState.textOrder(
                [$0.value.needOwner, $0.value.needCode, $0.value.pledger],
                [$1.value.needOwner, $1.value.needCode, $1.value.pledger]
            )
        }
        self.orders = orders.sorted {
            CoalitionState.textOrder([$0.value.partner, $0.value.code], [$1.value.partner, $1.value.code])
        }
        self.responses = responses.sorted {
            CoalitionState.textOrder(
                [$0.value.siteOwner, $0.value.orderPartner, $0.value.orderCode],
                [$1.value.siteOwner, $1.value.orderPartner, $1.value.orderCode]
            )
        }
        self.itemDefinitions = itemDefinitions.sorted { CoalitionState.textOrder([$0.value.code], [$1.value.code]) }
        self.itemGroups = itemGroups.sorted { CoalitionState.textOrder([$0.group.code], [$1.group.code]) }
        self.ignored = ignored
        self.flagged = flagged
        self.entryCount = entryCount
        self.asOf = asOf
    }

    /// From parts already in canonical order (the fold sorts by interned ranks).
    init(
        sortedRosterHash rosterHash: Bytes32,
        foldVersion: FoldVersion,
        records: [Record],
        needs: [NeedRecord],
        pledges: [PledgeRecord],
        pools: [PoolMembership],
        poolTerms: [Stamped<PoolTerms>],
        poolShares: [Stamped<PoolShare>],
        drawdowns: [Stamped<DrawdownPlan>],
        schedules: [Stamped<DeliverySchedule>],
        confirmations: [Stamped<DeliveryConfirmation>],
        orders: [Stamped<FactoryOrder>],
        responses: [Stamped<OrderResponse>],
        itemDefinitions: [Stamped<ItemDefinition>],
        itemGroups: [GroupRecord],
        ignored: [IgnoredEntry],
        flagged: [FlaggedEntry],
        entryCount: Int,
        asOf: HLCTimestamp?
    ) {
        self.rosterHash = rosterHash
        self.foldVersion = foldVersion
        self.records = records
        self.needs = needs
        self.pledges = pledges
        self.pools = pools
        self.poolTerms = poolTerms
        self.poolShares = poolShares
        self.drawdowns = drawdowns
        self.schedules = schedules
        self.confirmations = confirmations
        self.orders = orders
        self.responses = responses
        self.itemDefinitions = itemDefinitions
        self.itemGroups = itemGroups
        self.ignored = ignored
        self.flagged = flagged
        self.entryCount = entryCount
        self.asOf = asOf
    }

    static func textOrder(_ a: [String], _ b: [String]) -> Bool {
        for (x, y) in zip(a, b) where !FieldRules.sameBytes(x, y) { return FieldRules.precedes(x, y) }
        return false
    }

    static func recordOrder(_ a: Record, _ b: Record) -> Bool {
        if !FieldRules.sameBytes(a.partner, b.partner) { return FieldRules.precedes(a.partner, b.partner) }
        if !FieldRules.sameBytes(a.item, b.item) { return FieldRules.precedes(a.item, b.item) }
        if !FieldRules.sameBytes(a.site, b.site) { return FieldRules.precedes(a.site, b.site) }
        return a.period < b.period
    }

    // MARK: Canonical encoding and digest

    /// The canonical encoding (Protocol/fold.md §State encoding): covers the roster hash, the fold version and
    /// every merged value with the stamp that set it.
    public var canonicalBytes: [UInt8] {
        var writer = ByteWriter(capacity: 64 + records.count * 160 + needs.count * 120 + pledges.count * 110)
        writer.writeBytes(CoalitionState.encodingDomain)
        writer.writeUInt32(foldVersion.rawValue)
        writer.write(rosterHash)
        writer.writeVarint(UInt64(records.count))
        for record in records {
            writer.writeString(record.partner)
            writer.writeString(record.item)
            writer.writeString(record.site)
            record.period.write(to: &writer)
            record.setBy.write(to: &writer)
            if let report = record.report {
                writer.writeUInt8(1)
                writer.writeVarint(report.monthlyCapacity)
                writer.writeVarint(report.monthlyOutput)
                writer.writeVarint(report.stockOnHand)
                writer.writeVarint(report.stockThreshold)
                writer.writeVarint(report.leadTimeDays)
                writer.writeString(report.constraints)
            } else {
                writer.writeUInt8(0)
            }
        }
        writer.writeVarint(UInt64(needs.count))
        for record in needs {
            record.setBy.write(to: &writer)
            record.need.write(to: &writer)
        }
        writer.writeVarint(UInt64(pledges.count))
        for record in pledges {
            record.setBy.write(to: &writer)
            record.pledge.write(to: &writer)
        }
        writer.writeVarint(UInt64(pools.count))
        for membership in pools {
            writer.writeString(membership.item)
            writer.writeString(membership.partner)
            writer.writeVarint(UInt64(membership.tags.count))
            for tag in membership.tags { writer.write(tag) }
        }
        writer.writeVarint(UInt64(poolTerms.count))
        for record in poolTerms {
            record.setBy.write(to: &writer)
            record.value.write(to: &writer)
        }
        writer.writeVarint(UInt64(poolShares.count))
        for record in poolShares {
            record.setBy.write(to: &writer)
            record.value.write(to: &writer)
        }
        writer.writeVarint(UInt64(drawdowns.count))
        for record in drawdowns {
            record.setBy.write(to: &writer)
            record.value.write(to: &writer)
        }
        writer.writeVarint(UInt64(schedules.count))
        for record in schedules {
            record.setBy.write(to: &writer)
            record.value.write(to: &writer)
        }
        writer.writeVarint(UInt64(confirmations.count))
        for record in confirmations {
            record.setBy.write(to: &writer)
            record.value.write(to: &writer)
        }
        writer.writeVarint(UInt64(orders.count))
        for record in orders {
            record.setBy.write(to: &writer)
            record.value.write(to: &writer)
        }
        writer.writeVarint(UInt64(responses.count))
        for record in responses {
            record.setBy.write(to: &writer)
            record.value.write(to: &writer)
        }
        // The catalog sections are written only when the catalog has an entry, so a state without kinds 7 and 8
        // keeps the encoding (and digest) it had before they existed.
        if !itemDefinitions.isEmpty || !itemGroups.isEmpty {
            writer.writeVarint(UInt64(itemDefinitions.count))
            for record in itemDefinitions {
                record.setBy.write(to: &writer)
                record.value.write(to: &writer)
            }
            writer.writeVarint(UInt64(itemGroups.count))
            for record in itemGroups {
                record.since.write(to: &writer)
                record.setBy.write(to: &writer)
                record.group.write(to: &writer)
            }
        }
        return writer.bytes
    }

    /// SHA-256 of `canonicalBytes`: what nodes compare to know they see the same coalition view.
    public var digest: Bytes32 { Bytes32(SHA256.hash(canonicalBytes)) }

    public static func == (a: CoalitionState, b: CoalitionState) -> Bool { a.canonicalBytes == b.canonicalBytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(digest) }
}
