import CapSyncCrypto
import CapSyncTestSupport
import Testing

@testable import CapSyncWire

/// The roster chain derived from proposal and approval entries (Protocol/roster.md §7).
@Suite struct RosterLedgerTests {
    /// One partner's key and log.
    final class Member {
        let partner: String
        let key: Ed25519PrivateKey
        var author: AuthorKey { AuthorKey(key.publicKey) }
        private var seq: UInt64 = 0
        private var head: EntryID = .zero

        init(_ partner: String, seed: UInt8) {
            self.partner = partner
            key = try! Ed25519PrivateKey(seed: [UInt8](repeating: seed, count: 32))
        }

        func entry(kind: UInt64, payload: [UInt8]) -> Entry {
            seq += 1
            let entry = try! Entry.sign(
                key: key,
                seq: seq,
                prev: head,
                timestamp: HLCTimestamp(milliseconds: 1_800_000_000_000 + seq),
                kind: kind,
                payload: payload
            )
            head = entry.id
            return entry
        }

        func propose(_ version: RosterVersion) -> [Entry] {
            [
                entry(kind: RosterGovernance.proposalKind, payload: RosterGovernance.proposalPayload(version)),
                approve(version),
            ]
        }

        func approve(_ version: RosterVersion) -> Entry {
            let approval = try! RosterGovernance.Approval.signing(version, with: key)
            return entry(kind: RosterGovernance.approvalKind, payload: approval.payload)
        }
    }

    let members = ["DE", "FR", "NL", "NO", "PL"].enumerated().map { Member($0.element, seed: UInt8($0.offset + 1)) }

    var anchor: Roster {
        try! Roster(serial: 1, members: members.map { Roster.Member(partner: $0.partner, key: $0.author) })
    }

    func genesis(threshold: (UInt64, UInt64) = (3, 5)) throws -> RosterVersion {
        try RosterVersion(
            serial: 1,
            previous: .zero,
            timestamp: HLCTimestamp(milliseconds: 1_800_000_000_000),
            changes: members.map { .addPartner(partner: $0.partner, key: $0.author) }
                + [.setThreshold(numerator: threshold.0, denominator: threshold.1)]
        )
    }

    func next(
        after previous: RosterVersion,
        _ changes: [RosterChange],
        at milliseconds: UInt64 = 1
    ) throws
        -> RosterVersion
    {
        try RosterVersion(
            serial: previous.serial + 1,
            previous: previous.hash,
            timestamp: HLCTimestamp(milliseconds: previous.timestamp.milliseconds + milliseconds),
            changes: changes
        )
    }

    func derive(_ entries: [Entry], genesis: RosterVersion? = nil) throws -> RosterLedger {
        var ledger = RosterLedger()
        for entry in entries { ledger.add(entry) }
        try ledger.derive(anchor: anchor, genesis: genesis)
        return ledger
    }

    @Test func genesisNeedsEveryFounderAndMustBuildTheAnchor() throws {
        let version = try genesis()
        var entries = members[0].propose(version)
        entries += members[1...3].map { $0.approve(version) }
        #expect(try derive(entries).chain == nil, "4 of 5 founders")
        entries.append(members[4].approve(version))
        let chain = try #require(try derive(entries).chain)
        #expect(chain.head.version.hash == version.hash)
        #expect(chain.head.roster.hash == anchor.hash)
        // A genesis building another roster than the node's own file is not adopted.
        var ledger = RosterLedger()
        for entry in entries { ledger.add(entry) }
        let other = try Roster(serial: 1, members: Array(anchor.members.dropLast()))
        #expect(try ledger.derive(anchor: other, genesis: nil) == nil)
    }

    @Test func theChainDoesNotDependOnTheOrderEntriesArrived() throws {
        let start = try genesis()
        var entries = members[0].propose(start) + members[1...].map { $0.approve(start) }
        let join = Member("SE", seed: 9)
        let second = try next(after: start, [.addPartner(partner: "SE", key: join.author)])
        entries += members[1].propose(second) + [members[2].approve(second), members[3].approve(second)]
        let third = try next(after: second, [.setThreshold(numerator: 1, denominator: 2)])
        entries +=
            join.propose(third) + [members[0].approve(third), members[1].approve(third), members[4].approve(third)]
        let expected = try #require(try derive(entries).chain).links.map(\.version.hash)
        #expect(expected == [start.hash, second.hash, third.hash])
        var rng = SplitMix64(seed: 20_261_128)
        for _ in 0..<20 {
            var shuffled = entries
            shuffled.shuffle(using: &rng)
            #expect(try derive(shuffled).chain?.links.map(\.version.hash) == expected)
        }
    }

