import CapSyncMerge
import CapSyncWire
import Testing

/// The planning kinds in `CoalitionState.diff` and in a partner's detail: each register's additions, changes and
/// removals, with the entry that set them.
@Suite struct PlanningDiffTests {
    let norway = TestAuthor(partner: "NO", seedByte: 1)
    let poland = TestAuthor(partner: "PL", seedByte: 3)
    let ukraine = TestAuthor(partner: "UA", seedByte: 4)

    func state(_ entries: [Entry]) -> CoalitionState {
        fold(entries: entries, roster: roster([norway, poland, ukraine]), forks: [:], nowMilliseconds: nil)
    }

    @Test func diffCoversEveryPlanningRegister() {
        let before = [
            poland.append(Sample.terms("PL", target: 400), at: 1_000),
            norway.append(Sample.share("NO", quantity: 100), at: 1_001),
            norway.append(Sample.drawdown("NO"), at: 1_002),
            norway.append(Sample.order("NO", at: "PL", quantity: 50), at: 1_003),
        ]
        let more = [
            poland.append(Sample.terms("PL", target: 500, status: .tendering), at: 2_000),
            norway.append(Sample.share("NO", quantity: 0), at: 2_001),
            norway.append(Sample.drawdown("NO", active: false), at: 2_002),
            norway.append(Sample.schedule("NO", to: "UA", [("2026-12", 300, 100)]), at: 2_003),
            ukraine.append(Sample.confirmation("UA", from: "NO", [("2026-12", 90)]), at: 2_004),
            norway.append(Sample.order("NO", at: "PL", quantity: 50, open: false), at: 2_005),
            poland.append(Sample.answer("PL", to: "NO", slot: ("2026-12", 50)), at: 2_006),
        ]
        let changes = CoalitionState.diff(state(before), state(before + more))
        #expect(
            changes.map { "\($0.area) \($0.action) \($0.subject): \($0.after ?? $0.before ?? "")" } == [
                "poolTerms changed BARREL-155: lead PL, target 500, tendering",
                "poolShare removed BARREL-155 NO: 100",
                "drawdown changed NO SHELL-155-HE Plant-1: 2026-11–2027-02 floor 800, refill 2027-03:1500 "
                    + "2027-05:2500, withdrawn",
                "delivery added NO -> UA NEED-001: 2026-12 promised 300 delivered 100",
                "confirmation added UA NEED-001 <- NO: 2026-12 received 90",
                "order changed NO ORD-1: 50 SHELL-155-HE at PL Plant-1, 2026-11–2026-12, priority 2, cancelled",
                "orderResponse added PL -> NO ORD-1: accepted 2026-12:50",
            ]
        )
        #expect(changes[1].setBy?.entryID == more[1].id, "a withdrawn share names the withdrawing entry")
        #expect(changes[3].afterFields?.first == Change.Field("promised", .int(300)))
        #expect(CoalitionState.diff(state(before + more), state(before + more)).isEmpty)
    }

    @Test func aPartnersDetailListsWhatItWroteOnly() {
        let entries = [
            poland.append(Sample.terms("PL", target: 400), at: 1_000),
            norway.append(Sample.drawdown("NO"), at: 1_001),
            norway.append(Sample.schedule("NO", to: "UA", [("2026-12", 300, 0)]), at: 1_002),
            ukraine.append(Sample.confirmation("UA", from: "NO", [("2026-12", 90)]), at: 1_003),
            poland.append(Sample.answer("PL", to: "NO", slot: nil), at: 1_004),
        ]
        let folded = state(entries)
        #expect(folded.detail(of: "NO").planning.map(\.area) == [.drawdown, .delivery])
        #expect(folded.detail(of: "PL").planning.map(\.summary) == ["lead PL, target 400, forming", "refused"])
        #expect(folded.detail(of: "UA").planning.map(\.setBy.entryID) == [entries[3].id])
    }
}
