internal import CapSyncLog
public import CapSyncWire
internal import Foundation

/// The roster a node holds: the out-of-band roster file until a genesis is adopted, then the chain derived from
/// the roster proposals and approvals in the log (Protocol/roster.md §7). Re-derived after every change of the
/// log; the adopted genesis is kept in `roster-genesis.bin` (the node's trust anchor) and `roster.txt` follows
/// the head, so tools reading the file see the roster in force.
public struct NodeRoster: Sendable {
    /// The roster in force: the head's, or the file's before genesis.
    public let roster: Roster
    public let ledger: RosterLedger
    /// The roster file's roster when the ledger was derived (what a proposed genesis must build).
    public let anchor: Roster
    public var chain: RosterChain? { ledger.chain }

    /// Derives the roster from the file, the stored genesis and the store's governance entries.
    static func derive(paths: NodePaths, store: LogStore, fileRoster: Roster) throws(NodeError) -> NodeRoster {
        var ledger = RosterLedger()
        do {
            for entry in try store.entriesOfIndexedKinds() { ledger.add(entry) }
        } catch { throw NodeError(.store, error.description, context: store.directory) }
        var genesis: RosterVersion?
        if FileManager.default.fileExists(atPath: paths.rosterGenesis) {
            guard let bytes = FileManager.default.contents(atPath: paths.rosterGenesis) else {
                throw NodeError(.roster, "cannot read the adopted roster genesis", context: paths.rosterGenesis)
            }
            do { genesis = try RosterVersion(decoding: Array(bytes)) } catch {
                throw NodeError(
                    .roster,
                    "the adopted roster genesis does not decode: \(error)",
                    context: paths.rosterGenesis
                )
            }
        }
        do { try ledger.derive(anchor: fileRoster, genesis: genesis) } catch {
            throw NodeError(.roster, "the adopted roster genesis is not valid: \(error)", context: paths.rosterGenesis)
        }
        return NodeRoster(roster: ledger.chain?.head.roster ?? fileRoster, ledger: ledger, anchor: fileRoster)
    }

    /// Writes what changed: the genesis once adopted, the roster file when the head moved.
    func persist(paths: NodePaths, fileRoster: Roster) throws(NodeError) {
        guard let chain else { return }
        if !FileManager.default.fileExists(atPath: paths.rosterGenesis) {
            try AtomicFile.write(chain.genesis.version.encoded, to: paths.rosterGenesis)
        }
        if fileRoster != chain.head.roster { try NodeSetup.saveRoster(chain.head.roster, paths) }
    }

    /// The keys a peer may prove at the TLS handshake: every key of the roster before genesis; afterwards the
    /// open keys of active partners (a retired, revoked or removed key no longer opens a session).
    public var sessionKeys: [AuthorKey] {
        guard let head = chain?.head.state else { return roster.authorKeys }
        return head.keys.filter { head.mayApprove($0.key, for: $0.value.partner) }.map(\.key).sorted()
    }

    /// The roster the fold judges entries by for a view as of `time` (nil: now): the roster in force then, so
    /// that a later change leaves earlier views and their digests as they were — except a revocation, whose
    /// cut-off applies to past views too (a theft found later removes the thief's entries everywhere).
    public func foldRoster(asOf time: HLCTimestamp?) -> Roster {
        guard let chain, let time else { return roster }
        let then = chain.link(asOf: time) ?? chain.genesis
        let revoked = chain.head.state.keys.filter(\.value.revoked)
        guard !revoked.isEmpty else { return then.roster }
        let members = then.roster.members.map { member -> Roster.Member in
            var member = member
            if let cutoff = revoked[member.key]?.lastValidSeq {
                member.lastValidSeq = min(member.lastValidSeq ?? cutoff, cutoff)
            }
            return member
        }
        return (try? Roster(serial: then.roster.serial, members: members)) ?? then.roster
    }

    /// Partners removed at or before `time` (nil: now), with the time of their removal.
    public func removedPartners(asOf time: HLCTimestamp?) -> [String: HLCTimestamp] {
        guard let chain else { return [:] }
        guard let time else { return chain.removals }
        return chain.removals.filter { $0.value <= time }
    }
}
