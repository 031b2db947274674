// CapSyncSimulation — reliability simulators over the real store and the real sync session core (tools/sim/README.md).
//
// - `PowerLossSimulation`: one node's store on `FaultInjectingFileSystem`, a workload of own appends, ingests of
//   other authors' entries and segment rotation, crashed at every fsync point with each power-loss mode; after
//   each crash the store is reopened and checked entry by entry.
// - `ClusterSimulation`: 3–7 nodes in one process on a virtual clock, each with a real `LogStore` on its own
//   fault-injecting disk and real `SyncSession`s, joined by a seeded network of connections that carry frames
//   (`SimulatedNetwork` documents the model). Nodes append, sync, crash and restart, get partitioned and heal;
//   at the end every node must hold the same heads, entry set and fold digest.
//
// Everything is a function of a seed (`SimulationRandom`), so any failure replays from the seed it prints.
// Nothing here reads the wall clock or iterates an unordered collection to make a decision.
