import CapSyncCrypto
import CapSyncSync
import CapSyncTestSupport
import CapSyncWire
import Testing

/// A node that knows one author and holds the first 3 of its 6 entries, and messages a hostile peer might send.
struct ViolationFixture {
    let author: Author
    let node: TestNode
    let hello = helloFrom("peer")
    let heads: SyncMessage
    let continuation: CompactRun

    init() throws {
        var rng = SplitMix64(seed: 61)
        var author = try Author(seedByte: 61)
        try author.append(6, rng: &rng)
        self.author = author
        node = TestNode("B", knownAuthors: [author.id])
        node.store.preload(Array(author.chain.prefix(3)))
        heads = .heads(SyncHeads(heads: [Head(author: author.id, seq: 6, id: author.chain[5].id)]))
        continuation = CompactRun(
            authorIndex: 0,
            firstSeq: 4,
            prev: nil,
            entries: author.chain[3...].map(CompactEntry.init)
        )
    }

    func entries(_ runs: CompactRun...) -> SyncMessage { .entries(EntriesBatch(runs: runs)) }

    /// Feeds the messages to a fresh session; returns the actions of the last one.
    func play(_ messages: [SyncMessage]) -> (actions: [SyncAction], session: SyncSession) {
        var session = node.makeSession(peerDescription: "127.0.0.1:7433")
        var actions = session.start(source: node.store)
        for message in messages { actions = session.receive(message, source: node.store) }
        return (actions, session)
    }
}

struct ViolationCase: CustomTestStringConvertible, Sendable {
    let name: String
    let code: SyncError.Code
    let script: @Sendable (ViolationFixture) throws -> [SyncMessage]
    var testDescription: String { name }
}

