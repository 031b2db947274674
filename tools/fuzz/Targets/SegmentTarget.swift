import CapSyncCrypto
import CapSyncLog
import CapSyncTestSupport
import CapSyncWire

/// The store's segment reader (Protocol/store.md §Segments), reached through `LogStore`'s open on the
/// in-memory `FaultInjectingFileSystem`: no temp directory, no disk.
///
/// Input: a first byte, then either (even first byte) the raw segment file, or (odd) a list of records that
/// the harness frames with a valid header and valid CRC-32C, so mutations reach the record and batch decoders
/// that sit behind the checksums. Each framed record is `control:u8, length:varint, body`:
/// - control & 3 == 0: entry record; body = SHA-256(chunk) ‖ chunk, or the chunk as-is when control & 4;
/// - control & 3 == 1: fork-proof record with the chunk as body;
/// - control & 3 == 2: commit record closing the records since the last commit (right number, count and
///   chain), or with the chunk as its body when control & 4;
/// - control & 3 == 3: a record of type chunk[0] with body chunk[1...].
/// Bytes left over that do not form a whole chunk are appended raw (a torn tail).
enum SegmentTarget {
    static let directory = "/node/log"
    static let segmentPath = directory + "/00000001.seg"
    static let roster = try! Roster(serial: 1, members: [])

    /// If the store opens: reading every acknowledged entry gives canonical entries of the asked author and seq
    /// (or a store error), and opening again finds nothing more to repair and the same heads. The repair must
    /// be idempotent, or a node would cut more of its log on every restart.
    static func open(_ bytes: [UInt8]) -> String? {
        guard let selector = bytes.first else { return nil }
        let file = selector & 1 == 0 ? Array(bytes.dropFirst()) : framedSegment(Array(bytes.dropFirst()))
        let fileSystem = FaultInjectingFileSystem(seed: 1)
        fileSystem.setContents(of: segmentPath, to: file)
        let store: LogStore
        do { store = try LogStore(directory: directory, roster: roster, fileSystem: fileSystem) } catch { return nil }
        let heads = store.heads()
        for head in heads {
            guard let entries = try? store.entries(author: head.author, fromSeq: 1, limit: Int(head.seq)) else {
                continue
            }
            for (offset, entry) in entries.enumerated() {
                guard entry.author == head.author, entry.seq == UInt64(offset) + 1 else {
                    return "index names author \(head.author) seq \(offset + 1), the record holds \(entry.seq)"
                }
                if let problem = WireTargets.entry(entry.encoded) { return "stored entry: \(problem)" }
            }
        }
        let reopened: LogStore
        do { reopened = try LogStore(directory: directory, roster: roster, fileSystem: fileSystem) } catch {
            return "the store opened once, then refused to open again: \(error)"
        }
        if let recovery = reopened.recovery { return "second open repaired again: \(recovery)" }
        guard reopened.heads() == heads else { return "second open gives other heads" }
        guard reopened.forkProofs() == store.forkProofs() else { return "second open gives other fork proofs" }
        return nil
    }

    // MARK: Framing

    static func framedSegment(_ input: [UInt8]) -> [UInt8] {
        var file = header(number: 1)
        var chain: UInt32 = 0
        var batchNumber: UInt64 = 1
        var pending: [UInt32] = []
        var position = 0
        while position < input.count {
            let start = position
            let control = input[position]
            position += 1
            guard let length = readVarint(input, &position), length <= input.count - position else {
                file += input[start...]
                break
            }
            let chunk = Array(input[position..<(position + length)])
            position += length
            switch control & 3 {
            case 0:
                let body = control & 4 != 0 ? chunk : SHA256.hash(chunk) + chunk
                pending.append(appendRecord(type: 1, body: body, to: &file))
            case 1:
                pending.append(appendRecord(type: 2, body: chunk, to: &file))
            case 2:
                var body = chunk
                if control & 4 == 0 {
                    for crc in pending { chain = CRC32C.update(chain, bigEndian(crc)) }
                    body =
                        bigEndian(UInt32(truncatingIfNeeded: batchNumber >> 32))
                        + bigEndian(UInt32(truncatingIfNeeded: batchNumber))
                        + bigEndian(UInt32(truncatingIfNeeded: pending.count)) + bigEndian(chain)
                    batchNumber += 1
                    pending = []
                }
                appendRecord(type: 3, body: body, to: &file)
            default:
                guard let type = chunk.first else { continue }
                pending.append(appendRecord(type: type, body: Array(chunk.dropFirst()), to: &file))
            }
        }
        return file
    }

    static func header(number: UInt32) -> [UInt8] {
        var bytes = Array("CSYNCLOG".utf8) + [0, 1, 0, 0] + bigEndian(number)
        bytes += bigEndian(CRC32C.update(0, bytes))
        return bytes
    }

    @discardableResult
    static func appendRecord(type: UInt8, body: [UInt8], to file: inout [UInt8]) -> UInt32 {
        let length = bigEndian(UInt32(truncatingIfNeeded: 1 + body.count))
        let crc = CRC32C.update(CRC32C.update(CRC32C.update(0, length), [type]), body)
        file += length
        file += bigEndian(crc)
        file.append(type)
        file += body
        return crc
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [
            UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
            UInt8(truncatingIfNeeded: value),
        ]
    }

    /// A LEB128 length of at most 3 bytes (a chunk never needs more).
    static func readVarint(_ bytes: [UInt8], _ position: inout Int) -> Int? {
        var value = 0
        for shift in stride(from: 0, to: 21, by: 7) {
            guard position < bytes.count else { return nil }
            let byte = bytes[position]
            position += 1
            value |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
        }
        return nil
    }
}

/// CRC-32C (Castagnoli, reflected), table-driven: the harness's own copy, so that it frames records without
/// reaching into the store's internals.
enum CRC32C {
    static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    static func update(_ crc: UInt32, _ bytes: some Sequence<UInt8>) -> UInt32 {
        var value = ~crc
        for byte in bytes { value = table[Int((value ^ UInt32(byte)) & 0xFF)] ^ (value >> 8) }
        return ~value
    }
}
