import CapSyncWire

/// What one partner can produce and holds of one item at one site in one month (entry kind 1).
///
/// The record key is (partner, item, site, period); a later report for the same key replaces the earlier one
/// (last writer wins by HLC timestamp, then author key), so a partner corrects a report by sending it again.
public struct CapacityReport: Sendable, Hashable {
    /// The partner the report is for; must be the author's partner in the roster.
    public let partner: String
    public let item: String
    public let site: String
    public let period: Period
    public let monthlyCapacity: UInt64
    public let monthlyOutput: UInt64
    public let stockOnHand: UInt64
    /// The stock level the partner will not go below: only stock above it is available to others.
    public let stockThreshold: UInt64
    public let leadTimeDays: UInt64
    /// Free text: what limits output (energy, workforce, a sub-supplier...).
    public let constraints: String

    public init(
        partner: String,
        item: String,
        site: String,
        period: Period,
        monthlyCapacity: UInt64,
        monthlyOutput: UInt64,
        stockOnHand: UInt64,
        stockThreshold: UInt64,
        leadTimeDays: UInt64,
        constraints: String = ""
    ) throws(MergeError) {
        try FieldRules.checkPartner(partner, field: "capacity report.partner")
        try FieldRules.checkCode(item, field: "capacity report.item")
        try FieldRules.checkSite(site, field: "capacity report.site")
        try FieldRules.checkQuantity(monthlyCapacity, field: "capacity report.monthly capacity")
        try FieldRules.checkQuantity(monthlyOutput, field: "capacity report.monthly output")
        try FieldRules.checkQuantity(stockOnHand, field: "capacity report.stock on hand")
        try FieldRules.checkQuantity(stockThreshold, field: "capacity report.stock threshold")
        guard leadTimeDays <= FieldRules.maxLeadTimeDays else {
            throw MergeError(
                .invalidValue,
                "lead time is at most \(FieldRules.maxLeadTimeDays) days",
                context: "capacity report.lead time"
            )
        }
        try FieldRules.checkFreeText(constraints, field: "capacity report.constraints")
        self.partner = partner
        self.item = item
        self.site = site
        self.period = period
        self.monthlyCapacity = monthlyCapacity
        self.monthlyOutput = monthlyOutput
        self.stockOnHand = stockOnHand
        self.stockThreshold = stockThreshold
        self.leadTimeDays = leadTimeDays
        self.constraints = constraints
    }

    /// For values already validated (rebuilt from the fold's registers).
    init(
        unchecked partner: String,
        item: String,
        site: String,
        period: Period,
        monthlyCapacity: UInt64,
        monthlyOutput: UInt64,
        stockOnHand: UInt64,
        stockThreshold: UInt64,
        leadTimeDays: UInt64,
        constraints: String
    ) {
        self.partner = partner
        self.item = item
        self.site = site
        self.period = period
        self.monthlyCapacity = monthlyCapacity
        self.monthlyOutput = monthlyOutput
        self.stockOnHand = stockOnHand
        self.stockThreshold = stockThreshold
        self.leadTimeDays = leadTimeDays
        self.constraints = constraints
    }

    /// Stock the partner can release: what is held above its threshold.
    public var availableAboveThreshold: UInt64 { stockOnHand > stockThreshold ? stockOnHand - stockThreshold : 0 }

    /// The canonical payload (Protocol/payloads.md §Capacity report).
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 96 + constraints.utf8.count)
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout ByteWriter) {
        writer.writeString(partner)
        writer.writeString(item)
        writer.writeString(site)
        period.write(to: &writer)
        writer.writeVarint(monthlyCapacity)
        writer.writeVarint(monthlyOutput)
        writer.writeVarint(stockOnHand)
        writer.writeVarint(stockThreshold)
        writer.writeVarint(leadTimeDays)
        writer.writeString(constraints)
    }

    public init(decoding bytes: [UInt8]) throws(MergeError) {
        var reader = ByteReader(bytes, context: "capacity report")
        try self.init(reading: &reader)
    }

    /// Decodes a whole payload from `reader`: trailing bytes are refused.
    init(reading reader: inout ByteReader) throws(MergeError) {
        partner = try reader.readPartner("partner")
        item = try reader.readCode("item")
        site = try reader.readSite("site")
        period = try Period(reading: &reader, field: "period")
        monthlyCapacity = try reader.readQuantity("monthly capacity")
        monthlyOutput = try reader.readQuantity("monthly output")
        stockOnHand = try reader.readQuantity("stock on hand")
        stockThreshold = try reader.readQuantity("stock threshold")
        do { leadTimeDays = try reader.readVarint("lead time", max: FieldRules.maxLeadTimeDays) } catch {
            throw MergeError(error)
        }
        constraints = try reader.readFreeText("constraints")
        try reader.finish("capacity report")
    }
}

/// Withdraws a capacity report (entry kind 2): a tombstone for (partner, item, site, period) under the same
/// last-writer-wins rule as the report, so a later report brings the record back.
public struct ReportRetraction: Sendable, Hashable {
    public let partner: String
    public let item: String
    public let site: String
    public let period: Period

    public init(partner: String, item: String, site: String, period: Period) throws(MergeError) {
        try FieldRules.checkPartner(partner, field: "report retraction.partner")
        try FieldRules.checkCode(item, field: "report retraction.item")
        try FieldRules.checkSite(site, field: "report retraction.site")
        self.partner = partner
        self.item = item
        self.site = site
        self.period = period
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 64)
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout ByteWriter) {
        writer.writeString(partner)
        writer.writeString(item)
        writer.writeString(site)
        period.write(to: &writer)
    }

    public init(decoding bytes: [UInt8]) throws(MergeError) {
        var reader = ByteReader(bytes, context: "report retraction")
        try self.init(reading: &reader)
    }

    init(reading reader: inout ByteReader) throws(MergeError) {
        partner = try reader.readPartner("partner")
        item = try reader.readCode("item")
        site = try reader.readSite("site")
        period = try Period(reading: &reader, field: "period")
        try reader.finish("report retraction")
    }
}
