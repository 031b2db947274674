import CapSyncCrypto
import CapSyncLog
import CapSyncNetwork
import CapSyncNode
import CapSyncSync
import CapSyncTestSupport
import CapSyncWire
import Foundation
import Testing

/// A roster member (EV) that passes the TLS pin and then misbehaves, against a real `SyncServer` over
/// TLS on loopback. For each case: the node reports the right outcome for that session, an honest peer (BB)
/// syncs with the same node at the same time, and the node's store, reopened from disk and re-verified entry by
/// entry, holds nothing invalid. `tools/adversary/run` counts the "adversary case" lines these tests print.
@Suite(.serialized) struct HostilePeerTests {
    /// Generous timers, so a loaded CI machine never turns a case into a timeout (a test process busy with other
    /// suites once left a peer's task unscheduled for 20 s); the timeout cases shorten the one they test
    /// (`HostileCase.limits`). Every case waits on the server's outcome, never on a clock.
    static let limits = SyncLimits(
        handshakeTimeout: .seconds(60),
        idleTimeout: .seconds(60),
        sessionTimeout: .seconds(300)
    )

    @Test(arguments: HostileCase.allCases)
    func nodeHandlesHostilePeer(_ hostileCase: HostileCase) async throws {
        let residentBefore = residentMiB()
        let caseStarted = ContinuousClock.now
        let arena = try await HostileArena(limits: hostileCase.limits)
        let trusted = try arena.roster.authorKeys.map { try $0.publicKey() }
        var hostileOutcomes: [SessionOutcome] = []
        var serverHonest: [SessionOutcome] = []
        let node = arena.server.signingKey.publicKey
        let honestOutcome = try await HostilePeer.session(
            port: arena.port,
            as: arena.hostile,
            trusted: trusted,
            node: node
        ) {
            peer in
            // The honest peer dials once the hostile session is up, so both run against the node at once.
            async let honest = arena.honestSync()
            try await hostileCase.play(peer, arena: arena)
            await peer.drainUntilClosed()
            return await honest
        }
        var sessions = hostileCase.sessions
        if hostileCase == .rollback {
            try await HostilePeer.session(port: arena.port, as: arena.hostile, trusted: trusted, node: node) { second in
                try await HostileCase.playRollback(second, arena: arena)
                await second.drainUntilClosed()
            }
            sessions += 1
        }
        for outcome in await arena.nextOutcomes(sessions + 1) {
            if outcome.summary.peerLabel == "BB" {
                serverHonest.append(outcome)
            } else {
                hostileOutcomes.append(outcome)
            }
        }
        let residentGrowth = residentMiB() - residentBefore
        let caseDuration = caseStarted.duration(to: .now)
        let serverStore = arena.serverStore
        let forks = serverStore.forkProofs().count
        let head = serverStore.head(of: arena.hostile.author)?.seq ?? 0
        var ledger = RosterLedger()
        for entry in try serverStore.entriesOfIndexedKinds() { ledger.add(entry) }
        try ledger.derive(anchor: arena.roster, genesis: nil)
        await arena.close()  // stops the server: the audit below opens the store directory afresh
        defer { try? FileManager.default.removeItem(atPath: arena.root) }

        // The honest peer synced, both ways, while the hostile one misbehaved.
        #expect(honestOutcome.error == nil, "honest client: \(String(describing: honestOutcome.error))")
        #expect(
            serverHonest.count == 1 && serverHonest[0].error == nil,
            "honest session on the node: \(serverHonest.map(\.error))"
        )
        #expect(serverStore.head(of: arena.honest.author)?.seq == 3)
        #expect(arena.honestStore.head(of: arena.server.author)?.seq == 3)

