import CapSyncCrypto
import CapSyncTestSupport
import CapSyncWire
import Testing

/// One file of Protocol/vectors/roster-chain (Protocol/roster.md §6.8).
struct RosterChainVector: Decodable {
    struct Version: Decodable {
        let encoded: String
        let hash: String?
        let serial: UInt64?
        let timestamp: UInt64?
        let threshold: [UInt64]?
        let requiredNext: Int?
        let partners: [String]?
        let revokedKeys: [String]?
        let rosterCanonicalBytes: String?
        let rosterHash: String?
        /// Partner → X25519 key, in chains that set one (Protocol/releasability.md §2).
        let encryptionKeys: [String: String]?
    }

    struct AsOf: Decodable {
        let time: UInt64
        let serial: UInt64?
    }

    let description: String
    let valid: Bool
    let seeds: [String: [String]]?
    let versions: [Version]?
    let refusedIndex: Int?
    let reason: String?
    let asOf: [AsOf]?
    let encoded: String?
    let a: String?
    let b: String?
    let fork: Bool?
}

@Suite struct RosterChainTests {
    static let directory = "roster-chain"
    static let validNames = Repository.vectorNames(directory, prefix: "valid-")
    static let invalidNames = Repository.vectorNames(directory, prefix: "invalid-")
    static let decodeNames = Repository.vectorNames(directory, prefix: "decode-")
    static let forkNames = Repository.vectorNames(directory, prefix: "fork-")
    static let chainNames = validNames + invalidNames + forkNames

    static func load(_ name: String) throws -> RosterChainVector {
        try Repository.loadVector(RosterChainVector.self, directory, name)
    }

    static func versions(_ vector: RosterChainVector) throws -> [RosterVersion] {
        try (vector.versions ?? []).map { try RosterVersion(decoding: bytes($0.encoded, "encoded")) }
    }

    /// Adopts the versions in order; returns the chain and the error of the first refused version, if any.
    static func replay(_ versions: [RosterVersion]) -> (chain: RosterChain?, refused: (Int, WireError)?) {
        var chain: RosterChain
        do { chain = try RosterChain(genesis: versions[0]) } catch { return (nil, (0, error)) }
        for (index, version) in versions.enumerated().dropFirst() {
            do { try chain.apply(version) } catch { return (chain, (index, error)) }
        }
        return (chain, nil)
    }

    @Test(arguments: validNames)
    func validChainIsAdoptedWithTheVectorsStates(_ name: String) throws {
        let vector = try Self.load(name)
        let versions = try Self.versions(vector)
        let (chain, refused) = Self.replay(versions)
        #expect(refused == nil, "\(String(describing: refused))")
        let links = try #require(chain).links
        #expect(links.count == versions.count)
        for (link, expected) in zip(links, try #require(vector.versions)) {
            #expect(link.version.hash.hex == expected.hash)
            #expect(link.version.serial == expected.serial)
            #expect(link.version.timestamp.rawValue == expected.timestamp)
            #expect([link.state.thresholdNumerator, link.state.thresholdDenominator] == expected.threshold)
            #expect(link.state.requiredApprovals == expected.requiredNext)
            #expect(link.state.partners == expected.partners)
            let revoked = link.state.keys.filter(\.value.revoked).map(\.key.hex).sorted()
            #expect(revoked == expected.revokedKeys)
            #expect(Hex.encode(link.roster.canonicalBytes) == expected.rosterCanonicalBytes)
            #expect(link.roster.hash.hex == expected.rosterHash)
            #expect(link.state.encryptionKeys.mapValues(\.hex) == (expected.encryptionKeys ?? [:]))
        }
        for row in vector.asOf ?? [] {
            let roster = try #require(chain).roster(asOf: HLCTimestamp(rawValue: row.time))
            #expect(roster?.serial == row.serial, "as of \(row.time)")
        }
    }

