import CapSyncWire

/// A drawdown plan (entry kind 11): the partner may let its stock of `item` at `site` go below the threshold
/// from `from` through `to`, down to `floor`, and plans to hold the stock of each refill step by that step's
/// month. One plan per (partner, item, site), last writer wins; `isActive == false` withdraws it.
///
/// With a plan, a stock below threshold inside the window and at or above the floor is an intended drawdown,
/// not an alarm; a stock below a refill step's level once its month has come is a refill behind plan
/// (Protocol/fold.md §Drawdown plans).
public struct DrawdownPlan: Sendable, Hashable, Encodable {
    /// The stock the partner plans to hold (at least) from `month` on.
    public struct RefillStep: Sendable, Hashable, Encodable {
        public let month: Period
        public let stock: UInt64

        public init(month: Period, stock: UInt64) {
            self.month = month
            self.stock = stock
        }
    }

    public let partner: String
    public let item: String
    public let site: String
    public let from: Period
    public let to: Period
    public let floor: UInt64
    /// Months strictly ascending, each after `from`.
    public let refill: [RefillStep]
    public let isActive: Bool

    public static let maxRefillSteps = 120

    public init(
        partner: String,
        item: String,
        site: String,
        from: Period,
        to: Period,
        floor: UInt64,
        refill: [RefillStep],
        isActive: Bool = true
    ) throws(MergeError) {
        try FieldRules.checkPartner(partner, field: "drawdown.partner")
        try FieldRules.checkCode(item, field: "drawdown.item")
        try FieldRules.checkSite(site, field: "drawdown.site")
        try FieldRules.checkQuantity(floor, field: "drawdown.floor")
        try DrawdownPlan.check(from: from, to: to, refill: refill)
        self.partner = partner
        self.item = item
        self.site = site
        self.from = from
        self.to = to
        self.floor = floor
        self.refill = refill
        self.isActive = isActive
    }

    static func check(from: Period, to: Period, refill: [RefillStep]) throws(MergeError) {
        guard from <= to else {
            throw MergeError(.invalidValue, "the window starts \(from), after its end \(to)", context: "drawdown.to")
        }
        guard refill.count <= maxRefillSteps else {
            throw MergeError(.invalidValue, "at most \(maxRefillSteps) refill steps", context: "drawdown.refill")
        }
        var previous = from
        for step in refill {
            guard previous < step.month else {
                throw MergeError(
                    .invalidValue,
                    "refill month \(step.month) must come after \(previous) (months ascending, after the start)",
                    context: "drawdown.refill"
                )
            }
            try FieldRules.checkQuantity(step.stock, field: "drawdown.refill.stock")
            previous = step.month
        }
    }

    /// Whether month `m` lies inside the drawdown window.
    public func covers(_ m: Period) -> Bool { from <= m && m <= to }

    /// The refill step in force in month `m`: the one with the latest month not after `m`.
    public func refillStep(at m: Period) -> RefillStep? { refill.last { $0.month <= m } }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 64 + refill.count * 6)
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout ByteWriter) {
        writer.writeString(partner)
        writer.writeString(item)
        writer.writeString(site)
        from.write(to: &writer)
        to.write(to: &writer)
        writer.writeVarint(floor)
        writer.writeVarint(UInt64(refill.count))
        for step in refill {
            step.month.write(to: &writer)
            writer.writeVarint(step.stock)
        }
        writer.writeUInt8(isActive ? 0 : 1)
    }

    public init(decoding bytes: [UInt8]) throws(MergeError) {
        var reader = ByteReader(bytes, context: "drawdown")
        try self.init(reading: &reader)
    }

    init(reading reader: inout ByteReader) throws(MergeError) {
        partner = try reader.readPartner("partner")
        item = try reader.readCode("item")
        site = try reader.readSite("site")
        from = try Period(reading: &reader, field: "from")
        to = try Period(reading: &reader, field: "to")
        floor = try reader.readQuantity("floor")
        let count: Int
        do { count = try reader.readCount("refill.count", limit: DrawdownPlan.maxRefillSteps) } catch {
            throw MergeError(error)
        }
        var steps: [RefillStep] = []
        steps.reserveCapacity(count)
        for _ in 0..<count {
            let month = try Period(reading: &reader, field: "refill.month")
            steps.append(RefillStep(month: month, stock: try reader.readQuantity("refill.stock")))
        }
        let status: UInt8
        do { status = try reader.readUInt8("status") } catch { throw MergeError(error) }
        guard status <= 1 else {
            throw MergeError(
                .invalidValue,
                "status is 0 (active) or 1 (withdrawn), not \(status)",
                context: "drawdown.status"
            )
        }
        try DrawdownPlan.check(from: from, to: to, refill: steps)
        refill = steps
        isActive = status == 0
        try reader.finish("drawdown")
    }
}