        // The hostile session ended the way the case says.
        #expect(hostileOutcomes.count == hostileCase.sessions + (hostileCase == .rollback ? 1 : 0))
        let hostile = hostileOutcomes.last
        let expectation = hostileCase.expectation
        switch expectation {
        case .error(let code, let reasonContains):
            #expect(hostile?.error?.code == code, "\(hostileCase): \(String(describing: hostile?.error))")
            if let reasonContains {
                #expect(
                    hostile?.error?.reason.contains(reasonContains) == true,
                    "\(String(describing: hostile?.error))"
                )
            }
        case .finished(let refused):
            #expect(hostileOutcomes.allSatisfy { $0.error == nil }, "\(hostileCase): \(hostileOutcomes.map(\.error))")
            #expect(hostile?.summary.entriesRefused == refused)
        }
        #expect(head == hostileCase.hostileHeadAfter, "\(hostileCase): EV head \(head)")
        #expect(forks == hostileCase.forksAfter, "\(hostileCase): \(forks) fork proofs")
        // Whatever a member sends, governance entries alone never make a roster: it needs the threshold.
        #expect(ledger.chain == nil)
        if hostileCase == .governanceGrab {
            #expect(ledger.proposals.count == 1 && ledger.malformed.count == 1)
        }

        // Nothing invalid reached the disk; everything valid that was acknowledged is there.
        let audit = try auditStore(directory: arena.root + "/server", roster: arena.roster)
        #expect(audit.problems.isEmpty, "\(audit.problems)")
        #expect(audit.entries == 3 + 3 + 2 + Int(hostileCase.hostileHeadAfter))
        let handled =
            honestOutcome.error == nil && audit.problems.isEmpty && head == hostileCase.hostileHeadAfter
            && audit.entries == 3 + 3 + 2 + Int(hostileCase.hostileHeadAfter)
            && forks == hostileCase.forksAfter && hostileCase.matches(hostile)
        print(
            "adversary case hostile peer \(hostileCase): \(handled ? "handled" : "NOT handled") — node: "
                + (hostile?.error.map { "\($0.code) (\($0.reason))" }
                    ?? "finished, \(hostile?.summary.entriesRefused ?? 0) refused")
                + "; honest peer synced: \(honestOutcome.error == nil); store audit: \(audit.entries) entries, "
                + "\(audit.problems.count) invalid; test process RSS \(residentGrowth >= 0 ? "+" : "")\(residentGrowth) MiB; "
                + "case ran \(caseDuration.components.seconds) s"
        )
    }
}

/// This process's resident set in MiB (VmRSS), for the figures the hostile cases print (never asserted: the node,
/// the hostile peer and the honest peer share this process).
func residentMiB() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return 0 }
    return (Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0) / 1024
}

extension HostilePeerTests {
    /// A roster member holding every session slot: one more peer is answered with ERROR tooManySessions (not a
    /// bare close, so it knows to retry), and once the idle limit has dropped the holder the honest peer syncs.
    @Test func hostilePeerHoldingEverySessionSlot() async throws {
        var limits = Self.limits
        limits.maxConcurrentSessions = 1
        limits.idleTimeout = .seconds(5)  // how long the slot holder keeps it
        let arena = try await HostileArena(limits: limits)
        defer { try? FileManager.default.removeItem(atPath: arena.root) }
        let trusted = try arena.roster.authorKeys.map { try $0.publicKey() }
        let node = arena.server.signingKey.publicKey
        let (refused, held) = try await HostilePeer.session(
            port: arena.port,
            as: arena.hostile,
            trusted: trusted,
            node: node
        ) {
            peer in
            await peer.send(Craft.hello(roster: arena.roster))
            try await peer.readHandshake()  // the session holds the only slot and says nothing more
            return (await arena.honestSync(), await arena.nextOutcomes(1).first)
        }
        let retried = await arena.honestSync()
        _ = await arena.nextOutcomes(1)
        await arena.close()
        #expect(
            refused.error?.code == .peerError && refused.error?.remoteCode == SyncError.Code.tooManySessions.rawValue,
            "\(String(describing: refused.error))"
        )
        #expect(held?.error?.code == .timeout)
        #expect(retried.error == nil, "\(String(describing: retried.error))")
        let audit = try auditStore(directory: arena.root + "/server", roster: arena.roster)
        #expect(audit.problems.isEmpty)
        let handled =
            refused.error?.remoteCode == SyncError.Code.tooManySessions.rawValue
            && held?.error?.code == .timeout && retried.error == nil && audit.problems.isEmpty
        print(
            "adversary case hostile peer holdsEverySessionSlot: \(handled ? "handled" : "NOT handled") — one more "
                + "peer answered: \(refused.error.map { "\($0)" } ?? "no error"); holder dropped: "
                + "\(held?.error.map { "\($0.code)" } ?? "no"); honest retry synced: \(retried.error == nil)"
        )
    }
}

