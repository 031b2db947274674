import ArgumentParser
import CapSyncMerge
import CapSyncNode
import CapSyncWire

/// `--by partner|site|item`.
func parseGrouping(_ text: String) throws -> TotalsGrouping {
    guard let grouping = TotalsGrouping(rawValue: text) else {
        throw ValidationError(
            "'\(text)' is not one of: \(TotalsGrouping.allCases.map(\.rawValue).joined(separator: ", "))"
        )
    }
    return grouping
}

/// What every coalition view shares: the month it answers for, when figures count as stale, and the time it is
/// folded as of (Protocol/fold.md §Views).
struct ViewOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The month the view is for, YYYY-MM (default: the current UTC month, or the month of --as-of). Each site "
                + "counts with its report for that month, else its latest earlier one; later months are plans.",
            valueName: "month"
        )
    )
    var period: String?
    @Option(
        help: ArgumentHelp(
            "Figures more than this many months older than the view's month are marked stale.",
            valueName: "months"
        )
    )
    var staleAfter: Int = ViewPeriod.defaultStaleAfterMonths
    @Option(
        help: ArgumentHelp(
            "The view as of this time. A date YYYY-MM-DD means through the end of that day (23:59:59.999 UTC); "
                + "a time is YYYY-MM-DDTHH:MM[:SS[.fff]] with Z or an offset (+01:00).",
            valueName: "date-time"
        ),
        transform: DateTimeArgument.parse
    )
    var asOf: DateTimeArgument?

    func validate() throws {
        if let period { try validatePeriod(period) }
        guard (0...600).contains(staleAfter) else {
            throw ValidationError("--stale-after: \(staleAfter) is not a number of months from 0 to 600")
        }
    }

    var asOfStamp: HLCTimestamp? { asOf?.throughTimestamp }

    /// The clock the view is read at: the end of --as-of, else now.
    var referenceMilliseconds: UInt64 {
        asOf.map { UInt64(max(0, $0.text.endMilliseconds)) } ?? Node.nowMilliseconds()
    }

    func viewPeriod() throws -> ViewPeriod {
        let month = try period.map { text in try checked("--period") { () throws(MergeError) in try Period(text) } }
        return ViewPeriod(
            month ?? Period(containingMilliseconds: referenceMilliseconds),
            staleAfterMonths: staleAfter
        )
    }

    /// The day deliveries are counted from in shortfall matches.
    var today: Day { Day(containingMilliseconds: referenceMilliseconds) }
}

/// A month flag that may be absent (`--from`, `--to`): checked as `--period` is.
func parseMonth(_ flag: String, _ text: String?) throws -> Period? {
    guard let text else { return nil }
    return try checked(flag) { () throws(MergeError) in try Period(text) }
}
