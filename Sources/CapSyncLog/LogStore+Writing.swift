public import CapSyncCrypto
public import CapSyncWire

extension LogStore {
    /// Appends own entries: assigns seq and prev, stamps each with a hybrid logical state.clock timestamp above both
    /// the head's and `nowMilliseconds`, signs, and writes them as one batch with one fsync. Returns only once
    /// they are durable. Refused while the own chain must be re-learned from peers.
    public func append(
        _ operations: [(kind: UInt64, payload: [UInt8])],
        signingKey: Ed25519PrivateKey,
        nowMilliseconds: UInt64
    ) throws(StoreError) -> [Entry] {
        guard !operations.isEmpty else { return [] }
        let author = AuthorKey(signingKey.publicKey)
        return try writeTransaction { (state) throws(StoreError) -> [Entry] in
            if let tracker = state.ownChain {
                guard tracker.author == author else {
                    throw StoreError(
                        .invalidInput,
                        "signing key \(author.short) is not this node's own key (\(tracker.author.short))"
                    )
                }
                if let refusal = Self.ownAppendRefusal(tracker, state: state) { throw refusal }
            } else if fileSystem.fileExists(relearnPath) {
                throw StoreError(
                    .relearnRequired,
                    "this store was restored from a backup: it must take its own chain back from peers before "
                        + "appending, or it could publish a seq twice. Run a sync with at least one peer first.",
                    file: Self.relearnFileName
                )
            }
            guard state.roster.contains(author) else {
                throw StoreError(.invalidInput, "signing key \(author.short) is not in the coalition roster")
            }
            let head = state.index.head(author)
            var seq = head?.seq ?? 0
            var prev = head?.id ?? .zero
            var last = head?.timestamp ?? HLCTimestamp(rawValue: 0)
            if let peerSeq = state.peerHeads[author], peerSeq > seq {
                throw StoreError(
                    .ownChainBehind,
                    "a peer holds seq \(peerSeq) of this node's own chain, but the store's head is seq \(seq): "
                        + "appending now would reuse a seq. Sync with peers to take the own chain back first."
                )
            }
            guard state.roster.allows(author, seq: seq + UInt64(operations.count)) else {
                throw StoreError(
                    .invalidInput,
                    "the roster ends signing key \(author.short) before seq \(seq + UInt64(operations.count))"
                )
            }
            if !state.clockSeeded {
                for chain in state.index.chains.values {
                    state.clock.observe(chain.headTimestamp, nowMilliseconds: nowMilliseconds)
                }
                state.clockSeeded = true
            }
            guard let signer = Ed25519Context(signing: signingKey) else {
                throw StoreError(.invalidInput, "OpenSSL cannot sign with this key")
            }
            var entries: [Entry] = []
            entries.reserveCapacity(operations.count)
            var records: [(type: SegmentFormat.RecordType, body: [UInt8])] = []
            records.reserveCapacity(operations.count)
            for operation in operations {
                var timestamp = state.clock.tick(nowMilliseconds: nowMilliseconds)
                if timestamp <= last { timestamp = HLCTimestamp(rawValue: last.rawValue + 1) }
                state.clock.observe(timestamp, nowMilliseconds: nowMilliseconds)
                seq += 1
                let entry: Entry
                do {
                    entry = try Entry.sign(
                        author: author,
                        using: signer,
                        seq: seq,
                        prev: prev,
                        timestamp: timestamp,
                        kind: operation.kind,
                        payload: operation.payload
                    )
                } catch {
                    throw StoreError(.invalidInput, "cannot sign entry \(seq): \(error)")
                }
                entries.append(entry)
                records.append((.entry, SegmentFormat.entryBody(entry)))
                prev = entry.id
                last = timestamp
            }
            if let tracker = state.ownChain {
                // The journal learns of the batch before the store does (not yet durable: it is synced before
                // any of these entries leaves the node; see `ownServeLimit`).
                tracker.state.lastBatch = entries
                tracker.state.knownHead = seq
                tracker.knownHeadSource = "this node's journal"
                try tracker.save(sync: false)
            }
            let locations = try state.commitBatch(records)
            for (entry, location) in zip(entries, locations) {
                if let problem = state.index.append(
                    id: entry.id,
                    author: author,
                    seq: entry.seq,
                    prev: entry.prev,
                    timestamp: entry.timestamp,
                    at: location
                ) {
                    preconditionFailure("own append produced an entry that does not extend the chain: \(problem)")
                }
                if state.options.indexedKinds.contains(entry.kind) { state.index.noteIndexedKind(at: location) }
            }
            return entries
        }
    }

