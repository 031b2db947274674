/// The fold's fast path for its most common entries, capacity reports and their retractions: the payload is
/// checked and turned into a `CompactOperation` straight from its bytes, codes numbered by the interner from
/// those bytes, with no `Operation` and no String per field.
///
/// It accepts only payloads the strict decoder (`CapacityReport(reading:)`, `ReportRetraction(reading:)`)
/// accepts, written by the given partner, and returns nil for everything else — including valid payloads it
/// does not handle (a non-ASCII site or constraints text, an over-long varint): the caller then takes the strict
/// path, which applies the operation or says why it is ignored. Tests compare both paths on mutated payloads.
enum FastReportDecoder {
    /// `payload` of an entry of kind 1 (report) or 2 (retraction); `partner` the author's partner code bytes,
    /// which must be a valid partner code (the roster's codes are; the caller checks).
    static func decode(
        kind: UInt64,
        payload: UnsafeBufferPointer<UInt8>,
        partner: UnsafeBufferPointer<UInt8>,
        partnerNumber: UInt32,
        interner: inout Interner
    ) -> CompactOperation? {
        var cursor = Cursor(bytes: payload)
        // Partner: the author's own partner code (valid: the caller checked the roster's code), byte for byte.
        guard let partnerField = cursor.text(limit: 16), sameBytes(partnerField, partner),
            let itemField = cursor.text(limit: FieldRules.maxCodeLength),
            let siteField = cursor.text(limit: FieldRules.maxSiteLength),
            let year = cursor.uint16(), let month = cursor.byte(), Period.years.contains(year),
            (1...12).contains(month),
            // An item or site equal to the last one accepted needs no check again.
            let itemNumber = interner.recent(itemField, slot: .item)
                ?? (isCode(itemField)
                    ? interner.number(bytes: itemField, slot: .item) { String(decoding: itemField, as: UTF8.self) }
                    : nil),
            let siteNumber = interner.recent(siteField, slot: .site)
                ?? (isASCIISite(siteField)
                    ? interner.number(bytes: siteField, slot: .site) { String(decoding: siteField, as: UTF8.self) }
                    : nil)
        else { return nil }
        let record = RecordID(
            partner: partnerNumber,
            item: itemNumber,
            site: siteNumber,
            period: UInt32(year) << 8 | UInt32(month)
        )
        if kind == EntryKind.reportRetraction.rawValue {
            guard cursor.isAtEnd else { return nil }
            return .retraction(record)
        }
        guard kind == EntryKind.capacityReport.rawValue,
            let capacity = cursor.varint(max: FieldRules.maxQuantity),
            let output = cursor.varint(max: FieldRules.maxQuantity),
            let stock = cursor.varint(max: FieldRules.maxQuantity),
            let threshold = cursor.varint(max: FieldRules.maxQuantity),
            let leadTime = cursor.varint(max: FieldRules.maxLeadTimeDays),
            let constraintsField = cursor.text(limit: FieldRules.maxConstraintsLength),
            isASCIIFreeText(constraintsField),
            cursor.isAtEnd
        else { return nil }
        let constraints = constraintsField.isEmpty ? "" : String(decoding: constraintsField, as: UTF8.self)
        return .report(
            record,
            ReportValues(
                capacity: capacity,
                output: output,
                stock: stock,
                threshold: threshold,
                leadTime: leadTime,
                constraints: constraints
            )
        )
    }

    @inline(__always)
    private static func sameBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        for index in 0..<a.count where a[index] != b[index] { return false }
        return true
    }

    // The field rules of FieldRules.check*, on bytes.

    private static func isCodeByte(_ c: UInt8) -> Bool {
        FieldRules.isUpper(c) || FieldRules.isDigit(c) || c == UInt8(ascii: "-")
    }

    private static func isCode(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 1 && bytes.count <= FieldRules.maxCodeLength && bytes[0] != UInt8(ascii: "-")
            && bytes.allSatisfy(isCodeByte)
    }

    /// A site of printable ASCII only (UTF-8 sites take the strict path, which validates UTF-8).
    private static func isASCIISite(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 1 && bytes.count <= FieldRules.maxSiteLength && bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7f }
            && bytes[0] != UInt8(ascii: " ") && bytes[bytes.count - 1] != UInt8(ascii: " ")
    }

    private static func isASCIIFreeText(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.allSatisfy { ($0 >= 0x20 && $0 < 0x7f) || $0 == 0x0a }
    }

    /// Reads fields, answering nil where the strict reader would throw (or where this path gives way to it).
    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var offset = 0

        var isAtEnd: Bool { offset == bytes.count }

        @inline(__always)
        mutating func byte() -> UInt8? {
            guard offset < bytes.count else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        @inline(__always)
        mutating func uint16() -> UInt16? {
            guard bytes.count - offset >= 2 else { return nil }
            defer { offset += 2 }
            return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
        }

        /// A minimal varint of at most 8 bytes (56 bits: every limit here is far below) that is ≤ `max`.
        @inline(__always)
        mutating func varint(max: UInt64) -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            let start = offset
            while offset < bytes.count, offset - start < 8 {
                let byte = bytes[offset]
                offset += 1
                value |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 {
                    guard byte != 0 || offset - start == 1, value <= max else { return nil }
                    return value
                }
                shift += 7
            }
            return nil
        }

        /// A length-prefixed field of at most `limit` bytes, as a view of the payload.
        @inline(__always)
        mutating func text(limit: Int) -> UnsafeBufferPointer<UInt8>? {
            guard let count = varint(max: UInt64(limit)), bytes.count - offset >= Int(count) else { return nil }
            let start = offset
            offset += Int(count)
            return UnsafeBufferPointer(rebasing: bytes[start..<offset])
        }
    }
}
