import CapSyncLog
import CapSyncMerge
import CapSyncNode
import CapSyncSync
import CapSyncTestSupport
import CapSyncWire

/// The state of one cluster simulation run, and its steps. Every choice comes from `random`; nodes and
/// connections are kept in arrays, so the order of everything is fixed by the seed.
final class SimulatedWorld {
    struct Counters {
        var appends = 0
        var sessionsStarted = 0
        var sessionsFinished = 0
        var sessionsFailed = 0
        var framesDelivered = 0
        var framesDuplicated = 0
        var connectionsCut = 0
        var crashes = 0
        var partitions = 0
        var finalRounds = 0
    }

    static let crashModes: [FaultInjectingFileSystem.PowerLossMode?] = [.drop, .tear, .reorder, .garble, nil]

    var random: SimulationRandom
    let cast: SimulationCast
    let nodes: [SimulatedNode]
    let limits: SyncLimits
    /// Per delivered frame: the chance (in per mille) that it is lost, breaking its connection.
    let dropPerMille: Int
    /// Per sent frame: the chance (in per mille) that it arrives twice.
    let duplicatePerMille: Int
    private(set) var connections: [SimulatedConnection] = []
    private var nextConnectionID = 0
    /// Group of each node while partitioned.
    private var partition: [Bool]?
    private(set) var clock: UInt64 = 1_800_000_000_000
    private(set) var step = 0
    private(set) var counters = Counters()
    private let trace: ((String) -> Void)?

    init(seed: UInt64, trace: ((String) -> Void)?) {
        var random = SimulationRandom(seed: seed)
        let cast = SimulationCast(count: random.within(3...7))
        self.cast = cast
        nodes = cast.members.enumerated().map { index, member in
            SimulatedNode(
                index: index,
                member: member,
                roster: cast.roster,
                diskSeed: random.next(),
                clockSkew: UInt64(random.below(2000))
            )
        }
        limits = SyncLimits(maxEntriesPerBatch: random.within(1...8))
        dropPerMille = random.below(30)
        duplicatePerMille = random.below(8)
        self.random = random
        self.trace = trace
        trace?(
            "\(nodes.count) nodes, \(limits.maxEntriesPerBatch) entries per batch, drop \(dropPerMille)‰, "
                + "duplicate \(duplicatePerMille)‰"
        )
    }

    // MARK: The random phase

    func runSteps(_ count: Int) throws(SimulationFailure) {
        for node in nodes { try node.start() }
        while step < count {
            step += 1
            clock += UInt64(random.within(1...25))
            for node in nodes where node.downUntil.map({ $0 <= step }) ?? false {
                trace?("step \(step): \(node.name) restarts")
                try node.start()
            }
            switch random.below(100) {
            case 0..<20: try appendSomewhere()
            case 20..<30: try connectSomewhere()
            case 30..<91: try moveSomeConnection()
            case 91..<93: cutSomeConnection()
            case 93..<96:
                try crash(nodes[random.below(nodes.count)], mode: Self.crashModes[random.below(Self.crashModes.count)])
            case 96..<98: togglePartition()
            default: armDiskFault()
            }
        }
    }

    private func appendSomewhere() throws(SimulationFailure) {
        let node = nodes[random.below(nodes.count)]
        guard node.isUp else { return }
        let partners = cast.members.map(\.partner)
        let operations = (0..<random.within(1...2)).map { _ in
            SimulatedOperations.random(
                partner: node.member.partner,
                partners: partners,
                poolTags: node.poolTags,
                using: &random
            )
        }
        counters.appends += 1
        if try !node.append(operations, now: clock) {
            trace?("step \(step): \(node.name)'s append hit the failing disk")
            try crash(node, mode: Self.crashModes[random.below(4)])
        }
    }

    private func connectSomewhere() throws(SimulationFailure) {
        let up = nodes.filter(\.isUp)
        guard up.count >= 2, connections.count < nodes.count * 2 else { return }
        let dialer = up[random.below(up.count)]
        let others = up.filter { $0 !== dialer }
        let peer = others[random.below(others.count)]
        if let partition, partition[dialer.index] != partition[peer.index] { return }
        try connect(dialer, peer)
    }

