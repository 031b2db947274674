import CapSyncCrypto
import CapSyncLog
import CapSyncWire

/// One node's store workload for the power-loss simulation, fixed by a seed: own appends, ingests of three
/// other authors' chains (with replays, a forged entry and an equivocation mixed in), on 4 KiB segments so it
/// rotates every few batches. Replaying the same workload gives the same bytes, so a run crashed at fsync k is
/// the clean run's prefix.
struct PowerLossWorkload: Sendable {
    enum Step: Sendable {
        /// Own entries, one batch, stamped at `now`.
        case append(operations: [[UInt8]], now: UInt64)
        /// Other authors' entries, one ingest call.
        case ingest([Entry], now: UInt64)
        /// A peer reads the own chain (what a sync session sends): the journal must be durable first.
        case serve
    }

    static let directory = "/node/store"
    static let journalDirectory = "/node"

    var options: StoreOptions {
        StoreOptions(
            segmentSize: 4096,
            verifyThreads: 1,
            ownChain: .init(author: own.author, journalDirectory: Self.journalDirectory)
        )
    }

    let cast: SimulationCast
    let steps: [Step]
    /// Every entry of another author the workload may hand to the store (validly signed ones).
    let foreignEntries: Set<EntryID>

    var own: SimulationCast.Member { cast.members[0] }

    init(seed: UInt64, stepCount: Int) {
        var random = SimulationRandom(seed: seed)
        cast = SimulationCast(count: 4)
        let start: UInt64 = 1_800_000_000_000
        // Chains of the three other authors, signed up front.
        var chains: [[Entry]] = []
        var forks: [Entry] = []
        for member in cast.members.dropFirst() {
            var chain: [Entry] = []
            for seq in 1...UInt64(stepCount) {
                let previous = chain.last
                chain.append(
                    try! Entry.sign(
                        key: member.key,
                        seq: seq,
                        prev: previous?.id ?? .zero,
                        timestamp: HLCTimestamp(milliseconds: start + seq * 10, logical: UInt16(random.below(3))),
                        kind: 1,
                        payload: Self.payload(random.below(1 << 20), size: random.within(8...200))
                    )
                )
            }
            chains.append(chain)
            // A second, validly signed entry at a random seq: an equivocation, stored as a fork-proof record.
            let forkSeq = UInt64(random.within(1...stepCount))
            forks.append(
                try! Entry.sign(
                    key: member.key,
                    seq: forkSeq,
                    prev: forkSeq == 1 ? .zero : chain[Int(forkSeq) - 2].id,
                    timestamp: HLCTimestamp(milliseconds: start + forkSeq * 10 + 1),
                    kind: 1,
                    payload: Self.payload(7, size: 12)
                )
            )
        }
        foreignEntries = Set((chains.joined() + forks).map(\.id))

        var delivered = [Int](repeating: 0, count: chains.count)
        var steps: [Step] = []
        var now = start
        for _ in 0..<stepCount {
            now += UInt64(random.within(1...40))
            if random.chance(25) { steps.append(.serve) }
            if random.chance(55) {
                let operations = (0..<random.within(1...4)).map { _ in
                    Self.payload(random.below(1 << 20), size: random.within(8...300))
                }
                steps.append(.append(operations: operations, now: now))
                continue
            }
            var batch: [Entry] = []
            for _ in 0..<random.within(1...2) {
                let author = random.below(chains.count)
                let count = random.within(1...5)
                let end = min(chains[author].count, delivered[author] + count)
                // Sometimes replay a few already delivered entries first: ingest must count them as duplicates.
                let from = random.chance(20) ? max(0, delivered[author] - 2) : delivered[author]
                batch += chains[author][from..<end]
                delivered[author] = end
                if random.chance(10), delivered[author] > 0 {
                    batch.append(Self.forged(chains[author][delivered[author] - 1]))
                }
                if random.chance(8) {
                    let fork = forks[author]
                    if Int(fork.seq) <= delivered[author] { batch.append(fork) }
                }
            }
            steps.append(.ingest(batch, now: now))
        }
        self.steps = steps
    }

    /// A payload of `size` bytes derived from `tag` (its content does not matter to the store).
    static func payload(_ tag: Int, size: Int) -> [UInt8] {
        var random = SimulationRandom(seed: UInt64(tag) &* 31 &+ UInt64(size))
        return (0..<size).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }

    /// The entry with its last signature bit flipped: decodes, never verifies.
    static func forged(_ entry: Entry) -> Entry {
        var bytes = entry.encoded
        bytes[bytes.count - 1] ^= 0x01
        return try! Entry(decoding: bytes)
    }
}
