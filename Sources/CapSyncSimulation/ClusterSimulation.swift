import CapSyncLog
import CapSyncMerge
import CapSyncSync
import CapSyncWire

/// 3–7 nodes in one process on a virtual clock (tools/sim/README.md, cluster): real stores on fault-injecting disks, real sync
/// sessions over `SimulatedConnection`s, a seeded scheduler choosing every step. Nodes append, dial random peers,
/// crash (power cut in any mode, process crash, a failing fsync) and restart, get partitioned and heal. Then
/// partitions heal, every node comes up, and rounds of sessions over a reliable network run until the heads
/// agree; every node must then hold the same heads, entry-set digest and fold digest, every acknowledged entry,
/// and no fork proof (the nodes are honest: an unacknowledged entry lost in a crash was never served).
public struct ClusterSimulation {
    /// What one seed did, and its failure if any.
    public struct Outcome: Sendable, Hashable {
        public var seed: UInt64 = 0
        public var nodes = 0
        public var steps = 0
        public var entries = 0
        public var appends = 0
        public var sessionsStarted = 0
        public var sessionsFinished = 0
        public var sessionsFailed = 0
        public var framesDelivered = 0
        public var framesDuplicated = 0
        public var connectionsCut = 0
        public var crashes = 0
        public var partitions = 0
        /// Reliable rounds (all pairs once) the end needed until the heads agreed.
        public var finalRounds = 0
        /// The fold digest all nodes agreed on (hex).
        public var stateDigest = ""
        public var failure: String?

        public var converged: Bool { failure == nil }

        public init() {}
    }

    public var stepCount: Int

    public init(steps: Int = 160) { stepCount = steps }

    public func run(seed: UInt64, trace: ((String) -> Void)? = nil) -> Outcome {
        let world = SimulatedWorld(seed: seed, trace: trace)
        var outcome = Outcome()
        outcome.seed = seed
        do {
            try world.runSteps(stepCount)
            try world.settle()
            outcome.stateDigest = try world.checkConvergence().hex
        } catch {
            outcome.failure = "seed \(seed), step \(world.step): \(error)"
        }
        outcome.nodes = world.nodes.count
        outcome.steps = world.step
        outcome.entries = world.nodes.first?.store?.entryCount ?? 0
        outcome.appends = world.counters.appends
        outcome.sessionsStarted = world.counters.sessionsStarted
        outcome.sessionsFinished = world.counters.sessionsFinished
        outcome.sessionsFailed = world.counters.sessionsFailed
        outcome.framesDelivered = world.counters.framesDelivered
        outcome.framesDuplicated = world.counters.framesDuplicated
        outcome.connectionsCut = world.counters.connectionsCut
        outcome.crashes = world.counters.crashes
        outcome.partitions = world.counters.partitions
        outcome.finalRounds = world.counters.finalRounds
        return outcome
    }
}
