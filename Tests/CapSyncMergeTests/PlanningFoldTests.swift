import CapSyncMerge
import CapSyncWire
import Testing

/// Pool terms and shares (kinds 9, 10) and drawdown plans (kind 11): fold rules under both delivery orders, and the
/// views that read them.
@Suite struct PlanningFoldTests {
    let norway = TestAuthor(partner: "NO", seedByte: 1)
    let poland = TestAuthor(partner: "PL", seedByte: 3)
    let ukraine = TestAuthor(partner: "UA", seedByte: 4)

    func foldBothWays(_ entries: [Entry]) -> CoalitionState {
        let members = roster([norway, poland, ukraine])
        let forward = fold(entries: entries, roster: members, forks: [:], nowMilliseconds: nil)
        let backward = fold(entries: entries.reversed(), roster: members, forks: [:], nowMilliseconds: nil)
        #expect(forward.canonicalBytes == backward.canonicalBytes)
        #expect(forward.ignored == backward.ignored)
        return forward
    }

    @Test func theFirstTermsNameTheLeadAndOnlyTheLeadChangesThem() {
        let founding = poland.append(Sample.terms("PL", target: 400), at: 1_000)
        let grab = norway.append(Sample.terms("NO", target: 900, status: .contracted), at: 2_000)
        let tendering = poland.append(Sample.terms("PL", target: 500, status: .tendering), at: 3_000)
        let state = foldBothWays([founding, grab, tendering])
        #expect(
            state.poolTerms.map(\.value) == [
                try! PoolTerms(lead: "PL", item: "BARREL-155", target: 500, status: .tendering)
            ]
        )
        #expect(state.poolTerms.first?.setBy.entryID == tendering.id)
        #expect(state.ignored.map(\.id) == [grab.id])
        #expect(state.ignored.first?.reason == .notPoolLead)
        #expect(state.ignored.first?.detail.contains("PL leads") == true)
    }

    @Test func aPartnersTermsBeforeTheLeadsFoundTheirOwnLead() {
        // Whoever stated terms first leads, whatever order the entries arrive in.
        let early = norway.append(Sample.terms("NO", target: 900), at: 500)
        let late = poland.append(Sample.terms("PL", target: 400), at: 1_000)
        let state = foldBothWays([late, early])
        #expect(state.poolTerms.first?.value.lead == "NO")
        #expect(state.ignored.map(\.id) == [late.id])
    }

    @Test func sharesAreLastWriterWinsAndOnlyMembersCount() {
        let join = norway.append(Sample.join("NO"), at: 1_000)
        let first = norway.append(Sample.share("NO", quantity: 100), at: 2_000)
        let second = norway.append(Sample.share("NO", quantity: 150), at: 3_000)
        let outsider = ukraine.append(Sample.share("UA", quantity: 700), at: 3_500)
        let terms = poland.append(Sample.terms("PL", target: 400), at: 4_000)
        let state = foldBothWays([join, first, second, outsider, terms])
        #expect(state.poolShares.map(\.value.quantity) == [150, 700])
        let plan = state.poolPlans()
        #expect(plan.count == 1)
        #expect(plan[0].terms?.lead == "PL")
        #expect(plan[0].members.map(\.partner) == ["NO"])
        #expect(plan[0].wanted == 150)
    }

    @Test func aDrawdownPlanIsReplacedAndWithdrawnByItsPartnerOnly() {
        let plan = norway.append(Sample.drawdown("NO", floor: 900), at: 1_000)
        let replaced = norway.append(Sample.drawdown("NO", floor: 800), at: 2_000)
        let forged = ukraine.append(Sample.drawdown("NO", floor: 0), at: 3_000)
        var state = foldBothWays([plan, replaced, forged])
        #expect(state.drawdowns.map(\.value.floor) == [800])
        #expect(state.ignored.map(\.reason) == [.notOwnRecord])
        let withdrawn = norway.append(Sample.drawdown("NO", floor: 800, active: false), at: 4_000)
        state = foldBothWays([plan, replaced, forged, withdrawn])
        #expect(state.drawdowns.count == 1)
        #expect(state.drawdownPlan(partner: "NO", item: "SHELL-155-HE", site: "Plant-1") == nil)
    }

    /// Threshold 2000, window 2026-11 to 2027-02, floor 800, refill 1500 from 2027-03 and 2500 from 2027-05.
    @Test(
        arguments: [
            ("2026-10", 1500, "below-threshold-unplanned"),  // before the window
            ("2026-11", 1500, "below-threshold-planned"),
            ("2027-02", 800, "below-threshold-planned"),  // the floor itself is allowed
            ("2027-02", 799, "below-threshold-unplanned"),  // below the floor
            ("2027-03", 1499, "refill-behind-plan"),
            ("2027-03", 1500, "below-threshold-unplanned"),  // refill on plan, but past the window and below threshold
            ("2027-05", 2400, "refill-behind-plan"),
            ("2027-05", 2500, nil),
            ("2026-12", 2100, nil),  // above threshold in the window: no alert
        ] as [(String, UInt64, String?)]
    )
    func alertsTellPlannedFromUnplanned(_ month: String, _ stock: UInt64, _ expected: String?) {
        let period = try! Period(month)
        let report = norway.append(Sample.report("NO", period: period, stock: stock, threshold: 2000), at: 1_000)
        let plan = norway.append(Sample.drawdown("NO"), at: 2_000)
        let state = foldBothWays([report, plan])
        let alerts = state.stockAlerts(at: ViewPeriod(period))
        #expect(alerts.map(\.kind.rawValue) == (expected.map { [$0] } ?? []))
    }

    @Test func withoutAPlanEveryAlertIsUnplanned() {
        let report = norway.append(Sample.report("NO", stock: 1000, threshold: 2000), at: 1_000)
        let state = foldBothWays([report])
        #expect(state.stockAlerts(at: ViewPeriod(Sample.month)).map(\.kind) == [.unplanned])
        #expect(state.thresholdAlerts(at: ViewPeriod(Sample.month)).count == 1)
    }
}

