import CapSyncCrypto
import CapSyncMerge
import CapSyncWire
import Testing

/// A reader's kept content keys (docs/design.md D14, "Opened content keys"): a fold that opens with them gives
/// exactly the state of a cold fold, a key that is not the entry's is dropped for a full open, and a kept key
/// never opens more than the reader's own keys would.
@Suite struct OpenedKeyCacheTests {
    let de = TestAuthor(partner: "DE", seedByte: 0x51)
    let nl = TestAuthor(partner: "NL", seedByte: 0x52)
    let us = TestAuthor(partner: "US", seedByte: 0x53)
    let decryption: [String: X25519PrivateKey]
    let roster: Roster
    /// Two plain reports, four sealed to NL's audiences, one sealed to DE and US only.
    let entries: [Entry]

    init() throws {
        var keys: [String: X25519PrivateKey] = [:]
        for (index, partner) in ["DE", "NL", "US", "FR"].enumerated() {
            keys[partner] = try X25519PrivateKey(rawBytes: [UInt8](repeating: UInt8(0x70 + index), count: 32))
        }
        decryption = keys
        roster = try Roster(
            serial: 1,
            members: [de, nl, us].map { Roster.Member(partner: $0.partner, key: $0.authorKey) }
        )
        func sealed(_ author: TestAuthor, site: String, to label: [String], at ms: UInt64) throws -> Entry {
            let payload = try SealedEnvelope.seal(
                kind: 1,
                payload: Sample.report(author.partner, site: site).payload(),
                recipients: Dictionary(uniqueKeysWithValues: label.map { ($0, keys[$0]!.publicKey) }),
                rosterSerial: 1,
                author: author.authorKey
            )
            return author.append(kind: SealedPayload.kind, payload: payload.encoded, at: ms)
        }
        entries = [
            de.append(Sample.report("DE", site: "Open"), at: 1_000),
            try sealed(de, site: "A", to: ["DE", "NL"], at: 2_000),
            try sealed(de, site: "B", to: ["DE", "NL", "US"], at: 2_001),
            try sealed(us, site: "C", to: ["DE", "NL", "US"], at: 2_002),
            try sealed(nl, site: "D", to: ["NL", "US"], at: 2_003),
            try sealed(de, site: "E", to: ["DE", "US"], at: 2_004),
            us.append(Sample.report("US", site: "Open-US"), at: 3_000),
        ]
    }

    var sealedForNL: [Entry] { Array(entries[1...4]) }

    func reader(_ partner: String, cache: OpenedKeyCache = OpenedKeyCache()) -> SealedReader {
        SealedReader(partner: partner, keys: [decryption[partner]!], openedKeys: cache)
    }

    func contentKey(of entry: Entry, as partner: String) throws -> Bytes32 {
        let opened = try SealedEnvelope.open(
            try SealedPayload(decoding: entry.payload),
            partner: partner,
            keys: [decryption[partner]!],
            author: entry.author
        )
        return Bytes32(opened.contentKey)
    }

    @Test func aWarmFoldGivesTheColdFoldsStateOpeningNothingAgain() throws {
        let cold = Fold(roster: roster, reader: reader("NL"))(entries)
        let cache = OpenedKeyCache()
        let first = Fold(roster: roster, reader: reader("NL", cache: cache))(entries)
        #expect(first == cold)
        #expect(cache.count == 4)
        #expect(cache.reusedCount == 0)
        let recorded = cache.takeRecorded()
        #expect(Set(recorded.map(\.id)) == Set(sealedForNL.map(\.id)))
        for record in recorded {
            let entry = try #require(entries.first { $0.id == record.id })
            #expect(record.key == (try contentKey(of: entry, as: "NL")))
        }

        let warm = Fold(roster: roster, reader: reader("NL", cache: cache))(entries.reversed())
        #expect(warm == cold)
        #expect(warm.digest == cold.digest)
        #expect(cache.reusedCount == 4)
        #expect(cache.takeRecorded().isEmpty)
        // A cache filled from the records alone (as a node reads them back) serves another reader the same way.
        let reloaded = OpenedKeyCache(recorded)
        #expect(Fold(roster: roster, reader: reader("NL", cache: reloaded))(entries) == cold)
        #expect(reloaded.reusedCount == 4)
    }

    @Test func theAudienceFoldsShareTheReadersKeys() throws {
        let cache = OpenedKeyCache()
        let nl = reader("NL", cache: cache)
        let labels: [[String]] = [["DE", "NL"], ["DE", "NL", "US"], ["NL", "US"]]
        let cold = labels.map { Fold(roster: roster, reader: reader("NL").only($0))(entries).digest }
        let shared = labels.map { Fold(roster: roster, reader: nl.only($0))(entries).digest }
        #expect(shared == cold)
        #expect(cache.takeRecorded().count == 4, "each entry opened once across the three audiences")
        #expect(Fold(roster: roster, reader: nl)(entries) == Fold(roster: roster, reader: reader("NL"))(entries))
        #expect(cache.reusedCount == 4)
        #expect(nl.only(["NL", "US"]) == reader("NL").only(["NL", "US"]), "the cache takes no part in equality")
    }

    @Test func aWrongKeptKeyIsDroppedAndTheEntryOpenedInFull() throws {
        let cold = Fold(roster: roster, reader: reader("NL"))(entries)
        let victim = entries[2]
        let right = try contentKey(of: victim, as: "NL")
        var records = try sealedForNL.map { (id: $0.id, key: try contentKey(of: $0, as: "NL")) }
        var flipped = right.bytes
        flipped[0] ^= 0x80
        records[1].key = Bytes32(flipped)
        // Another entry's key under this id: a valid key, not this entry's.
        records[2].key = try contentKey(of: entries[1], as: "NL")
        let cache = OpenedKeyCache(records)
        let warm = Fold(roster: roster, reader: reader("NL", cache: cache))(entries)
        #expect(warm == cold)
        #expect(cache.reusedCount == 2)
        #expect(cache.contentKey(for: victim.id) == right)
        #expect(cache.contentKey(for: entries[3].id) == (try contentKey(of: entries[3], as: "NL")))
        #expect(Set(cache.takeRecorded().map(\.id)) == [victim.id, entries[3].id])
    }

    @Test func aKeptKeyOpensNothingTheReadersKeysCannot() throws {
        // US's and DE's keys for the entry sealed to DE and US, put in caches of readers outside that audience
        // (FR) or without the key the wrap names (NL holding FR's key only).
        let foreign = entries[5]
        let key = try contentKey(of: foreign, as: "US")
        let expectations: [(SealedReader, CoalitionState)] = [
            (
                SealedReader(partner: "FR", keys: [decryption["FR"]!], openedKeys: OpenedKeyCache([(foreign.id, key)])),
                Fold(roster: roster, reader: reader("FR"))(entries)
            ),
            (
                SealedReader(partner: "US", keys: [decryption["FR"]!], openedKeys: OpenedKeyCache([(foreign.id, key)])),
                Fold(roster: roster, reader: SealedReader(partner: "US", keys: [decryption["FR"]!]))(entries)
            ),
        ]
        for (reader, cold) in expectations {
            let view = Fold(roster: roster, reader: reader)(entries)
            #expect(view == cold, "\(reader.partner)")
            #expect(reader.openedKeys.reusedCount == 0)
            #expect(view.ignored.contains { $0.id == foreign.id && $0.reason == .sealed })
        }
    }
}
