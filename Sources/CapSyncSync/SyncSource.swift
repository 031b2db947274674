public import CapSyncWire

/// The read-only view of the local store a session needs. The node adapts CapSyncLog's store to it; tests use
/// an in-memory model. Only verified, acknowledged entries may be returned (docs/design.md D5, D6).
public protocol SyncSource {
    /// One head per author the store holds entries of (highest contiguous seq and that entry's id).
    func heads() -> [Head]
    /// Up to `limit` consecutive entries of `author` starting at `fromSeq`, in seq order; fewer (or none) when
    /// the chain ends earlier.
    func entries(author: AuthorKey, fromSeq: UInt64, limit: Int) -> [Entry]
    /// The entry of `author` at `seq`, if held.
    func entry(author: AuthorKey, seq: UInt64) -> Entry?
    /// Every fork proof the store holds.
    func forkProofs() -> [ForkProof]
}
