import ArgumentParser
import CapSyncSimulation

extension SimTool {
    struct Cluster: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cluster",
            abstract: "Run seeded multi-node simulations; every seed must converge. A failure prints its seed.",
            discussion: "Replay one seed with its event trace: capsync-sim cluster --seed N --seeds 1 --trace"
        )

        @Option(help: "How many seeds to run.")
        var seeds = 10_000

        @Option(help: "The first seed; seeds run in order from it.")
        var seed: UInt64 = 1

        @Option(help: "Random steps per seed before the network heals and the nodes settle.")
        var steps = 160

        @Flag(help: "Print every event of every seed run (use with --seeds 1 to replay a failure).")
        var trace = false

        func validate() throws {
            guard seeds >= 1, steps >= 1 else { throw ValidationError("--seeds and --steps must be at least 1") }
        }

        func run() throws {
            let simulation = ClusterSimulation(steps: steps)
            let started = ContinuousClock.now
            var failures: [ClusterSimulation.Outcome] = []
            var totals = ClusterSimulation.Outcome()
            var nodeCounts = [Int: Int]()
            for offset in 0..<UInt64(seeds) {
                let outcome = simulation.run(seed: seed + offset, trace: trace ? { print("  \($0)") } : nil)
                if !outcome.converged {
                    failures.append(outcome)
                    print(
                        "FAIL \(outcome.failure!)  (replay: capsync-sim cluster --seed \(outcome.seed) --seeds 1 --trace)"
                    )
                }
                nodeCounts[outcome.nodes, default: 0] += 1
                totals.entries += outcome.entries
                totals.appends += outcome.appends
                totals.sessionsStarted += outcome.sessionsStarted
                totals.sessionsFinished += outcome.sessionsFinished
                totals.sessionsFailed += outcome.sessionsFailed
                totals.framesDelivered += outcome.framesDelivered
                totals.framesDuplicated += outcome.framesDuplicated
                totals.connectionsCut += outcome.connectionsCut
                totals.crashes += outcome.crashes
                totals.partitions += outcome.partitions
                totals.finalRounds += outcome.finalRounds
                if trace {
                    print(
                        "seed \(outcome.seed): \(outcome.converged ? "converged" : "FAILED"), state \(outcome.stateDigest)"
                    )
                }
            }
            let seconds = (ContinuousClock.now - started).seconds
            let nodes = nodeCounts.keys.sorted().map { "\($0) nodes: \(nodeCounts[$0]!)" }.joined(separator: ", ")
            print(
                "cluster simulation: seeds \(seed)...\(seed + UInt64(seeds) - 1), \(steps) random steps each (\(nodes))"
            )
            print("  appends \(totals.appends), entries held at the end \(totals.entries) (per seed, summed)")
            print(
                "  sessions \(totals.sessionsStarted) (finished \(totals.sessionsFinished), failed \(totals.sessionsFailed)),"
                    + " frames delivered \(totals.framesDelivered), duplicated \(totals.framesDuplicated)"
            )
            print(
                "  connections cut \(totals.connectionsCut), node crashes \(totals.crashes), partitions \(totals.partitions),"
                    + " reliable rounds to converge \(totals.finalRounds)"
            )
            print(String(format: "  wall time: %.1f s (%.1f ms per seed)", seconds, seconds * 1000 / Double(seeds)))
            print("seeds run: \(seeds), convergence failures: \(failures.count)")
            if !failures.isEmpty { throw ExitCode(1) }
        }
    }
}
