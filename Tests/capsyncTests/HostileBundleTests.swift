import CapSyncCrypto
import CapSyncSync
import CapSyncWire
import Foundation
import Testing

/// Bundles made by an adversary, imported with the real binary: forged signatures, entries labelled with
/// another author than the one who signed them, a creator the roster does not list, huge counts. None of their
/// content is kept, and the import says why.
@Suite(.serialized) struct HostileBundleTests {
    /// A store of hand-made chains for `BundleWriter`.
    struct Chains: SyncSource {
        var chains: [AuthorKey: [Entry]]
        func heads() -> [Head] {
            chains.values.compactMap { $0.last.map { Head(author: $0.author, seq: $0.seq, id: $0.id) } }
        }
        func entries(author: AuthorKey, fromSeq: UInt64, limit: Int) -> [Entry] {
            guard let chain = chains[author], fromSeq >= 1, fromSeq <= UInt64(chain.count) else { return [] }
            return Array(chain[Int(fromSeq - 1)..<min(chain.count, Int(fromSeq - 1) + limit)])
        }
        func entry(author: AuthorKey, seq: UInt64) -> Entry? {
            guard let chain = chains[author], seq >= 1, seq <= UInt64(chain.count) else { return nil }
            return chain[Int(seq - 1)]
        }
        func forkProofs() -> [ForkProof] { [] }
    }

    func setUp(_ cli: CLI) throws -> (no: Ed25519PrivateKey, nl: AuthorKey) {
        for partner in ["NO", "NL", "US"] {
            try cli.ok(["init", "--dir", partner, "--partner", partner, "--listen", "127.0.0.1:0"])
            let card = try cli.ok(["id", "--dir", partner, "--card", "--address", "127.0.0.1:9"])
            try card.write(toFile: cli.path("\(partner).card"), atomically: true, encoding: .utf8)
        }
        for partner in ["NO", "NL", "US"] {
            try cli.ok(
                ["roster", "add", "--dir", partner] + ["NO", "NL", "US"].filter { $0 != partner }.map { "\($0).card" }
            )
        }
        let pem = try String(contentsOfFile: cli.path("NO/keys/signing.key.pem"), encoding: .utf8)
        let nlPEM = try String(contentsOfFile: cli.path("NL/keys/signing.pub.pem"), encoding: .utf8)
        return (try Ed25519PrivateKey(pem: pem), AuthorKey(try Ed25519PublicKey(pem: nlPEM)))
    }

    /// `count` entries claiming `author`, signed by `signer` (which may be another key).
    func chain(author: AuthorKey, signer: Ed25519PrivateKey, count: Int, forge: Bool = false) throws -> [Entry] {
        let context = try #require(Ed25519Context(signing: signer))
        var entries: [Entry] = []
        for seq in 1...UInt64(count) {
            var entry = try Entry.sign(
                author: author,
                using: context,
                seq: seq,
                prev: entries.last?.id ?? .zero,
                timestamp: HLCTimestamp(milliseconds: 1_790_000_000_000 + seq * 1000),
                kind: 1,
                payload: [1, 2, 3, UInt8(seq)]
            )
            if forge {
                // Random bytes where the signature goes.
                var bytes = entry.encoded
                for index in (bytes.count - 64)..<bytes.count {
                    bytes[index] = UInt8(truncatingIfNeeded: index &* 37 &+ 11)
                }
                entry = try Entry(decoding: bytes)
            }
            entries.append(entry)
        }
        return entries
    }

    func write(
        _ cli: CLI,
        _ name: String,
        chains: [AuthorKey: [Entry]],
        creator: Ed25519PrivateKey,
        partner: String = "NO"
    ) throws {
        let source = Chains(chains: chains)
        let header = BundleWriter.plan(
            source: source,
            recipient: [],
            creatorPartner: partner,
            creatorKey: AuthorKey(creator.publicKey),
            rosterHash: .zero
        )
        var bytes: [UInt8] = []
        _ = try BundleWriter.write(header: header, source: source, signingKey: creator) { bytes += $0 }
        try Data(bytes).write(to: URL(fileURLWithPath: cli.path(name)))
    }

