import CapSyncCrypto
import CapSyncLog
import CapSyncNetwork
import CapSyncNode
import CapSyncSync
import CapSyncWire
import Foundation
import Logging
import NIOCore

/// One partner of the test coalition: a signing key (its identity) and a TLS key with a certificate issued by it.
struct TestPartner: Sendable {
    let code: String
    let signingKey: Ed25519PrivateKey
    let tlsKey: Ed25519PrivateKey
    let certificate: X509Certificate

    var author: AuthorKey { AuthorKey(signingKey.publicKey) }

    init(code: String, seed: UInt8) throws {
        self.code = code
        signingKey = try Ed25519PrivateKey(seed: [UInt8](repeating: seed, count: 32))
        tlsKey = try Ed25519PrivateKey(seed: [UInt8](repeating: seed &+ 100, count: 32))
        certificate = try X509Certificate.issueTLSCertificate(
            for: tlsKey.publicKey,
            partner: code,
            signedBy: signingKey
        )
    }

    /// `count` entries continuing `previous` (or starting a chain), signed by this partner, with distinct payloads.
    func chain(
        after previous: Entry?,
        count: Int,
        tag: String = "",
        startTime: UInt64 = 1_700_000_000_000
    ) throws
        -> [Entry]
    {
        var entries: [Entry] = []
        var last = previous
        for _ in 0..<count {
            let seq = (last?.seq ?? 0) + 1
            let entry = try Entry.sign(
                key: signingKey,
                seq: seq,
                prev: last?.id ?? .zero,
                timestamp: HLCTimestamp(rawValue: (last?.timestamp.rawValue ?? startTime) + 1_000),
                kind: 1,
                payload: Array("\(code) \(tag) #\(seq)".utf8)
            )
            entries.append(entry)
            last = entry
        }
        return entries
    }
}

/// A real `SyncServer` (partner AA) on 127.0.0.1 with a store on disk, an honest peer (BB) with its own store,
/// and the keys a hostile roster member (EV) and an outsider (ZZ, not in the roster) sign with.
///
/// The server starts out holding AA 1…3, EV 1…2 and CC 1…2 (CC is a roster author only relayed here); the
/// honest peer holds BB 1…3. Every session's outcome the server reports arrives on `outcomes`.
final class HostileArena: Sendable {
    let root: String
    let roster: Roster
    let server: TestPartner
    let honest: TestPartner
    let hostile: TestPartner
    let relayed: TestPartner
    /// A third honest partner (DD) for cases that need several; the server holds none of its entries.
    let third: TestPartner
    let outsider: TestPartner
    let serverStore: LogStore
    let honestStore: LogStore
    let limits: SyncLimits
    /// What the server held of EV before any session (the hostile peer's honest history).
    let hostileChain: [Entry]
    let port: Int
    let outcomes: AsyncStream<SessionOutcome>
    private let serverTask: Task<Void, any Error>

    static let logger: Logger = {
        var logger = Logger(label: "capsync.test.hostile")
        logger.logLevel = .critical
        return logger
    }()

    init(limits: SyncLimits) async throws {
        root = NSTemporaryDirectory() + "capsync-hostile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        server = try TestPartner(code: "AA", seed: 11)
        honest = try TestPartner(code: "BB", seed: 12)
        hostile = try TestPartner(code: "EV", seed: 13)
        relayed = try TestPartner(code: "CC", seed: 14)
        outsider = try TestPartner(code: "ZZ", seed: 15)
        third = try TestPartner(code: "DD", seed: 16)
        roster = try Roster(
            serial: 1,
            members: [server, honest, hostile, relayed, third].map {
                Roster.Member(partner: $0.code, key: $0.author)
            }
        )
        self.limits = limits

        var options = StoreOptions()
        options.indexedKinds = RosterGovernance.kinds
        serverStore = try LogStore(directory: root + "/server", roster: roster, options: options)
        _ = try serverStore.append(
            (1...3).map { (kind: UInt64(1), payload: Array("AA own #\($0)".utf8)) },
            signingKey: server.signingKey,
            nowMilliseconds: 1_700_000_000_000
        )
        hostileChain = try hostile.chain(after: nil, count: 2)
        _ = try serverStore.ingest(
            hostileChain + relayed.chain(after: nil, count: 2),
            nowMilliseconds: 1_700_000_100_000
        )
        honestStore = try LogStore(directory: root + "/honest", roster: roster)
        _ = try honestStore.append(
            (1...3).map { (kind: UInt64(1), payload: Array("BB own #\($0)".utf8)) },
            signingKey: honest.signingKey,
            nowMilliseconds: 1_700_000_000_000
        )

        let context = SyncContext(
            store: serverStore,
            roster: roster,
            tlsKey: server.tlsKey,
            tlsCertificate: server.certificate,
            label: "AA",
            limits: limits
        )
        let syncServer = try SyncServer(context: context, logger: Self.logger)
        let listener = try await syncServer.bind(host: "127.0.0.1", port: 0)
        port = listener.port
        let (stream, continuation) = AsyncStream<SessionOutcome>.makeStream()
        outcomes = stream
        serverTask = Task {
            defer { continuation.finish() }
            try await syncServer.run(listener) { continuation.yield($0) }
        }
    }

    /// Stops the server (the directories stay for the audit; the test removes `root`).
    func close() async {
        serverTask.cancel()
        _ = try? await serverTask.value
    }

    /// The honest peer syncs with the server over real TLS, as `capsync sync` would.
    func honestSync() async -> SessionOutcome {
        let context = SyncContext(
            store: honestStore,
            roster: roster,
            tlsKey: honest.tlsKey,
            tlsCertificate: honest.certificate,
            label: "BB",
            limits: limits
        )
        let client = SyncClient(context: context, logger: Self.logger)
        return await client.sync(with: PeerList.Peer(partner: "AA", address: "127.0.0.1:\(port)", key: server.author))
    }

    /// The next `count` outcomes the server reports.
    func nextOutcomes(_ count: Int) async -> [SessionOutcome] {
        var result: [SessionOutcome] = []
        for await outcome in outcomes {
            result.append(outcome)
            if result.count == count { break }
        }
        return result
    }
}

/// What a store holds that it should not: every entry is re-read from disk by a freshly opened store and checked
/// on its own (roster author, signature, chain link to the previous seq, seq 1 first), and every fork proof is
/// re-verified. Returns the problems found (empty when the store is sound) and the number of entries checked.
func auditStore(directory: String, roster: Roster) throws -> (problems: [String], entries: Int) {
    let store = try LogStore(directory: directory, roster: roster)
    var problems: [String] = []
    var previous: Entry?
    var count = 0
    try store.forEachEntry { entry in
        count += 1
        let name = "\(entry.author.short)/\(entry.seq)"
        if !roster.contains(entry.author) { problems.append("\(name): author not in the roster") }
        if !entry.verifySignature() { problems.append("\(name): signature does not verify") }
        if let previous, previous.author == entry.author {
            do { try entry.checkFollows(previous) } catch { problems.append("\(name): \(error)") }
        } else if entry.seq != 1 {
            problems.append("\(name): chain does not start at seq 1")
        }
        previous = entry
    }
    for proof in store.forkProofs() {
        do { _ = try ForkProof(proof.first, proof.second) } catch {
            problems.append("fork proof \(proof.author.short): \(error)")
        }
        if !roster.contains(proof.author) { problems.append("fork proof of an author outside the roster") }
    }
    return (problems, count)
}
