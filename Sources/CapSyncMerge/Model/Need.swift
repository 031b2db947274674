import CapSyncWire

/// A stated need (entry kind 3): the partner `owner` needs `quantity` of `item` by `due`.
///
/// A need is identified by (owner, code), the code chosen by the owner (e.g. "NEED-UA-001"). Stating it again
/// with the same code updates it, and `isOpen == false` closes it; only the owner's keys can do either, and the
/// latest write wins. A closed need may be reopened by a later write.
public struct Need: Sendable, Hashable {
    public let owner: String
    public let code: String
    public let item: String
    public let quantity: UInt64
    public let due: Day
    /// 1 (most urgent) to 5.
    public let priority: UInt8
    public let isOpen: Bool

    public static let priorities: ClosedRange<UInt8> = 1...5

    public init(
        owner: String,
        code: String,
        item: String,
        quantity: UInt64,
        due: Day,
        priority: UInt8,
        isOpen: Bool = true
    ) throws(MergeError) {
        try FieldRules.checkPartner(owner, field: "need.owner")
        try FieldRules.checkCode(code, field: "need.code")
        try FieldRules.checkCode(item, field: "need.item")
        try FieldRules.checkQuantity(quantity, field: "need.quantity")
        guard Need.priorities.contains(priority) else {
            throw MergeError(
                .invalidValue,
                "priority is 1 (most urgent) to 5, not \(priority)",
                context: "need.priority"
            )
        }
        self.owner = owner
        self.code = code
        self.item = item
        self.quantity = quantity
        self.due = due
        self.priority = priority
        self.isOpen = isOpen
    }

    init(unchecked owner: String, code: String, item: String, quantity: UInt64, due: Day, priority: UInt8, isOpen: Bool)
    {
        self.owner = owner
        self.code = code
        self.item = item
        self.quantity = quantity
        self.due = due
        self.priority = priority
        self.isOpen = isOpen
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 64)
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout ByteWriter) {
        writer.writeString(owner)
        writer.writeString(code)
        writer.writeString(item)
        writer.writeVarint(quantity)
        due.write(to: &writer)
        writer.writeUInt8(priority)
        writer.writeUInt8(isOpen ? 0 : 1)
    }

    public init(decoding bytes: [UInt8]) throws(MergeError) {
        var reader = ByteReader(bytes, context: "need")
        try self.init(reading: &reader)
    }

    init(reading reader: inout ByteReader) throws(MergeError) {
        owner = try reader.readPartner("owner")
        code = try reader.readCode("code")
        item = try reader.readCode("item")
        quantity = try reader.readQuantity("quantity")
        due = try Day(reading: &reader, field: "due")
        let priority: UInt8
        let status: UInt8
        do {
            priority = try reader.readUInt8("priority")
            status = try reader.readUInt8("status")
        } catch { throw MergeError(error) }
        guard Need.priorities.contains(priority) else {
            throw MergeError(.invalidValue, "priority is 1 to 5, not \(priority)", context: "need.priority")
        }
        guard status <= 1 else {
            throw MergeError(.invalidValue, "status is 0 (open) or 1 (closed), not \(status)", context: "need.status")
        }
        self.priority = priority
        isOpen = status == 0
        try reader.finish("need")
    }
}

/// A pledge (entry kind 4): partner `partner` will supply `quantity` towards the need (needOwner, needCode).
///
/// One absolute amount per (pledging partner, need), last writer wins: repeating a pledge changes nothing,
/// and a quantity of zero withdraws it.
public struct Pledge: Sendable, Hashable {
    public let partner: String
    public let needOwner: String
    public let needCode: String
    public let quantity: UInt64

    public init(partner: String, needOwner: String, needCode: String, quantity: UInt64) throws(MergeError) {
        try FieldRules.checkPartner(partner, field: "pledge.partner")
        try FieldRules.checkPartner(needOwner, field: "pledge.need owner")
        try FieldRules.checkCode(needCode, field: "pledge.need code")
        try FieldRules.checkQuantity(quantity, field: "pledge.quantity")
        self.partner = partner
        self.needOwner = needOwner
        self.needCode = needCode
        self.quantity = quantity
    }

    init(unchecked partner: String, needOwner: String, needCode: String, quantity: UInt64) {
        self.partner = partner
        self.needOwner = needOwner
        self.needCode = needCode
        self.quantity = quantity
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 48)
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout ByteWriter) {
        writer.writeString(partner)
        writer.writeString(needOwner)
        writer.writeString(needCode)
        writer.writeVarint(quantity)
    }

    public init(decoding bytes: [UInt8]) throws(MergeError) {
        var reader = ByteReader(bytes, context: "pledge")
        try self.init(reading: &reader)
    }

    init(reading reader: inout ByteReader) throws(MergeError) {
        partner = try reader.readPartner("partner")
        needOwner = try reader.readPartner("need owner")
        needCode = try reader.readCode("need code")
        quantity = try reader.readQuantity("quantity")
        try reader.finish("pledge")
    }
}
