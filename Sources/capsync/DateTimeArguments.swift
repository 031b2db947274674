import ArgumentParser
import CapSyncMerge
import CapSyncWire

/// Every date/time flag reads its value through `DateTimeText`, so `--as-of`, `--since` and `--due` accept the same
/// forms and refuse the same mistakes (exit status 64, the accepted forms shown).
struct DateTimeArgument: Sendable {
    let text: DateTimeText

    static func parse(_ argument: String) throws -> DateTimeArgument {
        do { return DateTimeArgument(text: try DateTimeText(argument)) } catch { throw DateTimeFlagError() }
    }

    /// The view through this time: a whole day counts to its last millisecond (UTC).
    var throughTimestamp: HLCTimestamp {
        HLCTimestamp(milliseconds: UInt64(max(0, text.endMilliseconds)), logical: .max)
    }

    /// The view just before this time: a day starts at 00:00:00.000 UTC, so its own changes count as after it.
    var beforeTimestamp: HLCTimestamp {
        let start = text.startMilliseconds
        return start > 0
            ? HLCTimestamp(milliseconds: UInt64(start - 1), logical: .max) : HLCTimestamp(milliseconds: 0, logical: 0)
    }
}

/// A calendar day flag (`--due`): only the date form, since a need is due on a day, not at an instant.
struct DayArgument: Sendable {
    let day: Day

    static func parse(_ argument: String) throws -> DayArgument {
        guard case .day(let day)? = try? DateTimeText(argument).value else { throw DayFlagError() }
        return DayArgument(day: day)
    }
}

struct DateTimeFlagError: Error, CustomStringConvertible {
    var description: String { "use \(DateTimeText.acceptedForms)" }
}

struct DayFlagError: Error, CustomStringConvertible {
    var description: String { "use a calendar day YYYY-MM-DD, e.g. 2027-01-31" }
}
