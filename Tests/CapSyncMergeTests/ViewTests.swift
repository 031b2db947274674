import CapSyncCrypto
import CapSyncMerge
import CapSyncWire
import Foundation
import Testing

/// The views the CLI renders: totals for a month (each site's report for it, else its latest earlier one), shortfalls,
/// threshold alerts, pools, trend, shortfall matches, per-partner detail, diff, JSON form.
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

    static let november = ViewPeriod(Sample.nextMonth)

    @Test func totalsCountEverySiteWithItsReportForTheMonthOrItsLatestEarlierOne() {
        let state = fold(entries: sampleEntries(), roster: coalition, nowMilliseconds: nil)
        let totals = state.totals(at: Self.november)
        #expect(totals.map(\.item) == ["BARREL-155", "SHELL-155-HE"])
        let shells = totals[1]
        // NO Raufoss November, NO Nammo-2 October (not dropped because Raufoss reported November), PL October.
        #expect(shells.monthlyCapacity == 120 + 50 + 400)
        #expect(shells.monthlyOutput == 100 + 50 + 380)
        #expect(shells.stockOnHand == 300 + 10 + 1000)
        #expect(shells.availableAboveThreshold == 0 + 0 + 900)
        #expect(shells.sites == 3)
        #expect(shells.partners == 2)
        #expect(shells.staleSites == 0)
        #expect(shells.oldestPeriod == Sample.month)
        let figures = state.siteFigures(at: Self.november, item: "SHELL-155-HE")
        #expect(
            figures.map { "\($0.partner) \($0.site) \($0.period) \($0.ageMonths)" } == [
                "NO Nammo-2 2026-10 1", "NO Raufoss 2026-11 0", "PL Stalowa Wola 2026-10 1",
            ]
        )
        // October's view never takes November's report: it is later.
        let october = state.totals(at: ViewPeriod(Sample.month))[1]
        #expect(october.monthlyCapacity == 100 + 50 + 400)
        let byPartner = state.totals(at: Self.november, by: .partner)
        #expect(
            byPartner.map { "\($0.partner ?? "") \($0.item) \($0.monthlyCapacity)" } == [
                "NO SHELL-155-HE 170", "PL BARREL-155 4", "PL SHELL-155-HE 400",
            ]
        )
        let bySite = state.totals(at: Self.november, by: .site)
        #expect(
            bySite.map { "\($0.site ?? "") \($0.item) \($0.partners)" } == [
                "Nammo-2 SHELL-155-HE 1", "Raufoss SHELL-155-HE 1", "Stalowa Wola BARREL-155 1",
                "Stalowa Wola SHELL-155-HE 1",
            ]
        )
    }

    /// A second site's report for a later month no longer drops the first site's figures (78,000 stayed 78,000).
    @Test func aSiteReportingALaterMonthKeepsTheOtherSitesCounted() throws {
        let sweden = TestAuthor(partner: "SE", seedByte: 9)
        let entries = [
            sweden.append(Sample.report("SE", site: "Karlskoga", period: Sample.nextMonth, capacity: 6_000), at: 1_000),
            sweden.append(Sample.report("SE", site: "Raufoss", period: Sample.nextMonth, capacity: 72_000), at: 1_001),
            sweden.append(
                Sample.report("SE", site: "Raufoss", period: try Period("2026-12"), capacity: 72_000),
                at: 1_002
            ),
        ]
        let state = fold(entries: entries, roster: roster([sweden]), nowMilliseconds: nil)
        let december = try #require(state.totals(at: ViewPeriod(try Period("2026-12"))).first)
        #expect(december.monthlyCapacity == 78_000)
        #expect(december.sites == 2)
        #expect(state.totals(at: Self.november).first?.monthlyCapacity == 78_000)
    }

    /// A typed year (2031-01) is a plan for a view of 2026-11, never an actual.
    @Test func aLaterMonthNeverReplacesTheMonthsActuals() throws {
        let entries = [
            poland.append(Sample.report("PL", site: "Mesko", period: Sample.nextMonth, capacity: 20_000), at: 1_000),
            poland.append(Sample.report("PL", site: "Mesko", period: try Period("2031-01"), capacity: 1), at: 1_001),
        ]
        let state = fold(entries: entries, roster: coalition, nowMilliseconds: nil)
        #expect(state.totals(at: Self.november).map(\.monthlyCapacity) == [20_000])
        let trend = state.trend(
            item: "SHELL-155-HE",
            from: Sample.month,
            to: try Period("2027-01"),
            view: Self.november
        )
        #expect(trend.map(\.monthlyCapacity) == [0, 20_000, 0, 0])  // 2026-12 has no plan; 2027-01 neither
        #expect(trend.map(\.isPlan) == [false, false, true, true])
        #expect(state.defaultTrendRange(item: "SHELL-155-HE", view: Self.november).upperBound == Sample.nextMonth)
    }

    /// Figures from 2025-12 in a 2026-11 view are counted, and the total says they are stale and how old.
    @Test func oldFiguresAreMarkedStale() throws {
        let entries = [
            poland.append(Sample.report("PL", site: "Mesko", period: try Period("2025-12"), capacity: 500), at: 1_000),
            norway.append(Sample.report("NO", site: "Raufoss", period: Sample.nextMonth, capacity: 900), at: 1_001),
            norway.append(Sample.report("NO", site: "Nammo-2", period: try Period("2026-09"), capacity: 10), at: 1_002),
        ]
        let state = fold(entries: entries, roster: coalition, nowMilliseconds: nil)
        let total = try #require(state.totals(at: Self.november).first)
        #expect(total.monthlyCapacity == 1_410)
        #expect(total.sites == 3)
        #expect(total.staleSites == 1)
        #expect(total.stalePartners == 1)
        #expect(total.oldestPeriod == (try Period("2025-12")))
        let figures = state.siteFigures(at: Self.november)
        #expect(figures.map(\.isStale) == [false, false, true])
        #expect(figures.map(\.ageMonths) == [2, 0, 11])
        #expect(state.totals(at: ViewPeriod(Sample.nextMonth, staleAfterMonths: 1)).first?.staleSites == 2)
    }

    @Test func matchesRankCandidatesByHowMuchThenHowSoon() throws {
        let entries = [
            norway.append(
                Sample.report(
                    "NO",
                    site: "Raufoss",
                    capacity: 1_000,
                    output: 400,
                    stock: 900,
                    threshold: 200,
                    lead: 60
                ),
                at: 1_000
            ),
            poland.append(
                Sample.report(
                    "PL",
                    site: "Mesko",
                    capacity: 3_000,
                    output: 2_000,
                    stock: 100,
                    threshold: 100,
                    lead: 10
                ),
                at: 1_001
            ),
            ukraine.append(
                Sample.report("UA", site: "Shostka", capacity: 9_000, output: 0, stock: 9_000, threshold: 0),
                at: 1_002
            ),
            ukraine.append(
                Sample.need("UA", code: "NEED-UA-001", quantity: 2_000, due: try Day("2026-12-15"), priority: 1),
                at: 1_003
            ),
            norway.append(Sample.pledge("NO", to: "UA", code: "NEED-UA-001", quantity: 500), at: 1_004),
        ]
        let state = fold(entries: entries, roster: coalition, nowMilliseconds: nil)
        let today = try Day("2026-11-28")
        let matches = state.shortfallMatches(at: ViewPeriod(Sample.nextMonth), today: today)
        #expect(matches.count == 1)
        let candidates = matches[0].candidates
        // Remaining 1,500. PL's spare 1,000 is ready 2026-12-08 (10 days); NO's 700 above threshold is there now;
        // NO's spare capacity takes 60 days, past the due date; UA owns the need; PL's stock is at its threshold.
        #expect(
            candidates.map { "\($0.partner) \($0.source.rawValue) \($0.covers) \($0.earliest)" } == [
                "PL spare_capacity 1000 2026-12-08", "NO stock 700 2026-11-28",
            ]
        )
        #expect(candidates.map(\.alreadyPledged) == [0, 500])
        // The due date passed: no candidate can deliver.
        let late = state.shortfallMatches(at: ViewPeriod(Sample.nextMonth), today: try Day("2026-12-16"))
        #expect(late[0].candidates.isEmpty)
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
        let alerts = state.thresholdAlerts(at: Self.november)
        // NO Raufoss November (300 ≤ 300), NO Nammo-2 October (10 ≤ 20, its latest month) and PL barrels (2 ≤ 2).
        #expect(
            alerts.map { "\($0.partner) \($0.item) \($0.site)" } == [
                "PL BARREL-155 Stalowa Wola", "NO SHELL-155-HE Nammo-2", "NO SHELL-155-HE Raufoss",
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
        #expect(past.totals(at: Self.november).map(\.monthlyCapacity) == [150])
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
        _ = try encoder.encode(state.totals(at: Self.november))
        _ = try encoder.encode(state.shortfallMatches(at: Self.november, today: try Day("2026-11-28")))
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
