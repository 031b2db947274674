// CapSyncNode — a node directory (config, keys, roster, peers, store) and the network shells around the pure
// cores: the sync server and client over TLS on SwiftNIO, and the nightly-sync daemon.
