// CapSyncLog — the durable append-only store of a node: its own chain and the replicas of every roster
// author's chain, in CRC-framed segments closed batch by batch by commit records (Protocol/store.md).
//
// `LogStore` is the one entry point. Writes go through `StoreFileSystem` (real POSIX files, or CapSyncTestSupport's
// `FaultInjectingFileSystem` for power-loss tests and the simulator). Open scans the segments once
// (`SegmentScanner`), repairs only an unacknowledged tail, and builds an in-memory index (`StoreIndex`) of
// record locations; entries themselves stay on disk and are read back with pread.