/// One way a roster member misbehaves, what it sends, and how the node must end the session.
enum HostileCase: String, CaseIterable, CustomStringConvertible, Sendable {
    case forgedSignature, brokenChain, fabricatedForkAnswer, fabricatedForkProof, realEquivocation
    case realEquivocationProof, equivocationProofAheadOfChain, outsiderForkProof, outsiderAuthorIndex, replayOldEntries,
        replayAfterContinuation
    case rollback, maximumFrameLength, truncatedFrame, unknownMessageType, wrongProtocolVersion, headsFlood
    case headsCountOverLimit, largestFrameOfGarbage, slowlorisBelowIdleLimit, slowlorisDribblingHello,
        slowlorisDribblingFrame,
        neverSendsDone
    case closesMidBatch
    case governanceGrab
    /// With acknowledgements agreed: an ACK claiming a million entries stored of the few the node sent; an ACK
    /// with a trailing byte; an ACK before the peer's own DONE; a close after both DONEs without an ACK; a peer
    /// that stays connected and never acknowledges.
    case lyingAcknowledgement, malformedAcknowledgement, acknowledgementBeforeDone, closesBeforeAcknowledging,
        neverAcknowledges

    var description: String { rawValue }

    enum Expectation {
        /// The node ends the session with this code (and a reason containing this text).
        case error(SyncError.Code, String?)
        /// The session completes; the node's store refused this many entries.
        case finished(refused: Int)
    }

    var expectation: Expectation {
        switch self {
        case .forgedSignature, .brokenChain, .fabricatedForkAnswer: .finished(refused: 1)
        // Roster proposals and approvals are entries: stored and relayed, judged only by the roster ledger.
        case .governanceGrab: .finished(refused: 0)
        // Old entries resent at or below the node's head read as a fork window: duplicates, harmless.
        case .realEquivocation, .realEquivocationProof, .equivocationProofAheadOfChain, .outsiderForkProof, .rollback,
            .replayOldEntries:
            .finished(refused: 0)
        case .fabricatedForkProof: .error(.invalidForkProof, nil)
        case .outsiderAuthorIndex, .replayAfterContinuation: .error(.disagreeingClaim, nil)
        case .maximumFrameLength: .error(.frameTooLarge, nil)
        case .truncatedFrame, .closesMidBatch: .error(.connectionClosed, nil)
        case .lyingAcknowledgement: .error(.disagreeingClaim, "ACK accounts for 1000000 stored")
        case .malformedAcknowledgement: .error(.malformedFrame, nil)
        case .acknowledgementBeforeDone: .error(.unexpectedMessage, "ACK arrived before the peer's DONE")
        case .closesBeforeAcknowledging: .error(.connectionClosed, "before the peer acknowledged")
        case .neverAcknowledges: .error(.timeout, "acknowledgement limit")
        case .unknownMessageType: .error(.unknownMessageType, nil)
        case .wrongProtocolVersion: .error(.unsupportedVersion, nil)
        case .headsFlood: .error(.unexpectedMessage, "HEADS arrived twice")
        case .headsCountOverLimit: .error(.limitExceeded, nil)
        case .largestFrameOfGarbage: .error(.malformedFrame, nil)
        case .slowlorisBelowIdleLimit, .neverSendsDone: .error(.timeout, "idle limit")
        case .slowlorisDribblingHello: .error(.timeout, "handshake limit")
        case .slowlorisDribblingFrame: .error(.timeout, "frame limit")
        }
    }

    func matches(_ outcome: SessionOutcome?) -> Bool {
        switch expectation {
        case .error(let code, let text):
            outcome?.error?.code == code && (text.map { outcome?.error?.reason.contains($0) == true } ?? true)
        case .finished(let refused): outcome?.error == nil && outcome?.summary.entriesRefused == refused
        }
    }

    /// The node's limits for this case: the timeout cases shorten the timer they test.
    var limits: SyncLimits {
        var limits = HostilePeerTests.limits
        switch self {
        case .slowlorisBelowIdleLimit, .neverSendsDone: limits.idleTimeout = .seconds(5)
        case .slowlorisDribblingHello: limits.handshakeTimeout = .seconds(5)
        case .slowlorisDribblingFrame: limits.frameTimeout = .seconds(5)
        case .neverAcknowledges: limits.acknowledgementTimeout = .seconds(5)
        default: break
        }
        return limits
    }

