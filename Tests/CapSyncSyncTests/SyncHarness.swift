import CapSyncSync
import CapSyncWire

/// Drives two sessions against each other over in-memory byte pipes, in rounds: in each round every side
/// writes what it has (up to `outputsPerRound` calls of `nextOutput`), then the bytes in flight are delivered
/// and decoded. A store operation is carried out before the next frame is fed, as the real shell does.
struct SyncHarness {
    struct Side {
        let node: TestNode
        var session: SyncSession
        var decoder: FrameDecoder
        /// Encoded frames this side wrote that the other has not read yet.
        var outbox: [UInt8] = []
        var bytesWritten = 0
        var framesWritten: [SyncMessage.MessageType] = []
        var frameSizes: [Int] = []
        var summary: SessionSummary?
        var error: SyncError?
        var rosterMismatches = 0

        init(node: TestNode) {
            self.node = node
            self.session = node.makeSession()
            self.decoder = FrameDecoder(limits: node.limits)
        }
    }

    var a: Side
    var b: Side
    /// Rounds run until both sessions were over.
    private(set) var rounds = 0
    /// How many `nextOutput` calls each side makes per round (backpressure); nil: until it has nothing more.
    var outputsPerRound: Int?
    /// Cut the connection once this many bytes went from A to B (the rest is lost), as a dropped TCP link would.
    var cutAtoBAfterBytes: Int?
    private var deliveredAtoB = 0

    init(_ a: TestNode, _ b: TestNode) {
        self.a = Side(node: a)
        self.b = Side(node: b)
    }

    var bothFinished: Bool { a.session.isFinished && b.session.isFinished }

    /// Runs the sessions until both are over (or `maxRounds`).
    mutating func run(maxRounds: Int = 10_000) {
        SyncHarness.carryOut(a.session.start(source: a.node.store), on: &a)
        SyncHarness.carryOut(b.session.start(source: b.node.store), on: &b)
        while !(a.session.isOver && b.session.isOver), rounds < maxRounds {
            rounds += 1
            SyncHarness.write(&a, calls: outputsPerRound)
            SyncHarness.write(&b, calls: outputsPerRound)
            if SyncHarness.deliver(from: &a, to: &b, cut: cutAtoBAfterBytes, delivered: &deliveredAtoB) { break }
            var unused = 0
            _ = SyncHarness.deliver(from: &b, to: &a, cut: nil, delivered: &unused)
        }
    }

    private static func write(_ side: inout Side, calls limit: Int?) {
        var calls = 0
        while limit.map({ calls < $0 }) ?? true {
            calls += 1
            let actions = side.session.nextOutput(source: side.node.store)
            if actions.isEmpty { break }
            SyncHarness.carryOut(actions, on: &side)
        }
    }

    /// Returns true when the link was cut.
    private static func deliver(
        from sender: inout Side,
        to receiver: inout Side,
        cut: Int?,
        delivered deliveredAtoB: inout Int
    ) -> Bool {
        var bytes = sender.outbox
        sender.outbox = []
        var wasCut = false
        if let cut {
            let room = max(0, cut - deliveredAtoB)
            if bytes.count > room {
                bytes = Array(bytes.prefix(room))
                wasCut = true
            }
            deliveredAtoB += bytes.count
        }
        receiver.decoder.feed(bytes)
        while !receiver.session.isOver {
            let message: SyncMessage?
            do { message = try receiver.decoder.next() } catch {
                SyncHarness.carryOut(receiver.session.abort(error), on: &receiver)
                break
            }
            guard let message else { break }
            SyncHarness.carryOut(receiver.session.receive(message, source: receiver.node.store), on: &receiver)
        }
        if wasCut {
            SyncHarness.carryOut(sender.session.connectionClosed(), on: &sender)
            SyncHarness.carryOut(receiver.session.connectionClosed(), on: &receiver)
        }
        return wasCut
    }

    static func carryOut(_ actions: [SyncAction], on side: inout Side) {
        let (transport, _) = side.session.performStoreActions(actions, on: side.node.store.sink, nowMilliseconds: 0)
        for action in transport {
            switch action {
            case .send(let message):
                let frame = message.encode()
                side.outbox += frame
                side.bytesWritten += frame.count
                side.framesWritten.append(message.type)
                side.frameSizes.append(frame.count)
            case .ingest, .ingestForkProofs, .peerHead:
                break  // carried out by performStoreActions, as in the daemon
            case .rosterMismatch:
                side.rosterMismatches += 1
            case .finished(let summary):
                side.summary = summary
            case .failed(let error):
                side.error = error
            }
        }
    }
}

/// Sorted heads of a store, to compare nodes.
func sortedHeads(_ store: MemoryStore) -> [Head] { store.heads().sorted { $0.author < $1.author } }

/// One complete session between two nodes.
func synced(_ a: TestNode, _ b: TestNode) -> SyncHarness {
    var harness = SyncHarness(a, b)
    harness.run()
    return harness
}
