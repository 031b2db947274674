import CapSyncWire

/// An order placed at a production site (entry kind 14) by the ordering partner: the site may be its own or
/// another partner's. One order per (ordering partner, code), last writer wins; `isOpen == false` cancels it.
public struct FactoryOrder: Sendable, Hashable {
    public let partner: String
    public let code: String
    public let siteOwner: String
    public let site: String
    public let item: String
    public let quantity: UInt64
    /// The months the order is wanted in, first and last (first ≤ last).
    public let wantedFrom: Period
    public let wantedTo: Period
    /// 1 (most urgent) to 5.
    public let priority: UInt8
    public let isOpen: Bool

    public init(
        partner: String,
        code: String,
        siteOwner: String,
        site: String,
        item: String,
        quantity: UInt64,
        wantedFrom: Period,
        wantedTo: Period,
        priority: UInt8,
        isOpen: Bool = true
    ) throws(MergeError) {
        try FieldRules.checkPartner(partner, field: "order.partner")
        try FieldRules.checkCode(code, field: "order.code")
        try FieldRules.checkPartner(siteOwner, field: "order.site owner")
        try FieldRules.checkSite(site, field: "order.site")
        try FieldRules.checkCode(item, field: "order.item")
        try FieldRules.checkQuantity(quantity, field: "order.quantity")
        try FactoryOrder.check(from: wantedFrom, to: wantedTo, priority: priority)
        self.partner = partner
        self.code = code
        self.siteOwner = siteOwner
        self.site = site
        self.item = item
        self.quantity = quantity
        self.wantedFrom = wantedFrom
        self.wantedTo = wantedTo
        self.priority = priority
        self.isOpen = isOpen
    }

    static func check(from: Period, to: Period, priority: UInt8) throws(MergeError) {
        guard from <= to else {
            throw MergeError(.invalidValue, "wanted from \(from), after \(to)", context: "order.wanted")
        }
        guard Need.priorities.contains(priority) else {
            throw MergeError(.invalidValue, "priority is 1 to 5, not \(priority)", context: "order.priority")
        }
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 96)
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout ByteWriter) {
        writer.writeString(partner)
        writer.writeString(code)
        writer.writeString(siteOwner)
        writer.writeString(site)
        writer.writeString(item)
        writer.writeVarint(quantity)
        wantedFrom.write(to: &writer)
        wantedTo.write(to: &writer)
        writer.writeUInt8(priority)
        writer.writeUInt8(isOpen ? 0 : 1)
    }

    init(reading reader: inout ByteReader) throws(MergeError) {
        partner = try reader.readPartner("partner")
        code = try reader.readCode("code")
        siteOwner = try reader.readPartner("site owner")
        site = try reader.readSite("site")
        item = try reader.readCode("item")
        quantity = try reader.readQuantity("quantity")
        wantedFrom = try Period(reading: &reader, field: "wanted from")
        wantedTo = try Period(reading: &reader, field: "wanted to")
        let priority: UInt8
        let status: UInt8
        do {
            priority = try reader.readUInt8("priority")
            status = try reader.readUInt8("status")
        } catch { throw MergeError(error) }
        try FactoryOrder.check(from: wantedFrom, to: wantedTo, priority: priority)
        guard status <= 1 else {
            throw MergeError(
                .invalidValue,
                "status is 0 (open) or 1 (cancelled), not \(status)",
                context: "order.status"
            )
        }
        self.priority = priority
        isOpen = status == 0
        try reader.finish("order")
    }
}

/// The site owner's answer to an order (entry kind 15): accepted with a slot (month and quantity), or refused.
/// One answer per (site owner, ordering partner, order code), last writer wins. An answer from a partner other
/// than the order's site owner is ignored (`notSiteOwner`).
public struct OrderResponse: Sendable, Hashable {
    public let siteOwner: String
    public let orderPartner: String
    public let orderCode: String
    /// The slot when accepted; nil when refused.
    public let slot: DeliveryMonth?

    public init(siteOwner: String, orderPartner: String, orderCode: String, slot: DeliveryMonth?) throws(MergeError) {
        try FieldRules.checkPartner(siteOwner, field: "order response.site owner")
        try FieldRules.checkPartner(orderPartner, field: "order response.order partner")
        try FieldRules.checkCode(orderCode, field: "order response.order code")
        if let slot { try FieldRules.checkQuantity(slot.quantity, field: "order response.slot quantity") }
        self.siteOwner = siteOwner
        self.orderPartner = orderPartner
        self.orderCode = orderCode
        self.slot = slot.map { DeliveryMonth(month: $0.month, quantity: $0.quantity) }
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 48)
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout ByteWriter) {
        writer.writeString(siteOwner)
        writer.writeString(orderPartner)
        writer.writeString(orderCode)
        if let slot {
            writer.writeUInt8(0)
            slot.month.write(to: &writer)
            writer.writeVarint(slot.quantity)
        } else {
            writer.writeUInt8(1)
        }
    }

    init(reading reader: inout ByteReader) throws(MergeError) {
        siteOwner = try reader.readPartner("site owner")
        orderPartner = try reader.readPartner("order partner")
        orderCode = try reader.readCode("order code")
        let decision: UInt8
        do { decision = try reader.readUInt8("decision") } catch { throw MergeError(error) }
        switch decision {
        case 0:
            let month = try Period(reading: &reader, field: "slot month")
            slot = DeliveryMonth(month: month, quantity: try reader.readQuantity("slot quantity"))
        case 1:
            slot = nil
        default:
            throw MergeError(
                .invalidValue,
                "decision is 0 (accepted) or 1 (refused), not \(decision)",
                context: "order response.decision"
            )
        }
        try reader.finish("order response")
    }
}
