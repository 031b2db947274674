/// The roster chain a set of log entries implies (Protocol/roster.md §7): proposals and approvals are entries
/// (`RosterGovernance`), and every node derives the adopted versions from the ones it holds, by one
/// deterministic rule. Nodes holding the same entries derive the same chain, whatever order the entries
/// arrived in; a node holding fewer is behind, never different.
public struct RosterLedger: Sendable {
    /// A proposed version as it appeared in the log.
    public struct Proposal: Sendable {
        public let version: RosterVersion
        public let entry: EntryID
        public let author: AuthorKey
    }

    /// An approval entry: which key approved which version hash.
    public struct Vote: Sendable {
        public let key: AuthorKey
        public let approval: RosterGovernance.Approval
        public let entry: EntryID
    }

    /// Two or more versions, each approved by the threshold as the successor of the same adopted version: a
    /// roster fork (§6.6). None of them is adopted until one is followed by a valid version (§7).
    public struct Fork: Sendable {
        public let serial: UInt64
        public let versions: [RosterVersion]
    }

    /// A governance entry whose payload does not decode: kept and relayed like any entry, never used.
    public struct Malformed: Sendable {
        public let entry: EntryID
        public let reason: String
    }

    /// A proposal that follows the adopted head and is still gathering approvals.
    public struct Pending: Sendable {
        public let proposal: Proposal
        public let approvedBy: [String]
        public let required: Int
        public let mayStillApprove: [String]
        /// Why it is not adopted although enough partners approved (a change that is not legal), if so.
        public let problem: String?
    }

    public private(set) var proposals: [Bytes32: Proposal] = [:]
    public private(set) var votes: [Bytes32: [Vote]] = [:]
    public private(set) var malformed: [Malformed] = []
    /// The adopted chain; nil while no genesis is adopted.
    public private(set) var chain: RosterChain?
    public private(set) var fork: Fork?

    public init() {}

    /// Takes the governance entries among `entries` in; other kinds are skipped.
    public mutating func add(_ entry: Entry) {
        switch entry.kind {
        case RosterGovernance.proposalKind:
            do throws(WireError) {
                let version = try RosterGovernance.proposal(fromPayload: Array(entry.payload))
                if proposals[version.hash] == nil {
                    proposals[version.hash] = Proposal(version: version, entry: entry.id, author: entry.author)
                }
            } catch {
                malformed.append(Malformed(entry: entry.id, reason: error.description))
            }
        case RosterGovernance.approvalKind:
            do throws(WireError) {
                let approval = try RosterGovernance.Approval(payload: Array(entry.payload))
                votes[approval.versionHash, default: []].append(
                    Vote(key: entry.author, approval: approval, entry: entry.id)
                )
            } catch {
                malformed.append(Malformed(entry: entry.id, reason: error.description))
            }
        default: break
        }
    }

    /// Derives the adopted chain. `genesis` is the genesis version this node adopted before (its trust anchor),
    /// if any; otherwise a proposed genesis is adopted when it builds exactly `anchor` (the roster the partners
    /// agreed out of band) and every partner of it approved. Returns the chain (nil: no genesis yet).
    @discardableResult
    public mutating func derive(anchor: Roster, genesis: RosterVersion?) throws(WireError) -> RosterChain? {
        fork = nil
        if let genesis {
            chain = try RosterChain(genesis: genesis)
        } else {
            chain = adoptableGenesis(anchor: anchor)
        }
        guard var chain else { return nil }
        while true {
            let head = chain.head
            let qualified = candidates(after: head).compactMap { version -> RosterVersion? in
                var copy = chain
                return (try? copy.apply(version)) != nil ? version : nil
            }
            if qualified.count == 1 {
                try chain.apply(qualified[0])
                continue
            }
            guard qualified.count > 1 else { break }
            // A fork is resolved by the first branch that a valid version follows (approved by the threshold
            // of that branch); two branches followed at once stay a fork.
            let followed = qualified.filter { version in
                var copy = chain
                guard (try? copy.apply(version)) != nil else { return false }
                return candidates(after: copy.head).contains { next in
                    var again = copy
                    return (try? again.apply(next)) != nil
                }
            }
            if followed.count == 1 {
                try chain.apply(followed[0])
                continue
            }
            fork = Fork(serial: head.version.serial + 1, versions: qualified.sorted { $0.hash < $1.hash })
            break
        }
        self.chain = chain
        return chain
    }

