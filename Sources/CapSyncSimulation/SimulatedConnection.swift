import CapSyncSync

/// One connection of the simulated network: two sessions (side 0 dialed side 1) and the frames travelling each
/// way.
///
/// The network model (tools/sim/README.md, cluster). A session is scoped to its connection, as over TLS, so the network is modelled
/// at the level of connections carrying frames:
/// - frames on one connection arrive in order (TCP), one frame per delivery step; which connection, direction and
///   session moves next is chosen by the seeded scheduler, so frames of different sessions are reordered
///   against each other, and sessions between the same two nodes overlap;
/// - a dropped frame breaks its connection: the rest in flight is lost and both sessions see the close
///   (`connectionClosed`), as a reset TCP stream would; connections are also cut at random, by a node's crash
///   and by a partition;
/// - a duplicated frame arrives twice in a row on its connection (a faulty middlebox or a replaying peer): the
///   session must refuse it and end, without harm to the store;
/// - a partition splits the nodes in two groups: crossing connections are cut and none are made until it heals.
/// Once a session is over and its last frame was delivered, the connection closes and the peer sees the close.
final class SimulatedConnection {
    let id: Int
    /// Node indexes: `nodes[0]` dialed `nodes[1]`.
    let nodes: [Int]
    var sessions: [SyncSession]
    var decoders: [FrameDecoder]
    /// `inFlight[side]`: encoded frames on their way to `side`, oldest first.
    var inFlight: [[[UInt8]]] = [[], []]
    var sources: [SimulatedSource]
    var isClosed = false
    /// The settling rounds' connections: no frame is duplicated or lost.
    var isReliable = false
    /// A frame was duplicated on this connection: the sessions may fail with a protocol error.
    var duplicated = false
    /// How each session failed, if it did.
    var errors: [SyncError?] = [nil, nil]

    init(id: Int, nodes: [Int], sessions: [SyncSession], limits: SyncLimits, sources: [SimulatedSource]) {
        self.id = id
        self.nodes = nodes
        self.sessions = sessions
        self.decoders = [FrameDecoder(limits: limits), FrameDecoder(limits: limits)]
        self.sources = sources
    }

    var isOver: Bool { sessions[0].isOver && sessions[1].isOver }

    func side(of node: Int) -> Int? { nodes.firstIndex(of: node) }

    /// Frames sent and not yet delivered, both ways.
    var framesInFlight: Int { inFlight[0].count + inFlight[1].count }
}