let violationCases: [ViolationCase] = [
    .init(name: "ENTRIES before HELLO", code: .unexpectedMessage) { [$0.entries($0.continuation)] },
    .init(name: "HEADS before HELLO", code: .unexpectedMessage) { [$0.heads] },
    .init(name: "HELLO twice", code: .unexpectedMessage) { [.hello($0.hello), .hello($0.hello)] },
    .init(name: "HEADS twice", code: .unexpectedMessage) { [.hello($0.hello), $0.heads, $0.heads] },
    .init(name: "ENTRIES before HEADS", code: .unexpectedMessage) { [.hello($0.hello), $0.entries($0.continuation)] },
    .init(name: "ENTRIES after DONE", code: .unexpectedMessage) {
        [.hello($0.hello), $0.heads, .done(SyncDone(entriesSent: 0, forkProofsSent: 0)), $0.entries($0.continuation)]
    },
    .init(name: "versions do not overlap", code: .unsupportedVersion) { _ in
        [.hello(helloFrom("peer", versions: 2...3))]
    },
    .init(name: "peer frame limit below the minimum", code: .limitExceeded) { _ in
        [.hello(helloFrom("peer", maxFrameBytes: 1000))]
    },
    .init(name: "author index beyond my HEADS", code: .disagreeingClaim) { f in
        var run = f.continuation
        run.authorIndex = 1
        return [.hello(f.hello), f.heads, f.entries(run)]
    },
    .init(name: "entries beyond the peer's declared head", code: .disagreeingClaim) { f in
        [
            .hello(f.hello), .heads(SyncHeads(heads: [Head(author: f.author.id, seq: 5, id: f.author.chain[4].id)])),
            f.entries(f.continuation),
        ]
    },
    .init(name: "run that skips ahead of my head", code: .disagreeingClaim) { f in
        [
            .hello(f.hello), f.heads,
            f.entries(
                CompactRun(authorIndex: 0, firstSeq: 5, prev: nil, entries: f.author.chain[4...].map(CompactEntry.init))
            ),
        ]
    },
    .init(name: "fork window with an implied prev", code: .disagreeingClaim) { f in
        [
            .hello(f.hello), f.heads,
            f.entries(CompactRun(authorIndex: 0, firstSeq: 3, prev: nil, entries: [CompactEntry(f.author.chain[2])])),
        ]
    },
    .init(name: "fork window reaching above my head", code: .disagreeingClaim) { f in
        [
            .hello(f.hello), f.heads,
            f.entries(
                CompactRun(
                    authorIndex: 0,
                    firstSeq: 2,
                    prev: f.author.chain[0].id,
                    entries: f.author.chain[1...3].map(CompactEntry.init)
                )
            ),
        ]
    },
    .init(name: "continuation after a fork window", code: .disagreeingClaim) { f in
        var rng = SplitMix64(seed: 62)
        let other = try f.author.nextEntry(rng: &rng, after: Array(f.author.chain.prefix(2)))
        return [
            .hello(f.hello), f.heads,
            f.entries(
                CompactRun(authorIndex: 0, firstSeq: 3, prev: f.author.chain[1].id, entries: [CompactEntry(other)]),
                f.continuation
            ),
        ]
    },
    .init(name: "DONE counts disagree with what arrived", code: .disagreeingClaim) { f in
        [.hello(f.hello), f.heads, f.entries(f.continuation), .done(SyncDone(entriesSent: 2, forkProofsSent: 0))]
    },
    // Messages a simulator builds by hand skip the decoder; the session checks their shape itself.
    .init(name: "hand-built run with no entries", code: .malformedFrame) { f in
        [.hello(f.hello), f.heads, f.entries(CompactRun(authorIndex: 0, firstSeq: 4, prev: nil, entries: []))]
    },
    .init(name: "hand-built author index far beyond any HEADS", code: .disagreeingClaim) { f in
        var run = f.continuation
        run.authorIndex = .max
        return [.hello(f.hello), f.heads, f.entries(run)]
    },
    .init(name: "hand-built HEADS out of order", code: .malformedFrame) { f in
        let heads = [
            Head(author: f.author.id, seq: 6, id: f.author.chain[5].id), Head(author: .zero, seq: 0, id: .zero),
        ]
        return [.hello(f.hello), .heads(SyncHeads(heads: heads))]
    },
    .init(name: "FORKS before HEADS", code: .unexpectedMessage) { f in
        var rng = SplitMix64(seed: 63)
        let other = try f.author.nextEntry(rng: &rng, after: Array(f.author.chain.prefix(2)))
        return [.hello(f.hello), .forks([try ForkProof(f.author.chain[2], other)])]
    },
]

