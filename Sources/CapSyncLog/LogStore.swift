public import CapSyncWire
import Foundation
import Synchronization

/// The durable, append-only store of one node directory: the node's own chain and the replica of every roster
/// author's chain (docs/design.md D5, D6; format in Protocol/store.md).
///
/// Only acknowledged entries are visible: a write returns after its batch is fsynced, and readers and peers
/// only ever see committed batches. One process writes at a time (flock on `LOCK`); each write first catches up
/// on what other processes committed, so the daemon and the appending commands never assign one seq twice.
/// Internally synchronised: one instance is shared by many tasks.
public final class LogStore: Sendable {
    public let directory: String
    let fileSystem: any StoreFileSystem
    let options: StoreOptions
    /// Everything mutable — segments, index, roster, clock, own-chain journal — reached only through
    /// `withLock`, so the compiler checks that no task touches it unlocked.
    private let guarded: Mutex<StoreState>

    static let lockFileName = "LOCK"
    static let relearnFileName = "RELEARN"

    var lockPath: String { directory.appendingPathComponent(Self.lockFileName) }
    var relearnPath: String { directory.appendingPathComponent(Self.relearnFileName) }

    /// Opens (creating if needed) the store in `directory`. Checks framing, checksums and commit records in one
    /// pass (signatures were checked on ingest; `audit` re-checks them); an unacknowledged final batch is set
    /// aside and cut (see `recovery`), damage to anything committed refuses to open.
    public init(
        directory: String,
        roster: Roster,
        fileSystem: any StoreFileSystem = PosixFileSystem(),
        options: StoreOptions = .init()
    ) throws(StoreError) {
        guard options.segmentSize >= 4096, options.segmentSize <= SegmentFormat.maxSegmentBytes / 2 else {
            throw StoreError(.invalidInput, "segment size must be between 4 KiB and 1 GiB, got \(options.segmentSize)")
        }
        self.directory = directory
        self.fileSystem = fileSystem
        self.options = options
        let state = StoreState(directory: directory, fileSystem: fileSystem, options: options, roster: roster)
        if !options.readOnly { try fileSystem.makeDirectory(directory) }
        let lockPath = directory.appendingPathComponent(Self.lockFileName)
        let writerLock: (any StoreFileLock)? =
            options.readOnly ? fileSystem.lockShared(lockPath) : try fileSystem.lockExclusive(lockPath)
        defer { writerLock?.unlock() }
        let numbers = try fileSystem.contentsOfDirectory(directory).compactMap(SegmentFormat.number(ofFileName:))
            .sorted()
        for (position, number) in numbers.enumerated() where number != position + 1 {
            throw StoreError(
                .corruptCommitted,
                "segment \(SegmentFormat.fileName(position + 1)) is missing (the next one present is "
                    + "\(SegmentFormat.fileName(number))). Restore the node directory from a backup.",
                file: SegmentFormat.fileName(position + 1)
            )
        }
        try state.catchUp()
        if let own = options.ownChain {
            try Self.openOwnChain(own, state: state, fileSystem: fileSystem, options: options)
        }
        guarded = Mutex(state)
    }

    /// A read-only open's finding: the tail after the last commit that a writer would set aside (nil if none).
    public var pendingRepair: RecoveryReport? { withLock { state in state.pendingRepair } }

    /// What open (or a later catch-up) set aside and cut; nil if the log was clean.
    public var recovery: RecoveryReport? { withLock { state in state.recoveries.last } }

    /// Every repair made since open, oldest first.
    public var recoveries: [RecoveryReport] { withLock { state in state.recoveries } }

    /// Replaces the roster ingest checks against (after the operator installs a new roster version).
    public func updateRoster(_ roster: Roster) { withLock { state in state.roster = roster } }

    // MARK: Reading

    /// Heads of every chain held, sorted by author.
    public func heads() -> [Head] { withLock { state in state.index.heads } }

    public func head(of author: AuthorKey) -> Head? {
        withLock { state in state.index.chain(author).map { Head(author: author, seq: $0.headSeq, id: $0.headID) } }
    }

    public func entry(author: AuthorKey, seq: UInt64) throws(StoreError) -> Entry? {
        if let limit = ownServeLimit(author, upTo: seq), seq > limit { return nil }
        let found = withLock { state -> (RecordLocation, (any StoreFile, String))? in
            guard let location = state.index.location(author: author, seq: seq), let file = state.file(of: location)
            else {
                return nil
            }
            return (location, file)
        }
        guard let (location, (file, name)) = found else { return nil }
        return try StoreState.readEntry(from: file, name: name, at: location)
    }

    public func entry(id: EntryID) throws(StoreError) -> Entry? {
        let found = withLock { state -> (RecordLocation, (any StoreFile, String))? in
            guard let location = state.index.location(id: id), let file = state.file(of: location) else { return nil }
            return (location, file)
        }
        guard let (location, (file, name)) = found else { return nil }
        return try StoreState.readEntry(from: file, name: name, at: location)
    }

    /// Up to `limit` entries of one author from `fromSeq` on, in seq order (what sync sends a peer).
    public func entries(author: AuthorKey, fromSeq: UInt64, limit: Int) throws(StoreError) -> [Entry] {
        let wanted = max(fromSeq, 1) &+ UInt64(max(limit, 1)) &- 1
        let servable = ownServeLimit(author, upTo: wanted) ?? UInt64.max
        let found = withLock { state -> [(RecordLocation, (any StoreFile, String))] in
            guard max(fromSeq, 1) <= servable else { return [] }
            guard let chain = state.index.chain(author), limit > 0 else { return [] }
            let first = max(fromSeq, 1)
            guard first <= chain.headSeq else { return [] }
            let last = min(chain.headSeq, first + UInt64(limit) - 1, servable)
            return (first...last).compactMap { seq in
                let location = chain.locations[Int(seq - 1)]
                return state.file(of: location).map { (location, $0) }
            }
        }
        var result: [Entry] = []
        result.reserveCapacity(found.count)
        for (location, (file, name)) in found {
            result.append(try StoreState.readEntry(from: file, name: name, at: location))
        }
        return result
    }

