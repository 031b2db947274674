import ArgumentParser
import CapSyncSimulation
import Foundation

/// Prints the reliability figures of the power-loss and cluster simulators. Every figure is counted by the run that prints it.
@main
struct SimTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capsync-sim",
        abstract: "Power-loss and multi-node simulations over the real store and sync session core.",
        subcommands: [PowerLoss.self, Cluster.self]
    )
}

extension SimTool {
    struct PowerLoss: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "powerloss",
            abstract: "Crash one store at every fsync point of seeded workloads until --crashes crashes were checked."
        )

        @Option(help: "Stop after at least this many simulated crashes.")
        var crashes = 10_000

        @Option(help: "The first seed; seeds run in order from it.")
        var seed: UInt64 = 1

        @Option(help: "Workload steps per seed (appends and ingests; segments are 4 KiB, so it rotates).")
        var steps = 24

        @Flag(help: "Print every failure, not just the first ten.")
        var verbose = false

        func validate() throws {
            guard crashes >= 1, steps >= 1, steps <= 500 else {
                throw ValidationError("--crashes ≥ 1, --steps in 1...500")
            }
        }

        func run() throws {
            let started = ContinuousClock.now
            var total = PowerLossSimulation.Outcome()
            var next = seed
            while total.crashes < crashes {
                total.add(PowerLossSimulation.run(seed: next, steps: steps))
                next += 1
            }
            let seconds = (ContinuousClock.now - started).seconds
            print("power-loss simulation: seeds \(seed)...\(next - 1), \(steps) workload steps each, 4 KiB segments")
            print("  crash kinds: drop, tear (512-byte sectors), reorder, garble, fsync error + restart;")
            print("  \(total.crashesDuringRecovery) of the crashes hit the repair of the previous crash")
            print("  acknowledged entries checked after crashes: \(total.acknowledgedEntriesChecked)")
            print("  reopenings that cut an unacknowledged tail: \(total.tailsCut)")
            print("  reopenings that put own entries back from the journal: \(total.ownEntriesPutBack)")
            print(
                "  own seqs served to a peer and checked after the crash: \(total.ownSeqsServed); self-forks: \(total.selfForks)"
            )
            print(String(format: "  wall time: %.1f s", seconds))
            print(
                "simulated crashes: \(total.crashes), acknowledged entries lost: \(total.acknowledgedEntriesLost), "
                    + "corrupt records accepted: \(total.corruptRecordsAccepted)"
            )
            for failure in total.failures.prefix(verbose ? .max : 10) { print("FAIL \(failure)") }
            if !total.failures.isEmpty { throw ExitCode(1) }
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
