import CapSyncLog
import CapSyncMerge
import CapSyncSync
import CapSyncTestSupport
import CapSyncWire

/// One simulated node: a partner's key, a real `LogStore` on its own fault-injecting disk, and what that store
/// acknowledged (which must survive every crash).
final class SimulatedNode {
    let index: Int
    let member: SimulationCast.Member
    let disk: FaultInjectingFileSystem
    let roster: Roster
    /// nil while the node is down.
    private(set) var store: LogStore?
    /// Added to the virtual clock: nodes' clocks disagree a little, as real ones do.
    let clockSkew: UInt64
    /// Every entry this node's store acknowledged, own appends and accepted ingests alike.
    private(set) var acknowledged: [Entry] = []
    /// Ids of pool joins this node acknowledged (for pool leaves that observe them).
    private(set) var poolTags: [EntryID] = []
    /// The step at which a crashed node comes back.
    var downUntil: Int?

    static let directory = "/node"
    static let options = StoreOptions(segmentSize: 4096, verifyThreads: 1)

    init(index: Int, member: SimulationCast.Member, roster: Roster, diskSeed: UInt64, clockSkew: UInt64) {
        self.index = index
        self.member = member
        self.roster = roster
        self.clockSkew = clockSkew
        disk = FaultInjectingFileSystem(seed: diskSeed)
    }

    var name: String { "node \(index) (\(member.partner))" }
    var isUp: Bool { store != nil }

    /// Opens the store (first start or restart) and checks that nothing acknowledged was lost.
    func start() throws(SimulationFailure) {
        let store: LogStore
        do {
            store = try LogStore(directory: Self.directory, roster: roster, fileSystem: disk, options: Self.options)
        } catch {
            throw SimulationFailure("\(name): the store refused to open after a crash: \(error)")
        }
        for entry in acknowledged {
            let held: Entry?
            do { held = try store.entry(author: entry.author, seq: entry.seq) } catch {
                throw SimulationFailure(
                    "\(name): acknowledged entry \(entry.author.short)/\(entry.seq) unreadable: \(error)"
                )
            }
            guard held?.id == entry.id else {
                throw SimulationFailure(
                    "\(name): acknowledged entry \(entry.author.short)/\(entry.seq) lost in a crash"
                )
            }
        }
        self.store = store
        downUntil = nil
    }

    /// The node stops: its store object is dropped, and the disk keeps what the crash lets it keep.
    func crash(_ mode: FaultInjectingFileSystem.PowerLossMode?) {
        store = nil
        if let mode { disk.powerLoss(mode) } else { disk.failSyncs(after: .max) }
    }

    /// Appends own entries. Returns false when the store failed (an injected fsync error): the node must crash.
    func append(
        _ operations: [(kind: UInt64, payload: [UInt8])],
        now: UInt64
    ) throws(SimulationFailure) -> Bool {
        guard let store else { return true }
        do {
            let entries = try store.append(operations, signingKey: member.key, nowMilliseconds: now + clockSkew)
            acknowledged += entries
            for entry in entries where entry.kind == EntryKind.poolJoin.rawValue { poolTags.append(entry.id) }
            return true
        } catch {
            guard error.code == .fsyncFailed else {
                // An honest node never falls behind its own chain: a peer can only hold acknowledged entries.
                throw SimulationFailure("\(name): an own append was refused: \(error)")
            }
            return false
        }
    }

    /// Notes entries the store accepted from a peer (they must survive every crash from now on).
    func noteAcknowledged(_ entries: [Entry]) { acknowledged += entries }

    /// Every entry held, by author then seq.
    func allEntries() throws(SimulationFailure) -> [Entry] {
        guard let store else { throw SimulationFailure("\(name) is down") }
        var entries: [Entry] = []
        do { try store.forEachEntry { entries.append($0) } } catch {
            throw SimulationFailure("\(name): cannot read its entries: \(error)")
        }
        return entries
    }
}

/// The store as a session reads it. A read error cannot happen on the in-memory disk, so it is a failure of
/// the run (kept, and reported after the step).
final class SimulatedSource: SyncSource {
    let store: LogStore
    private(set) var readError: String?

    init(store: LogStore) { self.store = store }

    func heads() -> [Head] { store.heads() }

    func entries(author: AuthorKey, fromSeq: UInt64, limit: Int) -> [Entry] {
        do { return try store.entries(author: author, fromSeq: fromSeq, limit: limit) } catch {
            readError = "\(error)"
            return []
        }
    }

    func entry(author: AuthorKey, seq: UInt64) -> Entry? {
        do { return try store.entry(author: author, seq: seq) } catch {
            readError = "\(error)"
            return nil
        }
    }

    func forkProofs() -> [ForkProof] { store.forkProofs() }
}

/// Why a simulation run failed; the message names the node and what was seen.
struct SimulationFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
