public import CapSyncWire
internal import Synchronization

/// The content keys a reader has opened, by entry id (docs/design.md D14, "Opened content keys"). Opening a
/// sealed entry costs an X25519 agreement and an HKDF before the AES-GCM open; with the entry's content key kept,
/// the next fold checks it against the entry's commitment and opens the ciphertext, nothing more. The key, not
/// the plaintext, is kept, so the AEAD still authenticates every read, and a key that is not the entry's fails
/// the commitment instead of producing plaintext.
///
/// One cache is shared by a reader and the readers `SealedReader.only(_:)` makes from it, and may be used by
/// folds on several threads at once. It holds secrets as sensitive as the decryption keys. It never changes what
/// a fold gives: a missing or refused key costs a full open, no more.
public final class OpenedKeyCache: Sendable {
    private struct State {
        var keys: [EntryID: Bytes32] = [:]
        /// Keys recorded after a full open since the last `takeRecorded()`, in order: what a node persists.
        var recorded: [(id: EntryID, key: Bytes32)] = []
        var reused = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// A cache holding `records` (keys read back from where a node kept them; the last key of an id wins).
    /// They count as known, not as newly recorded.
    public init(_ records: some Sequence<(id: EntryID, key: Bytes32)>) {
        state.withLock { state in
            for record in records { state.keys[record.id] = record.key }
        }
    }

    /// How many entries' keys are held.
    public var count: Int { state.withLock { $0.keys.count } }

    /// How many times a kept key opened its entry (for tests and the benchmark: a fold's figures never depend on
    /// it).
    public var reusedCount: Int { state.withLock { $0.reused } }

    /// The content key kept for entry `id`, if any.
    public func contentKey(for id: EntryID) -> Bytes32? {
        state.withLock { $0.keys[id] }
    }

    /// Keeps the content key a full open of entry `id` gave.
    public func record(_ key: Bytes32, for id: EntryID) {
        state.withLock { state in
            guard state.keys.updateValue(key, forKey: id) != key else { return }
            state.recorded.append((id, key))
        }
    }

    /// Counts one entry opened with its kept key.
    func noteReused() {
        state.withLock { $0.reused += 1 }
    }

    /// Drops the key of entry `id` (it did not open the entry).
    public func forget(_ id: EntryID) {
        _ = state.withLock { $0.keys.removeValue(forKey: id) }
    }

    /// The keys recorded since the last call, oldest first, and forgets that they were new.
    public func takeRecorded() -> [(id: EntryID, key: Bytes32)] {
        state.withLock { state in
            defer { state.recorded = [] }
            return state.recorded
        }
    }
}
