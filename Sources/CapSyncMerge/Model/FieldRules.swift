import CapSyncWire

/// The limits and character rules every payload field obeys (Protocol/payloads.md §Fields). Shared by the
/// decoder, which refuses what breaks them, and by the initialisers, so a value that exists is a valid value.
public enum FieldRules {
    public static let maxCodeLength = 32
    public static let maxSiteLength = 64
    public static let maxConstraintsLength = 1024
    /// Quantities are whole units of the catalog's unit; 10^12 keeps any coalition sum far inside 64 bits.
    public static let maxQuantity: UInt64 = 1_000_000_000_000
    public static let maxLeadTimeDays: UInt64 = 3650
    public static let maxObservedTags = 1024

    /// Item and need codes: 1–32 characters of A–Z, 0–9 and '-', not starting with '-'.
    public static func checkCode(_ code: String, field: String) throws(MergeError) {
        let utf8 = code.utf8
        guard (1...maxCodeLength).contains(utf8.count), utf8.first != UInt8(ascii: "-"),
            utf8.allSatisfy({ isUpper($0) || isDigit($0) || $0 == UInt8(ascii: "-") })
        else {
            throw MergeError(
                .invalidValue,
                "'\(code.prefix(40))' must be 1–\(maxCodeLength) characters of A–Z, 0–9 and '-'",
                context: field
            )
        }
    }

    /// Partner codes follow the roster's rule (Roster.validatePartnerCode): 2–16 characters, A–Z first, then
    /// A–Z, 0–9 or '-'. Checked here without allocating, as every payload carries one.
    public static func checkPartner(_ code: String, field: String) throws(MergeError) {
        let utf8 = code.utf8
        guard (2...16).contains(utf8.count), let first = utf8.first, isUpper(first),
            utf8.allSatisfy({ isUpper($0) || isDigit($0) || $0 == UInt8(ascii: "-") })
        else {
            throw MergeError(
                .invalidValue,
                "partner code '\(code.prefix(20))' must be 2–16 characters: A–Z first, then A–Z, 0–9 or '-'",
                context: field
            )
        }
    }

    /// Site names: 1–64 bytes of UTF-8 without control characters or surrounding spaces.
    public static func checkSite(_ site: String, field: String) throws(MergeError) {
        let utf8 = site.utf8
        guard (1...maxSiteLength).contains(utf8.count), utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7f }),
            utf8.first != UInt8(ascii: " "), utf8.last != UInt8(ascii: " ")
        else {
            throw MergeError(
                .invalidValue,
                "a site name is 1–\(maxSiteLength) bytes without control characters or surrounding spaces",
                context: field
            )
        }
    }

    /// Free text: at most 1024 bytes; newlines allowed, other control characters not.
    public static func checkFreeText(_ text: String, field: String) throws(MergeError) {
        let utf8 = text.utf8
        guard utf8.count <= maxConstraintsLength, utf8.allSatisfy({ ($0 >= 0x20 && $0 != 0x7f) || $0 == 0x0a }) else {
            throw MergeError(
                .invalidValue,
                "free text is at most \(maxConstraintsLength) bytes without control characters other than newline",
                context: field
            )
        }
    }

    public static func checkQuantity(_ value: UInt64, field: String) throws(MergeError) {
        guard value <= maxQuantity else {
            throw MergeError(.invalidValue, "\(value) is over the largest quantity \(maxQuantity)", context: field)
        }
    }

    static func isUpper(_ c: UInt8) -> Bool { c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") }
    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    /// Byte-wise order of UTF-8: the order every canonical list is sorted in (never Unicode collation, which
    /// would make canonically equivalent but different byte strings compare equal).
    @inline(__always)
    static func precedes(_ a: String, _ b: String) -> Bool { compareBytes(a, b) < 0 }

    @inline(__always)
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && compareBytes(a, b) == 0
    }

    /// memcmp-style three-way comparison of the UTF-8 bytes (shorter prefix first).
    static func compareBytes(_ a: String, _ b: String) -> Int {
        var a = a
        var b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let common = min(x.count, y.count)
                var i = 0
                while i < common {
                    if x[i] != y[i] { return x[i] < y[i] ? -1 : 1 }
                    i += 1
                }
                return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
            }
        }
    }
}

extension ByteReader {
    /// A length-prefixed UTF-8 string validated straight from the input bytes (no intermediate array).
    mutating func readText(_ field: String, limit: Int) throws(MergeError) -> String {
        let start = offset
        let range: Range<Int>
        do {
            let count = try readCount(field + ".length", limit: limit)
            range = try skipBytes(field, count: count)
        } catch { throw MergeError(error) }
        // ASCII (every code, most sites) needs no UTF-8 validation: copy the bytes straight into the string.
        let isASCII = bytes.withUnsafeBufferPointer { buffer in
            var combined: UInt8 = 0
            for index in range { combined |= buffer[index] }
            return combined < 0x80
        }
        if isASCII {
            return bytes.withUnsafeBufferPointer { buffer in
                String(unsafeUninitializedCapacity: range.count) { target in
                    for (offset, index) in range.enumerated() { target[offset] = buffer[index] }
                    return range.count
                }
            }
        }
        guard let text = String(validating: bytes[range], as: UTF8.self) else {
            throw MergeError(
                .malformedPayload,
                "not valid UTF-8",
                context: context.map { "\($0).\(field)" } ?? field,
                offset: start
            )
        }
        return text
    }

    mutating func readCode(_ field: String) throws(MergeError) -> String {
        let text = try readText(field, limit: FieldRules.maxCodeLength)
        try FieldRules.checkCode(text, field: field)
        return text
    }

    mutating func readPartner(_ field: String) throws(MergeError) -> String {
        let text = try readText(field, limit: 16)
        try FieldRules.checkPartner(text, field: field)
        return text
    }

    mutating func readSite(_ field: String) throws(MergeError) -> String {
        let text = try readText(field, limit: FieldRules.maxSiteLength)
        try FieldRules.checkSite(text, field: field)
        return text
    }

    mutating func readFreeText(_ field: String) throws(MergeError) -> String {
        let text = try readText(field, limit: FieldRules.maxConstraintsLength)
        try FieldRules.checkFreeText(text, field: field)
        return text
    }

    mutating func readQuantity(_ field: String) throws(MergeError) -> UInt64 {
        do { return try readVarint(field, max: FieldRules.maxQuantity) } catch { throw MergeError(error) }
    }

    mutating func finish(_ what: String) throws(MergeError) {
        do { try expectEnd(what) } catch { throw MergeError(error) }
    }
}
