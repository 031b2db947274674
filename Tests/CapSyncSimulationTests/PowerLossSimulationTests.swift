import CapSyncLog
import Testing

@testable import CapSyncSimulation

/// The CI version of the power-loss figure (tools/sim/README.md, power loss): a few seeds, every fsync point, every crash kind.
@Suite struct PowerLossSimulationTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func crashAtEveryFsyncPointLosesNothingAcknowledgedAndAcceptsNothingCorrupt(seed: UInt64) {
        let outcome = PowerLossSimulation.run(seed: seed, steps: 24)
        #expect(outcome.crashes >= 150, "seed \(seed): only \(outcome.crashes) crash points")
        #expect(outcome.acknowledgedEntriesChecked > 0)
        #expect(outcome.acknowledgedEntriesLost == 0)
        #expect(outcome.corruptRecordsAccepted == 0)
        #expect(outcome.ownSeqsServed > 0)
        #expect(outcome.selfForks == 0)
        #expect(outcome.failures.isEmpty, "\(outcome.failures.prefix(5))")
    }

    @Test func aSeedReplaysToTheSameFigures() {
        let first = PowerLossSimulation.run(seed: 7, steps: 10)
        let second = PowerLossSimulation.run(seed: 7, steps: 10)
        #expect(first.crashes == second.crashes)
        #expect(first.tailsCut == second.tailsCut)
        #expect(first.crashesDuringRecovery == second.crashesDuringRecovery)
        #expect(first.acknowledgedEntriesChecked == second.acknowledgedEntriesChecked)
    }
}
