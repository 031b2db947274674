internal import Foundation

#if canImport(Glibc)
internal import Glibc
#endif

/// Small durable-file helpers for node configuration (the log store has its own file layer).
enum AtomicFile {
    /// Writes `bytes` to `path` via a temporary file, fsync, rename and a directory fsync, so a crash leaves
    /// either the old or the new content, never a torn file.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(NodeError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw NodeError(.io, "cannot create: \(errnoText())", context: temporary) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                let text = errnoText()
                close(fd)
                unlink(temporary)
                throw NodeError(.io, "cannot write: \(text)", context: temporary)
            }
            offset += written
        }
        fchmod(fd, mode)
        guard fsync(fd) == 0 else {
            let text = errnoText()
            close(fd)
            unlink(temporary)
            throw NodeError(.io, "fsync failed: \(text)", context: temporary)
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let text = errnoText()
            unlink(temporary)
            throw NodeError(.io, "cannot rename into place: \(text)", context: path)
        }
        syncDirectory(of: path)
    }

    static func write(_ text: String, to path: String, mode: mode_t = 0o644) throws(NodeError) {
        try write(Array(text.utf8), to: path, mode: mode)
    }

    static func syncDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    static func read(_ path: String) throws(NodeError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NodeError(
                .io,
                FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file",
                context: path
            )
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
