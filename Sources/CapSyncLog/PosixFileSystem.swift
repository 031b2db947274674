#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real file layer: POSIX calls, fdatasync for data, fsync on the directory for names, flock for the
/// writer lock.
public struct PosixFileSystem: StoreFileSystem {
    public init() {}

    public func makeDirectory(_ path: String) throws(StoreError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw PosixFileSystem.error("cannot create directory", path: prefix)
            }
        }
    }

    public func contentsOfDirectory(_ path: String) throws(StoreError) -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw PosixFileSystem.error("cannot list directory", path: path)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public func openFile(_ path: String, create: Bool) throws(StoreError) -> any StoreFile {
        let fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0o644)
        guard fd >= 0 else { throw PosixFileSystem.error("cannot open", path: path) }
        return PosixFile(fd: fd, path: path)
    }

    public func removeFile(_ path: String) throws(StoreError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw PosixFileSystem.error("cannot remove", path: path) }
    }

    public func syncDirectory(_ path: String) throws(StoreError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw PosixFileSystem.error("cannot open directory", path: path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else {
            throw StoreError(.fsyncFailed, "fsync of the directory failed: \(PosixFileSystem.errnoText())", file: path)
        }
    }

    public func lockExclusive(_ path: String) throws(StoreError) -> any StoreFileLock {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PosixFileSystem.error("cannot open the lock file", path: path) }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let failure = PosixFileSystem.error("cannot take the writer lock", path: path)
            close(fd)
            throw failure
        }
        return PosixFileLock(fd: fd)
    }

    public func openFileForReading(_ path: String) throws(StoreError) -> any StoreFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PosixFileSystem.error("cannot open for reading", path: path) }
        return PosixFile(fd: fd, path: path)
    }

    public func lockShared(_ path: String) -> (any StoreFileLock)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        while flock(fd, LOCK_SH) != 0 {
            if errno == EINTR { continue }
            close(fd)
            return nil
        }
        return PosixFileLock(fd: fd)
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    static func error(_ what: String, path: String, offset: Int64? = nil) -> StoreError {
        StoreError(.io, "\(what): \(errnoText())", file: path, offset: offset)
    }
}

final class PosixFile: StoreFile {
    let fd: Int32
    let path: String

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    func size() throws(StoreError) -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw PosixFileSystem.error("cannot stat", path: path) }
        return Int64(info.st_size)
    }

    func read(at offset: Int64, count: Int) throws(StoreError) -> [UInt8] {
        guard count > 0 else { return [] }
        var failedErrno: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count {
                let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failedErrno = errno
                    break
                }
                if n == 0 { break }
                done += n
            }
            initialized = done
        }
        if failedErrno != 0 {
            errno = failedErrno
            throw PosixFileSystem.error("cannot read", path: path, offset: offset)
        }
        return bytes
    }

    func write(_ bytes: [UInt8], at offset: Int64) throws(StoreError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                pwrite(fd, raw.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw PosixFileSystem.error("cannot write", path: path, offset: offset + Int64(done))
            }
            done += n
        }
    }

    func sync() throws(StoreError) {
        guard fdatasync(fd) == 0 else {
            throw StoreError(.fsyncFailed, "fdatasync failed: \(PosixFileSystem.errnoText())", file: path)
        }
    }

    func truncate(to size: Int64) throws(StoreError) {
        guard ftruncate(fd, off_t(size)) == 0 else {
            throw PosixFileSystem.error("cannot truncate", path: path, offset: size)
        }
    }
}

final class PosixFileLock: StoreFileLock, @unchecked Sendable {
    private var fd: Int32

    init(fd: Int32) { self.fd = fd }

    func unlock() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { unlock() }
}
