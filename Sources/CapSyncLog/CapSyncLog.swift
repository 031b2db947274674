// CapSyncLog — the durable append-only store of a node: its own chain and the replicas of every roster
// author's chain, in CRC-framed segments closed batch by batch by commit records (Protocol/store.md).