    /// Proposals that name `head` as their previous version, each with the approvals valid under it.
    private func candidates(after head: RosterChain.Link) -> [RosterVersion] {
        proposals.values.filter { $0.version.previous == head.version.hash }.sorted {
            $0.version.hash < $1.version.hash
        }
        .compactMap { try? $0.version.withApprovals(approvals(for: $0.version, under: head.state)) }
    }

    /// The approvals of `version` that count under `state`: one per partner (its lowest approving key), from an
    /// open key of an active partner, with a signature that verifies.
    func approvals(for version: RosterVersion, under state: RosterState) -> [RosterVersion.Approval] {
        var byPartner: [String: RosterVersion.Approval] = [:]
        for vote in votes[version.hash] ?? [] {
            guard let key = state.keys[vote.key], state.mayApprove(vote.key, for: key.partner) else { continue }
            if let kept = byPartner[key.partner], kept.key <= vote.key { continue }
            let approval = RosterVersion.Approval(
                partner: key.partner,
                key: vote.key,
                signature: vote.approval.signature
            )
            guard version.verifies(approval) else { continue }
            byPartner[key.partner] = approval
        }
        return byPartner.values.sorted()
    }

    private func adoptableGenesis(anchor: Roster) -> RosterChain? {
        let chains = proposals.values.filter { $0.version.isGenesis }.sorted { $0.version.hash < $1.version.hash }
            .compactMap { proposal -> RosterChain? in
                guard let state = Self.genesisState(of: proposal.version, building: anchor),
                    let approved = try? proposal.version.withApprovals(approvals(for: proposal.version, under: state))
                else { return nil }
                return try? RosterChain(genesis: approved)
            }
        return chains.first
    }

    /// The state a proposed genesis leads to, when it builds exactly `anchor` (§7.2 step 1); else nil.
    private static func genesisState(of version: RosterVersion, building anchor: Roster) -> RosterState? {
        guard let state = try? RosterState.empty.applying(version), state.roster.hash == anchor.hash else { return nil }
        return state
    }

    // MARK: What people ask

    /// Proposals following the adopted head (or, before genesis, proposed geneses building `anchor`).
    public func pending(anchor: Roster) -> [Pending] {
        guard let chain else {
            return proposals.values.filter { $0.version.isGenesis }.sorted { $0.version.hash < $1.version.hash }
                .compactMap { proposal in
                    guard let state = Self.genesisState(of: proposal.version, building: anchor) else { return nil }
                    return describe(proposal, under: state, required: state.partners.count, problem: nil)
                }
        }
        let head = chain.head
        return proposals.values.filter { $0.version.previous == head.version.hash }
            .sorted { $0.version.hash < $1.version.hash }
            .map { proposal in
                var problem: String?
                do throws(WireError) { _ = try head.state.applying(proposal.version) } catch {
                    problem = error.description
                }
                return describe(proposal, under: head.state, required: head.state.requiredApprovals, problem: problem)
            }
    }

    private func describe(_ proposal: Proposal, under state: RosterState, required: Int, problem: String?) -> Pending {
        let approvedBy = approvals(for: proposal.version, under: state).map(\.partner)
        let approvers = Set(approvedBy)
        let open = state.partners.filter { partner in
            !approvers.contains(partner)
                && state.keys.contains { $0.value.partner == partner && state.mayApprove($0.key, for: partner) }
        }
        return Pending(
            proposal: proposal,
            approvedBy: approvedBy,
            required: required,
            mayStillApprove: open,
            problem: problem
        )
    }

    /// The proposals whose version hash starts with `prefix` (hex); the caller refuses none or several.
    public func proposal(matching prefix: String) -> [Proposal] {
        let lower = prefix.lowercased()
        return proposals.values.filter { $0.version.hash.hex.hasPrefix(lower) }.sorted {
            $0.version.hash < $1.version.hash
        }
    }

    /// The keys that approved `hash`, whatever they count for.
    public func voters(of hash: Bytes32) -> [AuthorKey] { (votes[hash] ?? []).map(\.key) }
}

extension RosterChain {
    /// Checks that `version`'s changes are legal against the head (§6.5 step 5), before anyone approves it.
    public func checkChanges(_ version: RosterVersion) throws(WireError) {
        _ = try head.state.applying(version)
    }

    /// When each partner was removed (the timestamp of the version that removed it), for partners removed.
    public var removals: [String: HLCTimestamp] {
        var removed: [String: HLCTimestamp] = [:]
        for link in links {
            for change in link.version.changes {
                if case .removePartner(let partner, _) = change { removed[partner] = link.version.timestamp }
            }
        }
        return removed
    }
}