    /// Sessions the hostile peer opens (the rollback case opens a second one itself).
    var sessions: Int { 1 }

    /// EV's head on the node afterwards (it starts at 2).
    var hostileHeadAfter: UInt64 {
        switch self {
        case .rollback, .closesMidBatch: 4
        case .governanceGrab: 6
        default: 2
        }
    }

    var forksAfter: Int {
        switch self {
        case .realEquivocation, .realEquivocationProof, .equivocationProofAheadOfChain: 1
        default: 0
        }
    }

    // MARK: Scripts

    func play(_ peer: HostilePeer, arena: HostileArena) async throws {
        let roster = arena.roster
        let ev = arena.hostile
        let history = arena.hostileChain  // EV 1…2, held by the node
        let fresh = try ev.chain(after: history.last, count: 4, tag: "new")  // EV 3…6
        let acknowledges = [
            .lyingAcknowledgement, .malformedAcknowledgement, .acknowledgementBeforeDone, .closesBeforeAcknowledging,
            .neverAcknowledges,
        ].contains(self)
        let hello = Craft.hello(roster: roster, features: acknowledges ? SyncHello.acknowledgementsFeature : 0)
        switch self {
        case .maximumFrameLength:
            await peer.send([0xff, 0xff, 0xff, 0xff])
            return
        case .wrongProtocolVersion:
            await peer.send(Craft.hello(roster: roster, minVersion: 2, maxVersion: 3))
            return
        case .slowlorisBelowIdleLimit:
            // Half a HELLO, then silence: the idle timer ends it.
            await peer.send(Array(hello.encode().prefix(10)))
            return
        case .slowlorisDribblingHello:
            // A frame header announcing 200 kB, then one body byte a second — inside the idle limit every time, so
            // only the handshake limit (HELLO and HEADS within 5 s) can end it. Stops by itself after 20 s.
            await peer.send([0x00, 0x03, 0x0d, 0x40, 0x01])
            for _ in 0..<20 {
                try await Task.sleep(for: .seconds(1))  // the attack's pace, not synchronisation
                guard await peer.send([0x43]) else { return }
            }
            return
        default: break
        }

        await peer.send(hello)
        try await peer.readHandshake()
        let index = try peer.index(of: ev.author)
        switch self {
        case .forgedSignature:
            let forged = try Craft.forged(fresh[0])
            await peer.send(Craft.heads(roster: roster, [Head(author: ev.author, seq: 3, id: forged.id)]))
            await peer.send(Craft.entries(Craft.run([forged], index: index, explicitPrev: false)))
            await peer.send(Craft.done(entries: 1))
        case .governanceGrab:
            // EV proposes adding an accomplice with a threshold of 1/1, approves it alone, and adds a proposal
            // that does not decode and an approval with a damaged signature.
            let grab = try RosterVersion(
                serial: 2,
                previous: Bytes32(Array(repeating: 9, count: 32)),
                timestamp: HLCTimestamp(milliseconds: 1_800_000_000_000),
                changes: [
                    .addPartner(partner: "XX", key: arena.outsider.author), .setThreshold(numerator: 1, denominator: 1),
                ]
            )
            var damaged = try RosterGovernance.Approval.signing(grab, with: ev.signingKey)
            damaged.signature[5] ^= 1
            let payloads: [(UInt64, [UInt8])] = [
                (RosterGovernance.proposalKind, RosterGovernance.proposalPayload(grab)),
                (
                    RosterGovernance.approvalKind,
                    try RosterGovernance.Approval.signing(grab, with: ev.signingKey).payload
                ),
                (RosterGovernance.proposalKind, [0xFF]), (RosterGovernance.approvalKind, damaged.payload),
            ]
            var entries: [Entry] = []
            var last = history[1]
            for (kind, payload) in payloads {
                last = try Entry.sign(
                    key: ev.signingKey,
                    seq: last.seq + 1,
                    prev: last.id,
                    timestamp: HLCTimestamp(rawValue: last.timestamp.rawValue + 1_000),
                    kind: kind,
                    payload: payload
                )
                entries.append(last)
            }
            await peer.send(Craft.heads(roster: roster, [Head(author: ev.author, seq: 6, id: last.id)]))
            await peer.send(Craft.entries(Craft.run(entries, index: index, explicitPrev: false)))
            await peer.send(Craft.done(entries: entries.count))
        case .brokenChain:
            // Validly signed by EV, but seq 3 names seq 1 as its predecessor.
            let unlinked = try Entry.sign(
                key: ev.signingKey,
                seq: 3,
                prev: history[0].id,
                timestamp: HLCTimestamp(rawValue: fresh[0].timestamp.rawValue),
                kind: 1,
                payload: Array("EV unlinked".utf8)
            )
            await peer.send(Craft.heads(roster: roster, [Head(author: ev.author, seq: 3, id: unlinked.id)]))
            await peer.send(Craft.entries(Craft.run([unlinked], index: index, explicitPrev: true)))
            await peer.send(Craft.done(entries: 1))
        case .fabricatedForkAnswer:
            let fabricated = try Craft.forged(conflicting(arena))
            await peer.send(Craft.heads(roster: roster, [Head(author: ev.author, seq: 2, id: fabricated.id)]))
            await peer.send(Craft.entries(Craft.run([fabricated], index: index, explicitPrev: true)))
            await peer.send(Craft.done(entries: 1))
        case .fabricatedForkProof:
            let pair = [history[1], try Craft.forged(conflicting(arena))].sorted { $0.id < $1.id }
            await peer.send(
                Craft.heads(roster: roster, [history[1]].map { Head(author: ev.author, seq: 2, id: $0.id) })
            )
            await peer.send(Craft.frame(type: 0x04, body: proofsBody(pair)))
        case .realEquivocation:
            let second = try conflicting(arena)
            await peer.send(Craft.heads(roster: roster, [Head(author: ev.author, seq: 2, id: second.id)]))
            await peer.send(Craft.entries(Craft.run([second], index: index, explicitPrev: true)))
            await peer.send(Craft.done(entries: 1))
        case .realEquivocationProof:
            let proof = try ForkProof(history[1], conflicting(arena))
            await peer.send(Craft.heads(roster: roster, [Head(author: ev.author, seq: 2, id: history[1].id)]))
            await peer.send(.forks([proof]))
            await peer.send(Craft.done(entries: 0, proofs: 1))
        case .equivocationProofAheadOfChain:
            // EV's own two seq 4s, while the node holds EV only to seq 2: the proof is self-verifying, so the node
            // keeps it (and will relay it) without the chain in between.
            let otherFour = try ev.chain(after: fresh[0], count: 1, tag: "other")[0]
            await peer.send(Craft.heads(roster: roster, [Head(author: ev.author, seq: 2, id: history[1].id)]))
            await peer.send(.forks([try ForkProof(fresh[1], otherFour)]))
            await peer.send(Craft.done(entries: 0, proofs: 1))
        case .outsiderForkProof:
            let zz = arena.outsider
            let one = try zz.chain(after: nil, count: 1, tag: "a")[0]
            let other = try zz.chain(after: nil, count: 1, tag: "b")[0]
            await peer.send(Craft.heads(roster: roster, [Head(author: ev.author, seq: 2, id: history[1].id)]))
            await peer.send(.forks([try ForkProof(one, other)]))
            await peer.send(Craft.done(entries: 0, proofs: 1))
        case .outsiderAuthorIndex:
            let outsiderEntries = try arena.outsider.chain(after: nil, count: 1)
            let beyond = UInt32(peer.nodeHeads?.heads.count ?? 0)
            await peer.send(Craft.heads(roster: roster, [Head(author: ev.author, seq: 2, id: history[1].id)]))
            await peer.send(Craft.entries(Craft.run(outsiderEntries, index: beyond, explicitPrev: false)))
            await peer.send(Craft.done(entries: 1))
        case .replayOldEntries:
            await peer.send(Craft.heads(roster: roster, [Head(author: ev.author, seq: 2, id: history[1].id)]))
            await peer.send(Craft.entries(Craft.run(history, index: index, explicitPrev: false)))
            await peer.send(Craft.done(entries: 2))
        case .replayAfterContinuation:
            // New entries 3…4, then the old 1…2 again in the same frame: a replay after a continuation is refused,
            // and with it the whole frame (nothing of a refused frame is stored).
            await peer.send(Craft.heads(roster: roster, [Head(author: ev.author, seq: 4, id: fresh[1].id)]))
            await peer.send(
                Craft.entries(
                    Craft.run(Array(fresh[0...1]), index: index, explicitPrev: false),
                    Craft.run(history, index: index, explicitPrev: false)
                )
            )
            await peer.send(Craft.done(entries: 4))
        case .rollback:
            // First session: honest, EV 3…4 delivered. The second session (playRollback) claims less.
            await peer.send(Craft.heads(roster: roster, [Head(author: ev.author, seq: 4, id: fresh[1].id)]))
            await peer.send(Craft.entries(Craft.run(Array(fresh[0...1]), index: index, explicitPrev: false)))
            await peer.send(Craft.done(entries: 2))
        case .truncatedFrame:
            await peer.send(Craft.heads(roster: roster, [Head(author: ev.author, seq: 4, id: fresh[1].id)]))
            let frame = Craft.entries(Craft.run(Array(fresh[0...1]), index: index, explicitPrev: false)).encode()
            await peer.send(Array(frame.prefix(frame.count / 2)))
            await peer.close()
        case .unknownMessageType:
            await peer.send(Craft.frame(type: 0x08, body: [0x00]))
        case .headsFlood:
            let heads = Craft.heads(roster: roster, [Head(author: ev.author, seq: 2, id: history[1].id)]).encode()
            await peer.send(Array([[UInt8]](repeating: heads, count: 1000).joined()))
        case .headsCountOverLimit:
            var body = ByteWriter()
            body.writeVarint(UInt64(SyncLimits.maximumAuthorsPerHeads))
            await peer.send(Craft.frame(type: 0x02, body: body.bytes))
        case .largestFrameOfGarbage:
            // An ENTRIES frame of exactly the largest allowed size (4 MiB), whose body is noise: the node buffers it
            // (the limit allows that much) and refuses it whole.
            await peer.send(Craft.heads(roster: roster, [Head(author: ev.author, seq: 6, id: fresh[3].id)]))
            var noise = SplitMix64(seed: 7)
            // 1 run, EV, from seq 3, implied prev, 4 entries.
            var body: [UInt8] = [0x01, UInt8(index), 0x03, 0x00, 0x04]
            let wanted = SyncLimits.maximumFrameBytes - 1  // type byte + body: the largest frame
            while body.count < wanted {  // eight bytes of noise per draw, little-endian
                let word = noise.next()
                for shift in stride(from: 0, to: 64, by: 8) where body.count < wanted {
                    body.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
                }
            }
            await peer.send(Craft.frame(type: 0x03, body: body))
        case .neverSendsDone:
            await peer.send(Craft.heads(roster: roster, [Head(author: ev.author, seq: 2, id: history[1].id)]))
        case .slowlorisDribblingFrame:
            // After a proper handshake, an ENTRIES frame announced at 200 kB whose body comes one byte a second:
            // never idle (limit 20 s here), so only the frame limit (5 s) can end it. Stops by itself after 20 s.
            await peer.send(Craft.heads(roster: roster, [Head(author: ev.author, seq: 6, id: fresh[3].id)]))
            await peer.send([0x00, 0x03, 0x0d, 0x40, 0x03])
            for _ in 0..<20 {
                try await Task.sleep(for: .seconds(1))  // the attack's pace, not synchronisation
                guard await peer.send([0x01]) else { return }
            }
        case .closesMidBatch:
            await peer.send(Craft.heads(roster: roster, [Head(author: ev.author, seq: 6, id: fresh[3].id)]))
            await peer.send(Craft.entries(Craft.run(Array(fresh[0...1]), index: index, explicitPrev: false)))
            let second = Craft.entries(Craft.run(Array(fresh[2...3]), index: index, explicitPrev: false)).encode()
            await peer.send(Array(second.prefix(second.count - 20)))
            // Wait for the node's answer to the first batch to be irrelevant: the close cuts the second mid-frame.
            await peer.close()
        case .lyingAcknowledgement, .malformedAcknowledgement, .closesBeforeAcknowledging, .neverAcknowledges:
            await peer.send(Craft.heads(roster: roster, [Head(author: ev.author, seq: 2, id: history[1].id)]))
            await peer.send(Craft.done(entries: 0))
            try await peer.readUntilDone()
            var lie = Craft.ack()
            lie.entriesStored = 1_000_000
            switch self {
            case .lyingAcknowledgement: await peer.send(.ack(lie))
            case .neverAcknowledges: break  // stays connected, silent: only the acknowledgement limit ends it
            case .malformedAcknowledgement:
                // A well-formed ACK body and one byte more inside the frame: trailing bytes.
                let body = Array(SyncMessage.ack(Craft.ack()).encode().dropFirst(SyncMessage.frameHeaderSize))
                await peer.send(Craft.frame(type: 0x07, body: body + [0x00]))
            default: await peer.close()
            }
        case .acknowledgementBeforeDone:
            await peer.send(Craft.heads(roster: roster, [Head(author: ev.author, seq: 2, id: history[1].id)]))
            await peer.send(.ack(Craft.ack()))
        case .maximumFrameLength, .wrongProtocolVersion, .slowlorisBelowIdleLimit, .slowlorisDribblingHello:
            break
        }
    }

