internal import CCRC32C
import CapSyncWire

/// The byte layout of segment files (Protocol/store.md §Segments). Every multi-byte integer is big-endian.
///
///     segment = header record*
///     header  = "CSYNCLOG" version:u16 flags:u16 number:u32 crc:u32          (20 bytes)
///     record  = length:u32 crc:u32 type:u8 body                               (length = 1 + body)
///     crc     = CRC-32C over the 4 length bytes, the type byte and the body
///     batch   = (entry | forkProof)+ commit
///     commit body = batchNumber:u64 recordCount:u32 chain:u32
///     chain   = CRC-32C continued from the previous commit's chain over the crc fields of the batch's records
enum SegmentFormat {
    static let magic: [UInt8] = Array("CSYNCLOG".utf8)
    static let version: UInt16 = 1
    static let headerSize = 20
    static let recordHeaderSize = 8
    static let commitBodySize = 16
    static let commitRecordSize = recordHeaderSize + 1 + commitBodySize

    enum RecordType: UInt8 {
        /// body = entry id (32 bytes, SHA-256 of the canonical bytes) ‖ canonical entry bytes
        case entry = 1
        /// body = ForkProof.encoded
        case forkProof = 2
        case commit = 3
    }

    static let maxEntryBody = 32 + Entry.maxEncodedSize
    static let maxForkProofBody = 2 * (Entry.maxEncodedSize + 3)
    /// The largest valid length field (type byte + body).
    static let maxRecordLength = 1 + max(maxEntryBody, maxForkProofBody)
    /// Segment offsets must fit the 31 bits of a `RecordLocation`.
    static let maxSegmentBytes: Int64 = 1 << 31
    static let maxSegmentNumber = 0xFFFF

    static func fileName(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".seg"
    }

    /// The segment number of a file name such as "00000012.seg", nil for anything else.
    static func number(ofFileName name: String) -> Int? {
        guard name.hasSuffix(".seg"), name.utf8.count == 12 else { return nil }
        let digits = name.prefix(8)
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits), value >= 1 else { return nil }
        return value
    }

    static func header(number: Int) -> [UInt8] {
        var writer = ByteWriter(capacity: headerSize)
        writer.writeBytes(magic)
        writer.writeUInt16(version)
        writer.writeUInt16(0)
        writer.writeUInt32(UInt32(number))
        writer.writeUInt32(CRC32C.checksum(writer.bytes))
        return writer.bytes
    }

    /// Appends one framed record to `buffer`; returns its crc field (what the batch chain covers). Writes in
    /// place (no temporary arrays: own appends frame a thousand records a batch).
    @discardableResult
    static func appendRecord(_ type: RecordType, body: [UInt8], to buffer: inout [UInt8]) -> UInt32 {
        let start = buffer.count
        appendBigEndian(UInt32(1 + body.count), to: &buffer)
        appendBigEndian(0, to: &buffer)
        buffer.append(type.rawValue)
        buffer += body
        return buffer.withUnsafeMutableBytes { raw in
            let crc = CRC32C.update(
                CRC32C.update(0, UnsafeRawBufferPointer(rebasing: raw[start..<(start + 4)])),
                UnsafeRawBufferPointer(rebasing: raw[(start + 8)...])
            )
            raw.storeBytes(of: crc.bigEndian, toByteOffset: start + 4, as: UInt32.self)
            return crc
        }
    }

    /// The body of an entry record: id ‖ canonical bytes, built in one allocation.
    static func entryBody(_ entry: Entry) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(32 + entry.encoded.count)
        withUnsafeBytes(of: entry.id.w0.bigEndian) { body += $0 }
        withUnsafeBytes(of: entry.id.w1.bigEndian) { body += $0 }
        withUnsafeBytes(of: entry.id.w2.bigEndian) { body += $0 }
        withUnsafeBytes(of: entry.id.w3.bigEndian) { body += $0 }
        body += entry.encoded
        return body
    }

    static func appendBigEndian(_ value: UInt32, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { buffer += $0 }
    }

    static func commitBody(batchNumber: UInt64, recordCount: Int, chain: UInt32) -> [UInt8] {
        var writer = ByteWriter(capacity: commitBodySize)
        writer.writeUInt64(batchNumber)
        writer.writeUInt32(UInt32(recordCount))
        writer.writeUInt32(chain)
        return writer.bytes
    }

    static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }

    static func readUInt64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        UInt64(readUInt32(bytes, at: offset)) << 32 | UInt64(readUInt32(bytes, at: offset + 4))
    }
}

/// Where an entry record lives: segment number (16 bits), offset in the segment (31 bits) and record size
/// (17 bits) packed in one word, so the index of a million entries stays small.
struct RecordLocation: Hashable, Sendable {
    let rawValue: UInt64

    init(rawValue: UInt64) { self.rawValue = rawValue }

    init(segment: Int, offset: Int64, size: Int) {
        rawValue = UInt64(segment) << 48 | UInt64(offset) << 17 | UInt64(size)
    }

    var segment: Int { Int(rawValue >> 48) }
    var offset: Int64 { Int64((rawValue >> 17) & 0x7FFF_FFFF) }
    var size: Int { Int(rawValue & 0x1FFFF) }

    static let maxSize = 0x1FFFF
}

/// CRC-32C through the C target (SSE4.2 when available).
enum CRC32C {
    static func update(_ crc: UInt32, _ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { CCRC32C_update(crc, $0.baseAddress, $0.count) }
    }

    static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        CCRC32C_update(crc, bytes.baseAddress, bytes.count)
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 { update(0, bytes) }

    /// Continues `crc` over the four big-endian bytes of `value` (a record's crc field, for the batch chain).
    static func update(_ crc: UInt32, bigEndian value: UInt32) -> UInt32 {
        withUnsafeBytes(of: value.bigEndian) { update(crc, $0) }
    }

    static var isHardware: Bool { CCRC32C_isHardware() != 0 }
}
