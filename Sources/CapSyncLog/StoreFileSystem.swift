/// The file layer under the store. Behind a protocol so that tests and the simulator can swap in
/// `FaultInjectingFileSystem`, which models what a power cut does to writes that were never fsynced.
///
/// Paths are plain strings ("/node/log/00000001.seg"). Every method reports failure as `StoreError` naming the
/// path.
public protocol StoreFileSystem: Sendable {
    /// Creates the directory (and its parents) if it is missing.
    func makeDirectory(_ path: String) throws(StoreError)
    /// Names (not paths) of the entries of a directory; empty if it does not exist.
    func contentsOfDirectory(_ path: String) throws(StoreError) -> [String]
    func fileExists(_ path: String) -> Bool
    /// Opens a file for reading and writing, creating it (empty) when `create` is true and it is missing.
    func openFile(_ path: String, create: Bool) throws(StoreError) -> any StoreFile
    func removeFile(_ path: String) throws(StoreError)
    /// Makes creations, removals and renames inside the directory durable.
    func syncDirectory(_ path: String) throws(StoreError)
    /// Blocks until this caller holds the exclusive lock on `path` (created if missing); the lock is shared
    /// with other processes (flock), so the daemon and the commands take turns writing.
    func lockExclusive(_ path: String) throws(StoreError) -> any StoreFileLock
    /// Opens an existing file for reading only (read-only commands, copies on read-only media).
    func openFileForReading(_ path: String) throws(StoreError) -> any StoreFile
    /// Waits for a shared lock on `path` if the file exists (readers exclude writers mid-batch); nil when the
    /// file is missing or cannot be opened (a read-only copy with no writer).
    func lockShared(_ path: String) -> (any StoreFileLock)?
}

extension StoreFileSystem {
    public func openFileForReading(_ path: String) throws(StoreError) -> any StoreFile {
        try openFile(path, create: false)
    }

    public func lockShared(_ path: String) -> (any StoreFileLock)? {
        guard fileExists(path) else { return nil }
        return try? lockExclusive(path)
    }
}

/// One open file. Reads and writes are positional (pread / pwrite), so one handle serves many threads.
public protocol StoreFile: AnyObject, Sendable {
    var path: String { get }
    func size() throws(StoreError) -> Int64
    /// Up to `count` bytes at `offset`; fewer only at the end of the file.
    func read(at offset: Int64, count: Int) throws(StoreError) -> [UInt8]
    func write(_ bytes: [UInt8], at offset: Int64) throws(StoreError)
    /// Makes the written data durable (fdatasync). A failure is final: the caller must stop acknowledging.
    func sync() throws(StoreError)
    func truncate(to size: Int64) throws(StoreError)
}

/// A held exclusive lock; `unlock` releases it (also released when the process dies).
public protocol StoreFileLock: AnyObject, Sendable {
    func unlock()
}

extension String {
    /// `self` + "/" + `name`, without doubling the slash.
    func appendingPathComponent(_ name: String) -> String {
        hasSuffix("/") ? self + name : self + "/" + name
    }
}