    /// The rollback case's second session: HEADS claiming EV at seq 1 and every other author at 0, below what
    /// the same peer declared before. The node sends what the peer now seems to lack and changes nothing.
    static func playRollback(_ peer: HostilePeer, arena: HostileArena) async throws {
        await peer.send(Craft.hello(roster: arena.roster))
        try await peer.readHandshake()
        let first = arena.hostileChain[0]
        await peer.send(Craft.heads(roster: arena.roster, [Head(author: arena.hostile.author, seq: 1, id: first.id)]))
        await peer.send(Craft.done(entries: 0))
    }

    /// A second entry EV signs at seq 2, differing from the one the node holds.
    private func conflicting(_ arena: HostileArena) throws -> Entry {
        let history = arena.hostileChain
        return try Entry.sign(
            key: arena.hostile.signingKey,
            seq: 2,
            prev: history[0].id,
            timestamp: HLCTimestamp(rawValue: history[1].timestamp.rawValue + 7),
            kind: 1,
            payload: Array("EV equivocates".utf8)
        )
    }

    private func proofsBody(_ pair: [Entry]) -> [UInt8] {
        var body = ByteWriter()
        body.writeVarint(1)
        for entry in pair {
            body.writeVarint(entry.encoded.count)
            body.writeBytes(entry.encoded)
        }
        return body.bytes
    }
}