@Suite struct SessionViolationTests {
    @Test(arguments: violationCases)
    func violationEndsTheSessionWithAnErrorFrame(_ violation: ViolationCase) throws {
        let fixture = try ViolationFixture()
        var (actions, session) = fixture.play(try violation.script(fixture))
        guard actions.count >= 2, case .send(.error(let frame)) = actions[actions.count - 2],
            case .failed(let error) = actions[actions.count - 1]
        else {
            Issue.record("expected an ERROR frame and a failure, got \(actions)")
            return
        }
        #expect(error.code == violation.code, "\(error)")
        #expect(frame.code == violation.code.rawValue)
        #expect(error.peer != nil, "the error names the peer for the log line")
        #expect(session.phase == .failed)
        #expect(
            !actions.contains { if case .ingest = $0 { true } else { false } },
            "nothing of a refused message is ingested"
        )
        #expect(error.description.contains("127.0.0.1:7433"))
        // A failed session ignores whatever comes next.
        #expect(session.receive(.hello(fixture.hello), source: fixture.node.store).isEmpty)
        #expect(session.nextOutput(source: fixture.node.store).isEmpty)
        #expect(fixture.node.store.entryCount == 3)
    }

    @Test func wellBehavedScriptIsAccepted() throws {
        let fixture = try ViolationFixture()
        var (actions, session) = fixture.play([
            .hello(fixture.hello), fixture.heads, fixture.entries(fixture.continuation),
        ])
        guard case .ingest(let entries) = actions.last else {
            Issue.record("expected an ingest, got \(actions)")
            return
        }
        #expect(entries == Array(fixture.author.chain[3...]))
        actions = session.receive(.done(SyncDone(entriesSent: 3, forkProofsSent: 0)), source: fixture.node.store)
        #expect(actions.isEmpty)
        let last = session.nextOutput(source: fixture.node.store)
        guard last.count == 2, case .send(.done) = last[0], case .finished(let summary) = last[1] else {
            Issue.record("expected DONE and finished, got \(last)")
            return
        }
        #expect(summary.entriesReceived == 3 && summary.peerLabel == "peer")
        #expect(session.isFinished)
    }

    @Test func peerErrorEndsTheSessionWithoutAnswering() throws {
        let fixture = try ViolationFixture()
        let (actions, session) = fixture.play([
            .hello(fixture.hello), .error(SyncErrorMessage(code: 10, text: "busy: 64 sessions")),
        ])
        guard case .failed(let error) = actions.last else {
            Issue.record("expected a failure, got \(actions)")
            return
        }
        #expect(error.code == .peerError && error.remoteCode == 10 && error.reason == "busy: 64 sessions")
        #expect(!actions.contains { if case .send(.error) = $0 { true } else { false } })
        #expect(session.phase == .failed)
    }

    @Test func shellTimeoutAndTransportErrorsSendAnErrorFrame() throws {
        let fixture = try ViolationFixture()
        var (_, session) = fixture.play([.hello(fixture.hello)])
        #expect(session.phase == .handshake)
        let actions = session.abort(SyncError(.timeout, "no HEADS within 10 s", context: "handshakeTimeout"))
        guard case .send(.error(let frame)) = actions.first else {
            Issue.record("expected an ERROR frame, got \(actions)")
            return
        }
        #expect(frame.knownCode == .timeout && frame.text.contains("handshakeTimeout"))
        #expect(session.abort(SyncError(.timeout, "again")).isEmpty)
    }

    @Test(arguments: [
        ("length over the frame limit", SyncLimits(maxFrameBytes: 300_000), SyncError.Code.frameTooLarge),
        ("more entries than a batch may hold", SyncLimits(maxEntriesPerBatch: 2), .limitExceeded),
        ("more authors than HEADS may hold", SyncLimits(maxAuthorsPerHeads: 1), .limitExceeded),
    ])
    func decoderLimitViolationsEndTheSession(name: String, limits: SyncLimits, code: SyncError.Code) throws {
        let fixture = try ViolationFixture()
        var node = fixture.node
        node.limits = limits
        var session = node.makeSession()
        var decoder = FrameDecoder(limits: limits)
        var stream = SyncMessage.hello(fixture.hello).encode()
        switch code {
        case .frameTooLarge: stream += [0x00, 0x04, 0x93, 0xE1, 0x03]  // 300,001
        case .limitExceeded where limits.maxAuthorsPerHeads == 1:
            stream += SyncMessage.heads(
                SyncHeads(heads: [
                    Head(author: .zero, seq: 0, id: .zero), Head(author: fixture.author.id, seq: 0, id: .zero),
                ])
            ).encode()
        default: stream += fixture.heads.encode() + fixture.entries(fixture.continuation).encode()
        }
        decoder.feed(stream)
        var actions = session.start(source: node.store)
        do throws(SyncError) {
            while let message = try decoder.next() { actions += session.receive(message, source: node.store) }
            Issue.record("\(name): expected a decoding error")
        } catch {
            #expect(error.code == code, "\(name): \(error)")
            actions += session.abort(error)
        }
        guard case .send(.error(let frame)) = actions[actions.count - 2], case .failed = actions[actions.count - 1]
        else {
            Issue.record("expected an ERROR frame and a failure, got \(actions)")
            return
        }
        #expect(frame.code == code.rawValue)
        #expect(!actions.contains { if case .ingest = $0 { true } else { false } })
    }

    @Test func forkWindowOverItsLimitIsRefused() throws {
        var rng = SplitMix64(seed: 74)
        var author = try Author(seedByte: 74)
        try author.append(20, rng: &rng)
        let node = TestNode("B", knownAuthors: [author.id])
        node.store.preload(author.chain)
        let heads = SyncMessage.heads(SyncHeads(heads: [Head(author: author.id, seq: 20, id: author.chain[19].id)]))
        for length in [SyncLimits.forkWindow, SyncLimits.forkWindow + 1] {
            var session = node.makeSession()
            _ = session.start(source: node.store)
            _ = session.receive(.hello(helloFrom("peer")), source: node.store)
            _ = session.receive(heads, source: node.store)
            let window = CompactRun(
                authorIndex: 0,
                firstSeq: 1,
                prev: nil,
                entries: author.chain.prefix(length).map(CompactEntry.init)
            )
            let actions = session.receive(.entries(EntriesBatch(runs: [window])), source: node.store)
            if length <= SyncLimits.forkWindow {
                #expect(!session.isOver, "a window of \(length) entries is accepted")
            } else {
                guard case .failed(let error) = actions.last else {
                    Issue.record("expected a failure, got \(actions)")
                    continue
                }
                #expect(error.code == .disagreeingClaim)
            }
        }
    }

    @Test func nodeKnowingMoreAuthorsThanItsHeadsLimitRefusesToStart() throws {
        let authors = try makeAuthors([1, 1, 1], seed: 73)
        let node = TestNode("A", knownAuthors: keys(authors), limits: SyncLimits(maxAuthorsPerHeads: 2))
        var session = node.makeSession()
        let actions = session.start(source: node.store)
        guard actions.count == 2, case .send(.error(let frame)) = actions[0], case .failed(let error) = actions[1]
        else {
            Issue.record("expected an ERROR frame and a failure, got \(actions)")
            return
        }
        #expect(frame.knownCode == .limitExceeded && error.context == "maxAuthorsPerHeads")
        #expect(session.isOver && !session.isFinished)
    }

    @Test func limitViolationBetweenNodesReachesThePeerAsItsError() throws {
        let authors = try makeAuthors([3, 3, 3], seed: 71)
        let a = TestNode("A", knownAuthors: keys(authors))
        let b = TestNode("B", knownAuthors: keys(Array(authors.prefix(1))), limits: SyncLimits(maxAuthorsPerHeads: 2))
        for author in authors { a.store.preload(author.chain) }
        let run = synced(a, b)
        #expect(run.b.error?.code == .limitExceeded)
        #expect(run.a.error?.code == .peerError && run.a.error?.remoteCode == SyncError.Code.limitExceeded.rawValue)
        #expect(b.store.entryCount == 0)
    }
}

