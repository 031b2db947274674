// CapSyncSync — the sync protocol (Protocol/sync.md): frames, messages and the session as a pure state
// machine (messages in; messages and store operations out; no I/O, no clock).
//
// - `SyncMessage` / `FrameDecoder`: the length-prefixed frames and their bodies, every count and length checked
//   against `SyncLimits` before anything is allocated.
// - `EntriesBatch`: the compact form of entries on the wire and its rebuild to canonical bytes.
// - `SyncSession`: one per connection. The shell (TLS over NIO, an in-memory pipe, a simulator) feeds it
//   decoded messages and carries out the `SyncAction`s it returns; the store is read through `SyncSource`.
