import CapSyncNode
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One `capsync serve` per node directory: an exclusive flock on `serve.lock` in the node directory, held for the
/// daemon's whole life and holding its pid, then (once bound) its address. The kernel drops the lock when the process ends, however it ends, so
/// a stale file never blocks a restart. (The store's own `LOCK` is taken per write by every writer, daemon and
/// commands alike; it cannot tell that a daemon is running.)
final class ServeLock: Sendable {
    static let fileName = "serve.lock"
    private let descriptor: Int32

    /// Takes the lock or refuses, naming the daemon that holds it.
    init(paths: NodePaths) throws {
        let path = paths.root + "/" + Self.fileName
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw CLIError(
                "cannot open \(path): \(String(cString: strerror(errno))); check the node directory's permissions"
            )
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            var buffer = [UInt8](repeating: 0, count: 64)
            let count = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            guard code == EWOULDBLOCK else { throw CLIError("cannot lock \(path): \(String(cString: strerror(code)))") }
            let pid = Self.lines(buffer.prefix(max(0, count))).first ?? ""
            let who = pid.isEmpty ? "another capsync serve" : "another capsync serve (pid \(pid))"
            throw CLIError(
                "\(who) is already running on the node directory \(paths.root); one daemon serves a node. Stop it first"
                    + (pid.isEmpty ? "" : " (kill \(pid))") + ", or give this one another --dir"
            )
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, text, text.count, 0)
        descriptor = fd
    }

    /// Adds the bound address (the real port, also for `:0`), for `capsync id --card`.
    func record(address: String) {
        let text = Array("\(getpid())\n\(address)\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pwrite(descriptor, text, text.count, 0)
    }

    /// The running daemon's pid and bound address, when a daemon holds the lock.
    static func running(paths: NodePaths) -> (pid: String, address: String?)? {
        let fd = open(paths.root + "/" + fileName, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 { return nil }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = pread(fd, &buffer, buffer.count, 0)
        let lines = Self.lines(buffer.prefix(max(0, count)))
        guard let pid = lines.first else { return nil }
        return (pid, lines.count > 1 ? lines[1] : nil)
    }

    private static func lines(_ bytes: ArraySlice<UInt8>) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    deinit { close(descriptor) }
}
