public import CapSyncNode
internal import Foundation
internal import Synchronization

/// `/healthz`: healthy when the sync listener is up and the store's directory takes a write (a small probe file
/// written, fsynced and removed); otherwise the reasons, one a line.
public final class HealthCheck: Sendable {
    let node: Node
    private let listening = Mutex<String?>(nil)

    /// The probe file's name in the store directory (backups skip it).
    public static let probeName = NodeBackup.healthProbeName

    public init(node: Node) { self.node = node }

    /// Called once the sync listener is bound (with its address) and with nil when it stops.
    public func setListener(_ address: String?) { listening.withLock { $0 = address } }

    /// The reasons the node is not healthy; empty when it is.
    public func problems() -> [String] {
        var problems: [String] = []
        if listening.withLock({ $0 }) == nil { problems.append("the sync listener is not up") }
        if let reason = Self.storeWriteProblem(directory: node.paths.store) { problems.append(reason) }
        return problems
    }

    /// Writes, fsyncs and removes a probe file; the failure, naming the directory and the error, or nil.
    static func storeWriteProblem(directory: String) -> String? {
        let path = directory + "/" + probeName
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return "the store is not writable: cannot create \(path): \(errorText())" }
        defer { unlink(path) }
        var byte: UInt8 = 1
        let wrote = write(fd, &byte, 1)
        let synced = fsync(fd)
        let failure = wrote != 1 ? "write" : synced != 0 ? "fsync" : nil
        let text = errorText()
        close(fd)
        if let failure { return "the store is not writable: \(failure) of \(path) failed: \(text)" }
        return nil
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
