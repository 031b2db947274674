public import CapSyncLog
import Foundation

/// An in-memory file layer that remembers which writes were fsynced, so a test (or the simulator) can cut the
/// power and see what a real disk may keep of the rest: nothing, a prefix torn at a 512-byte sector, sectors
/// out of order, or a garbled sector. fsync failures can be injected too.
///
/// Reads see every write (as the page cache would); `powerLoss` replaces each file with its durable content
/// plus what the chosen mode lets through of the unsynced writes. Thread-safe.
public final class FaultInjectingFileSystem: StoreFileSystem, @unchecked Sendable {
    /// What a power cut does to writes that were not yet fsynced.
    public enum PowerLossMode: Sendable, Hashable {
        /// Every unsynced write is lost.
        case drop
        /// Unsynced writes reach the disk in order up to a random 512-byte sector boundary.
        case tear
        /// Each unsynced 512-byte sector independently reaches the disk or not (holes read as zeros).
        case reorder
        /// Every unsynced sector reaches the disk, but one holds random bytes.
        case garble
    }

    public static let sectorSize = 512

    final class MemoryFile {
        var durable: [UInt8] = []
        var current: [UInt8] = []
        /// Unsynced writes in order: (offset, bytes).
        var pending: [(offset: Int, bytes: [UInt8])] = []
        /// Created, and the directory not yet synced: a power cut may forget the file.
        var creationPending = true
    }

    private let lock = NSCondition()
    private var files: [String: MemoryFile] = [:]
    private var directories: Set<String> = []
    private var heldLocks: Set<String> = []
    private var syncsBeforeFailure: Int?
    private var random: UInt64

    /// `seed` drives every random choice of the power-loss modes.
    public init(seed: UInt64 = 1) { random = seed }

    /// From now on, `count` more syncs succeed and every later one fails (as a disk that went bad would).
    public func failSyncs(after count: Int) {
        lock.lock()
        defer { lock.unlock() }
        syncsBeforeFailure = count
    }

    /// Simulates a power cut: unsynced writes are dropped, torn, reordered or garbled per `mode`. Afterwards the
    /// disk works again (injected fsync failures end, held locks are gone), as after a reboot.
    public func powerLoss(_ mode: PowerLossMode) {
        lock.lock()
        defer { lock.unlock() }
        // In path order: the random draws below must not depend on the dictionary's per-process hash seed, or a
        // simulation could not be replayed from its seed.
        for path in files.keys.sorted() {
            let file = files[path]!
            if file.creationPending && file.durable.isEmpty && (mode == .drop || nextRandom() % 2 == 0) {
                files[path] = nil
                continue
            }
            file.creationPending = false
            var sectors: [(offset: Int, bytes: ArraySlice<UInt8>)] = []
            for write in file.pending {
                var start = 0
                while start < write.bytes.count {
                    let fileOffset = write.offset + start
                    let sectorEnd = (fileOffset / Self.sectorSize + 1) * Self.sectorSize
                    let end = min(write.bytes.count, start + (sectorEnd - fileOffset))
                    sectors.append((fileOffset, write.bytes[start..<end]))
                    start = end
                }
            }
            var kept: [(offset: Int, bytes: [UInt8])] = []
            switch mode {
            case .drop:
                break
            case .tear:
                let cut = sectors.isEmpty ? 0 : Int(nextRandom() % UInt64(sectors.count + 1))
                kept = sectors.prefix(cut).map { ($0.offset, Array($0.bytes)) }
            case .reorder:
                kept = sectors.filter { _ in nextRandom() % 2 == 0 }.map { ($0.offset, Array($0.bytes)) }
            case .garble:
                kept = sectors.map { ($0.offset, Array($0.bytes)) }
                if !kept.isEmpty {
                    let victim = Int(nextRandom() % UInt64(kept.count))
                    kept[victim].bytes = kept[victim].bytes.map { _ in UInt8(truncatingIfNeeded: nextRandom()) }
                }
            }
            for piece in kept { Self.apply(piece.bytes, at: piece.offset, to: &file.durable) }
            file.current = file.durable
            file.pending = []
        }
        heldLocks = []
        syncsBeforeFailure = nil
    }

    /// The bytes of a file as the page cache has them (nil if missing), for tests that damage files.
    public func contents(of path: String) -> [UInt8]? {
        lock.lock()
        defer { lock.unlock() }
        return files[path]?.current
    }

    /// Replaces a file's content outright, durably (for tests that plant damage).
    public func setContents(of path: String, to bytes: [UInt8]) {
        lock.lock()
        defer { lock.unlock() }
        let file = files[path] ?? MemoryFile()
        file.durable = bytes
        file.current = bytes
        file.pending = []
        file.creationPending = false
        files[path] = file
    }

    // MARK: StoreFileSystem

    public func makeDirectory(_ path: String) throws(StoreError) {
        lock.lock()
        defer { lock.unlock() }
        directories.insert(Self.normalized(path))
    }

