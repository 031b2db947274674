/// Dates and times as operators type them on the command line, read one way for every flag.
///
/// Accepted: an ISO 8601 calendar date `YYYY-MM-DD` (UTC), or a date-time `YYYY-MM-DDTHH:MM[:SS[.fraction]]`
/// followed by `Z` or an offset `+HH:MM` / `-HH:MM` (`+HHMM`, `+HH` too). A date-time without a zone is refused:
/// the same text would name a different instant on every node's clock. Anything else is refused whole, never
/// read up to the first character that does not fit.
public struct DateTimeText: Sendable, Hashable {
    /// What the text named: a whole UTC day, or one instant (milliseconds since 1970, UTC; a finer fraction is
    /// cut to the millisecond).
    public enum Value: Sendable, Hashable {
        case day(Day)
        case instant(milliseconds: Int64)
    }

    public let value: Value

    /// The forms, for error messages and help.
    public static let acceptedForms =
        "YYYY-MM-DD (a UTC day), or YYYY-MM-DDTHH:MM[:SS[.fff]] with Z or an offset such as +01:00 "
        + "(e.g. 2026-11-28, 2026-11-28T06:21:00Z, 2026-11-28T07:21:00.5+01:00)"

    public init(_ text: String) throws(MergeError) {
        guard let value = Self.read(Array(text.utf8)) else {
            throw MergeError(
                .invalidValue,
                "'\(text.prefix(40))' is not a date or time: use \(Self.acceptedForms)",
                context: "date"
            )
        }
        self.value = value
    }

    /// The first millisecond of the day, or the instant.
    public var startMilliseconds: Int64 {
        switch value {
        case .day(let day): Self.daysSinceEpoch(day) * 86_400_000
        case .instant(let milliseconds): milliseconds
        }
    }

    /// The last millisecond of the day, or the instant.
    public var endMilliseconds: Int64 {
        switch value {
        case .day(let day): (Self.daysSinceEpoch(day) + 1) * 86_400_000 - 1
        case .instant(let milliseconds): milliseconds
        }
    }

    private static func read(_ bytes: [UInt8]) -> Value? {
        var reader = Reader(bytes: bytes)
        guard let year = reader.digits(4), reader.skip("-"), let month = reader.digits(2), reader.skip("-"),
            let dayOfMonth = reader.digits(2),
            let day = try? Day(year: UInt16(year), month: UInt8(month), day: UInt8(dayOfMonth))
        else { return nil }
        if reader.atEnd { return .day(day) }
        guard reader.skip("T") || reader.skip("t"), let hour = reader.digits(2), hour < 24, reader.skip(":"),
            let minute = reader.digits(2), minute < 60
        else { return nil }
        var second: Int64 = 0
        var millisecond: Int64 = 0
        if reader.skip(":") {
            guard let s = reader.digits(2), s < 60 else { return nil }
            second = s
            if reader.skip(".") || reader.skip(",") {
                var count = 0
                while let digit = reader.digit() {
                    if count < 3 { millisecond = millisecond * 10 + digit }
                    count += 1
                }
                guard (1...9).contains(count) else { return nil }
                if count < 3 { for _ in count..<3 { millisecond *= 10 } }
            }
        }
        let offsetMinutes: Int64
        if reader.skip("Z") || reader.skip("z") {
            offsetMinutes = 0
        } else if let sign: Int64 = reader.skip("+") ? 1 : reader.skip("-") ? -1 : nil {
            guard let hours = reader.digits(2), hours <= 23 else { return nil }
            var minutes: Int64 = 0
            if !reader.atEnd {
                _ = reader.skip(":")
                guard let m = reader.digits(2), m < 60 else { return nil }
                minutes = m
            }
            offsetMinutes = sign * (hours * 60 + minutes)
        } else {
            return nil
        }
        guard reader.atEnd else { return nil }
        let seconds = daysSinceEpoch(day) * 86_400 + hour * 3_600 + minute * 60 + second - offsetMinutes * 60
        guard seconds >= 0 else { return nil }
        return .instant(milliseconds: seconds * 1_000 + millisecond)
    }

    /// Days from 1970-01-01 to a day (proleptic Gregorian calendar).
    static func daysSinceEpoch(_ day: Day) -> Int64 {
        let month = Int64(day.month)
        let dayOfMonth = Int64(day.day)
        let year = Int64(day.year) - (month <= 2 ? 1 : 0)
        let era = year / 400
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + dayOfMonth - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        mutating func digit() -> Int64? {
            guard index < bytes.count, FieldRules.isDigit(bytes[index]) else { return nil }
            index += 1
            return Int64(bytes[index - 1] - 48)
        }

        mutating func digits(_ count: Int) -> Int64? {
            var value: Int64 = 0
            for _ in 0..<count {
                guard let digit = digit() else { return nil }
                value = value * 10 + digit
            }
            return value
        }
    }
}
