/// A hybrid logical clock timestamp: milliseconds since the Unix epoch in the high 48 bits, a logical counter
/// in the low 16. Ordered as a plain UInt64, so "later" is simply "greater". Strictly increasing along a chain.
public struct HLCTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public init(milliseconds: UInt64, logical: UInt16 = 0) {
        rawValue = milliseconds << 16 | UInt64(logical)
    }

    public var milliseconds: UInt64 { rawValue >> 16 }
    public var logical: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public var description: String { "\(milliseconds).\(logical)" }
}

/// The clock a node stamps its entries with. Pure: the owner injects physical time (`now` in milliseconds) and
/// persists `last` so that a restart never goes backwards (the store does this from its own head).
public struct HybridLogicalClock: Sendable {
    /// The last timestamp issued or observed.
    public private(set) var last: HLCTimestamp
    /// How far ahead of physical time a remote timestamp may be and still advance this clock.
    public var maxForwardDriftMilliseconds: UInt64

    public init(last: HLCTimestamp = HLCTimestamp(rawValue: 0), maxForwardDriftMilliseconds: UInt64 = 5 * 60_000) {
        self.last = last
        self.maxForwardDriftMilliseconds = maxForwardDriftMilliseconds
    }

    /// A new timestamp strictly above every one issued or observed, and at least physical time.
    public mutating func tick(nowMilliseconds: UInt64) -> HLCTimestamp {
        let physical = HLCTimestamp(milliseconds: nowMilliseconds)
        let next = physical > last ? physical : HLCTimestamp(rawValue: last.rawValue + 1)
        last = next
        return next
    }

    /// Takes a remote timestamp into account. Returns false (and leaves the clock alone) when the timestamp is
    /// too far ahead of physical time: such entries are kept but flagged, never advancing our clock (docs/design.md D7).
    @discardableResult
    public mutating func observe(_ remote: HLCTimestamp, nowMilliseconds: UInt64) -> Bool {
        guard !isFarFuture(remote, nowMilliseconds: nowMilliseconds) else { return false }
        if remote > last { last = remote }
        return true
    }

    public func isFarFuture(_ timestamp: HLCTimestamp, nowMilliseconds: UInt64) -> Bool {
        timestamp.milliseconds > nowMilliseconds &+ maxForwardDriftMilliseconds
    }
}