/// Delivery schedules (kind 12) and confirmations (kind 13), and the deliveries view.
@Suite struct DeliveryFoldTests {
    let norway = TestAuthor(partner: "NO", seedByte: 1)
    let poland = TestAuthor(partner: "PL", seedByte: 3)
    let ukraine = TestAuthor(partner: "UA", seedByte: 4)

    func foldBothWays(_ entries: [Entry]) -> CoalitionState {
        let members = roster([norway, poland, ukraine])
        let forward = fold(entries: entries, roster: members, forks: [:], nowMilliseconds: nil)
        let backward = fold(entries: entries.reversed(), roster: members, forks: [:], nowMilliseconds: nil)
        #expect(forward.canonicalBytes == backward.canonicalBytes)
        return forward
    }

    @Test func promisedDeliveredAndConfirmedLateFirst() throws {
        let need = ukraine.append(Sample.need("UA", quantity: 2_000), at: 1_000)
        let pledgeNO = norway.append(Sample.pledge("NO", to: "UA", quantity: 900), at: 2_000)
        let scheduleNO = norway.append(
            Sample.schedule("NO", to: "UA", [("2026-10", 300, 300), ("2026-11", 600, 100)]),
            at: 3_000
        )
        let schedulePL = poland.append(Sample.schedule("PL", to: "UA", [("2026-11", 500, 500)]), at: 3_500)
        let confirmed = ukraine.append(Sample.confirmation("UA", from: "NO", [("2026-10", 250)]), at: 4_000)
        let forged = norway.append(Sample.confirmation("UA", from: "NO", [("2026-10", 999)]), at: 5_000)
        let state = foldBothWays([need, pledgeNO, scheduleNO, schedulePL, confirmed, forged])
        #expect(state.ignored.map(\.id) == [forged.id])
        #expect(state.ignored.first?.reason == .notOwnRecord)

        let october = state.deliveries(at: try Period("2026-10"))
        #expect(october.map(\.late) == [0, 0])
        #expect(october.map(\.pledger) == ["NO", "PL"])

        let november = state.deliveries(at: try Period("2026-11"))
        #expect(november.map(\.pledger) == ["NO", "PL"])
        let no = november[0]
        #expect(
            (no.pledged, no.promised, no.promisedByMonth, no.delivered, no.confirmed, no.late) == (
                900, 900, 900, 400, 250, 500
            )
        )
        #expect(november[1].late == 0 && november[1].pledged == 0 && november[1].delivered == 500)
    }
}

/// Factory orders (kind 14) and their answers (kind 15): the queue at each site.
@Suite struct OrderBookFoldTests {
    let norway = TestAuthor(partner: "NO", seedByte: 1)
    let poland = TestAuthor(partner: "PL", seedByte: 3)
    let ukraine = TestAuthor(partner: "UA", seedByte: 4)

    func foldBothWays(_ entries: [Entry]) -> CoalitionState {
        let members = roster([norway, poland, ukraine])
        let forward = fold(entries: entries, roster: members, forks: [:], nowMilliseconds: nil)
        let backward = fold(entries: entries.reversed(), roster: members, forks: [:], nowMilliseconds: nil)
        #expect(forward.canonicalBytes == backward.canonicalBytes)
        #expect(forward.ignored == backward.ignored)
        return forward
    }

    @Test func theQueueAtAnOversubscribedFactory() throws {
        let capacity = norway.append(Sample.report("NO", period: Sample.nextMonth, capacity: 1000), at: 1_000)
        let pl = poland.append(Sample.order("PL", at: "NO", quantity: 700), at: 2_000)
        let ua = ukraine.append(Sample.order("UA", at: "NO", quantity: 600, wanted: ("2026-11", "2026-11")), at: 3_000)
        let own = norway.append(Sample.order("NO", at: "NO", quantity: 100, wanted: ("2026-12", "2026-12")), at: 3_500)
        let accepted = norway.append(Sample.answer("NO", to: "PL", slot: ("2026-11", 700)), at: 4_000)
        let stranger = ukraine.append(Sample.answer("UA", to: "PL", slot: nil), at: 5_000)
        let state = foldBothWays([capacity, pl, ua, own, accepted, stranger])
        #expect(state.ignored.map(\.id) == [stranger.id])
        #expect(state.ignored.first?.reason == .notSiteOwner)

        let queues = state.orderQueues(from: Sample.nextMonth, to: try Period("2026-12"))
        #expect(queues.count == 2)
        let november = queues[0]
        #expect(november.month == Sample.nextMonth)
        #expect(
            (november.capacity, november.accepted, november.waiting, november.oversubscribed) == (1000, 700, 600, 300)
        )
        let december = queues[1]
        #expect((december.capacity, december.accepted, december.waiting, december.oversubscribed) == (1000, 0, 100, 0))

        let standings = state.orderStandings()
        #expect(standings.map(\.order.partner) == ["NO", "PL", "UA"])
        #expect(standings.map(\.status) == [.waiting, .accepted, .waiting])
        #expect(standings[1].slot?.quantity == 700)

        let refused = norway.append(Sample.answer("NO", to: "UA", slot: nil), at: 6_000)
        let after = foldBothWays([capacity, pl, ua, own, accepted, stranger, refused])
        #expect(after.orderStandings().map(\.status) == [.waiting, .accepted, .refused])
        #expect(after.orderQueues(from: Sample.nextMonth, to: Sample.nextMonth).first?.oversubscribed == 0)
    }
}