    @Test func twoVersionsApprovedAtOneSerialAreAForkAndNeitherIsAdopted() throws {
        let start = try genesis(threshold: (2, 5))
        var entries = members[0].propose(start) + members[1...].map { $0.approve(start) }
        let a = try next(after: start, [.setThreshold(numerator: 3, denominator: 5)])
        let b = try next(after: start, [.setThreshold(numerator: 4, denominator: 5)])
        entries += members[0].propose(a) + [members[1].approve(a)]
        entries += members[2].propose(b) + [members[3].approve(b)]
        let ledger = try derive(entries)
        #expect(ledger.chain?.head.version.hash == start.hash)
        let fork = try #require(ledger.fork)
        #expect(fork.serial == 2)
        #expect(Set(fork.versions.map(\.hash)) == [a.hash, b.hash])
        // Resolved by a version that follows one branch, approved by that branch's threshold (3 of 5 under a).
        let resolution = try next(after: a, [.setThreshold(numerator: 1, denominator: 2)], at: 2)
        entries += members[4].propose(resolution) + [members[0].approve(resolution), members[1].approve(resolution)]
        let resolved = try derive(entries)
        #expect(resolved.fork == nil)
        #expect(resolved.chain?.links.map(\.version.hash) == [start.hash, a.hash, resolution.hash])
    }

    @Test func staleAndBadProposalsAreIgnoredAndMalformedPayloadsListed() throws {
        let start = try genesis()
        var entries = members[0].propose(start) + members[1...].map { $0.approve(start) }
        let second = try next(after: start, [.setThreshold(numerator: 4, denominator: 5)])
        entries += members[0].propose(second) + [members[1].approve(second), members[2].approve(second)]
        // Proposed on the genesis again after version 2 was adopted: a rollback, never adopted.
        let stale = try next(after: start, [.setThreshold(numerator: 1, denominator: 5)], at: 5)
        entries += members[3].propose(stale) + [members[4].approve(stale)]
        // Approvals by a non-member and signatures over another body count for nothing.
        let outsider = Member("XX", seed: 77)
        let fourOfFive = try next(after: second, [.setThreshold(numerator: 1, denominator: 5)])
        entries += members[0].propose(fourOfFive) + [members[1].approve(fourOfFive), outsider.approve(fourOfFive)]
        var forged = try RosterGovernance.Approval.signing(stale, with: members[2].key)
        forged.versionHash = fourOfFive.hash
        entries.append(members[2].entry(kind: RosterGovernance.approvalKind, payload: forged.payload))
        entries.append(members[3].entry(kind: RosterGovernance.proposalKind, payload: [1, 2, 3]))
        entries.append(members[3].entry(kind: RosterGovernance.approvalKind, payload: [0]))
        let ledger = try derive(entries)
        #expect(ledger.chain?.links.map(\.version.hash) == [start.hash, second.hash])
        #expect(ledger.malformed.count == 2)
        let pending = ledger.pending(anchor: anchor)
        #expect(pending.map(\.proposal.version.hash) == [fourOfFive.hash])
        #expect(pending.first?.approvedBy == ["DE", "FR"])
        #expect(pending.first?.required == 4)
        #expect(pending.first?.mayStillApprove == ["NL", "NO", "PL"])
    }

    @Test func proposalAndApprovalPayloadsDecodeExactly() throws {
        let version = try genesis()
        #expect(try RosterGovernance.proposal(fromPayload: version.body).hash == version.hash)
        #expect(throws: WireError.self) { try RosterGovernance.proposal(fromPayload: version.body + [0]) }
        #expect(throws: WireError.self) { try RosterGovernance.proposal(fromPayload: Array(version.body.dropLast())) }
        let approval = try RosterGovernance.Approval.signing(version, with: members[0].key)
        #expect(try RosterGovernance.Approval(payload: approval.payload) == approval)
        #expect(throws: WireError.self) { try RosterGovernance.Approval(payload: approval.payload + [0]) }
        #expect(throws: WireError.self) { try RosterGovernance.Approval(payload: Array(approval.payload.dropLast())) }
    }

    /// One file of Protocol/vectors/roster-ledger (Protocol/roster.md §7.4), written by the Python spec.
    struct LedgerVector: Decodable {
        struct Fork: Decodable {
            let serial: UInt64
            let versions: [String]
        }
        struct Expected: Decodable {
            let chain: [String]
            let fork: Fork?
            let malformed: [String]
        }
        let description: String
        let anchorRoster: String
        let entries: [String]
        let expected: Expected
    }

    @Test(arguments: Repository.vectorNames("roster-ledger", prefix: "0"))
    func vectorsFromTheSpecDeriveTheSameChain(_ name: String) throws {
        let vector = try Repository.loadVector(LedgerVector.self, "roster-ledger", name)
        let anchor = try Roster(fileText: vector.anchorRoster)
        var ledger = RosterLedger()
        for hex in vector.entries { ledger.add(try Entry(decoding: Hex.decode(hex) ?? [])) }
        try ledger.derive(anchor: anchor, genesis: nil)
        #expect(ledger.chain?.links.map(\.version.hash.hex) ?? [] == vector.expected.chain, "\(name)")
        #expect(ledger.fork?.serial == vector.expected.fork?.serial, "\(name)")
        #expect(ledger.fork?.versions.map(\.hash.hex) == vector.expected.fork?.versions, "\(name)")
        #expect(ledger.malformed.map(\.entry.hex).sorted() == vector.expected.malformed, "\(name)")
    }
}