    /// Verifies and stores others' entries (or our own, re-learned from peers). Every signature is checked (in
    /// parallel across cores) and every chain link; runs are validated per author, so one bad author never
    /// blocks the others. Known entries are counted as duplicates (replays are harmless), an entry whose
    /// predecessor we do not hold is rejected (a gap), and a validly signed, correctly linked entry at a seq we
    /// already hold with another id becomes a fork proof. Everything accepted shares one fsync.
    public func ingest(_ entries: [Entry], nowMilliseconds: UInt64) throws(StoreError) -> IngestReport {
        guard !entries.isEmpty else { return IngestReport() }
        // Signatures first, outside the lock: they are the cost, and need only the roster's keys.
        let (roster, unknown) = withLock { state -> (Roster, [Int]) in
            (state.roster, entries.indices.filter { state.index.location(id: entries[$0].id) == nil })
        }
        var keys: [AuthorKey: Ed25519PublicKey] = [:]
        for index in unknown where keys[entries[index].author] == nil && roster.contains(entries[index].author) {
            keys[entries[index].author] = try? entries[index].author.publicKey()
        }
        let toVerify = unknown.filter { keys[entries[$0].author] != nil }
        let verdicts = SignatureVerifier.verify(
            toVerify.map { entries[$0] },
            keys: keys,
            threads: options.verifyThreads
        )
        var verified = Set<Int>()
        for (position, index) in toVerify.enumerated() where verdicts[position] { verified.insert(index) }

        return try writeTransaction { (state) throws(StoreError) -> IngestReport in
            // The planner's copy of the index must be gone before the index is mutated below, or the mutation
            // would copy the whole index: `plan` returns only the report.
            var report = try IngestPlanner.plan(entries, verified: verified, index: state.index, roster: state.roster) {
                location throws(StoreError) in try state.readEntry(at: location)
            }
            if report.accepted.isEmpty && report.newForks.isEmpty { return report }
            var records: [(type: SegmentFormat.RecordType, body: [UInt8])] = []
            records.reserveCapacity(report.accepted.count + report.newForks.count)
            for entry in report.accepted { records.append((.entry, SegmentFormat.entryBody(entry))) }
            for proof in report.newForks { records.append((.forkProof, proof.encoded)) }
            let locations = try state.commitBatch(records)
            for (entry, location) in zip(report.accepted, locations) {
                if let problem = state.index.append(
                    id: entry.id,
                    author: entry.author,
                    seq: entry.seq,
                    prev: entry.prev,
                    timestamp: entry.timestamp,
                    at: location
                ) {
                    preconditionFailure("planned ingest does not extend the chain: \(problem)")
                }
                if state.options.indexedKinds.contains(entry.kind) { state.index.noteIndexedKind(at: location) }
                if !state.clock.observe(entry.timestamp, nowMilliseconds: nowMilliseconds) { report.farFuture += 1 }
            }
            for proof in report.newForks { state.index.addForkProof(proof) }
            return report
        }
    }
}

extension LogStore {
    /// Keeps fork proofs received as such (a peer's FORKS), whether or not this store holds the author's chain
    /// up to the proof's seq: a proof is self-verifying (`ForkProof` checked both signatures when it was made),
    /// so a node learns of an equivocation ahead of the chain and relays it. Proofs of authors not in the roster,
    /// or past the key's last valid seq, are not kept. One fsync for all; returns the proofs that were new.
    @discardableResult
    public func ingestForkProofs(_ proofs: [ForkProof]) throws(StoreError) -> [ForkProof] {
        guard !proofs.isEmpty else { return [] }
        return try writeTransaction { (state) throws(StoreError) -> [ForkProof] in
            var fresh: [ForkProof] = []
            for proof in proofs
            where state.roster.contains(proof.author) && state.roster.allows(proof.author, seq: proof.seq)
                && !state.index.hasForkProof(proof) && !fresh.contains(proof)
            {
                fresh.append(proof)
            }
            guard !fresh.isEmpty else { return [] }
            _ = try state.commitBatch(fresh.map { (.forkProof, $0.encoded) })
            for proof in fresh { state.index.addForkProof(proof) }
            return fresh
        }
    }
}

enum ProcessInfoCores {
    static let count: Int = {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }()
}

#if canImport(Glibc)
import Glibc
#endif
