public import CapSyncMerge

/// The months the report and import commands accept (Protocol/fold.md §Periods at input): from 2000-01 to 24
/// months after the current UTC month. A report outside them is almost always a typed year, and once signed and
/// synced it cannot be taken back, only retracted.
public enum PeriodRange {
    /// The accepted months when the clock reads `nowMilliseconds`.
    public static func accepted(nowMilliseconds: UInt64) -> ClosedRange<Period> {
        Period.inputRange(current: Period(containingMilliseconds: nowMilliseconds))
    }

    /// Why `period` is refused: the value and the accepted range.
    public static func refusal(_ period: Period, accepted: ClosedRange<Period>) -> String {
        "\(period) is outside the months that may be reported, \(accepted.lowerBound) to \(accepted.upperBound) "
            + "(from \(Period.earliestInput) up to \(Period.inputMonthsAhead) months after the current month); "
            + "check the year"
    }
}
