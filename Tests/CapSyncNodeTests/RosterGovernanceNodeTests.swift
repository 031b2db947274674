import CapSyncCrypto
import CapSyncLog
import CapSyncNode
import CapSyncWire
import Foundation
import Testing

/// A node's roster chain from its own log: genesis by every founder, and a roster member's hostile proposals and
/// approvals, which are stored and relayed like any entry but never change the roster.
@Suite struct RosterGovernanceNodeTests {
    /// A partner writing its own chain of entries, as a peer's node would.
    final class Writer {
        let key: Ed25519PrivateKey
        var author: AuthorKey { AuthorKey(key.publicKey) }
        private var seq: UInt64 = 0
        private var head: EntryID = .zero

        init(seed: UInt8) { key = try! Ed25519PrivateKey(seed: [UInt8](repeating: seed, count: 32)) }

        func entry(kind: UInt64, payload: [UInt8]) -> Entry {
            seq += 1
            let entry = try! Entry.sign(
                key: key,
                seq: seq,
                prev: head,
                timestamp: HLCTimestamp(milliseconds: Node.nowMilliseconds() - 60_000 + seq),
                kind: kind,
                payload: payload
            )
            head = entry.id
            return entry
        }

        func approve(_ version: RosterVersion) -> Entry {
            entry(
                kind: RosterGovernance.approvalKind,
                payload: try! RosterGovernance.Approval.signing(version, with: key).payload
            )
        }
    }

    @Test func hostileProposalsAndVotesNeverChangeTheRoster() throws {
        let root = NSTemporaryDirectory() + "capsync-governance-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let identity = try NodeSetup.create(at: root, options: .init(partner: "NO"))
        let paths = NodePaths(root: root)
        let pl = Writer(seed: 31)
        let ev = Writer(seed: 32)
        let roster = try Roster(
            serial: 1,
            members: [
                .init(partner: "NO", key: AuthorKey(identity.signingKey)), .init(partner: "PL", key: pl.author),
                .init(partner: "EV", key: ev.author),
            ]
        )
        try NodeSetup.saveRoster(roster, paths)
        let signingKey = try NodeSetup.loadSigningKey(paths, passphrase: nil)

        // Genesis, 2/3: proposed here, approved by PL and EV through their own entries.
        let node = try Node(root: root)
        let proposed = try node.proposeGenesis(threshold: (2, 3), signingKey: signingKey)
        #expect(!proposed.adopted)
        #expect(proposed.pending?.mayStillApprove == ["EV", "PL"])
        _ = try node.store.ingest(
            [pl.approve(proposed.version), ev.approve(proposed.version)],
            nowMilliseconds: Node.nowMilliseconds()
        )
        #expect(try node.refreshRoster() == false, "the genesis builds the same roster as the file")
        #expect(node.rosterStatus.chain?.head.version.hash == proposed.version.hash)
        #expect(FileManager.default.fileExists(atPath: paths.rosterGenesis))

        // EV, a member, tries to vote an accomplice in on its own, forges PL's vote, and sends junk.
        let accomplice = Writer(seed: 66)
        let grab = try RosterVersion(
            serial: 2,
            previous: proposed.version.hash,
            timestamp: HLCTimestamp(milliseconds: Node.nowMilliseconds()),
            changes: [.addPartner(partner: "XX", key: accomplice.author), .setThreshold(numerator: 1, denominator: 3)]
        )
        var forged = try RosterGovernance.Approval.signing(grab, with: ev.key)
        forged.signature[0] ^= 1
        let huge = try RosterVersion(
            serial: 2,
            previous: proposed.version.hash,
            timestamp: HLCTimestamp(milliseconds: Node.nowMilliseconds()),
            changes: (0..<1_000).map {
                .retireKey(
                    key: AuthorKey([UInt8](repeating: UInt8($0 % 251), count: 31) + [UInt8($0 / 251)]),
                    lastValidSeq: 1
                )
            }
        )
        let hostile = [
            ev.entry(kind: RosterGovernance.proposalKind, payload: RosterGovernance.proposalPayload(grab)),
            ev.approve(grab),
            // PL's vote cannot be forged: an approval counts for its entry's author only, so EV's second vote
            // (with a damaged signature) counts for nothing either.
            ev.entry(kind: RosterGovernance.approvalKind, payload: forged.payload),
            ev.entry(kind: RosterGovernance.proposalKind, payload: [0xFF, 0xFF, 0xFF]),
            ev.entry(kind: RosterGovernance.approvalKind, payload: Array(repeating: 7, count: 95)),
            ev.entry(kind: RosterGovernance.proposalKind, payload: RosterGovernance.proposalPayload(huge)),
            ev.approve(huge),
            // A rollback: a second genesis proposal, approved by EV alone.
            ev.entry(
                kind: RosterGovernance.proposalKind,
                payload: RosterGovernance.proposalPayload(
                    try RosterVersion(
                        serial: 1,
                        previous: .zero,
                        timestamp: HLCTimestamp(milliseconds: 1),
                        changes: [
                            .addPartner(partner: "EV", key: ev.author), .setThreshold(numerator: 1, denominator: 1),
                        ]
                    )
                )
            ),
        ]
        let report = try node.store.ingest(hostile, nowMilliseconds: Node.nowMilliseconds())
        #expect(report.accepted.count == hostile.count, "valid entries are stored and relayed like any other")
        #expect(try node.refreshRoster() == false)
        let status = node.rosterStatus
        #expect(status.chain?.links.count == 1)
        #expect(status.roster.partner(of: accomplice.author) == nil)
        #expect(status.ledger.malformed.count == 2)
        let pending = status.ledger.pending(anchor: status.anchor)
        let grabbing = try #require(pending.first { $0.proposal.version.hash == grab.hash })
        #expect(grabbing.approvedBy == ["EV"] && grabbing.required == 2)
        let oversized = try #require(pending.first { $0.proposal.version.hash == huge.hash })
        #expect(oversized.problem != nil, "retiring keys that are not in the roster can never be adopted")
        // The fold reads them as governance, never as records; the view is unchanged.
        let state = try node.coalitionState()
        #expect(
            state.ignored.filter { $0.reason == .rosterGovernance }.count == hostile.count + 4,
            "the genesis proposal and its three approvals, and the hostile ones"
        )

        // PL approving the grab would adopt it: the threshold, not the proposer, decides.
        _ = try node.store.ingest([pl.approve(grab)], nowMilliseconds: Node.nowMilliseconds())
        #expect(try node.refreshRoster())
        #expect(node.roster.partner(of: accomplice.author) == "XX")
        // A node opened afresh derives the same chain from its genesis file and log.
        let reopened = try Node(root: root, access: .readOnly)
        #expect(reopened.rosterStatus.chain?.head.version.hash == grab.hash)
        #expect(try NodeSetup.loadRoster(paths) == reopened.roster)
    }
}
