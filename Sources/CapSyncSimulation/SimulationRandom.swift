public import CapSyncTestSupport

/// The simulators' seeded generator (one seed replays a whole run).
public typealias SimulationRandom = SplitMix64
