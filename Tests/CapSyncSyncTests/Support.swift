import CapSyncCrypto
import CapSyncSync
import CapSyncTestSupport
import CapSyncWire

/// A signing key and its chain under construction.
struct Author {
    let key: Ed25519PrivateKey
    var chain: [Entry] = []
    var id: AuthorKey { AuthorKey(key.publicKey) }

    init(seedByte: UInt8) throws {
        key = try Ed25519PrivateKey(seed: [UInt8](repeating: seedByte, count: 32))
    }

    /// Appends `count` entries with seeded payloads (0–`maxPayload` bytes) and timestamps a few seconds apart.
    mutating func append(_ count: Int, rng: inout SplitMix64, maxPayload: Int = 120) throws {
        for _ in 0..<count { chain.append(try nextEntry(rng: &rng, maxPayload: maxPayload)) }
    }

    /// The entry that would come next, without appending it (to build forks).
    func nextEntry(rng: inout SplitMix64, maxPayload: Int = 120, after base: [Entry]? = nil) throws -> Entry {
        let chain = base ?? self.chain
        let last = chain.last
        let millis = (last?.timestamp.milliseconds ?? 1_790_000_000_000) + 1 + rng.next() % 5000
        let payload = (0..<Int(rng.next() % UInt64(maxPayload + 1))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        return try Entry.sign(
            key: key,
            seq: UInt64(chain.count + 1),
            prev: last?.id ?? .zero,
            timestamp: HLCTimestamp(milliseconds: millis, logical: UInt16(rng.next() % 4)),
            kind: 1 + rng.next() % 6,
            payload: payload
        )
    }
}

/// An in-memory store model: verifies signatures and chain links itself, refuses unknown authors, detects
/// forks (two validly signed entries at one seq) and keeps the proofs.
final class MemoryStore: SyncSource {
    let knownAuthors: Set<AuthorKey>
    private(set) var chains: [AuthorKey: [Entry]] = [:]
    private(set) var proofs: [AuthorKey: ForkProof] = [:]
    private(set) var peerHeadNotes: [AuthorKey: UInt64] = [:]
    private(set) var refusedCount = 0
    /// A sloppy store: `entries(author:fromSeq:limit:)` returns the whole rest of the chain, ignoring `limit`.
    var ignoresLimit = false

    init(knownAuthors: Set<AuthorKey>) { self.knownAuthors = knownAuthors }

    /// Stores test fixtures straight away: chain links are checked, signatures (made by the tests) are not.
    func preload(_ entries: [Entry]) {
        let (_, refused) = ingest(entries, verifying: false)
        precondition(refused == 0, "fixture entries must be valid")
    }

    @discardableResult
    func ingest(_ entries: [Entry], verifying: Bool = true) -> (accepted: Int, refused: Int) {
        var accepted = 0
        var refused = 0
        for entry in entries {
            guard knownAuthors.contains(entry.author), !verifying || verifies(entry) else {
                refused += 1
                continue
            }
            var chain = chains[entry.author] ?? []
            if entry.seq <= UInt64(chain.count) {
                let mine = chain[Int(entry.seq) - 1]
                if mine.id != entry.id, let proof = try? ForkProof(mine, entry) { keep(proof) }
                if mine.id != entry.id { refused += 1 }
                continue
            }
            guard entry.seq == UInt64(chain.count) + 1 else {
                refused += 1
                continue
            }
            if let last = chain.last {
                guard (try? entry.checkFollows(last)) != nil else {
                    refused += 1
                    continue
                }
            }
            chain.append(entry)
            chains[entry.author] = chain
            accepted += 1
        }
        refusedCount += refused
        return (accepted, refused)
    }

    private var keyCache: [AuthorKey: Ed25519PublicKey] = [:]

    private func verifies(_ entry: Entry) -> Bool {
        if keyCache[entry.author] == nil { keyCache[entry.author] = try? entry.author.publicKey() }
        guard let key = keyCache[entry.author] else { return false }
        return entry.verifySignature(using: key)
    }

    func ingest(proofs incoming: [ForkProof]) {
        for proof in incoming where knownAuthors.contains(proof.author) { keep(proof) }
    }

    private func keep(_ proof: ForkProof) {
        if let known = proofs[proof.author], known.seq <= proof.seq { return }
        proofs[proof.author] = proof
    }

    func notePeerHead(_ head: Head) { peerHeadNotes[head.author] = max(peerHeadNotes[head.author] ?? 0, head.seq) }

    /// The MemoryStore's answer for `SyncSession.performStoreActions` (the same path the daemon takes).
    var sink: MemorySink { MemorySink(store: self) }

    var entryCount: Int { chains.values.reduce(0) { $0 + $1.count } }
    var entryIDs: Set<EntryID> { Set(chains.values.joined().map(\.id)) }

    // MARK: SyncSource

    func heads() -> [Head] {
        chains.values.compactMap { chain in chain.last.map { Head(author: $0.author, seq: $0.seq, id: $0.id) } }
    }

    func entries(author: AuthorKey, fromSeq: UInt64, limit: Int) -> [Entry] {
        guard let chain = chains[author], fromSeq >= 1, fromSeq <= UInt64(chain.count) else { return [] }
        let start = Int(fromSeq) - 1
        return Array(chain[start..<(ignoresLimit ? chain.count : min(chain.count, start + limit))])
    }

    func entry(author: AuthorKey, seq: UInt64) -> Entry? {
        guard let chain = chains[author], seq >= 1, seq <= UInt64(chain.count) else { return nil }
        return chain[Int(seq) - 1]
    }

    func forkProofs() -> [ForkProof] { Array(proofs.values) }
}

/// One node in a test: a store and a session configuration.
struct TestNode {
    let label: String
    let store: MemoryStore
    var rosterHash: Bytes32
    var limits: SyncLimits
    /// Sets the acknowledgements feature bit; false stands in for a node that predates it.
    var acknowledgements = true

    init(
        _ label: String,
        knownAuthors: Set<AuthorKey>,
        rosterHash: Bytes32 = Bytes32(hex: String(repeating: "ab", count: 32))!,
        limits: SyncLimits = .default
    ) {
        self.label = label
        self.store = MemoryStore(knownAuthors: knownAuthors)
        self.rosterHash = rosterHash
        self.limits = limits
    }

    func makeSession(peerDescription: String? = nil) -> SyncSession {
        SyncSession(
            configuration: SessionConfiguration(
                localRosterHash: rosterHash,
                knownAuthors: store.knownAuthors,
                limits: limits,
                label: label,
                peerDescription: peerDescription,
                acknowledgements: acknowledgements
            )
        )
    }
}

/// `MemoryStore` as the session's store side (`SyncSink`): the harness runs the daemon's own action code.
struct MemorySink: SyncSink {
    let store: MemoryStore

    func ingest(_ entries: [Entry], nowMilliseconds: UInt64) throws -> SyncIngestReport {
        let before = store.entryIDs
        let (_, refused) = store.ingest(entries)
        let accepted = entries.filter { !before.contains($0.id) && store.entryIDs.contains($0.id) }
        return SyncIngestReport(
            accepted: accepted,
            refusals: Array(repeating: "refused by the model store", count: refused),
            newForks: []
        )
    }

    func ingestForkProofs(_ proofs: [ForkProof]) throws -> [ForkProof] {
        store.ingest(proofs: proofs)
        return proofs
    }

    func notePeerHead(_ head: Head) { store.notePeerHead(head) }

    func headSeq(of author: AuthorKey) -> UInt64 { UInt64(store.chains[author]?.count ?? 0) }
}
