import CapSyncWire

/// Where a joint-procurement pool stands. Only its lead nation moves it (Protocol/fold.md §Rules).
public enum PoolStatus: UInt8, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case forming = 0
    case tendering = 1
    case contracted = 2
    case closed = 3

    public var description: String {
        switch self {
        case .forming: "forming"
        case .tendering: "tendering"
        case .contracted: "contracted"
        case .closed: "closed"
        }
    }

    public init?(name: String) {
        guard let status = PoolStatus.allCases.first(where: { $0.description == name }) else { return nil }
        self = status
    }
}

/// The terms of an item's pool (entry kind 9), written by its lead nation: the quantity the pool procures and its
/// status. The first partner to state terms for an item leads its pool; terms from any other partner are ignored
/// (`notPoolLead`), so only the lead changes the status. Membership stays the add-wins set of kinds 5 and 6.
public struct PoolTerms: Sendable, Hashable {
    public let lead: String
    public let item: String
    public let target: UInt64
    public let status: PoolStatus

    public init(lead: String, item: String, target: UInt64, status: PoolStatus) throws(MergeError) {
        try FieldRules.checkPartner(lead, field: "pool terms.lead")
        try FieldRules.checkCode(item, field: "pool terms.item")
        try FieldRules.checkQuantity(target, field: "pool terms.target")
        self.lead = lead
        self.item = item
        self.target = target
        self.status = status
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 40)
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout ByteWriter) {
        writer.writeString(lead)
        writer.writeString(item)
        writer.writeVarint(target)
        writer.writeUInt8(status.rawValue)
    }

    public init(decoding bytes: [UInt8]) throws(MergeError) {
        var reader = ByteReader(bytes, context: "pool terms")
        try self.init(reading: &reader)
    }

    init(reading reader: inout ByteReader) throws(MergeError) {
        lead = try reader.readPartner("lead")
        item = try reader.readCode("item")
        target = try reader.readQuantity("target")
        let raw: UInt8
        do { raw = try reader.readUInt8("status") } catch { throw MergeError(error) }
        guard let status = PoolStatus(rawValue: raw) else {
            throw MergeError(
                .invalidValue,
                "status is 0 (forming), 1 (tendering), 2 (contracted) or 3 (closed), not \(raw)",
                context: "pool terms.status"
            )
        }
        self.status = status
        try reader.finish("pool terms")
    }
}

/// A member's share of an item's pool (entry kind 10): how much of the item it wants through the pool. One
/// absolute quantity per (item, partner), last writer wins; 0 withdraws the share, not the membership.
public struct PoolShare: Sendable, Hashable {
    public let partner: String
    public let item: String
    public let quantity: UInt64

    public init(partner: String, item: String, quantity: UInt64) throws(MergeError) {
        try FieldRules.checkPartner(partner, field: "pool share.partner")
        try FieldRules.checkCode(item, field: "pool share.item")
        try FieldRules.checkQuantity(quantity, field: "pool share.quantity")
        self.partner = partner
        self.item = item
        self.quantity = quantity
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 40)
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout ByteWriter) {
        writer.writeString(partner)
        writer.writeString(item)
        writer.writeVarint(quantity)
    }

    public init(decoding bytes: [UInt8]) throws(MergeError) {
        var reader = ByteReader(bytes, context: "pool share")
        try self.init(reading: &reader)
    }

    init(reading reader: inout ByteReader) throws(MergeError) {
        partner = try reader.readPartner("partner")
        item = try reader.readCode("item")
        quantity = try reader.readQuantity("quantity")
        try reader.finish("pool share")
    }
}
