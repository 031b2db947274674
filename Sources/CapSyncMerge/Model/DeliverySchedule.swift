import CapSyncWire

/// A month and quantities, one row of a delivery schedule or confirmation.
public struct DeliveryMonth: Sendable, Hashable {
    public let month: Period
    /// Schedule: promised for the month. Confirmation: confirmed received in the month.
    public let quantity: UInt64
    /// Schedule only: delivered in the month, as the pledging partner records it (0 in confirmations).
    public let delivered: UInt64

    public init(month: Period, quantity: UInt64, delivered: UInt64 = 0) {
        self.month = month
        self.quantity = quantity
        self.delivered = delivered
    }

    public static let maxMonths = 120

    static func check(_ rows: [DeliveryMonth], field: String) throws(MergeError) {
        guard rows.count <= maxMonths else {
            throw MergeError(.invalidValue, "at most \(maxMonths) months", context: field)
        }
        for (index, row) in rows.enumerated() {
            try FieldRules.checkQuantity(row.quantity, field: field + ".quantity")
            try FieldRules.checkQuantity(row.delivered, field: field + ".delivered")
            if index > 0, !(rows[index - 1].month < row.month) {
                throw MergeError(.invalidValue, "months must be strictly ascending", context: field)
            }
        }
    }

    static func read(
        _ reader: inout ByteReader,
        field: String,
        withDelivered: Bool
    ) throws(MergeError) -> [DeliveryMonth] {
        let count: Int
        do { count = try reader.readCount(field + ".count", limit: maxMonths) } catch { throw MergeError(error) }
        var rows: [DeliveryMonth] = []
        for _ in 0..<count {
            let month = try Period(reading: &reader, field: field + ".month")
            let quantity = try reader.readQuantity(field + ".quantity")
            let delivered = withDelivered ? try reader.readQuantity(field + ".delivered") : 0
            rows.append(DeliveryMonth(month: month, quantity: quantity, delivered: delivered))
        }
        try check(rows, field: field)
        return rows
    }

    static func write(_ rows: [DeliveryMonth], to writer: inout ByteWriter, withDelivered: Bool) {
        writer.writeVarint(UInt64(rows.count))
        for row in rows {
            row.month.write(to: &writer)
            writer.writeVarint(row.quantity)
            if withDelivered { writer.writeVarint(row.delivered) }
        }
    }
}

/// A pledge's delivery schedule (entry kind 12), written by the pledging partner: per month, what it promises and
/// what it has delivered. One schedule per (pledging partner, need), last writer wins: the partner restates the
/// whole schedule to record a delivery.
public struct DeliverySchedule: Sendable, Hashable {
    public let partner: String
    public let needOwner: String
    public let needCode: String
    public let months: [DeliveryMonth]

    public init(partner: String, needOwner: String, needCode: String, months: [DeliveryMonth]) throws(MergeError) {
        try FieldRules.checkPartner(partner, field: "delivery schedule.partner")
        try FieldRules.checkPartner(needOwner, field: "delivery schedule.need owner")
        try FieldRules.checkCode(needCode, field: "delivery schedule.need code")
        try DeliveryMonth.check(months, field: "delivery schedule.months")
        self.partner = partner
        self.needOwner = needOwner
        self.needCode = needCode
        self.months = months
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 48 + months.count * 8)
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout ByteWriter) {
        writer.writeString(partner)
        writer.writeString(needOwner)
        writer.writeString(needCode)
        DeliveryMonth.write(months, to: &writer, withDelivered: true)
    }

    init(reading reader: inout ByteReader) throws(MergeError) {
        partner = try reader.readPartner("partner")
        needOwner = try reader.readPartner("need owner")
        needCode = try reader.readCode("need code")
        months = try DeliveryMonth.read(&reader, field: "months", withDelivered: true)
        try reader.finish("delivery schedule")
    }

    public var promised: UInt64 { months.reduce(0) { $0 + $1.quantity } }
    public var delivered: UInt64 { months.reduce(0) { $0 + $1.delivered } }
}

/// What the needing partner confirms it received from one pledging partner (entry kind 13), per month. One per
/// (need owner, need code, pledging partner), last writer wins; only the need's owner writes it.
public struct DeliveryConfirmation: Sendable, Hashable {
    public let needOwner: String
    public let needCode: String
    public let pledger: String
    public let months: [DeliveryMonth]

    public init(needOwner: String, needCode: String, pledger: String, months: [DeliveryMonth]) throws(MergeError) {
        try FieldRules.checkPartner(needOwner, field: "delivery confirmation.need owner")
        try FieldRules.checkCode(needCode, field: "delivery confirmation.need code")
        try FieldRules.checkPartner(pledger, field: "delivery confirmation.pledger")
        let rows = months.map { DeliveryMonth(month: $0.month, quantity: $0.quantity) }
        try DeliveryMonth.check(rows, field: "delivery confirmation.months")
        self.needOwner = needOwner
        self.needCode = needCode
        self.pledger = pledger
        self.months = rows
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 48 + months.count * 6)
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout ByteWriter) {
        writer.writeString(needOwner)
        writer.writeString(needCode)
        writer.writeString(pledger)
        DeliveryMonth.write(months, to: &writer, withDelivered: false)
    }

    init(reading reader: inout ByteReader) throws(MergeError) {
        needOwner = try reader.readPartner("need owner")
        needCode = try reader.readCode("need code")
        pledger = try reader.readPartner("pledger")
        months = try DeliveryMonth.read(&reader, field: "months", withDelivered: false)
        try reader.finish("delivery confirmation")
    }

    public var confirmed: UInt64 { months.reduce(0) { $0 + $1.quantity } }
}
