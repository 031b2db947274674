internal import CapSyncCrypto
internal import CapSyncLog
public import CapSyncWire
internal import Foundation

/// Rotating this partner's signing key through the roster chain (Protocol/roster.md §7, docs/design.md D4):
///
/// 1. a new key is made (`keys/next-signing.key.pem`) and an add-key version proposed, signed with the current
///    key while it is still open (after a theft, another partner proposes it from the new key's card);
/// 2. once the roster adopts it, the node switches: the old key's files and own-chain journal move to
///    `keys/retired/`, the new key signs from seq 1 of its own chain, the TLS certificate is re-issued by it (a
///    running daemon picks it up at its next session), and a retirement of the old key at the last seq this node
///    holds of it is proposed.
///
/// Reports are keyed by partner, not key, so the partner's records continue under the new key.
public enum KeyRotation {
    public enum Step: Sendable {
        /// A new key was made and proposed (the vote is nil when the current key may no longer propose).
        case proposed(newKey: AuthorKey, vote: Node.RosterVote?)
        /// The new key is made and waits for the roster to adopt it.
        case waiting(newKey: AuthorKey, pending: RosterLedger.Pending?)
        /// The node now signs with the new key; `retirement` is the proposal ending the old one, if any.
        case switched(old: AuthorKey, new: AuthorKey, oldLastSeq: UInt64, retirement: Node.RosterVote?)
    }

    /// Runs the next step of a rotation of the node at `root`. `evenIfNotSeenAdopted` switches to the next key
    /// although this node has not seen it adopted: the way back for a node whose key was revoked, which cannot
    /// sync with it any more (its partners adopted the new key; the node then learns the roster by syncing).
    public static func step(
        root: String,
        passphrase: String?,
        evenIfNotSeenAdopted: Bool = false,
        runningDaemon: String? = nil
    ) throws(NodeError) -> Step {
        let paths = NodePaths(root: root)
        let fm = FileManager.default
        guard fm.fileExists(atPath: paths.nextSigningKey) else { return try begin(paths, passphrase: passphrase) }
        let next: Ed25519PrivateKey
        do { next = try KeyFile.readPrivateKey(from: paths.nextSigningKey, passphrase: passphrase) } catch {
            throw NodeError(.keys, "cannot read the next signing key: \(error)", context: paths.nextSigningKey)
        }
        let nextKey = AuthorKey(next.publicKey)
        let (adopted, pending, oldKey, oldLastSeq): (Bool, RosterLedger.Pending?, AuthorKey, UInt64) = try {
            () throws(NodeError) in
            let node = try Node(root: root)
            let status = node.rosterStatus
            let old: AuthorKey
            do { old = AuthorKey(try KeyFile.readPublicKey(from: paths.signingPublicKey)) } catch {
                throw NodeError(.keys, "\(error)", context: paths.signingPublicKey)
            }
            let adopted = status.roster.partner(of: nextKey) == node.config.partner
            let pending = status.ledger.pending(anchor: status.anchor).first { pending in
                pending.proposal.version.changes.contains { change in
                    if case .addKey(_, let key) = change { key == nextKey } else { false }
                }
            }
            return (adopted, pending, old, node.store.head(of: old)?.seq ?? 0)
        }()
        guard adopted || evenIfNotSeenAdopted else { return .waiting(newKey: nextKey, pending: pending) }
        if let runningDaemon {
            // The daemon keeps the old key's own-chain journal open; moving it underneath would let the daemon
            // write the old key's state into the new key's journal.
            throw NodeError(
                .usage,
                "the new key is adopted, but the daemon (\(runningDaemon)) is running on this node and holds the old key's own-chain journal",
                hint:
                    "stop the daemon, run `capsync key rotate` again to switch, and start it: it then serves with the new key's certificate"
            )
        }
        try switchKeys(paths, next: next, old: oldKey)
        let node = try Node(root: root)
        var retirement: Node.RosterVote?
        if adopted, let member = node.roster.member(for: oldKey), member.lastValidSeq == nil {
            retirement = try node.proposeRosterVersion(
                [.retireKey(key: oldKey, lastValidSeq: oldLastSeq)],
                signingKey: next
            )
        }
        return .switched(old: oldKey, new: nextKey, oldLastSeq: oldLastSeq, retirement: retirement)
    }

