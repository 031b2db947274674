public import CapSyncCrypto
public import CapSyncWire

/// Proposing and approving roster versions (Protocol/roster.md §7): each is an entry this node signs, so it
/// reaches every partner by sync; the roster in force is re-derived right after.
extension Node {
    /// What a proposal or an approval led to.
    public struct RosterVote: Sendable {
        public let version: RosterVersion
        /// The version is now adopted (the roster in force changed).
        public let adopted: Bool
        /// Its standing among the pending proposals, while not adopted.
        public let pending: RosterLedger.Pending?
    }

    /// Proposes the next version with `changes`, and approves it as this partner.
    public func proposeRosterVersion(
        _ changes: [RosterChange],
        signingKey: Ed25519PrivateKey
    ) throws(NodeError) -> RosterVote {
        guard let chain = rosterStatus.chain else {
            throw NodeError(
                .roster,
                "this node holds no roster chain yet, so there is nothing to propose a change to",
                hint: "start one: capsync roster propose genesis --threshold 2/3 (every partner approves it)"
            )
        }
        let head = chain.head.version
        let version: RosterVersion
        do {
            version = try RosterVersion(
                serial: head.serial + 1,
                previous: head.hash,
                timestamp: nextRosterTimestamp(after: head.timestamp),
                changes: changes
            )
            try chain.checkChanges(version)
        } catch { throw NodeError(.roster, "the proposed change is refused: \(error)") }
        return try submit(version, proposing: true, signingKey: signingKey)
    }

    /// Proposes the genesis version: the roster file as it stands, with `threshold`; every partner approves it.
    public func proposeGenesis(
        threshold: (numerator: UInt64, denominator: UInt64),
        signingKey: Ed25519PrivateKey
    ) throws(NodeError) -> RosterVote {
        guard rosterStatus.chain == nil else {
            throw NodeError(
                .roster,
                "a roster chain is already adopted (genesis serial \(rosterStatus.chain!.genesis.version.serial))"
            )
        }
        let anchor = rosterStatus.anchor
        var changes: [RosterChange] = [
            .setThreshold(numerator: threshold.numerator, denominator: threshold.denominator)
        ]
        for partner in anchor.partners {
            let members = anchor.members.filter { $0.partner == partner }
            for (index, member) in members.enumerated() {
                changes.append(
                    index == 0
                        ? .addPartner(partner: partner, key: member.key) : .addKey(partner: partner, key: member.key)
                )
                if let last = member.lastValidSeq { changes.append(.retireKey(key: member.key, lastValidSeq: last)) }
            }
        }
        let version: RosterVersion
        do {
            version = try RosterVersion(
                serial: anchor.serial,
                previous: .zero,
                timestamp: nextRosterTimestamp(after: HLCTimestamp(rawValue: 0)),
                changes: changes
            )
        } catch { throw NodeError(.roster, "the roster file cannot make a genesis version: \(error)") }
        return try submit(version, proposing: true, signingKey: signingKey)
    }

    /// Approves the proposal `version` as this partner.
    public func approveRosterVersion(
        _ version: RosterVersion,
        signingKey: Ed25519PrivateKey
    ) throws(NodeError)
        -> RosterVote
    {
        try submit(version, proposing: false, signingKey: signingKey)
    }

    private func submit(
        _ version: RosterVersion,
        proposing: Bool,
        signingKey: Ed25519PrivateKey
    ) throws(NodeError)
        -> RosterVote
    {
        let status = rosterStatus
        let author = AuthorKey(signingKey.publicKey)
        let competing = status.ledger.pending(anchor: status.anchor).filter {
            $0.proposal.version.hash != version.hash && $0.proposal.version.serial == version.serial
                && status.ledger.voters(of: $0.proposal.version.hash).contains {
                    status.roster.partner(of: $0) == config.partner
                }
        }
        if let other = competing.first {
            throw NodeError(
                .roster,
                "\(config.partner) already approved another version \(version.serial) (\(other.proposal.version.hash.hex.prefix(16))); approving two versions at one serial is what makes a roster fork",
                hint: "wait until it is adopted or abandoned, then propose again on top of the roster in force"
            )
        }
        if status.ledger.voters(of: version.hash).contains(author) {
            throw NodeError(
                .roster,
                "this key already approved version \(version.serial) (\(version.hash.hex.prefix(16)))"
            )
        }
        let approval: RosterGovernance.Approval
        do { approval = try RosterGovernance.Approval.signing(version, with: signingKey) } catch {
            throw NodeError(.keys, error.description)
        }
        var records: [(kind: UInt64, payload: [UInt8])] = []
        if proposing { records.append((RosterGovernance.proposalKind, RosterGovernance.proposalPayload(version))) }
        records.append((RosterGovernance.approvalKind, approval.payload))
        do { _ = try store.append(records, signingKey: signingKey, nowMilliseconds: Self.nowMilliseconds()) } catch {
            throw NodeError(.store, error.description, context: paths.store)
        }
        try refreshRoster()
        let after = rosterStatus
        let adopted = after.chain?.link(serial: version.serial)?.version.hash == version.hash
        let pending = after.ledger.pending(anchor: after.anchor).first { $0.proposal.version.hash == version.hash }
        return RosterVote(version: version, adopted: adopted, pending: pending)
    }

    /// A version timestamp after `previous` and not before now (version times strictly increase, §6.5).
    private func nextRosterTimestamp(after previous: HLCTimestamp) -> HLCTimestamp {
        let now = HLCTimestamp(milliseconds: Self.nowMilliseconds())
        return now > previous ? now : HLCTimestamp(rawValue: previous.rawValue + 1)
    }
}