    /// One network event on a random connection: the next frame one way is delivered (or lost), or one side
    /// writes its next frame.
    private func moveSomeConnection() throws(SimulationFailure) {
        guard !connections.isEmpty else { return }
        let connection = connections[random.below(connections.count)]
        let directions = (0..<2).filter { !connection.inFlight[$0].isEmpty }
        if !directions.isEmpty && (random.chance(55) || connection.sessions.allSatisfy(\.isOver)) {
            let side = directions[random.below(directions.count)]
            if random.below(1000) < dropPerMille {
                trace?("step \(step): connection \(connection.id) loses a frame and breaks")
                try cut(connection)
                return
            }
            try deliver(to: side, on: connection)
        } else {
            let side = random.below(2)
            try perform(
                connection.sessions[side].nextOutput(source: connection.sources[side]),
                side: side,
                on: connection
            )
        }
        try closeIfDone(connection)
    }

    private func cutSomeConnection() {
        guard !connections.isEmpty else { return }
        let connection = connections[random.below(connections.count)]
        trace?("step \(step): connection \(connection.id) is cut")
        try? cut(connection)
    }

    private func togglePartition() {
        if partition != nil {
            trace?("step \(step): the partition heals")
            partition = nil
            return
        }
        var groups = nodes.map { _ in random.chance(50) }
        if groups.allSatisfy({ $0 == groups[0] }) { groups[random.below(groups.count)].toggle() }
        partition = groups
        counters.partitions += 1
        trace?("step \(step): partition \(groups.map { $0 ? "A" : "B" }.joined())")
        for connection in connections where groups[connection.nodes[0]] != groups[connection.nodes[1]] {
            try? cut(connection)
        }
    }

    /// The disk of a node fails after a few more fsyncs: the write that hits it fails and the node crashes.
    private func armDiskFault() {
        let node = nodes[random.below(nodes.count)]
        guard node.isUp else { return }
        let after = random.below(4)
        trace?("step \(step): \(node.name)'s disk fails after \(after) more fsyncs")
        node.disk.failSyncs(after: after)
    }

    // MARK: Nodes and connections

    func crash(_ node: SimulatedNode, mode: FaultInjectingFileSystem.PowerLossMode?) throws(SimulationFailure) {
        guard node.isUp else { return }
        for connection in connections where connection.nodes.contains(node.index) { try cut(connection) }
        node.crash(mode)
        counters.crashes += 1
        if random.chance(50) {
            trace?("step \(step): \(node.name) crashes (\(mode.map { "\($0)" } ?? "process only")) and restarts")
            try node.start()
        } else {
            node.downUntil = step + random.within(1...40)
            trace?(
                "step \(step): \(node.name) crashes (\(mode.map { "\($0)" } ?? "process only")), down until step \(node.downUntil!)"
            )
        }
    }

    @discardableResult
    func connect(
        _ dialer: SimulatedNode,
        _ peer: SimulatedNode,
        reliable: Bool = false
    ) throws(SimulationFailure) -> SimulatedConnection {
        guard let dialerStore = dialer.store, let peerStore = peer.store else {
            throw SimulationFailure("connect to a node that is down")
        }
        func session(_ node: SimulatedNode, peer: SimulatedNode) -> SyncSession {
            SyncSession(
                configuration: SessionConfiguration(
                    localRosterHash: cast.roster.hash,
                    knownAuthors: Set(cast.roster.authorKeys),
                    limits: limits,
                    label: node.member.partner,
                    peerDescription: peer.name
                )
            )
        }
        let connection = SimulatedConnection(
            id: nextConnectionID,
            nodes: [dialer.index, peer.index],
            sessions: [session(dialer, peer: peer), session(peer, peer: dialer)],
            limits: limits,
            sources: [SimulatedSource(store: dialerStore), SimulatedSource(store: peerStore)]
        )
        connection.isReliable = reliable
        nextConnectionID += 1
        connections.append(connection)
        counters.sessionsStarted += 2
        trace?("step \(step): connection \(connection.id): \(dialer.name) dials \(peer.name)")
        for side in 0..<2 where !connection.isClosed {
            try perform(connection.sessions[side].start(source: connection.sources[side]), side: side, on: connection)
        }
        return connection
    }

