/// Month and day arithmetic for the period views (Protocol/fold.md §Views): ages in whole months, the month a
/// clock reading falls in, and how many days lie between two dates.
extension Period {
    /// Months since January of year 0: consecutive months differ by one, so differences are ages.
    public var monthNumber: Int { Int(year) * 12 + Int(month) - 1 }

    /// The month `monthNumber` counts to, or nil outside the years a period may have.
    public init?(monthNumber: Int) {
        guard monthNumber >= 0 else { return nil }
        let year = monthNumber / 12
        guard year >= Int(Period.years.lowerBound), year <= Int(Period.years.upperBound) else { return nil }
        self.init(unchecked: UInt16(year), month: UInt8(monthNumber % 12 + 1))
    }

    /// This month moved by `months` (negative: earlier), clamped to the years a period may have.
    public func adding(months: Int) -> Period {
        let lowest = Int(Period.years.lowerBound) * 12
        let highest = Int(Period.years.upperBound) * 12 + 11
        return Period(monthNumber: min(highest, max(lowest, monthNumber + months)))!
    }

    /// Whole months from `earlier` to this month (negative when `earlier` is later).
    public func months(since earlier: Period) -> Int { monthNumber - earlier.monthNumber }

    /// The UTC month a clock reading (milliseconds since 1970) falls in.
    public init(containingMilliseconds milliseconds: UInt64) {
        let day = Day(dayNumber: Int(milliseconds / 86_400_000))
        self.init(unchecked: day.year, month: day.month)
    }

    /// The earliest month the report and import commands accept: figures before it are typing errors.
    public static let earliestInput = Period(unchecked: 2000, month: 1)
    /// How far ahead of the current month a report may be (a plan); beyond it a period is a typing error.
    public static let inputMonthsAhead = 24

    /// The months the report and import commands accept when the current month is `current`.
    public static func inputRange(current: Period) -> ClosedRange<Period> {
        earliestInput...max(earliestInput, current.adding(months: inputMonthsAhead))
    }
}

extension Day {
    /// Days since 1970-01-01 (negative before), by the proleptic Gregorian calendar.
    public var dayNumber: Int {
        // Howard Hinnant's days_from_civil.
        let y = Int(year) - (month <= 2 ? 1 : 0)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The day `dayNumber` days after 1970-01-01, clamped to the years a date may have.
    public init(dayNumber: Int) {
        let lowest = Day(unchecked: Period.years.lowerBound, month: 1, day: 1).dayNumber
        let highest = Day(unchecked: Period.years.upperBound, month: 12, day: 31).dayNumber
        let z = min(highest, max(lowest, dayNumber)) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        self.init(unchecked: UInt16(year), month: UInt8(month), day: UInt8(day))
    }

    /// The UTC day a clock reading (milliseconds since 1970) falls in.
    public init(containingMilliseconds milliseconds: UInt64) {
        self.init(dayNumber: Int(milliseconds / 86_400_000))
    }

    /// This day moved by `days`.
    public func adding(days: Int) -> Day { Day(dayNumber: dayNumber + days) }
}
