/// The roster chain a node has adopted: genesis, then each version approved by the threshold of the partners
/// of the version before it (Protocol/roster.md §6).
///
/// Pure: versions in, roster states out. It refuses rollbacks, versions that skip or repeat a serial, and any
/// change that would raise a key's last valid seq, so the roster in force at any past time never changes.
public struct RosterChain: Sendable {
    /// An adopted version and the state it leads to.
    public struct Link: Sendable, Hashable {
        public let version: RosterVersion
        public let state: RosterState
        /// Built once: entries are judged against it many times.
        public let roster: Roster

        init(version: RosterVersion, state: RosterState) {
            self.version = version
            self.state = state
            self.roster = state.roster
        }
    }

    /// Oldest first; never empty (genesis is first).
    public private(set) var links: [Link]

    public var head: Link { links[links.count - 1] }
    public var genesis: Link { links[0] }

    /// Starts a chain from an out-of-band genesis version (§6.4): all-zero `previous`, a threshold set, and
    /// approved by every partner of the roster it builds, each with one of its own open keys.
    public init(genesis: RosterVersion) throws(WireError) {
        let context = "roster genesis"
        guard genesis.previous.isZero else {
            throw WireError(.invalidValue, "a genesis version has an all-zero previous hash", context: context)
        }
        guard genesis.changes.contains(where: { if case .setThreshold = $0 { true } else { false } }) else {
            throw WireError(.illegalChange, "a genesis version sets the approval threshold", context: context)
        }
        let state = try RosterState.empty.applying(genesis)
        try RosterChain.checkApprovers(of: genesis, against: state, required: state.partners.count, context: context)
        try RosterChain.checkSignatures(of: genesis, context: context)
        links = [Link(version: genesis, state: state)]
    }

    /// Adopts `version` as the next one after the head, or says exactly why not (§6.5). Returns the new state.
    @discardableResult
    public mutating func apply(_ version: RosterVersion) throws(WireError) -> RosterState {
        let head = self.head
        if version.previous != head.version.hash {
            if version.serial <= head.version.serial {
                let adopted = link(serial: version.serial)
                let what =
                    adopted?.version.hash == version.hash
                    ? "is already adopted" : "is older than the roster in force (serial \(head.version.serial))"
                throw WireError(
                    .rollback,
                    "roster version \(version.serial) \(what); versions only move forward",
                    context: "roster version \(version.serial)"
                )
            }
            throw WireError(
                .wrongPrevious,
                "roster version \(version.serial) follows \(version.previous.short), but the roster in force is serial \(head.version.serial), \(head.version.hash.short)",
                context: "roster version \(version.serial)"
            )
        }
        let state = try RosterChain.validate(version, after: head)
        links.append(Link(version: version, state: state))
        return state
    }

    /// The checks of §6.5 after the link: serial, time, approvers, threshold, changes, signatures.
    static func validate(_ version: RosterVersion, after previous: Link) throws(WireError) -> RosterState {
        let context = "roster version \(version.serial)"
        let before = previous.version
        guard version.serial == before.serial + 1 else {
            throw WireError(
                .serialNotIncreasing,
                "roster version after serial \(before.serial) must have serial \(before.serial + 1), not \(version.serial)",
                context: context
            )
        }
        guard version.timestamp > before.timestamp else {
            throw WireError(
                .timestampNotIncreasing,
                "timestamp \(version.timestamp) is not after \(before.timestamp) of serial \(before.serial)",
                context: context
            )
        }
        try checkApprovers(
            of: version,
            against: previous.state,
            required: previous.state.requiredApprovals,
            context: context
        )
        let state = try previous.state.applying(version)
        try checkSignatures(of: version, context: context)
        return state
    }

    /// Steps 3–4: every approver an open key of a distinct active partner, and enough of them.
    private static func checkApprovers(
        of version: RosterVersion,
        against state: RosterState,
        required: Int,
        context: String
    ) throws(WireError) {
        var signed: [String] = []
        for approval in version.approvals {
            guard state.mayApprove(approval.key, for: approval.partner) else {
                let why =
                    state.keys[approval.key].map { key in
                        key.partner != approval.partner
                            ? "belongs to \(key.partner)"
                            : state.partnerActive[key.partner] != true
                                ? "belongs to a removed partner" : "is retired or revoked"
                    } ?? "is not in the roster"
                throw WireError(
                    .signerNotMember,
                    "approval by \(approval.partner) with key \(approval.key.short): the key \(why)",
                    context: context
                )
            }
            guard !signed.contains(approval.partner) else {
                throw WireError(
                    .duplicateSigner,
                    "\(approval.partner) approved twice (with two keys)",
                    context: context
                )
            }
            signed.append(approval.partner)
        }
        guard signed.count >= required else {
            let waiting = state.partnersThatMayApprove.filter { !signed.contains($0) }
            throw WireError(
                .belowThreshold,
                "\(signed.count) of the \(required) approvals needed: approved by \(list(signed)); may still approve: \(list(waiting))",
                context: context
            )
        }
    }

    private static func checkSignatures(of version: RosterVersion, context: String) throws(WireError) {
        for approval in version.approvals where !version.verifies(approval) {
            throw WireError(
                .badSignature,
                "the approval by \(approval.partner) with key \(approval.key.short) does not verify",
                context: context
            )
        }
    }

    private static func list(_ partners: [String]) -> String {
        partners.isEmpty ? "none" : partners.joined(separator: ", ")
    }

    // MARK: Looking up

    /// The adopted version with this serial, if any.
    public func link(serial: UInt64) -> Link? {
        let first = genesis.version.serial
        guard serial >= first, serial - first < UInt64(links.count) else { return nil }
        return links[Int(serial - first)]
    }

    /// The roster in force at HLC time `time`: the latest adopted version at or before it; nil before genesis.
    public func roster(asOf time: HLCTimestamp) -> Roster? { link(asOf: time)?.roster }

    public func link(asOf time: HLCTimestamp) -> Link? {
        // Timestamps strictly increase along the chain, so the versions are sorted by time.
        var low = 0
        var high = links.count
        while low < high {
            let middle = (low + high) / 2
            if links[middle].version.timestamp <= time { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : links[low - 1]
    }

    // MARK: Forks (§6.6)

    /// True when `a` and `b` prove a roster fork: same serial, different hashes, and each a valid successor of
    /// the adopted version at `serial − 1` (named by its `previous`).
    public func isProvenFork(_ a: RosterVersion, _ b: RosterVersion) -> Bool {
        guard a.serial == b.serial, a.hash != b.hash, a.serial > 0, let previous = link(serial: a.serial - 1) else {
            return false
        }
        return [a, b].allSatisfy { version in
            version.previous == previous.version.hash && (try? RosterChain.validate(version, after: previous)) != nil
        }
    }
}
