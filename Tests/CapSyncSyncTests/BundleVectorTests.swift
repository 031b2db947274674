import CapSyncCrypto
import CapSyncSync
import CapSyncWire
import Foundation
import Testing

/// Protocol/vectors/bundle/: bundles written by the independent Python generator from Protocol/bundle.md.
@Suite struct BundleVectorTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Protocol/vectors/bundle")

    static func names(_ prefix: String) -> [String] {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return all.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted()
    }

    static func load(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func bytes(_ hex: Any?) throws -> [UInt8] {
        let text = try #require(hex as? String)
        return try #require(Hex.decode(text))
    }

    @Test func theVectorsAreThere() {
        #expect(Self.names("valid-").count >= 4)
        #expect(Self.names("invalid-").count >= 20)
    }

    /// Same store content and recipient heads give the generator's bytes exactly; reading them gives the entries
    /// above each base and the proofs back.
    @Test(arguments: names("valid-")) func validBundleIsWrittenAndReadByteForByte(_ name: String) throws {
        let vector = try Self.load(name)
        let creator = try #require(vector["creator"] as? [String: Any])
        let key = try Ed25519PrivateKey(seed: try Self.bytes(creator["seed"]))
        var chains: [AuthorKey: [Entry]] = [:]
        for chain in try #require(vector["chains"] as? [[String: Any]]) {
            let entries = try (try #require(chain["entries"] as? [String])).map {
                try Entry(decoding: try Self.bytes($0))
            }
            chains[AuthorKey(try Self.bytes(chain["author"]))] = entries
        }
        let store = MemoryStore(knownAuthors: Set(chains.keys))
        for chain in chains.values { store.preload(chain) }
        let proofs = try (try #require(vector["forkProofs"] as? [[String]])).map {
            try ForkProof(try Entry(decoding: try Self.bytes($0[0])), try Entry(decoding: try Self.bytes($0[1])))
        }
        store.ingest(proofs: proofs)
        let recipient = try (try #require(vector["recipient"] as? [[String: Any]])).map {
            Head(
                author: AuthorKey(try Self.bytes($0["author"])),
                seq: UInt64(try #require($0["seq"] as? Int)),
                id: EntryID(try Self.bytes($0["id"]))
            )
        }
        let header = BundleWriter.plan(
            source: store,
            recipient: recipient,
            creatorPartner: try #require(creator["partner"] as? String),
            creatorKey: AuthorKey(key.publicKey),
            rosterHash: Bytes32(try Self.bytes(vector["rosterHash"]))
        )
        var written: [UInt8] = []
        let summary = try BundleWriter.write(header: header, source: store, signingKey: key) { written += $0 }
        let expected = try Self.bytes(vector["bundle"])
        #expect(written == expected, "\(name): the Swift writer's bytes differ from the vector's")
        #expect(Hex.encode(summary.digest) == vector["digest"] as? String)
        #expect(summary.bytes == expected.count)

        let reader = BundleReader(bytes: expected)
        var entries: [Entry] = []
        var readProofs: [ForkProof] = []
        while let chunk = try reader.nextChunk() {
            switch chunk {
            case .entries(let batch): entries += batch
            case .forks(let batch): readProofs += batch
            }
        }
        let read = try #require(reader.summary)
        #expect(read.entries == vector["entryCount"] as? Int)
        #expect(read.forkProofs == vector["forkProofCount"] as? Int)
        #expect(read.chunks == vector["chunkCount"] as? Int)
        let carried = read.header.authors.flatMap { author in
            chains[author.author]!.filter { $0.seq > author.baseSeq && $0.seq <= author.headSeq }
        }
        #expect(entries == carried)
        #expect(Set(readProofs) == Set(proofs))
    }

    @Test(arguments: names("invalid-")) func invalidBundleIsRefusedWithItsCodeAndOffset(_ name: String) throws {
        let vector = try Self.load(name)
        let reader = BundleReader(bytes: try Self.bytes(vector["bundle"]))
        do {
            while try reader.nextChunk() != nil {}
            Issue.record("\(name): read without error")
        } catch {
            #expect(error.code.rawValue == vector["code"] as? String, "\(name): \(error)")
            #expect(error.offset == vector["offset"] as? Int, "\(name): \(error)")
        }
    }
}