    /// Every acknowledged entry, by author then seq, read from disk one at a time (memory stays flat).
    public func forEachEntry(_ body: (Entry) throws -> Void) throws {
        let authors = withLock { state in state.index.chains.keys.sorted() }
        for author in authors {
            var seq: UInt64 = 1
            while true {
                let batch = try entries(author: author, fromSeq: seq, limit: 1024)
                if batch.isEmpty { break }
                for entry in batch { try body(entry) }
                seq += UInt64(batch.count)
            }
        }
    }

    public var entryCount: Int { withLock { state in state.index.entryCount } }

    /// The entries whose kind is one of `StoreOptions.indexedKinds`, in the order they were stored.
    public func entriesOfIndexedKinds() throws(StoreError) -> [Entry] {
        let found = withLock { state in
            state.index.indexedKindLocations.compactMap { location in state.file(of: location).map { (location, $0) } }
        }
        var result: [Entry] = []
        result.reserveCapacity(found.count)
        for (location, (file, name)) in found {
            result.append(try StoreState.readEntry(from: file, name: name, at: location))
        }
        return result
    }

    /// Every equivocation proven so far (each self-verifying: both entries, validly signed, one seq).
    public func forkProofs() -> [ForkProof] { withLock { state in state.index.forkProofs } }

    /// Author → lowest seq at which a fork is proven (the fold excludes their entries from there on).
    public func forkedAuthors() -> [AuthorKey: UInt64] { withLock { state in state.index.forked } }

    /// Bytes of committed log on disk.
    public var sizeOnDisk: Int64 { withLock { state in state.sizeOnDisk } }

    /// Whether record checksums use the CPU's CRC32C instruction (reported by the benchmark harness).
    public static var usesHardwareCRC32C: Bool { CRC32C.isHardware }

    /// Picks up batches committed by another process (the CLI appending while the daemon runs).
    public func refresh() throws(StoreError) {
        let writerLock: (any StoreFileLock)? =
            options.readOnly ? fileSystem.lockShared(lockPath) : try fileSystem.lockExclusive(lockPath)
        defer { writerLock?.unlock() }
        try withLock { (state) throws(StoreError) in try state.catchUp() }
    }

    // MARK: Backup

    /// Copies the committed log into `directory` (missing or empty) while others keep writing: the writer lock
    /// is held only to learn the committed lengths; committed bytes never change, so the copy needs no lock.
    public func backup(to target: String) throws(StoreError) {
        let existing = try fileSystem.contentsOfDirectory(target)
        guard existing.isEmpty else {
            throw StoreError(.badDirectory, "backup target is not empty; choose a new directory", file: target)
        }
        let writerLock: (any StoreFileLock)? =
            options.readOnly ? fileSystem.lockShared(lockPath) : try fileSystem.lockExclusive(lockPath)
        let snapshot = try withLock { (state) throws(StoreError) -> [(any StoreFile, String, Int64)] in
            try state.catchUp()
            return state.segments.map { ($0.file, $0.name, $0.committedEnd) }
        }
        writerLock?.unlock()
        try fileSystem.makeDirectory(target)
        let chunk = 8 << 20
        for (source, name, length) in snapshot {
            let copy = try fileSystem.openFile(target.appendingPathComponent(name), create: true)
            try copy.truncate(to: 0)
            var offset: Int64 = 0
            while offset < length {
                let bytes = try source.read(at: offset, count: Int(min(Int64(chunk), length - offset)))
                guard !bytes.isEmpty else {
                    throw StoreError(.io, "segment ended early while copying", file: name, offset: offset)
                }
                try copy.write(bytes, at: offset)
                offset += Int64(bytes.count)
            }
            try copy.sync()
        }
        try fileSystem.syncDirectory(target)
    }

    // MARK: Locking helpers

    func withLock<R: Sendable, E: Error>(_ body: (StoreState) throws(E) -> R) throws(E) -> R {
        try guarded.withLock { (state: inout StoreState) throws(E) -> R in try body(state) }
    }

    /// Runs a write under the directory's writer lock (taken first, so readers in this process are not held up
    /// while another process writes) and then the store's lock, after catching up on what other processes
    /// committed. Refused for good after an fsync failure.
    func writeTransaction<R: Sendable>(_ body: (StoreState) throws(StoreError) -> R) throws(StoreError) -> R {
        if options.readOnly {
            throw StoreError(.readOnly, "the store was opened read-only; this command does not write", file: directory)
        }
        if let failure = withLock({ $0.failure }) { throw Self.stoppedAcknowledging(failure) }
        let writerLock = try fileSystem.lockExclusive(lockPath)
        defer { writerLock.unlock() }
        return try withLock { (state) throws(StoreError) -> R in
            if let failure = state.failure { throw Self.stoppedAcknowledging(failure) }
            try state.catchUp()
            try state.ownChain?.reloadIfChanged()
            return try body(state)
        }
    }

    private static func stoppedAcknowledging(_ failure: StoreError) -> StoreError {
        StoreError(
            .fsyncFailed,
            "the store stopped acknowledging writes after an fsync failure (\(failure.reason)); the disk may have "
                + "lost data. Check the disk, then restart the node: open will repair the tail.",
            file: failure.file
        )
    }
}