    func entryCount(_ cli: CLI, _ node: String) throws -> Int? {
        let json = try cli.ok(["state", "--dir", node, "--digest", "--format", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]]
        return rows?.first?["entries"] as? Int
    }

    @Test func forgedSignaturesAreRefusedByTheStore() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let (no, nl) = try setUp(cli)
        try write(
            cli,
            "forged.csb",
            chains: [nl: try chain(author: nl, signer: no, count: 3, forge: true)],
            creator: no
        )
        let result = try cli.run(["bundle", "import", "--dir", "US", "forged.csb"])
        #expect(result.status == 4, "\(result.output)")
        #expect(result.stderr.contains("bad signature") || result.stderr.contains("signature"), "\(result.stderr)")
        #expect(try entryCount(cli, "US") == 0)
        let verify = try cli.run(["bundle", "verify", "forged.csb", "--roster", "US/roster.txt"])
        #expect(verify.status == 4)
        #expect(verify.stdout.contains("3 bad signature(s)"), "\(verify.stdout)")
    }

    @Test func entriesOfAnotherAuthorThanClaimedAreRefused() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let (no, nl) = try setUp(cli)
        // Validly signed by NO, labelled as NL's chain.
        try write(cli, "relabelled.csb", chains: [nl: try chain(author: nl, signer: no, count: 2)], creator: no)
        let result = try cli.run(["bundle", "import", "--dir", "US", "relabelled.csb"])
        #expect(result.status == 4, "\(result.output)")
        #expect(result.stderr.contains("2 entr(y/ies) of the bundle did not verify or link"), "\(result.stderr)")
        #expect(try entryCount(cli, "US") == 0)
    }

    @Test func aCreatorTheRosterDoesNotListIsRefusedWhole() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        let (no, _) = try setUp(cli)
        // Genuine NO entries, but the bundle is signed by a key nobody listed, claiming to be NO's node.
        let stranger = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x42, count: 32))
        let genuine = try chain(author: AuthorKey(no.publicKey), signer: no, count: 2)
        try write(cli, "stranger.csb", chains: [AuthorKey(no.publicKey): genuine], creator: stranger)
        let result = try cli.run(["bundle", "import", "--dir", "US", "stranger.csb"])
        #expect(result.status == 4, "\(result.output)")
        #expect(result.stderr.contains("unknownCreator at byte 16"), "\(result.stderr)")
        #expect(try entryCount(cli, "US") == 0)
        let verify = try cli.run(["bundle", "verify", "stranger.csb", "--roster", "US/roster.txt"])
        #expect(verify.status == 4)
        #expect(verify.stdout.contains("not in the roster"), "\(verify.stdout)")
    }

    @Test func hugeCountsAreRefusedWithTheirOffset() throws {
        let cli = CLI()
        defer { cli.cleanUp() }
        _ = try setUp(cli)
        // A header claiming 2^40 authors, and one claiming a 4 GiB chunk.
        var header: [UInt8] =
            [2] + Array("NO".utf8) + [UInt8](repeating: 7, count: 64) + [0x80, 0x80, 0x80, 0x80, 0x80, 0x20]
        header += [UInt8](repeating: 0, count: 8)
        let length = UInt32(header.count)
        var bytes = BundleFormat.magic + [0, 1, 0, 0]
        bytes += [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
        try Data(bytes + header).write(to: URL(fileURLWithPath: cli.path("authors.csb")))
        let authors = try cli.run(["bundle", "import", "--dir", "US", "authors.csb"])
        #expect(authors.status == 4)
        #expect(authors.stderr.contains("limitExceeded at byte 83"), "\(authors.stderr)")
        // A header length of 2^32 − 1: refused before anything is read for it.
        let huge = BundleFormat.magic + [0, 1, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 64)
        try Data(huge).write(to: URL(fileURLWithPath: cli.path("header.csb")))
        let headerResult = try cli.run(["bundle", "import", "--dir", "US", "header.csb"])
        #expect(headerResult.status == 4)
        #expect(headerResult.stderr.contains("limitExceeded at byte 12"), "\(headerResult.stderr)")
    }
}
