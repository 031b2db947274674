public import CapSyncCrypto
public import CapSyncLog
public import CapSyncWire
internal import Foundation

/// Lets a long-running daemon follow edits of `roster.txt` (a partner added from a card, a roster imported)
/// without a restart: each new session checks the file's modification stamp and re-reads it when it changed.
/// A roster file that no longer parses is not applied; the last good roster stays in force.
public final class RosterWatcher: @unchecked Sendable {  // state guarded by `lock`
    private let path: String
    private let store: LogStore
    private let lock = NSLock()
    private var roster: Roster
    private var stamp: (Date, Int)?
    public private(set) var lastError: String?

    /// The daemon's TLS certificate file: re-read when it changes (a rotated signing key re-issues it).
    private let certificatePath: String?
    private var certificate: (stamp: (Date, Int)?, value: X509Certificate?) = (nil, nil)

    public init(path: String, roster: Roster, store: LogStore, certificatePath: String? = nil) {
        self.certificatePath = certificatePath
        if let certificatePath { certificate = (Self.stamp(of: certificatePath), nil) }
        self.path = path
        self.roster = roster
        self.store = store
        self.stamp = Self.stamp(of: path)
    }

    /// The roster now in force.
    public func current() -> Roster {
        lock.lock()
        defer { lock.unlock() }
        let now = Self.stamp(of: path)
        guard let now, stamp.map({ $0.0 != now.0 || $0.1 != now.1 }) ?? true else { return roster }
        stamp = now
        guard let data = FileManager.default.contents(atPath: path) else { return roster }
        do {
            let fresh = try Roster(fileText: String(decoding: data, as: UTF8.self))
            if fresh != roster {
                roster = fresh
                store.updateRoster(fresh)
            }
            lastError = nil
        } catch {
            lastError = "\(path): \(error) (keeping the previous roster)"
        }
        return roster
    }

    /// The TLS certificate now on disk when it changed since the watcher started, else nil (keep the loaded one).
    public func currentTLSCertificate() -> X509Certificate? {
        guard let certificatePath else { return nil }
        lock.lock()
        defer { lock.unlock() }
        let now = Self.stamp(of: certificatePath)
        if let now, let before = certificate.stamp, before.0 == now.0, before.1 == now.1 { return certificate.value }
        certificate.stamp = now
        if let fresh = try? KeyFile.readCertificate(from: certificatePath) { certificate.value = fresh }
        return certificate.value
    }

    private static func stamp(of path: String) -> (Date, Int)? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let date = attributes[.modificationDate] as? Date, let size = attributes[.size] as? NSNumber
        else { return nil }
        return (date, size.intValue)
    }
}
