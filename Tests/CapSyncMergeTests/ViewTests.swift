import CapSyncCrypto
import CapSyncMerge
import CapSyncWire
import Foundation
import Testing

/// The views the CLI renders: totals over each partner's latest month, shortfalls, threshold alerts, pools,
/// per-partner detail, diff, JSON form.
@Suite struct ViewTests {
    let norway = TestAuthor(partner: "NO", seedByte: 1)
    let poland = TestAuthor(partner: "PL", seedByte: 3)
    let ukraine = TestAuthor(partner: "UA", seedByte: 4)

    var coalition: Roster { roster([norway, poland, ukraine]) }

    /// NO reports two sites for October and one for November (so only November counts); PL reports October.
    func sampleEntries() -> [Entry] {
        [
            norway.append(
                Sample.report("NO", site: "Raufoss", capacity: 100, output: 90, stock: 500, threshold: 200),
                at: 1_000
            ),
            norway.append(
                Sample.report("NO", site: "Nammo-2", capacity: 50, output: 50, stock: 10, threshold: 20),
                at: 1_001
            ),
            norway.append(
                Sample.report(
                    "NO",
                    site: "Raufoss",
                    period: Sample.nextMonth,
                    capacity: 120,
                    output: 100,
                    stock: 300,
                    threshold: 300
                ),
                at: 1_002
            ),
            poland.append(
                Sample.report("PL", site: "Stalowa Wola", capacity: 400, output: 380, stock: 1000, threshold: 100),
                at: 1_003
            ),
            poland.append(
                Sample.report(
                    "PL",
                    item: "BARREL-155",
                    site: "Stalowa Wola",
                    capacity: 4,
                    output: 3,
                    stock: 2,
                    threshold: 2
                ),
                at: 1_004
            ),
            ukraine.append(
                Sample.need("UA", code: "NEED-UA-002", quantity: 800, due: try! Day("2027-03-01"), priority: 2),
                at: 1_005
            ),
            ukraine.append(
                Sample.need("UA", code: "NEED-UA-001", quantity: 1_000, due: try! Day("2027-01-15"), priority: 1),
                at: 1_006
            ),
            ukraine.append(
                Sample.need(
                    "UA",
                    code: "NEED-UA-003",
                    quantity: 5,
                    due: try! Day("2027-01-15"),
                    priority: 1,
                    open: false
                ),
                at: 1_007
            ),
            norway.append(Sample.pledge("NO", to: "UA", code: "NEED-UA-001", quantity: 300), at: 1_008),
            poland.append(Sample.pledge("PL", to: "UA", code: "NEED-UA-001", quantity: 900), at: 1_009),
            poland.append(Sample.join("PL", item: "BARREL-155"), at: 1_010),
            norway.append(Sample.join("NO", item: "BARREL-155"), at: 1_011),
        ]
    }

    @Test func itemTotalsUseEachPartnersLatestMonth() {
        let state = fold(entries: sampleEntries(), roster: coalition, nowMilliseconds: nil)
        let totals = state.itemTotals()
        #expect(totals.map(\.item) == ["BARREL-155", "SHELL-155-HE"])
        let shells = totals[1]
        #expect(shells.partners.map(\.partner) == ["NO", "PL"])
        #expect(shells.partners[0].period == Sample.nextMonth)
        #expect(shells.partners[0].sites == 1)
        #expect(shells.monthlyCapacity == 120 + 400)
        #expect(shells.monthlyOutput == 100 + 380)
        #expect(shells.stockOnHand == 300 + 1000)
        #expect(shells.availableAboveThreshold == 0 + 900)
    }

    @Test func shortfallsListOpenNeedsByDueDate() {
        let state = fold(entries: sampleEntries(), roster: coalition, nowMilliseconds: nil)
        let shortfalls = state.shortfalls()
        #expect(shortfalls.map(\.code) == ["NEED-UA-001", "NEED-UA-002"])
        #expect(shortfalls[0].pledged == 1_200)
        #expect(shortfalls[0].remaining == 0)
        #expect(shortfalls[0].pledges.map(\.partner) == ["NO", "PL"])
        #expect(shortfalls[1].remaining == 800)
    }

    @Test func thresholdAlertsAndPoolsAndDetail() {
        let state = fold(entries: sampleEntries(), roster: coalition, nowMilliseconds: nil)
        let alerts = state.thresholdAlerts()
        // NO Raufoss November (300 ≤ 300) and PL barrels (2 ≤ 2); NO Nammo-2 is October, not NO's latest month.
        #expect(
            alerts.map { "\($0.partner) \($0.item) \($0.site)" } == [
                "NO SHELL-155-HE Raufoss", "PL BARREL-155 Stalowa Wola",
            ]
        )
        #expect(state.poolViews().map(\.item) == ["BARREL-155"])
        #expect(state.poolViews()[0].members.map(\.partner) == ["NO", "PL"])

