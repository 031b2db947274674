// CapSyncSync — the sync protocol (Protocol/sync.md): frames, messages and the session as a pure state
// machine (messages in; messages and store operations out; no I/O, no clock).
