import CapSyncCrypto
import CapSyncLog
import CapSyncNetwork
import CapSyncNode
import CapSyncSync
import CapSyncWire
import Foundation
import NIOCore
import NIOPosix
import Testing

/// Attacks on admission (Protocol/sync.md §Admission): connections that never finish TLS, a member holding many
/// sessions, a peer lying in its HELLO label, and pin refusals explained on both sides. Part of the hostile-peer
/// suite (it runs on its own in tools/test); `tools/adversary/run` counts the "adversary case" lines.
extension HostilePeerTests {
    /// Plain TCP connections that never start TLS, from one address and from many loopback addresses, held open
    /// while the honest peer syncs again and again: none of them takes a session slot.
    @Test func preHandshakeFloodNeverBlocksHonestSyncs() async throws {
        var limits = Self.limits
        limits.maxConcurrentSessions = 4  // few slots: a flood that took them would show at once
        let arena = try await HostileArena(limits: limits)
        defer { try? FileManager.default.removeItem(atPath: arena.root) }
        var flood: [any Channel] = []
        for index in 0..<1200 {
            // 1,000 from 127.0.0.2, then one each from 127.0.0.3 … 127.0.0.202.
            let source = index < 1000 ? "127.0.0.2" : "127.0.0.\(3 + index - 1000)"
            if let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(to: try SocketAddress(ipAddress: source, port: 0))
                .connect(host: "127.0.0.1", port: arena.port).get()
            {
                flood.append(channel)
            }
        }
        var tried = 0
        var succeeded = 0
        for _ in 0..<6 {
            tried += 1
            let outcome = await arena.honestSync()
            if outcome.error == nil { succeeded += 1 }
        }
        _ = await arena.nextOutcomes(succeeded)
        // Stop the node while the flood is still connected: connections accepted but not yet served must be closed
        // cleanly on shutdown (NIO traps on a wrapped channel dropped open).
        await arena.close()
        for channel in flood { channel.close(promise: nil) }
        #expect(flood.count == 1200, "flood connections made: \(flood.count)")
        #expect(succeeded == tried)
        print(
            "adversary case pre-handshake flood (1,000 plain TCP connections from one address, 200 from 200 more): "
                + "\(succeeded == tried ? "handled" : "NOT handled") — honest syncs tried \(tried), succeeded \(succeeded)"
        )
    }

    /// A member opening 70 sessions that send only HELLO gets at most 2 (maxSessionsPerPartner); the others are
    /// refused at once, and honest partners sync while it holds its 2.
    @Test func memberWithSeventySessionsCannotStarveTheOthers() async throws {
        var limits = Self.limits
        limits.handshakeTimeout = .seconds(120)  // the holder's two sessions stay until the arena closes
        let arena = try await HostileArena(limits: limits)
        defer { try? FileManager.default.removeItem(atPath: arena.root) }
        let trusted = try arena.roster.authorKeys.map { try $0.publicKey() }
        let node = arena.server.signingKey.publicKey
        let relayedStore = try LogStore(directory: arena.root + "/relayed", roster: arena.roster)
        let thirdStore = try LogStore(directory: arena.root + "/third", roster: arena.roster)
        let (ended, honest) = try await withThrowingTaskGroup(of: [SyncMessage]?.self) { group in
            for _ in 0..<70 {
                group.addTask {
                    try? await HostilePeer.session(port: arena.port, as: arena.hostile, trusted: trusted, node: node) {
                        peer in
                        await peer.send(Craft.hello(roster: arena.roster))
                        return await peer.drainUntilClosed()
                    }
                }
            }
            // The node holds 2 of them open (waiting for HEADS); the other 68 end, refused.
            var ended: [[SyncMessage]?] = []
            while ended.count < 68, let result = try await group.next() { ended.append(result) }
            // Three honest partners (BB, CC, DD) sync while EV holds its two sessions.
            async let first = arena.honestSync()
            async let second = arena.sync(as: arena.relayed, store: relayedStore)
            async let third = arena.sync(as: arena.third, store: thirdStore)
            let honest = await [first, second, third]
            _ = await arena.nextOutcomes(3)
            await arena.close()  // ends the two held sessions
            for try await result in group { ended.append(result) }
            return (ended, honest)
        }
        let refusedWithError = ended.filter { messages in
            messages?.contains {
                if case .error(let error) = $0 { error.code == SyncError.Code.tooManySessions.rawValue } else { false }
            }
                ?? false
        }
        #expect(ended.count == 70)
        // Concurrent dials from one address also meet the handshake budget (8 per address): those are closed
        // before TLS; every one that got through TLS beyond the 2 held is answered with ERROR tooManySessions.
        #expect(refusedWithError.count >= 1, "ERROR tooManySessions answers: \(refusedWithError.count)")
        #expect(honest.allSatisfy { $0.error == nil }, "\(honest.map(\.error))")
        #expect(relayedStore.head(of: arena.server.author)?.seq == 3)
        #expect(thirdStore.head(of: arena.server.author)?.seq == 3)
        let handled = honest.allSatisfy { $0.error == nil }
        print(
            "adversary case member opening 70 HELLO-only sessions while partners BB, CC and DD sync: \(handled ? "handled" : "NOT handled") — "
                + "\(refusedWithError.count) refused with ERROR tooManySessions (the rest closed before TLS or held); "
                + "honest syncs tried 3, succeeded \(honest.filter { $0.error == nil }.count)"
        )
    }