    public func contentsOfDirectory(_ path: String) throws(StoreError) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        let prefix = Self.normalized(path) + "/"
        var names = Set<String>()
        for candidate in Array(files.keys) + Array(directories) where candidate.hasPrefix(prefix) {
            if let first = candidate.dropFirst(prefix.count).split(separator: "/").first { names.insert(String(first)) }
        }
        return names.sorted()
    }

    public func fileExists(_ path: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return files[Self.normalized(path)] != nil
    }

    public func openFile(_ path: String, create: Bool) throws(StoreError) -> any StoreFile {
        lock.lock()
        defer { lock.unlock() }
        let key = Self.normalized(path)
        if files[key] == nil {
            guard create else { throw StoreError(.io, "cannot open: no such file", file: path) }
            files[key] = MemoryFile()
        }
        return FaultInjectingFile(fileSystem: self, path: key)
    }

    public func removeFile(_ path: String) throws(StoreError) {
        lock.lock()
        defer { lock.unlock() }
        files[Self.normalized(path)] = nil
    }

    public func syncDirectory(_ path: String) throws(StoreError) {
        lock.lock()
        defer { lock.unlock() }
        try consumeSync(path)
        let prefix = Self.normalized(path) + "/"
        for (name, file) in files where name.hasPrefix(prefix) && !name.dropFirst(prefix.count).contains("/") {
            file.creationPending = false
        }
    }

    public func lockExclusive(_ path: String) throws(StoreError) -> any StoreFileLock {
        lock.lock()
        defer { lock.unlock() }
        let key = Self.normalized(path)
        while heldLocks.contains(key) { lock.wait() }
        heldLocks.insert(key)
        if files[key] == nil { files[key] = MemoryFile() }
        return FaultInjectingLock(fileSystem: self, path: key)
    }

    // MARK: Used by the file and lock handles

    func release(_ path: String) {
        lock.lock()
        defer { lock.unlock() }
        heldLocks.remove(path)
        lock.broadcast()
    }

    func withFile<R>(_ path: String, _ body: (MemoryFile) throws(StoreError) -> R) throws(StoreError) -> R {
        lock.lock()
        defer { lock.unlock() }
        guard let file = files[path] else {
            throw StoreError(.io, "file vanished (removed or lost to a power cut)", file: path)
        }
        return try body(file)
    }

    func consumeSync(_ path: String) throws(StoreError) {
        if let remaining = syncsBeforeFailure {
            guard remaining > 0 else { throw StoreError(.fsyncFailed, "fsync failed: injected I/O error", file: path) }
            syncsBeforeFailure = remaining - 1
        }
    }

    static func apply(_ bytes: [UInt8], at offset: Int, to target: inout [UInt8]) {
        if target.count < offset + bytes.count {
            target += [UInt8](repeating: 0, count: offset + bytes.count - target.count)
        }
        target.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
    }

    static func normalized(_ path: String) -> String {
        var result = path
        while result.count > 1 && result.hasSuffix("/") { result.removeLast() }
        return result
    }

    /// SplitMix64.
    private func nextRandom() -> UInt64 {
        random &+= 0x9E37_79B9_7F4A_7C15
        var z = random
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

final class FaultInjectingFile: StoreFile {
    let fileSystem: FaultInjectingFileSystem
    let path: String

    init(fileSystem: FaultInjectingFileSystem, path: String) {
        self.fileSystem = fileSystem
        self.path = path
    }

    func size() throws(StoreError) -> Int64 {
        try fileSystem.withFile(path) { file throws(StoreError) in Int64(file.current.count) }
    }

    func read(at offset: Int64, count: Int) throws(StoreError) -> [UInt8] {
        try fileSystem.withFile(path) { file throws(StoreError) in
            let start = min(Int(offset), file.current.count)
            return Array(file.current[start..<min(file.current.count, start + count)])
        }
    }

    func write(_ bytes: [UInt8], at offset: Int64) throws(StoreError) {
        try fileSystem.withFile(path) { file throws(StoreError) in
            FaultInjectingFileSystem.apply(bytes, at: Int(offset), to: &file.current)
            file.pending.append((Int(offset), bytes))
        }
    }

    func sync() throws(StoreError) {
        try fileSystem.withFile(path) { file throws(StoreError) in
            try fileSystem.consumeSync(path)
            file.durable = file.current
            file.pending = []
        }
    }

    func truncate(to size: Int64) throws(StoreError) {
        try fileSystem.withFile(path) { file throws(StoreError) in
            let newSize = Int(size)
            if file.current.count > newSize {
                file.current.removeSubrange(newSize...)
            } else {
                file.current += [UInt8](repeating: 0, count: newSize - file.current.count)
            }
            // Truncation is modelled as durable at once; the store syncs right after truncating anyway.
            if file.durable.count > newSize { file.durable.removeSubrange(newSize...) }
            file.pending = file.pending.compactMap { write in
                write.offset >= newSize ? nil : (write.offset, Array(write.bytes.prefix(newSize - write.offset)))
            }
        }
    }
}

final class FaultInjectingLock: StoreFileLock, @unchecked Sendable {
    let fileSystem: FaultInjectingFileSystem
    let path: String
    private var held = true

    init(fileSystem: FaultInjectingFileSystem, path: String) {
        self.fileSystem = fileSystem
        self.path = path
    }

    func unlock() {
        guard held else { return }
        held = false
        fileSystem.release(path)
    }

    deinit { unlock() }
}