    /// Breaks a connection: what is in flight is lost, and both sessions see the close.
    func cut(_ connection: SimulatedConnection) throws(SimulationFailure) {
        guard !connection.isClosed else { return }
        connection.isClosed = true
        connection.inFlight = [[], []]
        connections.removeAll { $0 === connection }
        if !connection.isOver { counters.connectionsCut += 1 }
        for side in 0..<2 {
            try perform(connection.sessions[side].connectionClosed(), side: side, on: connection)
        }
    }

    /// Once a session is over and its last frame was delivered, the connection closes.
    func closeIfDone(_ connection: SimulatedConnection) throws(SimulationFailure) {
        guard !connection.isClosed else { return }
        for side in 0..<2 where connection.sessions[side].isOver && connection.inFlight[1 - side].isEmpty {
            try cut(connection)
            return
        }
    }

    func deliver(to side: Int, on connection: SimulatedConnection) throws(SimulationFailure) {
        let frame = connection.inFlight[side].removeFirst()
        counters.framesDelivered += 1
        connection.decoders[side].feed(frame)
        while !connection.isClosed, !connection.sessions[side].isOver {
            let message: SyncMessage?
            do { message = try connection.decoders[side].next() } catch {
                try perform(connection.sessions[side].abort(error), side: side, on: connection)
                return
            }
            guard let message else { return }
            try perform(
                connection.sessions[side].receive(message, source: connection.sources[side]),
                side: side,
                on: connection
            )
        }
    }

    /// Carries out a session's actions for the node at `side`: the store's part through the daemon's own
    /// adapter (`SyncSession.performStoreActions` over `LogStoreSink`), the transport's as the network model.
    func perform(_ actions: [SyncAction], side: Int, on connection: SimulatedConnection) throws(SimulationFailure) {
        let node = nodes[connection.nodes[side]]
        for action in actions {
            if case .ingestForkProofs(let proofs) = action {
                throw SimulationFailure("\(node.name) received \(proofs.count) fork proofs from honest nodes")
            }
            if case .rosterMismatch = action {
                throw SimulationFailure("\(node.name) saw a roster mismatch; every node holds the same roster")
            }
        }
        var transport = actions
        if let store = node.store {
            // A closed connection delivers nothing more: its remaining batches are not ingested.
            let storeActions =
                connection.isClosed
                ? actions.filter { if case .peerHead = $0 { true } else if case .ingest = $0 { false } else { true } }
                : actions
            let (rest, events) = connection.sessions[side].performStoreActions(
                storeActions,
                on: LogStoreSink(store: store),
                nowMilliseconds: clock + node.clockSkew
            )
            transport = rest
            for event in events {
                switch event {
                case .accepted(let entries):
                    node.noteAcknowledged(entries)
                case .refused(let reason):
                    throw SimulationFailure("\(node.name): refused an entry from an honest peer: \(reason)")
                case .equivocation(let proof, _):
                    throw SimulationFailure("\(node.name) proved an honest author forked at seq \(proof.seq)")
                case .storeFailed(let error):
                    guard (error as? StoreError)?.code == .fsyncFailed else {
                        throw SimulationFailure("\(node.name): ingest failed: \(error)")
                    }
                    trace?("step \(step): \(node.name)'s ingest hit the failing disk")
                    try crash(node, mode: Self.crashModes[random.below(4)])
                    return
                }
            }
        }
        for action in transport {
            switch action {
            case .send(let message):
                guard !connection.isClosed else { continue }
                let frame = message.encode()
                connection.inFlight[1 - side].append(frame)
                if !connection.isReliable, random.below(1000) < duplicatePerMille {
                    connection.inFlight[1 - side].append(frame)
                    connection.duplicated = true
                    counters.framesDuplicated += 1
                }
            case .finished:
                counters.sessionsFinished += 1
            case .failed(let error):
                counters.sessionsFailed += 1
                connection.errors[side] = error
                let expected: Set<SyncError.Code> = [.connectionClosed, .peerError]
                if !expected.contains(error.code) && !connection.duplicated {
                    throw SimulationFailure("\(node.name)'s session on connection \(connection.id) failed: \(error)")
                }
            case .ingest, .ingestForkProofs, .peerHead, .rosterMismatch:
                break
            }
        }
        if let problem = connection.sources[side].readError {
            throw SimulationFailure("\(node.name) could not read its store for a session: \(problem)")
        }
    }