    /// A member claiming another's label in HELLO is named by its pinned identity; the label is sanitised
    /// display text.
    @Test func helloLabelsAreDisplayTextNeverIdentity() async throws {
        let arena = try await HostileArena(limits: Self.limits)
        defer { try? FileManager.default.removeItem(atPath: arena.root) }
        let trusted = try arena.roster.authorKeys.map { try $0.publicKey() }
        let node = arena.server.signingKey.publicKey
        try await HostilePeer.session(port: arena.port, as: arena.hostile, trusted: trusted, node: node) { peer in
            await peer.send(Craft.hello(label: "BB\u{1B}[31m\n\u{202E}x", roster: arena.roster))
            await peer.send(Craft.heads(roster: arena.roster, []))
            await peer.send(SyncMessage.done(SyncDone(entriesSent: 0, forkProofsSent: 0)))
            _ = await peer.drainUntilClosed()
        }
        let outcome = try #require(await arena.nextOutcomes(1).first)
        await arena.close()
        #expect(outcome.peer?.partner == "EV")
        #expect(outcome.peer?.name.hasPrefix("EV ") == true)
        #expect(outcome.summary.peerLabel == "BB[31mx")
        print(
            "adversary case HELLO label spoofing another partner: "
                + "\(outcome.peer?.partner == "EV" ? "handled" : "NOT handled") — session named \(outcome.peer?.name ?? "?")"
        )
    }

    /// A client whose key the node's roster lacks is told so; a client dialing the wrong key names both.
    @Test func pinRefusalsAreExplainedToTheClient() async throws {
        let arena = try await HostileArena(limits: Self.limits)
        defer { try? FileManager.default.removeItem(atPath: arena.root) }
        // The outsider holds a roster with itself and the node; the node's roster does not hold the outsider.
        let outsiderRoster = try Roster(
            serial: 1,
            members: [
                .init(partner: "AA", key: arena.server.author), .init(partner: "ZZ", key: arena.outsider.author),
            ]
        )
        let outsiderStore = try LogStore(directory: arena.root + "/outsider", roster: outsiderRoster)
        let context = SyncContext(
            store: outsiderStore,
            roster: outsiderRoster,
            tlsKey: arena.outsider.tlsKey,
            tlsCertificate: arena.outsider.certificate,
            label: "ZZ",
            limits: Self.limits
        )
        let refused = await SyncClient(context: context, logger: HostileArena.logger)
            .sync(with: PeerList.Peer(partner: "AA", address: "127.0.0.1:\(arena.port)", key: arena.server.author))
        // Dialing the node while expecting the relayed partner's key: the node's key is named, and the expected one.
        let wrong = await arena.sync(
            as: arena.honest,
            store: arena.honestStore,
            expecting: arena.relayed.author
        )
        await arena.close()
        let refusal = refused.error.map { "\($0)" } ?? ""
        #expect(refusal.contains("refused this node during TLS"), "\(refusal)")
        let wrongText = wrong.error.map { "\($0)" } ?? ""
        #expect(wrongText.contains(arena.server.signingKey.publicKey.fingerprint), "\(wrongText)")
        #expect(wrongText.contains(arena.relayed.signingKey.publicKey.fingerprint), "\(wrongText)")
    }
}

extension HostileArena {
    /// `partner` syncs with the server from `store`, pinning `expecting` (default: the server's real key).
    func sync(as partner: TestPartner, store: LogStore, expecting: AuthorKey? = nil) async -> SessionOutcome {
        let context = SyncContext(
            store: store,
            roster: roster,
            tlsKey: partner.tlsKey,
            tlsCertificate: partner.certificate,
            label: partner.code,
            limits: limits
        )
        return await SyncClient(context: context, logger: Self.logger)
            .sync(with: PeerList.Peer(partner: "AA", address: "127.0.0.1:\(port)", key: expecting ?? server.author))
    }
}