    private static func begin(_ paths: NodePaths, passphrase: String?) throws(NodeError) -> Step {
        let node = try Node(root: paths.root)
        let current = try NodeSetup.loadSigningKey(paths, passphrase: passphrase)
        guard let chain = node.rosterStatus.chain else {
            throw NodeError(
                .roster,
                "keys rotate through the roster chain, and this node holds none yet",
                hint: "start one first: capsync roster propose genesis"
            )
        }
        let next: Ed25519PrivateKey
        do {
            next = try Ed25519PrivateKey.generate()
            try KeyFile.writePrivateKey(next, to: paths.nextSigningKey, passphrase: passphrase)
            try KeyFile.writePublicKey(next.publicKey, to: paths.nextSigningPublicKey)
        } catch { throw NodeError(.keys, "cannot make the next signing key: \(error)", context: paths.keys) }
        let nextKey = AuthorKey(next.publicKey)
        let head = chain.head.state
        guard head.mayApprove(AuthorKey(current.publicKey), for: node.config.partner) else {
            return .proposed(newKey: nextKey, vote: nil)
        }
        let vote = try node.proposeRosterVersion(
            [.addKey(partner: node.config.partner, key: nextKey)],
            signingKey: current
        )
        return .proposed(newKey: nextKey, vote: vote)
    }

    /// Moves the old key and its journal aside, puts the next key in its place, starts its own-chain journal and
    /// re-issues the certificates. Nothing of the store changes.
    private static func switchKeys(_ paths: NodePaths, next: Ed25519PrivateKey, old: AuthorKey) throws(NodeError) {
        let fm = FileManager.default
        let retired = paths.retiredKeyFolder(old)
        let moves =
            [
                (paths.signingKey, retired + "/signing.key.pem"),
                (paths.signingPublicKey, retired + "/signing.pub.pem"),
                (paths.signingCertificate, retired + "/signing.cert.pem"),
                (paths.tlsCertificate, retired + "/tls.cert.pem"),
            ] + paths.ownChainJournal.map { ($0, retired + "/" + ($0 as NSString).lastPathComponent) }
        do {
            try fm.createDirectory(
                atPath: retired,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
            for (from, to) in moves where fm.fileExists(atPath: from) {
                if fm.fileExists(atPath: to) { try fm.removeItem(atPath: to) }
                try fm.moveItem(atPath: from, toPath: to)
            }
            try fm.moveItem(atPath: paths.nextSigningKey, toPath: paths.signingKey)
            try fm.moveItem(atPath: paths.nextSigningPublicKey, toPath: paths.signingPublicKey)
        } catch {
            throw NodeError(.io, "cannot move the signing keys: \(error.localizedDescription)", context: paths.keys)
        }
        do {
            try LogStore.startOwnChain(.init(author: AuthorKey(next.publicKey), journalDirectory: paths.root))
        } catch {
            throw NodeError(.store, "cannot start the new key's own-chain journal: \(error)", context: paths.root)
        }
        do {
            let config = try NodeSetup.loadConfig(paths)
            let tlsKey = try KeyFile.readPrivateKey(from: paths.tlsKey, passphrase: nil)
            let tlsCertificate = try X509Certificate.issueTLSCertificate(
                for: tlsKey.publicKey,
                partner: config.partner,
                signedBy: next
            )
            try KeyFile.writeCertificate(
                try X509Certificate.selfSignedSigningCertificate(for: next),
                to: paths.signingCertificate
            )
            try KeyFile.writeCertificate(tlsCertificate, to: paths.tlsCertificate)
        } catch let error as NodeError {
            throw error
        } catch { throw NodeError(.keys, "cannot re-issue the certificates: \(error)", context: paths.keys) }
    }
}
