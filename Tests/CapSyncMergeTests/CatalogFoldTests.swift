import CapSyncCrypto
import CapSyncMerge
import CapSyncTestSupport
import CapSyncWire
import Testing

/// Kinds 7 and 8 (Protocol/payloads.md, Protocol/fold.md "The coalition catalog"): the payloads' bytes, the owner
/// and unit rules in any order, and the interchangeable views.
@Suite struct CatalogFoldTests {
    static let t0: UInt64 = 1_793_491_200_000

    @Test func knownBytesFromThePayloadsPage() throws {
        let definition = Sample.definition("NO", nsn: "1320-01-234-5678")
        #expect(
            Hex.encode(definition.payload())
                == "024e4f" + "115348454c4c2d3135352d48452d4d373935" + "0e313535206d6d204845204d373935"
                + "06726f756e6473" + "0a616d6d756e6974696f6e" + "10313332302d30312d3233342d35363738"
        )
        let group = Sample.group("NO", members: ["SHELL-155-HE-M795", "SHELL-155-HE", "SHELL-155-HE"])
        #expect(
            Hex.encode(group.payload())
                == "024e4f" + "0a4752502d3135352d4845" + "09313535206d6d204845" + "02"
                + "0c5348454c4c2d3135352d4845" + "115348454c4c2d3135352d48452d4d373935"
        )
    }

    @Test(arguments: [
        (
            "NSN without dashes", 7,
            "024e4f" + "0158" + "014e" + "0155" + "0143" + "10" + "31333230303132333435363738393031"
        ),
        ("NSN too short", 7, "024e4f" + "0158" + "014e" + "0155" + "0143" + "03" + "313332"),
        ("empty unit", 7, "024e4f" + "0158" + "014e" + "00" + "0143" + "00"),
        ("members unordered", 8, "024e4f" + "0147" + "014e" + "02" + "0142" + "0141"),
        ("member repeated", 8, "024e4f" + "0147" + "014e" + "02" + "0141" + "0141"),
        ("member count over 64", 8, "024e4f" + "0147" + "014e" + "41"),
        ("lower-case member", 8, "024e4f" + "0147" + "014e" + "01" + "0161"),
    ])
    func malformedPayloadsAreRefused(_ name: String, _ kind: UInt64, _ hex: String) {
        #expect(throws: MergeError.self, "\(name)") { try Operation(kind: kind, payload: Hex.decode(hex)!) }
    }

    /// A history with every catalog rule: definitions and groups by three partners, conflicts, restatements.
    static func history() -> (Roster, [Entry]) {
        let no = TestAuthor(partner: "NO", seedByte: 1)
        let no2 = TestAuthor(partner: "NO", seedByte: 2)
        let pl = TestAuthor(partner: "PL", seedByte: 3)
        let ua = TestAuthor(partner: "UA", seedByte: 4)
        var rng = SplitMix64(seed: 0xCA7)
        var entries: [Entry] = []
        let codes = ["X-1", "X-2", "X-3"]
        let units = ["rounds", "kg"]
        for step in 0..<40 {
            let author = [no, no2, pl, ua][Int(rng.next() % 4)]
            let at = t0 + UInt64(step) * 500 + rng.next() % 3 * 500
            let code = codes[Int(rng.next() % 3)]
            let operation: Operation
            switch rng.next() % 4 {
            case 0, 1:
                operation = Sample.definition(
                    author.partner,
                    code: rng.next() % 8 == 0 ? "SHELL-155-HE" : code,
                    name: "N\(step)",
                    unit: units[Int(rng.next() % 2)]
                )
            case 2:
                let members = codes.filter { _ in rng.next() % 2 == 0 } + ["SHELL-155-HE"]
                operation = Sample.group(author.partner, code: "G-\(rng.next() % 2)", members: members)
            default:
                operation = Sample.report(author.partner, item: code, capacity: rng.next() % 100)
            }
            entries.append(author.append(operation, at: at))
        }
        return (roster([no, no2, pl, ua]), entries)
    }

    @Test func anyOrderGivesTheReferenceState() throws {
        let (roster, entries) = Self.history()
        let reference = ReferenceFold(roster: roster, forks: [:]).run(entries)
        let expected = fold(entries: entries, roster: roster, nowMilliseconds: nil)
        #expect(expected.canonicalBytes == reference.canonicalBytes)
        #expect(Set(expected.ignored.map(\.id)) == Set(reference.ignored.map(\.id)))
        let reasons = Set(expected.ignored.map(\.reason))
        #expect(reasons.isSuperset(of: [.builtInCode, .notCatalogOwner, .unitChanged]), "\(reasons)")
        #expect(!expected.itemDefinitions.isEmpty && !expected.itemGroups.isEmpty)
        var rng = SplitMix64(seed: 7)
        for round in 0..<20 {
            var shuffled = entries
            for index in shuffled.indices.reversed() where index > 0 {
                shuffled.swapAt(index, Int(rng.next() % UInt64(index + 1)))
            }
            if round % 2 == 1 { shuffled += shuffled.prefix(5) }
            let state = fold(entries: shuffled, roster: roster, nowMilliseconds: nil)
            #expect(state.canonicalBytes == expected.canonicalBytes, "round \(round)")
            #expect(state.ignored == expected.ignored, "round \(round)")
            // Two partial folds merged give the same state.
            let cut = Int(rng.next() % UInt64(shuffled.count))
            var left = FoldState(Fold(roster: roster))
            left.add(contentsOf: shuffled[..<cut])
            var right = FoldState(Fold(roster: roster))
            right.add(contentsOf: shuffled[cut...])
            try left.merge(right)
            #expect(left.finish().canonicalBytes == expected.canonicalBytes, "round \(round), merged at \(cut)")
        }
    }

    @Test func withoutCatalogEntriesTheEncodingHasNoCatalogSections() {
        let no = TestAuthor(partner: "NO", seedByte: 1)
        let report = no.append(Sample.report("NO"), at: Self.t0)
        let bare = fold(entries: [report], roster: roster([no]), nowMilliseconds: nil)
        #expect(bare.canonicalBytes == ReferenceFold(roster: roster([no]), forks: [:]).run([report]).canonicalBytes)
        let defined = fold(
            entries: [report, no.append(Sample.definition("NO"), at: Self.t0 + 1)],
            roster: roster([no]),
            nowMilliseconds: nil
        )
        #expect(defined.canonicalBytes.starts(with: bare.canonicalBytes))
        #expect(defined.canonicalBytes.count > bare.canonicalBytes.count)
    }

    @Test func interchangeableTotalsAndMatches() throws {
        let no = TestAuthor(partner: "NO", seedByte: 1)
        let pl = TestAuthor(partner: "PL", seedByte: 3)
        let ua = TestAuthor(partner: "UA", seedByte: 4)
        let entries = [
            no.append(Sample.definition("NO"), at: Self.t0),
            no.append(Sample.group("NO", members: ["SHELL-155-HE", "SHELL-155-HE-M795"]), at: Self.t0 + 1),
            // A later group cannot take SHELL-155-HE from the first.
            pl.append(Sample.group("PL", code: "GRP-B", members: ["SHELL-155-HE", "BARREL-155"]), at: Self.t0 + 2),
            no.append(
                Sample.report("NO", item: "SHELL-155-HE-M795", site: "A", capacity: 100, output: 60, stock: 500),
                at: Self.t0 + 3
            ),
            pl.append(
                Sample.report("PL", item: "SHELL-155-HE", site: "B", capacity: 50, output: 50, stock: 40),
                at: Self.t0 + 4
            ),
            pl.append(
                Sample.report("PL", item: "BARREL-155", site: "B", capacity: 5, output: 1, stock: 3),
                at: Self.t0 + 5
            ),
            ua.append(Sample.need("UA", item: "SHELL-155-HE", quantity: 300), at: Self.t0 + 6),
        ]
        let state = fold(entries: entries, roster: roster([no, pl, ua]), nowMilliseconds: nil)
        let catalog = CoalitionCatalog(state: state)
        #expect(catalog.interchangeable["SHELL-155-HE"] == "GRP-155-HE")
        #expect(catalog.interchangeable["BARREL-155"] == "GRP-B")
        #expect(catalog.shadowed(in: try #require(catalog.group("GRP-B"))).map(\.item) == ["SHELL-155-HE"])
        let view = ViewPeriod(Sample.month)
        let totals = state.totals(at: view, by: .item, interchangeable: catalog.interchangeable)
        #expect(totals.map(\.total.item) == ["GRP-155-HE", "GRP-B"])
        #expect(totals[0].items == ["SHELL-155-HE", "SHELL-155-HE-M795"])
        #expect(totals[0].total.monthlyCapacity == 150 && totals[0].total.stockOnHand == 540)
        let selected = state.totals(at: view, item: "SHELL-155-HE-M795", interchangeable: catalog.interchangeable)
        #expect(selected.map(\.total.item) == ["GRP-155-HE"])
        // Without groups nobody can fill the need for SHELL-155-HE; with them, NO's M795 stock and capacity can.
        let plain = state.shortfallMatches(at: view, today: try Day("2026-10-02"))
        let grouped = state.shortfallMatches(
            at: view,
            today: try Day("2026-10-02"),
            interchangeable: catalog.interchangeable
        )
        #expect(plain[0].candidates.isEmpty)
        #expect(grouped[0].group == "GRP-155-HE")
        #expect(grouped[0].candidates.map(\.item).contains("SHELL-155-HE-M795"))
        #expect(grouped[0].candidates.first?.candidate.partner == "NO")
    }
}
