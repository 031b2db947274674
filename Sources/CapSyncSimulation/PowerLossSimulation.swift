import CapSyncCrypto
import CapSyncLog
import CapSyncTestSupport
import CapSyncWire

/// Crashes one node's store at every fsync point of a seeded workload (tools/sim/README.md, power loss).
///
/// For a seed, the workload runs once cleanly, then once per fsync point k and crash kind: syncs 0..<k succeed,
/// sync k fails (the store stops acknowledging: that write throws), and the power is cut with the chosen mode —
/// unsynced writes dropped, torn at a 512-byte sector, sectors persisted out of order, or one sector garbled — or
/// the process restarts without a power cut (the page cache keeps everything). A quarter of the reopenings
/// crash again inside the repair itself. After each crash the store is reopened and checked:
/// - every acknowledged entry (and fork proof) is present with its id;
/// - every stored entry verifies under its author's roster key, links to its predecessor, and is one the workload
///   really wrote (no garbage, no record accepted from a damaged sector);
/// - the store accepts a further append, and that append survives the next power cut.
public enum PowerLossSimulation {
    /// How a crash ends the run at an fsync point.
    public enum CrashKind: String, Sendable, CaseIterable {
        case drop, tear, reorder, garble
        /// The fsync fails and the process restarts; no power cut, so the page cache still holds every write.
        case restartAfterFsyncError = "fsync-error"

        var powerLossMode: FaultInjectingFileSystem.PowerLossMode? {
            switch self {
            case .drop: .drop
            case .tear: .tear
            case .reorder: .reorder
            case .garble: .garble
            case .restartAfterFsyncError: nil
            }
        }
    }

    /// The figures of one or more seeds.
    public struct Outcome: Sendable {
        public var seeds = 0
        public var crashes = 0
        /// Crashes inside the repair of the previous crash (counted in `crashes` too).
        public var crashesDuringRecovery = 0
        public var acknowledgedEntriesChecked = 0
        public var acknowledgedEntriesLost = 0
        public var corruptRecordsAccepted = 0
        /// Reopenings that cut an unacknowledged tail.
        public var tailsCut = 0
        /// Reopenings that put own entries back from the own-chain journal.
        public var ownEntriesPutBack = 0
        /// Own seqs a peer was served (each checked after every crash against what the node then holds).
        public var ownSeqsServed = 0
        /// Seqs of the own key at which a peer's copy and the node's later entry differ: must stay 0.
        public var selfForks = 0
        /// Every failed check, with the seed, fsync point and crash kind that replay it.
        public var failures: [String] = []

        public init() {}

        public mutating func add(_ other: Outcome) {
            seeds += other.seeds
            crashes += other.crashes
            crashesDuringRecovery += other.crashesDuringRecovery
            acknowledgedEntriesChecked += other.acknowledgedEntriesChecked
            acknowledgedEntriesLost += other.acknowledgedEntriesLost
            corruptRecordsAccepted += other.corruptRecordsAccepted
            tailsCut += other.tailsCut
            ownEntriesPutBack += other.ownEntriesPutBack
            ownSeqsServed += other.ownSeqsServed
            selfForks += other.selfForks
            failures += other.failures
        }
    }

    /// Runs every fsync point of one seed's workload with every crash kind in `kinds`.
    public static func run(seed: UInt64, steps: Int = 24, kinds: [CrashKind] = CrashKind.allCases) -> Outcome {
        let workload = PowerLossWorkload(seed: seed, stepCount: steps)
        var outcome = Outcome()
        outcome.seeds = 1
        // The clean run: the ids of every own entry the workload writes (a crashed run writes a prefix of them).
        let clean = PowerLossRun(workload: workload, diskSeed: seed)
        guard case .completed = clean.execute(failingSync: nil) else {
            outcome.failures.append("seed \(seed): the workload fails without any crash")
            return outcome
        }
        var written = workload.foreignEntries
        for entry in clean.acknowledged { written.insert(entry.id) }
        var point = 0
        while true {
            var finished = false
            for (position, kind) in kinds.enumerated() {
                let run = PowerLossRun(workload: workload, diskSeed: seed &* 1_000_003 &+ UInt64(point * 8 + position))
                guard case .crashed = run.execute(failingSync: point) else {
                    finished = true
                    break
                }
                outcome.add(
                    run.recoverAndCheck(
                        kind: kind,
                        written: written,
                        label: "seed \(seed) fsync \(point) \(kind.rawValue)"
                    )
                )
            }
            if finished { break }
            point += 1
        }
        return outcome
    }
}

