import CapSyncWire

/// A reporting month, "YYYY-MM". Capacity is reported per month, so a month is part of a record's key.
/// Encoded as a 2-byte big-endian year then a 1-byte month, so byte order is calendar order.
public struct Period: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let year: UInt16
    public let month: UInt8

    public static let years: ClosedRange<UInt16> = 1970...9999

    public init(year: UInt16, month: UInt8) throws(MergeError) {
        guard Period.years.contains(year), (1...12).contains(month) else {
            throw MergeError(
                .invalidValue,
                "\(year)-\(month) is not a month between 1970-01 and 9999-12",
                context: "period"
            )
        }
        self.year = year
        self.month = month
    }

    /// For values already validated (the fold's own numbering).
    init(unchecked year: UInt16, month: UInt8) {
        self.year = year
        self.month = month
    }

    /// Parses "YYYY-MM".
    public init(_ text: String) throws(MergeError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count == 4, parts[1].utf8.count == 2,
            parts.allSatisfy({ $0.utf8.allSatisfy(FieldRules.isDigit) }),
            let year = UInt16(parts[0]), let month = UInt8(parts[1])
        else {
            throw MergeError(.invalidValue, "'\(text.prefix(20))' is not a month written YYYY-MM", context: "period")
        }
        try self.init(year: year, month: month)
    }

    public static func < (a: Period, b: Period) -> Bool { (a.year, a.month) < (b.year, b.month) }

    public var description: String { CalendarText.pad(year, 4) + "-" + CalendarText.pad(month, 2) }

    func write(to writer: inout ByteWriter) {
        writer.writeUInt16(year)
        writer.writeUInt8(month)
    }

    init(reading reader: inout ByteReader, field: String) throws(MergeError) {
        let year: UInt16
        let month: UInt8
        do {
            year = try reader.readUInt16(field + ".year")
            month = try reader.readUInt8(field + ".month")
        } catch { throw MergeError(error) }
        do { try self.init(year: year, month: month) } catch {
            throw MergeError(.invalidValue, error.reason, context: field)
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A calendar day, "YYYY-MM-DD": when a need is due. Encoded as year (2 bytes), month, day.
public struct Day: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let year: UInt16
    public let month: UInt8
    public let day: UInt8

    public init(year: UInt16, month: UInt8, day: UInt8) throws(MergeError) {
        guard Period.years.contains(year), (1...12).contains(month), day >= 1,
            day <= Day.daysIn(year: year, month: month)
        else { throw MergeError(.invalidValue, "\(year)-\(month)-\(day) is not a calendar day", context: "date") }
        self.year = year
        self.month = month
        self.day = day
    }

    /// For values already validated (calendar arithmetic).
    init(unchecked year: UInt16, month: UInt8, day: UInt8) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses "YYYY-MM-DD".
    public init(_ text: String) throws(MergeError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].utf8.count == 4, parts[1].utf8.count == 2, parts[2].utf8.count == 2,
            parts.allSatisfy({ $0.utf8.allSatisfy(FieldRules.isDigit) }),
            let year = UInt16(parts[0]), let month = UInt8(parts[1]), let day = UInt8(parts[2])
        else {
            throw MergeError(.invalidValue, "'\(text.prefix(20))' is not a date written YYYY-MM-DD", context: "date")
        }
        try self.init(year: year, month: month, day: day)
    }

    static func daysIn(year: UInt16, month: UInt8) -> UInt8 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public static func < (a: Day, b: Day) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    public var description: String {
        CalendarText.pad(year, 4) + "-" + CalendarText.pad(month, 2) + "-" + CalendarText.pad(day, 2)
    }

    func write(to writer: inout ByteWriter) {
        writer.writeUInt16(year)
        writer.writeUInt8(month)
        writer.writeUInt8(day)
    }

    init(reading reader: inout ByteReader, field: String) throws(MergeError) {
        let year: UInt16
        let month: UInt8
        let day: UInt8
        do {
            year = try reader.readUInt16(field + ".year")
            month = try reader.readUInt8(field + ".month")
            day = try reader.readUInt8(field + ".day")
        } catch { throw MergeError(error) }
        do { try self.init(year: year, month: month, day: day) } catch {
            throw MergeError(.invalidValue, error.reason, context: field)
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

enum CalendarText {
    static func pad(_ value: some BinaryInteger, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
