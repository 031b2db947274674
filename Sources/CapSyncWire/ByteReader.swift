/// Reads canonical encodings from untrusted bytes. Every read is bounds-checked and every length is checked
/// against a caller-given limit before anything is allocated; nothing here traps on hostile input.
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset: Int
    private let end: Int
    /// Prefixed to errors ("entry", "frame HEADS", ...).
    public var context: String?

    public init(_ bytes: [UInt8], context: String? = nil) {
        self.bytes = bytes
        self.offset = 0
        self.end = bytes.count
        self.context = context
    }

    public init(_ bytes: [UInt8], range: Range<Int>, context: String? = nil) {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count)
        self.bytes = bytes
        self.offset = range.lowerBound
        self.end = range.upperBound
        self.context = context
    }

    public var remaining: Int { end - offset }
    public var isAtEnd: Bool { offset >= end }

    func error(_ code: WireError.Code, _ reason: String, field: String, at position: Int? = nil) -> WireError {
        let where_ = context.map { "\($0).\(field)" } ?? field
        return WireError(code, reason, offset: position ?? offset, context: where_)
    }

    public mutating func readUInt8(_ field: String) throws(WireError) -> UInt8 {
        guard offset < end else { throw error(.truncated, "input ends before this 1-byte field", field: field) }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func readUInt16(_ field: String) throws(WireError) -> UInt16 {
        guard remaining >= 2 else { throw error(.truncated, "input ends before this 2-byte field", field: field) }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    public mutating func readUInt32(_ field: String) throws(WireError) -> UInt32 {
        guard remaining >= 4 else { throw error(.truncated, "input ends before this 4-byte field", field: field) }
        var v: UInt32 = 0
        for i in 0..<4 { v = v << 8 | UInt32(bytes[offset + i]) }
        offset += 4
        return v
    }

    public mutating func readUInt64(_ field: String) throws(WireError) -> UInt64 {
        guard remaining >= 8 else { throw error(.truncated, "input ends before this 8-byte field", field: field) }
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(bytes[offset + i]) }
        offset += 8
        return v
    }

    /// Unsigned LEB128 of at most 10 bytes, minimal length, value ≤ `max`.
    public mutating func readVarint(_ field: String, max: UInt64 = .max) throws(WireError) -> UInt64 {
        let start = offset
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < end else { throw error(.truncated, "input ends inside a varint", field: field, at: start) }
            let byte = bytes[offset]
            offset += 1
            if shift == 63 && byte > 1 {
                throw error(.varintOverflow, "varint does not fit in 64 bits", field: field, at: start)
            }
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 {
                if byte == 0 && offset - start > 1 {
                    throw error(.nonMinimalVarint, "varint is not in its shortest form", field: field, at: start)
                }
                break
            }
            shift += 7
            if shift > 63 { throw error(.varintOverflow, "varint longer than 10 bytes", field: field, at: start) }
        }
        guard value <= max else {
            throw error(.overLimit, "value \(value) is over the limit \(max)", field: field, at: start)
        }
        return value
    }

    /// A varint that must fit an `Int` count, checked against `limit` before the caller allocates.
    public mutating func readCount(_ field: String, limit: Int) throws(WireError) -> Int {
        Int(try readVarint(field, max: UInt64(limit)))
    }

    /// `count` raw bytes.
    public mutating func readBytes(_ field: String, count: Int) throws(WireError) -> [UInt8] {
        guard count >= 0, remaining >= count else {
            throw error(.truncated, "input ends before these \(count) bytes", field: field)
        }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Skips `count` bytes, returning their range in `bytes` (no copy).
    public mutating func skipBytes(_ field: String, count: Int) throws(WireError) -> Range<Int> {
        guard count >= 0, remaining >= count else {
            throw error(.truncated, "input ends before these \(count) bytes", field: field)
        }
        defer { offset += count }
        return offset..<offset + count
    }

    /// Varint length (≤ `limit`), then that many bytes.
    public mutating func readLengthPrefixed(_ field: String, limit: Int) throws(WireError) -> [UInt8] {
        let count = try readCount(field + ".length", limit: limit)
        return try readBytes(field, count: count)
    }

    /// Varint length (≤ `limit`), then UTF-8 text; invalid UTF-8 is refused.
    public mutating func readString(_ field: String, limit: Int) throws(WireError) -> String {
        let start = offset
        let raw = try readLengthPrefixed(field, limit: limit)
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw error(.invalidValue, "not valid UTF-8", field: field, at: start)
        }
        return text
    }

    /// Refuses trailing bytes where a format says the input ends here.
    public func expectEnd(_ what: String) throws(WireError) {
        guard offset == end else {
            throw error(.trailingBytes, "\(end - offset) unexpected trailing byte(s)", field: what)
        }
    }
}
