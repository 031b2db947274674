import CapSyncCrypto
import CapSyncMerge
import CapSyncWire
import Testing

/// The fold per reader (Protocol/releasability.md §5): the coalition state ignores sealed entries, each node's
/// views add exactly the sealed entries released to it, and each audience has a digest its members share.
@Suite struct SealedFoldTests {
    let de = TestAuthor(partner: "DE", seedByte: 0x41)
    let nl = TestAuthor(partner: "NL", seedByte: 0x42)
    let us = TestAuthor(partner: "US", seedByte: 0x43)
    let fr = TestAuthor(partner: "FR", seedByte: 0x44)
    let decryption: [String: X25519PrivateKey]
    let roster: Roster

    init() throws {
        var keys: [String: X25519PrivateKey] = [:]
        for (index, partner) in ["DE", "NL", "US", "FR"].enumerated() {
            keys[partner] = try X25519PrivateKey(rawBytes: [UInt8](repeating: UInt8(0x60 + index), count: 32))
        }
        decryption = keys
        roster = try Roster(
            serial: 1,
            members: [de, nl, us, fr].map { Roster.Member(partner: $0.partner, key: $0.authorKey) }
        )
    }

    func sealed(_ author: TestAuthor, _ operation: Operation, to label: [String], at ms: UInt64) throws -> Entry {
        var recipients: [String: X25519PublicKey] = [:]
        for partner in label { recipients[partner] = decryption[partner]!.publicKey }
        let payload = try SealedEnvelope.seal(
            kind: operation.kind.rawValue,
            payload: operation.payload(),
            recipients: recipients,
            rosterSerial: 1,
            author: author.authorKey
        )
        return author.append(kind: SealedPayload.kind, payload: payload.encoded, at: ms)
    }

    func reader(_ partner: String) -> SealedReader { SealedReader(partner: partner, keys: [decryption[partner]!]) }

    func sites(_ state: CoalitionState) -> [String] {
        state.siteFigures(at: ViewPeriod(Sample.month)).map { "\($0.partner)/\($0.site)" }
    }