    // MARK: The end

    /// Heals everything and syncs over a reliable network, all pairs per round, until the heads agree.
    func settle() throws(SimulationFailure) {
        trace?("step \(step): settling — partitions heal, every node up, reliable rounds")
        partition = nil
        for connection in connections { try cut(connection) }
        for node in nodes {
            if !node.isUp { try node.start() }
            node.disk.failSyncs(after: .max)
        }
        for round in 1...4 {
            counters.finalRounds = round
            for a in nodes.indices {
                for b in nodes.indices where b > a { try syncReliably(nodes[a], nodes[b]) }
            }
            let heads = nodes.map { $0.store?.heads() ?? [] }
            if heads.allSatisfy({ $0 == heads[0] }) { return }
        }
    }

    private func syncReliably(_ a: SimulatedNode, _ b: SimulatedNode) throws(SimulationFailure) {
        let connection = try connect(a, b, reliable: true)
        var moves = 0
        while !connection.isClosed {
            moves += 1
            guard moves < 100_000 else {
                throw SimulationFailure("a reliable session between \(a.name) and \(b.name) never ended")
            }
            for side in 0..<2 {
                try perform(
                    connection.sessions[side].nextOutput(source: connection.sources[side]),
                    side: side,
                    on: connection
                )
            }
            for side in 0..<2 {
                while !connection.isClosed, !connection.inFlight[side].isEmpty { try deliver(to: side, on: connection) }
            }
            try closeIfDone(connection)
        }
        guard connection.sessions.allSatisfy(\.isFinished) else {
            throw SimulationFailure(
                "a session over the reliable network failed: \(a.name): \(connection.errors[0].map { "\($0)" } ?? "-"), "
                    + "\(b.name): \(connection.errors[1].map { "\($0)" } ?? "-")"
            )
        }
    }

    /// Same heads, entry set and fold digest everywhere; every acknowledged entry everywhere; no fork proofs.
    func checkConvergence() throws(SimulationFailure) -> Bytes32 {
        var reference: (heads: [Head], entries: Bytes32, state: Bytes32)?
        let acknowledged = Set(nodes.flatMap { $0.acknowledged.map(\.id) })
        for node in nodes {
            guard let store = node.store else { throw SimulationFailure("\(node.name) is down at the end") }
            let entries = try node.allEntries()
            let ids = Set(entries.map(\.id))
            if let missing = acknowledged.first(where: { !ids.contains($0) }) {
                throw SimulationFailure("\(node.name) lacks acknowledged entry \(missing.short) after convergence")
            }
            guard store.forkProofs().isEmpty else {
                throw SimulationFailure("\(node.name) holds fork proofs: an honest node equivocated")
            }
            let heads = store.heads()
            let entrySet = EntrySetDigest.digest(
                of: entries.map { ($0.id, $0.author, $0.seq) },
                roster: cast.roster,
                forks: store.forkedAuthors()
            )
            let state = Fold(roster: cast.roster, forks: store.forkedAuthors(), nowMilliseconds: nil)(entries).digest
            guard let expected = reference else {
                reference = (heads, entrySet, state)
                continue
            }
            guard heads == expected.heads else { throw SimulationFailure("\(node.name)'s heads differ from node 0's") }
            guard entrySet == expected.entries else {
                throw SimulationFailure("\(node.name)'s entry-set digest differs from node 0's")
            }
            guard state == expected.state else {
                throw SimulationFailure("\(node.name)'s fold digest differs from node 0's")
            }
        }
        return reference?.state ?? .zero
    }
}