    @Test(arguments: invalidNames)
    func invalidChainIsRefusedAtItsVersionForItsReason(_ name: String) throws {
        let vector = try Self.load(name)
        let (chain, refused) = Self.replay(try Self.versions(vector))
        let (index, error) = try #require(refused)
        #expect(index == vector.refusedIndex)
        #expect(error.code.rawValue == vector.reason, "\(error)")
        // The refused version changed nothing: the head is still the version before it.
        if let chain { #expect(chain.links.count == index) }
    }

    @Test(arguments: decodeNames)
    func malformedVersionIsRefusedByTheDecoder(_ name: String) throws {
        let vector = try Self.load(name)
        let raw = try bytes(vector.encoded, "encoded")
        do {
            let version = try RosterVersion(decoding: raw)
            Issue.record("decoded serial \(version.serial)")
        } catch {
            #expect(error.code.rawValue == vector.reason, "\(error)")
        }
    }

    @Test(arguments: forkNames)
    func forkVectorIsJudgedAsTheVectorSays(_ name: String) throws {
        let vector = try Self.load(name)
        let (chain, refused) = Self.replay(try Self.versions(vector))
        #expect(refused == nil)
        let a = try RosterVersion(decoding: bytes(vector.a, "a"))
        let b = try RosterVersion(decoding: bytes(vector.b, "b"))
        let base = try #require(chain)
        #expect(base.isProvenFork(a, b) == vector.fork)
        #expect(base.isProvenFork(b, a) == vector.fork)
        #expect(!base.isProvenFork(a, a))
        if vector.fork == true {
            // Whichever is adopted first, the other is then refused as a rollback and still proves the fork.
            var adopted = base
            try adopted.apply(a)
            #expect(throws: WireError.self) { try adopted.apply(b) }
            #expect(adopted.isProvenFork(a, b))
        }
    }

    // MARK: Properties

    @Test(arguments: chainNames)
    func everyVersionReencodesToItsBytes(_ name: String) throws {
        let vector = try Self.load(name)
        for version in vector.versions ?? [] {
            let raw = try bytes(version.encoded, "encoded")
            let decoded = try RosterVersion(decoding: raw)
            #expect(decoded.encoded == raw)
            let rebuilt = try RosterVersion(
                serial: decoded.serial,
                previous: decoded.previous,
                timestamp: decoded.timestamp,
                changes: decoded.changes.reversed(),
                approvals: decoded.approvals.reversed()
            )
            #expect(rebuilt.encoded == raw)
            #expect(rebuilt.hash == decoded.hash)
        }
    }

    @Test(arguments: validNames)
    func approvalsSignedAgainFromTheSeedsGiveTheSameVersionInAnyOrder(_ name: String) throws {
        let vector = try Self.load(name)
        let keys = try Self.privateKeys(vector)
        var generator = SplitMix64(seed: 0x5eed)
        for version in try Self.versions(vector) {
            var again = try version.withApprovals([])
            for approval in version.approvals.shuffled(using: &generator) {
                let key = try #require(keys[approval.key])
                try again.approve(as: approval.partner, with: key)
            }
            #expect(again == version)
            #expect(again.encoded == version.encoded)
            #expect(version.approvals.allSatisfy { version.verifies($0) })
        }
    }

    static func privateKeys(_ vector: RosterChainVector) throws -> [AuthorKey: Ed25519PrivateKey] {
        var keys: [AuthorKey: Ed25519PrivateKey] = [:]
        for seeds in (vector.seeds ?? [:]).values {
            for seed in seeds {
                let key = try Ed25519PrivateKey(seed: bytes(seed, "seed"))
                keys[AuthorKey(key.publicKey)] = key
            }
        }
        return keys
    }

    /// History is never rewritten: along every valid chain, no key disappears or changes partner, and a last
    /// valid seq, once set, only falls: an entry allowed by an earlier version at a seq at or
    /// below the later cut-off is allowed by the later one too.
    @Test(arguments: validNames)
    func keysAreNeverDeletedAndCutoffsOnlyFall(_ name: String) throws {
        let (chain, _) = Self.replay(try Self.versions(try Self.load(name)))
        let links = try #require(chain).links
        for (earlier, later) in zip(links, links.dropFirst()) {
            for member in earlier.roster.members {
                let after = try #require(later.roster.member(for: member.key))
                #expect(after.partner == member.partner)
                if let before = member.lastValidSeq {
                    #expect(
                        after.lastValidSeq.map { $0 <= before } == true,
                        "\(name): cut-off of \(member.key.short) raised"
                    )
                }
            }
        }
    }

    @Test func belowThresholdNamesWhoApprovedAndWhoMayStill() throws {
        let vector = try Self.load("invalid-01-below-threshold")
        let (_, refused) = Self.replay(try Self.versions(vector))
        let error = try #require(refused).1
        #expect(error.code == .belowThreshold)
        #expect(error.reason.contains("2 of the 3 approvals needed"))
        #expect(error.reason.contains("approved by DE, FR"))
        #expect(error.reason.contains("may still approve: NL, NO, PL"))
    }

    @Test func bodyBitFlipsAreRefusedOrChangeTheHash() throws {
        let vector = try Self.load("valid-07-lifecycle")
        let raw = try bytes(vector.versions?.last?.encoded, "encoded")
        let original = try RosterVersion(decoding: raw)
        var generator = SplitMix64(seed: 7)
        for _ in 0..<300 {
            var mutated = raw
            let index = Int(generator.next() % UInt64(original.body.count))
            mutated[index] ^= UInt8(1 << (generator.next() % 8))
            guard let decoded = try? RosterVersion(decoding: mutated) else { continue }
            #expect(decoded.hash != original.hash)
            #expect(decoded.encoded == mutated)
            #expect(decoded.approvals.isEmpty || !decoded.approvals.allSatisfy { decoded.verifies($0) })
        }
    }

    @Test func roundTripOfAllChangeKinds() throws {
        let key = AuthorKey(try Ed25519PrivateKey(seed: [UInt8](repeating: 3, count: 32)).publicKey)
        let other = AuthorKey(try Ed25519PrivateKey(seed: [UInt8](repeating: 4, count: 32)).publicKey)
        let changes: [RosterChange] = [
            .addPartner(partner: "NATO-SPO", key: key), .addKey(partner: "NATO-SPO", key: other),
            .retireKey(key: key, lastValidSeq: 0), .revokeKey(key: other, lastValidSeq: Entry.maxSeq),
            .removePartner(
                partner: "NATO-SPO",
                cutoffs: [.init(key: other, lastValidSeq: 9), .init(key: key, lastValidSeq: 0)]
            ),
            .setThreshold(numerator: 65_536, denominator: 65_536),
        ]
        let version = try RosterVersion(
            serial: RosterVersion.maxSerial,
            previous: .zero,
            timestamp: HLCTimestamp(rawValue: .max),
            changes: changes
        )
        let decoded = try RosterVersion(decoding: version.encoded)
        #expect(decoded == version)
        #expect(decoded.changes.count == changes.count)
        #expect(throws: WireError.self) {
            try RosterVersion(
                serial: 1,
                previous: .zero,
                timestamp: HLCTimestamp(rawValue: 1),
                changes: [changes[5], changes[5]]
            )
        }
    }
}
