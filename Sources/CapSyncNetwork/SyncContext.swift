public import CapSyncCrypto
public import CapSyncLog
public import CapSyncNode
public import CapSyncSync
internal import CapSyncTLS
public import CapSyncWire
public import Foundation
internal import Logging
internal import NIOCore
internal import NIOPosix

/// Everything a sync connection needs, shared by the server and the client of one node.
public struct SyncContext: Sendable {
    public var store: LogStore
    public var roster: Roster
    public var tlsKey: Ed25519PrivateKey
    public var tlsCertificate: X509Certificate
    public var sessionConfiguration: SessionConfiguration
    public var label: String
    /// Milliseconds since the epoch; injected so tests and simulations control time.
    public var clock: @Sendable () -> UInt64
    /// When set, each new session uses the roster file's current content (a daemon follows roster edits).
    public var rosterWatcher: RosterWatcher?
    /// Whether each session's result is logged at warning/info (the daemon) or only at debug (a command that
    /// prints its own summary).
    public var logsSessionResults = true

    public init(
        store: LogStore,
        roster: Roster,
        tlsKey: Ed25519PrivateKey,
        tlsCertificate: X509Certificate,
        label: String,
        limits: SyncLimits = .default,
        clock: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.store = store
        self.roster = roster
        self.tlsKey = tlsKey
        self.tlsCertificate = tlsCertificate
        self.label = label
        self.clock = clock
        sessionConfiguration = SessionConfiguration(
            localRosterHash: roster.hash,
            knownAuthors: Set(roster.authorKeys),
            limits: limits,
            label: label
        )
    }

    /// Keys a peer may prove at the handshake: keys with no last valid seq. A retired, revoked or removed
    /// partner's key still verifies its old entries but no longer opens a session.
    var trustedKeys: [Ed25519PublicKey] {
        roster.members.filter { $0.lastValidSeq == nil }.compactMap { try? $0.key.publicKey() }
    }

    /// This context with the roster now in force (unchanged without a watcher).
    func refreshed() -> SyncContext {
        guard let watcher = rosterWatcher else { return self }
        let current = watcher.current()
        let certificate = watcher.currentTLSCertificate() ?? tlsCertificate
        guard current != roster || certificate != tlsCertificate else { return self }
        var copy = self
        copy.tlsCertificate = certificate
        copy.roster = current
        copy.sessionConfiguration.localRosterHash = current.hash
        copy.sessionConfiguration.knownAuthors = Set(current.authorKeys)
        return copy
    }
}
