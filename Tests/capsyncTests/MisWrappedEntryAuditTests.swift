import CapSyncCrypto
import CapSyncSync
import CapSyncWire
import Foundation
import Testing

/// A sealed entry whose author signed it properly but wrapped its content key to keys the roster does not give
/// the partners it names (a faulty or dishonest implementation): every node stores and relays it, nobody reads
/// it, and `capsync audit` on any node fails with exit status 4 naming the entry and each bad wrap
/// (Protocol/releasability.md §4.1).
@Suite(.serialized) struct MisWrappedEntryAuditTests {
    /// One entry continuing a chain the recipient holds up to the entry before it.
    struct Continuation: SyncSource {
        var entry: Entry
        func heads() -> [Head] { [Head(author: entry.author, seq: entry.seq, id: entry.id)] }
        func entries(author: AuthorKey, fromSeq: UInt64, limit: Int) -> [Entry] {
            author == entry.author && fromSeq <= entry.seq ? [entry] : []
        }
        func entry(author: AuthorKey, seq: UInt64) -> Entry? { seq == entry.seq ? entry : nil }

        func forkProofs() -> [ForkProof] { [] }
    }

    @Test func auditFailsOnEveryNodeThatHoldsIt() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let coalition = try ReleaseToEveryCommandTests().setUp(cli)
        let status = try coalition.json(["status", "--dir", "NL"]) as? [String: Any]
        let serial = UInt64(try #require(status?["roster_serial"] as? Int))
        // PL's chain so far is its approval of the genesis: the forged entry continues it.
        let log = try coalition.json(["log", "--dir", "PL", "--author", "PL"]) as? [[String: Any]] ?? []
        let last = try #require(log.max { ($0["seq"] as? Int ?? 0) < ($1["seq"] as? Int ?? 0) })
        let headSeq = UInt64(last["seq"] as? Int ?? 0)
        let headHex = try #require(last["entry"] as? String)
        let headID = EntryID(try #require(Hex.decode(headHex)))
        let headTime = try #require(UInt64(last["timestamp"] as? String ?? ""))
        let signer = try Ed25519PrivateKey(
            pem: try String(contentsOfFile: cli.path("PL/keys/signing.key.pem"), encoding: .utf8)
        )
        let author = AuthorKey(signer.publicKey)
        let strangers = try ["NL", "PL"].map { ($0, try X25519PrivateKey.generate().publicKey) }
        let sealed = try SealedEnvelope.seal(
            kind: 1,
            payload: [1, 2, 3],
            recipients: Dictionary(uniqueKeysWithValues: strangers),
            rosterSerial: serial,
            author: author
        )
        let entry = try Entry.sign(
            author: author,
            using: try #require(Ed25519Context(signing: signer)),
            seq: headSeq + 1,
            prev: headID,
            timestamp: HLCTimestamp(rawValue: headTime + 1_000_000),
            kind: SealedPayload.kind,
            payload: sealed.encoded
        )
        let source = Continuation(entry: entry)
        var header = BundleWriter.plan(
            source: source,
            recipient: [],
            creatorPartner: "PL",
            creatorKey: author,
            rosterHash: .zero
        )
        // The bundle starts after the head every node holds.
        header.authors[0].baseSeq = headSeq
        header.authors[0].baseID = headID
        header.entryCount = 1
        var bytes: [UInt8] = []
        _ = try BundleWriter.write(header: header, source: source, signingKey: signer) { bytes += $0 }
        try Data(bytes).write(to: URL(fileURLWithPath: cli.path("forged.csb")))
        let imported = try cli.run(["bundle", "import", "--dir", "NL", "forged.csb"])
        #expect(imported.status == 0, "a well-signed entry is stored and relayed: \(imported.output)")
        try coalition.spread()

        for node in ["DE", "NL", "US", "PL"] {
            let audit = try cli.run(["audit", "--dir", node])
            #expect(audit.status == 4, "\(node): \(audit.output)")
            #expect(
                audit.output.contains("wraps its key for NL to a key that roster version \(serial) does not give NL"),
                "\(node): \(audit.output)"
            )
            #expect(audit.output.contains("for PL"), "\(node): \(audit.output)")
        }
        // Nobody reads it, and the coalition digests still agree.
        let reference = try coalition.json(["state", "--dir", "DE", "--digest"]) as? [[String: Any]]
        for node in ["NL", "US", "PL"] {
            let digests = try coalition.json(["state", "--dir", node, "--digest"]) as? [[String: Any]]
            #expect(digests?.first?["state_digest"] as? String == reference?.first?["state_digest"] as? String)
            #expect(digests?.first?["entry_set_digest"] as? String == reference?.first?["entry_set_digest"] as? String)
        }
    }
}
