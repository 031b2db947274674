import CapSyncMerge
import CapSyncTestSupport
import Testing

/// The period views of the real fold against the naive reference views, on seeded random coalitions: every
/// month from before the first report to after the last plan, several stale limits, every grouping, trends and
/// shortfall matches from random days.
@Suite struct ReferenceViewTests {
    @Test(arguments: 0..<3)
    func periodViewsMatchTheNaiveModel(batch: UInt64) throws {
        var generator = RandomCoalition(rng: SplitMix64(seed: 0x51E5_2026 + batch))
        let roster = generator.roster
        let months = ["2025-11", "2025-12", "2026-01", "2026-09", "2026-10", "2026-11", "2026-12", "2031-01"].map {
            try! Period($0)
        }
        var compared = 0
        for _ in 0..<150 {
            let (entries, forks, now, asOf) = generator.make()
            let reference = ReferenceFold(roster: roster, forks: forks, nowMilliseconds: now, asOf: asOf).run(entries)
            let views = ReferenceViews(reports: reference.reports, needs: reference.needs, pledges: reference.pledges)
            let state = Fold(roster: roster, forks: forks, nowMilliseconds: now, asOf: asOf)(entries)
            #expect(state.canonicalBytes == reference.canonicalBytes)

            let month = generator.pick(months)
            let staleAfter = Int(generator.number(3))
            let view = ViewPeriod(month, staleAfterMonths: staleAfter)
            let expectedFigures = views.figureLines(month: month, staleAfter: staleAfter)
            #expect(ViewLines.figures(state.siteFigures(at: view)) == expectedFigures, "\(month)")
            for grouping in TotalsGrouping.allCases {
                let expected = ReferenceViews.totalLines(
                    views.figures(month: month, staleAfter: staleAfter),
                    by: grouping
                )
                #expect(ViewLines.totals(state.totals(at: view, by: grouping), by: grouping) == expected)
            }
            let item = generator.pick(RandomCoalition.items)
            let from = month.adding(months: -Int(generator.number(3)))
            let to = month.adding(months: Int(generator.number(3)))
            #expect(
                ViewLines.trend(state.trend(item: item, from: from, to: to, view: view))
                    == views.trendLines(item: item, from: from, to: to, view: month, staleAfter: staleAfter)
            )
            let today = try Day(
                year: 2026,
                month: UInt8(10 + generator.number(2)),
                day: UInt8(1 + generator.number(27))
            )
            .adding(days: Int(generator.number(90)))
            let matches = ViewLines.matches(state.shortfallMatches(at: view, today: today))
            #expect(matches == views.matchLines(month: month, staleAfter: staleAfter, today: today), "\(today)")
            compared += expectedFigures.count
        }
        #expect(compared > 100, "the histories must hold reports to compare")
    }
}
