internal import CCRC32C
public import CapSyncMerge
internal import CapSyncWire
internal import Foundation
internal import Synchronization

#if canImport(Glibc)
internal import Glibc
#endif

/// The node's cache of opened content keys on disk (`keys/opened-content-keys.cache`, Protocol/releasability.md
/// §9), so a one-shot command folds sealed entries without one X25519 unwrap each. Fixed-size records, appended
/// after each fold with the keys it newly opened; a torn or damaged record and everything after it is ignored
/// when read and cut before the next append. Nothing in it is trusted: a kept key opens an entry only if it
/// matches the entry's commitment and the AEAD, so losing or damaging the file costs time, never a figure. It
/// holds secrets (mode 0600, beside the decryption keys); it is never exchanged and never backed up.
public final class OpenedKeyFile: Sendable {
    /// entry id (32) ‖ content key (32) ‖ CRC-32C of those 64 bytes (u32, big-endian).
    public static let recordSize = 68

    public let path: String
    /// The keys read from the file, and those folds add; shared by every reader the node builds.
    public let cache: OpenedKeyCache
    /// Where the good records end when the file had a torn or damaged record: cut there before appending.
    private let damagedFrom: Mutex<Int?>

    /// Reads the file at `path`; a missing or unreadable file is an empty cache. A file others may read is made
    /// private to its owner (best effort, as every write here).
    public init(path: String) {
        self.path = path
        let attributes = (try? FileManager.default.attributesOfItem(atPath: path)) ?? [:]
        if attributes[.type] as? FileAttributeType == .typeRegular,
            let mode = attributes[.posixPermissions] as? NSNumber, mode.intValue & 0o077 != 0
        {
            chmod(path, 0o600)
        }
        let bytes = FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
        let (records, goodLength) = Self.decode(bytes)
        cache = OpenedKeyCache(records)
        damagedFrom = Mutex(goodLength < bytes.count ? goodLength : nil)
    }

    /// The records of `bytes` up to the first torn or damaged one, and the length they take.
    static func decode(_ bytes: [UInt8]) -> (records: [(id: EntryID, key: Bytes32)], goodLength: Int) {
        var records: [(id: EntryID, key: Bytes32)] = []
        records.reserveCapacity(bytes.count / recordSize)
        var offset = 0
        while offset + recordSize <= bytes.count {
            let stored = bytes[(offset + 64)..<(offset + recordSize)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let computed = bytes.withUnsafeBytes { CCRC32C_update(0, $0.baseAddress! + offset, 64) }
            guard stored == computed else { break }
            records.append((EntryID(bytes, at: offset), Bytes32(bytes, at: offset + 32)))
            offset += recordSize
        }
        return (records, offset)
    }

    /// One record's bytes.
    static func encode(id: EntryID, key: Bytes32) -> [UInt8] {
        var record = id.bytes + key.bytes
        let crc = record.withUnsafeBytes { CCRC32C_update(0, $0.baseAddress, 64) }
        record += [UInt8(crc >> 24), UInt8(truncatingIfNeeded: crc >> 16), UInt8(truncatingIfNeeded: crc >> 8)]
        record.append(UInt8(truncatingIfNeeded: crc))
        return record
    }

    /// Appends the keys folds opened since the last call, in one write, after cutting a damaged tail found when
    /// reading. Best effort: a node directory that cannot be written (a read-only copy, an auditor's mount) keeps
    /// them in memory only, and says nothing.
    public func persist() {
        let fresh = cache.takeRecorded()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(fresh.count * Self.recordSize)
        for record in fresh { bytes += Self.encode(id: record.id, key: record.key) }
        damagedFrom.withLock { damagedFrom in
            guard !bytes.isEmpty || damagedFrom != nil else { return }
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return }
            defer { close(fd) }
            guard fchmod(fd, 0o600) == 0 else { return }
            // Cut what no reader would take: a damaged record and what follows it, or a record torn by a write
            // that failed half way (here or in another process), so the new records start on a record boundary.
            var status = stat()
            guard fstat(fd, &status) == 0 else { return }
            let size = Int(status.st_size)
            let cut = min(damagedFrom ?? size, size - size % Self.recordSize)
            if cut < size {
                guard ftruncate(fd, off_t(cut)) == 0 else { return }
            }
            damagedFrom = nil
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}
