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

    public init(path: String, roster: Roster, store: LogStore) {
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

    private static func stamp(of path: String) -> (Date, Int)? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let date = attributes[.modificationDate] as? Date, let size = attributes[.size] as? NSNumber
        else { return nil }
        return (date, size.intValue)
    }
}