extension HostilePeerTests {
    /// Not hostile, but the same limit: a peer that has nothing to send says DONE at once and then only reads. A
    /// transfer to it that lasts longer than the idle limit is progress, not silence, and must not time out on the
    /// sending side.
    @Test func transferLongerThanTheIdleLimitCompletes() async throws {
        let limits = SyncLimits(
            maxEntriesPerBatch: 64,
            handshakeTimeout: .seconds(10),
            idleTimeout: .seconds(2),
            sessionTimeout: .seconds(120)
        )
        let arena = try await HostileArena(limits: limits)
        defer { try? FileManager.default.removeItem(atPath: arena.root) }
        // 10,000 more AA entries in 64-entry batches: the honest peer verifies and fsyncs batch after batch (several
        // idle limits in all) while AA keeps sending. Before the idle timer counted only waiting, both sides timed out.
        _ = try arena.serverStore.append(
            (0..<10_000).map { (kind: UInt64(1), payload: Array("AA bulk #\($0)".utf8)) },
            signingKey: arena.server.signingKey,
            nowMilliseconds: 1_700_000_000_000
        )
        let started = ContinuousClock.now
        let outcome = await arena.honestSync()
        let served = await arena.nextOutcomes(1).first
        await arena.close()
        print(
            "transfer of \(outcome.summary.entriesReceived) entries took \(started.duration(to: .now)); "
                + "client: \(outcome.error.map { "\($0)" } ?? "ok"); node: \(served?.error.map { "\($0)" } ?? "ok")"
        )
        #expect(outcome.error == nil, "\(String(describing: outcome.error))")
        #expect(served?.error == nil, "\(String(describing: served?.error))")
        #expect(arena.honestStore.head(of: arena.server.author)?.seq == 10_003)
    }
}
