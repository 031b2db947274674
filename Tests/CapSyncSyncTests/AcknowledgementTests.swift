import CapSyncCrypto
import CapSyncSync
import CapSyncTestSupport
import CapSyncWire
import Testing

/// The acknowledgements feature (Protocol/sync.md §ACK): with both sides setting HELLO bit 1, each answers the
/// other's DONE with what it stored, and the session ends only after both ACKs; with a peer that does not set it,
/// the session runs exactly as it did before the feature.
@Suite struct AcknowledgementTests {
    @Test func bothSidesAcknowledgeWhatTheyStored() throws {
        let authors = try makeAuthors([5, 2], seed: 91)
        let a = TestNode("A", knownAuthors: keys(authors))
        let b = TestNode("B", knownAuthors: keys(authors))
        a.store.preload(authors[0].chain)
        b.store.preload(authors[1].chain)
        let run = synced(a, b)
        #expect(run.bothFinished)
        #expect(run.a.framesWritten.suffix(2) == [.done, .ack] && run.b.framesWritten.suffix(2) == [.done, .ack])
        // A sent 5 entries; B stored them and now holds both authors, 7 entries.
        let expectedFromB = SyncAck(
            entriesStored: 5,
            entriesAlreadyHeld: 0,
            entriesRefused: 0,
            forkProofsKept: 0,
            authorsHeld: 2,
            entriesHeld: 7
        )
        #expect(run.a.summary?.peerAcknowledgement == expectedFromB)
        #expect(run.b.summary?.acknowledgement == expectedFromB)
        #expect(run.b.summary?.peerAcknowledgement?.entriesStored == 2)
        #expect(run.b.summary?.peerAcknowledgement?.entriesHeld == 7)
        #expect(run.a.summary?.bytesSent == run.a.bytesWritten)
    }

    @Test(arguments: [(true, false), (false, true), (false, false)])
    func peerWithoutTheFeatureSyncsAsBefore(aAcknowledges: Bool, bAcknowledges: Bool) throws {
        let authors = try makeAuthors([4, 3], seed: 92)
        var a = TestNode("A", knownAuthors: keys(authors))
        var b = TestNode("B", knownAuthors: keys(authors))
        a.acknowledgements = aAcknowledges
        b.acknowledgements = bAcknowledges
        a.store.preload(authors[0].chain)
        b.store.preload(authors[1].chain)
        let run = synced(a, b)
        #expect(run.bothFinished)
        #expect(!run.a.framesWritten.contains(.ack) && !run.b.framesWritten.contains(.ack))
        #expect(run.a.framesWritten.last == .done && run.b.framesWritten.last == .done)
        #expect(run.a.summary?.peerAcknowledgement == nil && run.b.summary?.peerAcknowledgement == nil)
        #expect(a.store.entryCount == 7 && b.store.entryCount == 7)
        #expect(run.a.summary?.entriesAccepted == 3 && run.b.summary?.entriesAccepted == 4)
    }

    @Test func entriesHeldAlreadyAreAcknowledgedAsSuch() throws {
        // The peer resends entries 1…3 this node holds (a fork window of its own branch), then 4…6 are new in a
        // second session: the first ACK says 3 already held, the second 3 stored.
        let fixture = try ViolationFixture()
        var script = AckScript(fixture)
        let window = CompactRun(
            authorIndex: 0,
            firstSeq: 1,
            prev: nil,
            entries: fixture.author.chain.prefix(3).map(CompactEntry.init)
        )
        let sent = script.runToAck([fixture.entries(window)], peerSent: 3)
        let ack = try #require(sent)
        #expect(
            ack
                == SyncAck(
                    entriesStored: 0,
                    entriesAlreadyHeld: 3,
                    entriesRefused: 0,
                    forkProofsKept: 0,
                    authorsHeld: 1,
                    entriesHeld: 3
                )
        )
        var second = AckScript(fixture)
        let secondAck = second.runToAck([fixture.entries(fixture.continuation)], peerSent: 3)
        let stored = try #require(secondAck)
        #expect(stored.entriesStored == 3 && stored.entriesAlreadyHeld == 0 && stored.entriesHeld == 6)
    }

    @Test func forgedEntryIsAcknowledgedAsRefused() throws {
        let fixture = try ViolationFixture()
        var bytes = fixture.author.chain[3].encoded
        bytes[bytes.count - 1] ^= 1
        let forged = try Entry(decoding: bytes)
        var script = AckScript(fixture)
        let run = CompactRun(authorIndex: 0, firstSeq: 4, prev: nil, entries: [CompactEntry(forged)])
        let sent = script.runToAck([fixture.entries(run)], peerSent: 1)
        let ack = try #require(sent)
        #expect(ack.entriesStored == 0 && ack.entriesRefused == 1 && ack.entriesHeld == 3)
    }

    @Test func truthfulAckFinishesTheSession() throws {
        let fixture = try ViolationFixture()
        var script = AckScript(fixture)
        #expect(script.runToAck([fixture.entries(fixture.continuation)], peerSent: 3) != nil)
        let actions = script.receive(.ack(AckScript.peerAck()))
        guard case .finished(let summary) = actions.last else {
            Issue.record("expected finished, got \(actions)")
            return
        }
        #expect(summary.peerAcknowledgement == AckScript.peerAck())
        #expect(script.session.isFinished)
    }

    @Test(arguments: AckViolation.allCases)
    func lyingOrMisplacedAckEndsTheSession(_ violation: AckViolation) throws {
        let fixture = try ViolationFixture()
        var script = AckScript(fixture, peerAcknowledges: violation != .withoutTheFeature)
        var actions: [SyncAction] = []
        switch violation {
        case .beforePeersDone:
            script.open()
            script.drainToDone()
            actions = script.receive(.ack(AckScript.peerAck()))
        case .beforeOwnDone:
            script.open()
            actions = script.receive(.done(SyncDone(entriesSent: 0, forkProofsSent: 0)))
            #expect(actions.isEmpty, "no ACK before this side's DONE")
            actions = script.receive(.ack(AckScript.peerAck()))
        case .withoutTheFeature:
            // Without the feature the session is over once both DONEs are through; an ACK any earlier is out of
            // place.
            script.open()
            actions = script.receive(.ack(AckScript.peerAck()))
        default:
            #expect(script.runToAck([], peerSent: 0) != nil)
            actions = script.receive(.ack(violation.ack))
        }
        guard actions.count == 2, case .send(.error(let frame)) = actions[0], case .failed(let error) = actions[1]
        else {
            Issue.record("\(violation): expected an ERROR frame and a failure, got \(actions)")
            return
        }
        #expect(error.code == violation.code, "\(violation): \(error)")
        #expect(frame.code == violation.code.rawValue)
        #expect(error.context == "ACK")
        #expect(script.session.summary.peerAcknowledgement == nil)
    }

    @Test func connectionClosedBeforeThePeersAckFails() throws {
        let fixture = try ViolationFixture()
        var script = AckScript(fixture)
        #expect(script.runToAck([], peerSent: 0) != nil)
        let actions = script.session.connectionClosed()
        guard case .failed(let error) = actions.last else {
            Issue.record("expected a failure, got \(actions)")
            return
        }
        #expect(error.code == .connectionClosed && error.reason.contains("ACK"), "\(error)")
    }
}