    @Test func eachNodeSeesExactlyWhatWasReleasedToIt() throws {
        let plain = [
            de.append(Sample.report("DE", site: "Open"), at: 1_000),
            us.append(Sample.report("US", site: "Open-US"), at: 1_001),
        ]
        let restricted = [
            try sealed(de, Sample.report("DE", site: "For-NL"), to: ["DE", "NL"], at: 2_000),
            try sealed(de, Sample.report("DE", site: "For-US"), to: ["DE", "US"], at: 2_001),
            try sealed(nl, Sample.report("NL", site: "For-NL-US"), to: ["NL", "US"], at: 2_002),
        ]
        let all = plain + restricted
        let coalition = Fold(roster: roster)(all)
        #expect(coalition.digest == Fold(roster: roster)(plain).digest)
        #expect(sites(coalition) == ["DE/Open", "US/Open-US"])
        #expect(coalition.ignored.filter { $0.reason == .sealed }.count == 3)
        #expect(coalition.releasedTo.isEmpty)

        let expected: [String: [String]] = [
            "DE": ["DE/For-NL", "DE/For-US", "DE/Open", "US/Open-US"],
            "NL": ["DE/For-NL", "DE/Open", "NL/For-NL-US", "US/Open-US"],
            "US": ["DE/For-US", "DE/Open", "NL/For-NL-US", "US/Open-US"],
            "FR": ["DE/Open", "US/Open-US"],
        ]
        for (partner, sites) in expected {
            let view = Fold(roster: roster, reader: reader(partner))(all)
            #expect(self.sites(view) == sites, "\(partner)")
            for figure in view.siteFigures(at: ViewPeriod(Sample.month)) {
                let label = view.releaseLabel(of: figure.setBy)
                #expect((label != nil) == figure.site.hasPrefix("For-"), "\(partner) \(figure.site)")
            }
        }
        let nlTotals = Fold(roster: roster, reader: reader("NL"))(all)
        let labels = nlTotals.releaseLabels(of: nlTotals.siteFigures(at: ViewPeriod(Sample.month)).map(\.setBy))
        #expect(labels == [["DE", "NL"], ["NL", "US"]])
        #expect(
            CoalitionState.releaseNote(labels) == "includes figures released to DE, NL only; NL, US only"
        )
    }

    @Test func membersOfAnAudienceShareItsDigestAndOthersCannotComputeIt() throws {
        let entries = [
            de.append(Sample.report("DE", site: "Open"), at: 1_000),
            try sealed(de, Sample.report("DE", site: "A"), to: ["DE", "NL", "US"], at: 2_000),
            try sealed(us, Sample.report("US", site: "B"), to: ["DE", "NL", "US"], at: 2_001),
            try sealed(de, Sample.report("DE", site: "C"), to: ["DE", "NL"], at: 2_002),
        ]
        let label = ["DE", "NL", "US"]
        let digests = ["DE", "NL", "US"].map { Fold(roster: roster, reader: reader($0).only(label))(entries).digest }
        #expect(Set(digests).count == 1)
        let coalition = Fold(roster: roster)(entries).digest
        #expect(digests[0] != coalition)
        // FR is outside: its fold of that audience is the coalition state, not the audience's.
        #expect(Fold(roster: roster, reader: reader("FR").only(label))(entries).digest == coalition)
        // The [DE, NL] audience is another digest.
        let pair = Fold(roster: roster, reader: reader("NL").only(["DE", "NL"]))(entries).digest
        #expect(pair != digests[0] && pair != coalition)
    }

    @Test func aSealedEntryThatDoesNotOpenOrWritesForAnotherPartnerAddsNothing() throws {
        let good = try sealed(de, Sample.report("DE", site: "Good"), to: ["DE", "NL"], at: 1_000)
        var payload = try SealedPayload(decoding: good.payload)
        payload.ciphertext[0] ^= 1
        let altered = de.append(kind: SealedPayload.kind, payload: payload.encoded, at: 1_001)
        let foreign = try sealed(de, Sample.report("NL", site: "Forged"), to: ["DE", "NL"], at: 1_002)
        let outsider = try SealedEnvelope.seal(
            kind: 1,
            payload: Sample.report("DE", site: "NoAuthor").payload(),
            recipients: ["NL": decryption["NL"]!.publicKey],
            rosterSerial: 1,
            author: de.authorKey
        )
        let withoutAuthor = de.append(kind: SealedPayload.kind, payload: outsider.encoded, at: 1_003)
        let view = Fold(roster: roster, reader: reader("NL"))([good, altered, foreign, withoutAuthor])
        #expect(sites(view) == ["DE/Good"])
        let reasons = Dictionary(uniqueKeysWithValues: view.ignored.map { ($0.id, $0.reason) })
        #expect(reasons[altered.id] == .sealed)
        #expect(reasons[foreign.id] == .notOwnRecord)
        #expect(reasons[withoutAuthor.id] == .malformedPayload)
    }

    @Test func partialFoldsMergeTheirMarkings() throws {
        let a = try sealed(de, Sample.report("DE", site: "A"), to: ["DE", "NL"], at: 1_000)
        let b = try sealed(nl, Sample.report("NL", site: "B"), to: ["NL", "US"], at: 1_001)
        let fold = Fold(roster: roster, reader: reader("NL"))
        var left = FoldState(fold)
        left.add(a)
        var right = FoldState(fold)
        right.add(b)
        try left.merge(right)
        let merged = left.finish()
        #expect(merged == fold([a, b]))
        #expect(merged.releaseAudiences == [["DE", "NL"], ["NL", "US"]])
    }

    /// Aggregate release (Protocol/releasability.md §6): the rounded report, then the exact one sealed, in one
    /// chain; the audience's views take the exact figure, everyone else (and the coalition digest) the rounded.
    @Test func anAggregateReleaseGivesEachViewItsFigure() throws {
        let rounded = de.append(Sample.report("DE", site: "Plant", capacity: 1200), at: 1_000)
        let exact = try sealed(de, Sample.report("DE", site: "Plant", capacity: 1234), to: ["DE", "NL"], at: 1_001)
        let entries = [exact, rounded]
        func capacity(_ state: CoalitionState) -> UInt64? {
            state.siteFigures(at: ViewPeriod(Sample.month)).first?.monthlyCapacity
        }
        let coalition = Fold(roster: roster)(entries)
        #expect(capacity(coalition) == 1200)
        #expect(coalition.digest == Fold(roster: roster)([rounded]).digest)
        for (partner, expected) in [("DE", 1234), ("NL", 1234), ("US", 1200), ("FR", 1200)] {
            let view = Fold(roster: roster, reader: reader(partner))(entries)
            #expect(capacity(view) == UInt64(expected), "\(partner)")
            let figure = try #require(view.siteFigures(at: ViewPeriod(Sample.month)).first)
            #expect((view.releaseLabel(of: figure.setBy) != nil) == (expected == 1234), "\(partner)")
        }
    }
}