        let detail = state.detail(of: "NO")
        #expect(detail.reports.count == 3)
        #expect(detail.pledges.map(\.quantity) == [300])
        #expect(detail.pools == ["BARREL-155"])
        #expect(detail.reports.allSatisfy { $0.setBy.author == norway.authorKey })
    }

    @Test func diffNamesWhatChanged() {
        let entries = sampleEntries()
        let before = fold(entries: entries, roster: coalition, nowMilliseconds: nil)
        let more = [
            poland.append(Sample.pledge("PL", to: "UA", code: "NEED-UA-001", quantity: 0), at: 2_000),
            norway.append(Sample.retraction("NO", site: "Nammo-2"), at: 2_001),
            ukraine.append(
                Sample.need("UA", code: "NEED-UA-002", quantity: 900, due: try! Day("2027-03-01"), priority: 2),
                at: 2_002
            ),
            ukraine.append(Sample.join("UA", item: "CHIP-MCU"), at: 2_003),
        ]
        let after = fold(entries: entries + more, roster: coalition, nowMilliseconds: nil)
        let changes = CoalitionState.diff(before, after)
        #expect(
            changes.map { "\($0.area) \($0.action) \($0.subject)" } == [
                "report removed NO SHELL-155-HE Nammo-2 2026-10",
                "need changed UA NEED-UA-002",
                "pledge removed PL -> UA NEED-UA-001",
                "pool added CHIP-MCU UA",
            ]
        )
        #expect(changes[0].setBy?.entryID == more[1].id)
        #expect(CoalitionState.diff(after, after).isEmpty)
    }

    @Test func asOfShowsThePast() {
        let entries = sampleEntries()
        let past = fold(
            entries: entries,
            roster: coalition,
            nowMilliseconds: nil,
            asOf: HLCTimestamp(milliseconds: 1_001)
        )
        #expect(past.itemTotals().map(\.monthlyCapacity) == [150])
        #expect(past.shortfalls().isEmpty)
    }

    @Test func viewsEncodeAsJSON() throws {
        let state = fold(entries: sampleEntries(), roster: coalition, nowMilliseconds: nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(state.detail(of: "PL")), as: UTF8.self)
        #expect(json.contains("\"period\":\"2026-10\""))
        #expect(json.contains("\"entry\":\"\(state.records.first { $0.partner == "PL" }!.setBy.entryID.hex)\""))
        let decoded = try JSONDecoder().decode(PartnerDetail.self, from: try encoder.encode(state.detail(of: "PL")))
        #expect(decoded == state.detail(of: "PL"))
        _ = try encoder.encode(state.itemTotals())
        _ = try encoder.encode(state.shortfalls())
        _ = try encoder.encode(state.ignored)
    }

    @Test func entrySetDigestCoversAdmittedIdsAndForks() {
        let entries = sampleEntries()
        let authors = Set(entries.map(\.author))
        let roster = try! Roster(
            serial: 1,
            members: authors.sorted().enumerated().map { Roster.Member(partner: "P\($0.offset)A", key: $0.element) }
        )
        let triples = entries.map { ($0.id, $0.author, $0.seq) }
        let digest = EntrySetDigest.digest(of: triples, roster: roster, forks: [:])
        #expect(EntrySetDigest.digest(of: triples.reversed() + triples, roster: roster, forks: [:]) == digest)
        var expected: [UInt8] = Array("CAPSYNC-ENTRYSET-V2".utf8) + [0, 0, 0, 0, 0, 0, 0, 0, UInt8(entries.count)]
        for id in entries.map(\.id).sorted() { expected += id.bytes }
        expected += [0, 0, 0, 0, 0, 0, 0, 0]
        #expect(digest == Bytes32(SHA256.hash(expected)))
        #expect(EntrySetDigest.digest(of: triples.dropLast(), roster: roster, forks: [:]) != digest)
        // A fork seq excludes the author's entries from it on, and is itself covered.
        let forked = entries[0].author
        let withFork = EntrySetDigest.digest(of: triples, roster: roster, forks: [forked: 1])
        let kept = entries.filter { $0.author != forked }
        var forkExpected: [UInt8] = Array("CAPSYNC-ENTRYSET-V2".utf8) + [0, 0, 0, 0, 0, 0, 0, 0, UInt8(kept.count)]
        for id in kept.map(\.id).sorted() { forkExpected += id.bytes }
        forkExpected += [0, 0, 0, 0, 0, 0, 0, 1] + forked.bytes + [0, 0, 0, 0, 0, 0, 0, 1]
        #expect(withFork == Bytes32(SHA256.hash(forkExpected)))
    }
}

@Suite struct CatalogTests {
    @Test func embeddedCatalogMatchesProtocolCatalogJSON() throws {
        struct File: Decodable {
            let format: String
            let items: [Catalog.Item]
        }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("Protocol/catalog.json")
        let file = try JSONDecoder().decode(File.self, from: try Data(contentsOf: url))
        #expect(file.format == "capsync-catalog v1")
        #expect(Catalog(items: file.items) == Catalog.standard)
        #expect(Set(file.items.map(\.code)).count == file.items.count)
        for item in file.items { #expect(throws: Never.self) { try FieldRules.checkCode(item.code, field: "catalog") } }
    }

    @Test func inputChecksNameTheKnownCodes() throws {
        #expect(try Catalog.standard.require("SHELL-155-HE").unit == "rounds")
        #expect(Catalog.standard.item("BARREL-155")?.unit == "barrels")
        do {
            _ = try Catalog.standard.require("SHELL-155-EH")
            Issue.record("a typo was accepted")
        } catch {
            #expect(error.reason.contains("SHELL-155-HE"))
        }
    }
}