/// One execution of a workload on a fresh in-memory disk, crashed at one fsync point.
final class PowerLossRun {
    enum Result { case completed, crashed }

    let workload: PowerLossWorkload
    let disk: FaultInjectingFileSystem
    var random: SimulationRandom
    var store: LogStore?
    /// Entries and fork proofs the store acknowledged (the call returned).
    private(set) var acknowledged: [Entry] = []
    private(set) var acknowledgedForks: [ForkProof] = []
    /// What a peer received of the own chain (seq → id): the node must never sign another entry at these seqs.
    private(set) var served: [UInt64: EntryID] = [:]

    init(workload: PowerLossWorkload, diskSeed: UInt64) {
        self.workload = workload
        disk = FaultInjectingFileSystem(seed: diskSeed)
        random = SimulationRandom(seed: diskSeed ^ 0xC0FF_EE00)
    }

    /// Runs the workload; with `failingSync` = k, syncs after the k-th fail and the first failing write ends it.
    func execute(failingSync: Int?) -> Result {
        do {
            // Node creation (capsync init) is not a crash point: a node whose init failed is made again.
            try disk.makeDirectory(PowerLossWorkload.journalDirectory)
            try LogStore.startOwnChain(workload.options.ownChain!, fileSystem: disk)
        } catch {
            return .crashed
        }
        if let failingSync { disk.failSyncs(after: failingSync) }
        do {
            let store = try openStore()
            self.store = store
            for step in workload.steps {
                switch step {
                case .append(let operations, let now):
                    acknowledged += try store.append(
                        operations.map { (kind: 1, payload: $0) },
                        signingKey: workload.own.key,
                        nowMilliseconds: now
                    )
                case .ingest(let entries, let now):
                    let report = try store.ingest(entries, nowMilliseconds: now)
                    acknowledged += report.accepted
                    acknowledgedForks += report.newForks
                case .serve:
                    for entry in try store.entries(author: workload.own.author, fromSeq: 1, limit: 10_000) {
                        served[entry.seq] = entry.id
                    }
                }
            }
        } catch {
            return .crashed
        }
        return .completed
    }