/// An ACK that breaks Protocol/sync.md §ACK, and the code it must end the session with. The node of
/// `ViolationFixture` sends nothing (it holds less than the peer declares) and the peer declared seq 6 of one
/// author.
enum AckViolation: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case claimsMoreEntriesThanSent, claimsMoreProofsThanSent, holdsLessThanDeclared, moreAuthorsThanEntries
    case overflowingSum, beforePeersDone, beforeOwnDone, withoutTheFeature

    var testDescription: String { rawValue }

    var code: SyncError.Code {
        switch self {
        case .beforePeersDone, .beforeOwnDone, .withoutTheFeature: .unexpectedMessage
        default: .disagreeingClaim
        }
    }

    var ack: SyncAck {
        var ack = AckScript.peerAck()
        switch self {
        case .claimsMoreEntriesThanSent: ack.entriesStored = 6247
        case .claimsMoreProofsThanSent: ack.forkProofsKept = 1
        case .holdsLessThanDeclared: ack.entriesHeld = 5
        case .moreAuthorsThanEntries: ack.authorsHeld = 7
        case .overflowingSum:
            ack.entriesStored = .max
            ack.entriesAlreadyHeld = 1
        case .beforePeersDone, .beforeOwnDone, .withoutTheFeature: break
        }
        return ack
    }
}

/// Plays the peer's side against the fixture's node by hand: HELLO (with or without the acknowledgements bit)
/// and HEADS, the given frames, the peer's DONE, with the node's store actions carried out as the daemon does.
struct AckScript {
    let fixture: ViolationFixture
    var session: SyncSession
    let hello: SyncHello

    init(_ fixture: ViolationFixture, peerAcknowledges: Bool = true) {
        self.fixture = fixture
        session = fixture.node.makeSession(peerDescription: "127.0.0.1:7433")
        var hello = fixture.hello
        hello.features = peerAcknowledges ? SyncHello.acknowledgementsFeature : 0
        self.hello = hello
    }

    /// A truthful ACK from the peer: it stored nothing (the node sent nothing) and holds the 6 entries it declared.
    static func peerAck() -> SyncAck {
        SyncAck(
            entriesStored: 0,
            entriesAlreadyHeld: 0,
            entriesRefused: 0,
            forkProofsKept: 0,
            authorsHeld: 1,
            entriesHeld: 6
        )
    }

    mutating func carryOut(_ actions: [SyncAction]) -> [SyncAction] {
        session.performStoreActions(actions, on: fixture.node.store.sink, nowMilliseconds: 0).transport
    }

    mutating func receive(_ message: SyncMessage) -> [SyncAction] {
        carryOut(session.receive(message, source: fixture.node.store))
    }

    mutating func open() {
        _ = carryOut(session.start(source: fixture.node.store))
        _ = receive(.hello(hello))
        _ = receive(fixture.heads)
    }

    /// The node's output up to and including its DONE (it owes nothing here, so that is DONE alone).
    @discardableResult
    mutating func drainToDone() -> [SyncAction] {
        var all: [SyncAction] = []
        while case let actions = carryOut(session.nextOutput(source: fixture.node.store)), !actions.isEmpty {
            all += actions
        }
        return all
    }

    /// Opens, feeds `frames`, lets the node send its DONE, then feeds the peer's DONE; returns the node's ACK.
    mutating func runToAck(_ frames: [SyncMessage], peerSent: UInt64) -> SyncAck? {
        open()
        for frame in frames { _ = receive(frame) }
        var actions = drainToDone()
        actions += receive(.done(SyncDone(entriesSent: peerSent, forkProofsSent: 0)))
        for action in actions { if case .send(.ack(let ack)) = action { return ack } }
        return nil
    }
}