/// What Protocol/sync.md says of HEADS naming authors the receiver does not know, checked on the session core.
@Suite struct UnknownAuthorHeadsTests {
    @Test func headsOfUnknownAuthorsAreIgnoredNotRefused() throws {
        let fixture = try ViolationFixture()
        let stranger = try Author(seedByte: 62)
        // The peer lists an author this node does not know (its roster differs) beside one it does.
        let heads = SyncHeads(
            heads: [
                Head(author: fixture.author.id, seq: 3, id: fixture.author.chain[2].id),
                Head(author: stranger.id, seq: 5, id: EntryID([UInt8](repeating: 7, count: 32))),
            ].sorted { $0.author < $1.author }
        )
        var session = fixture.node.makeSession(peerDescription: "127.0.0.1:7433")
        var actions = session.start(source: fixture.node.store)
        actions += session.receive(.hello(fixture.hello), source: fixture.node.store)
        actions += session.receive(.heads(heads), source: fixture.node.store)
        actions += session.receive(.done(SyncDone(entriesSent: 0, forkProofsSent: 0)), source: fixture.node.store)
        let failed = actions.contains { if case .failed = $0 { true } else { false } }
        #expect(!failed, "\(actions)")
        let noted = actions.compactMap { if case .peerHead(let head) = $0 { head.author } else { nil } }
        #expect(noted == [fixture.author.id], "only known authors' heads reach the store")
    }
}