    /// Crashes per `kind`, reopens (sometimes crashing again inside the repair), and checks the store.
    func recoverAndCheck(
        kind: PowerLossSimulation.CrashKind,
        written: Set<EntryID>,
        label: String
    ) -> PowerLossSimulation.Outcome {
        var outcome = PowerLossSimulation.Outcome()
        outcome.crashes = 1
        if kind == .restartAfterFsyncError, let store {
            // A store that saw an fsync fail must refuse every later write.
            if (try? store.append([(kind: 1, payload: [1])], signingKey: workload.own.key, nowMilliseconds: 1)) != nil {
                outcome.failures.append("\(label): the store acknowledged a write after an fsync failure")
            }
        }
        store = nil
        crash(kind)
        // Crash again while the reopening repairs the tail (its quarantine copy and truncation are fsynced).
        if random.chance(25) {
            disk.failSyncs(after: random.below(3))
            if (try? openStore()) == nil {
                outcome.crashes += 1
                outcome.crashesDuringRecovery += 1
                crash(
                    PowerLossSimulation.CrashKind.allCases[random.below(PowerLossSimulation.CrashKind.allCases.count)]
                )
            } else {
                disk.failSyncs(after: .max)
            }
        }
        let reopened: LogStore
        do { reopened = try openStore() } catch {
            outcome.failures.append("\(label): the store refused to open after the crash: \(error)")
            outcome.acknowledgedEntriesLost += acknowledged.count
            return outcome
        }
        if reopened.recovery != nil { outcome.tailsCut += 1 }
        if reopened.ownChainStatus?.restoredFromJournal != nil { outcome.ownEntriesPutBack += 1 }
        check(reopened, written: written, label: label, into: &outcome)
        outcome.ownSeqsServed += served.count

        // The store takes further appends (after a peer gives back what it was served, if the node waits for
        // it), they never sign a seq a peer holds another entry at, and they survive the next power cut.
        do {
            if reopened.ownChainStatus?.appendRefusal != nil {
                let peerCopy = served.keys.sorted().compactMap { seq in
                    acknowledged.first { $0.author == workload.own.author && $0.seq == seq }
                }
                _ = try reopened.ingest(peerCopy, nowMilliseconds: 1)
            }
            let more = try reopened.append(
                [(kind: 1, payload: [2, 3])],
                signingKey: workload.own.key,
                nowMilliseconds: 1
            )
            for entry in more where served[entry.seq].map({ $0 != entry.id }) ?? false {
                outcome.selfForks += 1
                outcome.failures.append("\(label): own seq \(entry.seq) signed again after a peer was served it")
            }
            for entry in (try? reopened.entries(author: workload.own.author, fromSeq: 1, limit: 10_000)) ?? []
            where served[entry.seq].map({ $0 != entry.id }) ?? false {
                outcome.selfForks += 1
                outcome.failures.append("\(label): own seq \(entry.seq) differs from what a peer was served")
            }
            acknowledged += more
            disk.powerLoss(.garble)
            let again = try openStore()
            var allowed = written
            for entry in more { allowed.insert(entry.id) }
            check(again, written: allowed, label: label + " (after a further append)", into: &outcome)
        } catch {
            outcome.failures.append("\(label): no further append after recovery: \(error)")
        }
        return outcome
    }

    private func crash(_ kind: PowerLossSimulation.CrashKind) {
        if let mode = kind.powerLossMode {
            disk.powerLoss(mode)
        } else {
            disk.failSyncs(after: .max)
        }
    }

    private func openStore() throws(StoreError) -> LogStore {
        try LogStore(
            directory: PowerLossWorkload.directory,
            roster: workload.cast.roster,
            fileSystem: disk,
            options: workload.options
        )
    }

    /// Every acknowledged entry present; every stored entry validly signed, chained, and really written.
    private func check(
        _ store: LogStore,
        written: Set<EntryID>,
        label: String,
        into outcome: inout PowerLossSimulation.Outcome
    ) {
        for entry in acknowledged {
            outcome.acknowledgedEntriesChecked += 1
            let held = try? store.entry(author: entry.author, seq: entry.seq)
            if held?.id != entry.id {
                outcome.acknowledgedEntriesLost += 1
                outcome.failures.append("\(label): acknowledged entry \(entry.author.short)/\(entry.seq) lost")
            }
        }
        let proofs = Set(store.forkProofs().map(\.encoded))
        for proof in acknowledgedForks where !proofs.contains(proof.encoded) {
            outcome.acknowledgedEntriesLost += 1
            outcome.failures.append("\(label): acknowledged fork proof of \(proof.author.short)/\(proof.seq) lost")
        }
        var keys: [AuthorKey: Ed25519PublicKey] = [:]
        for member in workload.cast.members { keys[member.author] = member.key.publicKey }
        var previous: Entry?
        do {
            try store.forEachEntry { entry in
                var problem: String?
                if let key = keys[entry.author] {
                    if !entry.verifySignature(using: key) { problem = "bad signature" }
                } else {
                    problem = "author not in the roster"
                }
                if let previous, previous.author == entry.author {
                    do { try entry.checkFollows(previous) } catch { problem = "\(error)" }
                } else if entry.seq != 1 || !entry.prev.isZero {
                    problem = "chain does not start at seq 1"
                }
                if !written.contains(entry.id) { problem = problem ?? "an entry the workload never wrote" }
                if let problem {
                    outcome.corruptRecordsAccepted += 1
                    outcome.failures.append("\(label): stored entry \(entry.author.short)/\(entry.seq): \(problem)")
                }
                previous = entry
            }
        } catch {
            outcome.corruptRecordsAccepted += 1
            outcome.failures.append("\(label): an acknowledged record does not read back: \(error)")
        }
    }
}
