import Testing

@testable import CapSyncSimulation

/// The CI version of the convergence figure (tools/sim/README.md, cluster): 200 seeds in debug, each must converge.
@Suite struct ClusterSimulationTests {
    @Test func twoHundredSeedsConverge() {
        let simulation = ClusterSimulation(steps: 80)
        var failures: [String] = []
        var crashes = 0
        var partitions = 0
        var cuts = 0
        for seed in UInt64(1)...200 {
            let outcome = simulation.run(seed: seed)
            if let failure = outcome.failure { failures.append(failure) }
            crashes += outcome.crashes
            partitions += outcome.partitions
            cuts += outcome.connectionsCut
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        // The faults really happened.
        #expect(crashes > 50 && partitions > 30 && cuts > 50)
    }

    @Test func aSeedReplaysExactly() {
        let simulation = ClusterSimulation(steps: 80)
        var first: [String] = []
        var second: [String] = []
        let a = simulation.run(seed: 42) { first.append($0) }
        let b = simulation.run(seed: 42) { second.append($0) }
        #expect(a == b)
        #expect(first == second && !first.isEmpty)
    }

    /// The convergence check is not vacuous: nodes that never sync disagree.
    @Test func unsyncedNodesAreCaughtDisagreeing() throws {
        let world = SimulatedWorld(seed: 9, trace: nil)
        for node in world.nodes { try node.start() }
        for node in world.nodes {
            _ = try node.append([(kind: 1, payload: Array(node.member.partner.utf8))], now: 1_800_000_000_000)
        }
        #expect(throws: SimulationFailure.self) { try world.checkConvergence() }
    }
}
