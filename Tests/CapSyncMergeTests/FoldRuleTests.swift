import CapSyncCrypto
import CapSyncMerge
import CapSyncWire
import Testing

/// One test per fold rule (docs/design.md D7, Protocol/fold.md §Rules), each also checked under reversed delivery.
@Suite struct FoldRuleTests {
    let norway = TestAuthor(partner: "NO", seedByte: 1)
    let norway2 = TestAuthor(partner: "NO", seedByte: 2)
    let poland = TestAuthor(partner: "PL", seedByte: 3)
    let ukraine = TestAuthor(partner: "UA", seedByte: 4)

    var allRoster: Roster { roster([norway, norway2, poland, ukraine]) }

    /// Folds in the given order and reversed; both must agree byte for byte.
    func foldBothWays(_ entries: [Entry], roster: Roster? = nil, forks: [AuthorKey: UInt64] = [:]) -> CoalitionState {
        let forward = fold(entries: entries, roster: roster ?? allRoster, forks: forks, nowMilliseconds: nil)
        let backward = fold(
            entries: entries.reversed(),
            roster: roster ?? allRoster,
            forks: forks,
            nowMilliseconds: nil
        )
        #expect(forward.canonicalBytes == backward.canonicalBytes)
        return forward
    }

    @Test func laterReportWins() {
        let old = norway.append(Sample.report("NO", capacity: 1000), at: 1_000)
        let new = norway2.append(Sample.report("NO", capacity: 1500), at: 2_000)
        let state = foldBothWays([old, new])
        #expect(state.records.count == 1)
        #expect(state.records[0].report?.monthlyCapacity == 1500)
        #expect(state.records[0].setBy.entryID == new.id)
    }

    @Test func equalTimestampsBreakTiesByAuthorKey() {
        let a = norway.append(Sample.report("NO", capacity: 1), at: 5_000)
        let b = norway2.append(Sample.report("NO", capacity: 2), at: 5_000)
        let winner = a.author > b.author ? a : b
        let state = foldBothWays([a, b])
        #expect(state.records.count == 1)
        #expect(state.records[0].setBy.entryID == winner.id)
        #expect(state.records[0].report?.monthlyCapacity == (winner == a ? 1 : 2))
    }

    @Test func logicalCounterOrdersWithinOneMillisecond() {
        let a = norway.append(Sample.report("NO", capacity: 1), at: 5_000, logical: 7)
        let b = norway2.append(Sample.report("NO", capacity: 2), at: 5_000, logical: 3)
        let state = foldBothWays([a, b])
        #expect(state.records[0].setBy.entryID == a.id)
    }

    @Test func retractionIsATombstoneUnderTheSameRule() {
        let report = norway.append(Sample.report("NO"), at: 1_000)
        let retraction = norway.append(Sample.retraction("NO"), at: 2_000)
        var state = foldBothWays([report, retraction])
        #expect(state.records.count == 1)
        #expect(state.records[0].report == nil)
        #expect(state.totals(at: ViewPeriod(Sample.month)).isEmpty)

        // A report newer than the retraction brings the record back.
        let again = norway2.append(Sample.report("NO", capacity: 42), at: 3_000)
        state = foldBothWays([again, retraction, report])
        #expect(state.records[0].report?.monthlyCapacity == 42)

        // A retraction older than the report it names changes nothing.
        let late = TestAuthor(partner: "NO", seedByte: 9)
        let stale = late.append(Sample.retraction("NO"), at: 500)
        state = foldBothWays([report, stale], roster: roster([norway, late]))
        #expect(state.records[0].report != nil)
    }

    @Test func partnerWritesOnlyItsOwnRecords() {
        let forged = poland.append(Sample.report("NO"), at: 1_000)
        let needForged = poland.append(Sample.need("UA"), at: 1_001)
        let pledgeForged = poland.append(Sample.pledge("NO", to: "UA", quantity: 5), at: 1_002)
        let joinForged = poland.append(Sample.join("NO"), at: 1_003)
        let state = foldBothWays([forged, needForged, pledgeForged, joinForged])
        #expect(state.records.isEmpty && state.needs.isEmpty && state.pledges.isEmpty && state.pools.isEmpty)
        #expect(state.ignored.map(\.reason) == [.notOwnRecord, .notOwnRecord, .notOwnRecord, .notOwnRecord])
        #expect(Set(state.ignored.map(\.id)) == [forged.id, needForged.id, pledgeForged.id, joinForged.id])
    }

    @Test func authorsOutsideTheRosterOrPastTheirLastSeqAreIgnored() {
        let outsider = TestAuthor(partner: "XX", seedByte: 99)
        let stranger = outsider.append(Sample.report("XX"), at: 1_000)
        let valid = norway.append(Sample.report("NO", capacity: 1), at: 1_000)
        let retired = norway.append(Sample.report("NO", capacity: 2), at: 2_000)
        let limited = roster([norway, poland], lastValid: [norway.authorKey: 1])
        let state = foldBothWays([stranger, valid, retired], roster: limited)
        #expect(state.records.count == 1)
        #expect(state.records[0].report?.monthlyCapacity == 1)
        let reasons = Dictionary(uniqueKeysWithValues: state.ignored.map { ($0.id, $0.reason) })
        #expect(reasons == [stranger.id: .notInRoster, retired.id: .pastLastValidSeq])
    }

    @Test func needChangesOnlyByItsOwner() {
        let stated = ukraine.append(Sample.need("UA", quantity: 10_000), at: 1_000)
        let updated = ukraine.append(Sample.need("UA", quantity: 12_000, priority: 2), at: 2_000)
        let hijack = poland.append(Sample.need("UA", quantity: 1), at: 3_000)
        var state = foldBothWays([hijack, updated, stated])
        #expect(state.needs.count == 1)
        #expect(state.needs[0].need.quantity == 12_000)
        #expect(state.ignored.map(\.id) == [hijack.id])
        #expect(state.shortfalls().map(\.remaining) == [12_000])

        let closed = ukraine.append(Sample.need("UA", quantity: 12_000, open: false), at: 4_000)
        state = foldBothWays([stated, updated, closed])
        #expect(state.needs[0].need.isOpen == false)
        #expect(state.shortfalls().isEmpty)
    }

    @Test func pledgeIsOneAbsoluteAmountPerPartnerAndNeed() {
        let need = ukraine.append(Sample.need("UA", quantity: 10_000), at: 1_000)
        let first = norway.append(Sample.pledge("NO", to: "UA", quantity: 4_000), at: 2_000)
        let overwrite = norway2.append(Sample.pledge("NO", to: "UA", quantity: 3_000), at: 3_000)
        let repeated = norway2.append(Sample.pledge("NO", to: "UA", quantity: 3_000), at: 4_000)
        let polish = poland.append(Sample.pledge("PL", to: "UA", quantity: 2_500), at: 2_500)
        var state = foldBothWays([need, first, overwrite, repeated, polish])
        #expect(state.pledges.count == 2)
        #expect(state.shortfalls().first?.pledged == 5_500)
        #expect(state.shortfalls().first?.remaining == 4_500)

        let withdraw = poland.append(Sample.pledge("PL", to: "UA", quantity: 0), at: 5_000)
        state = foldBothWays([need, first, overwrite, repeated, polish, withdraw])
        #expect(state.shortfalls().first?.pledged == 3_000)
        #expect(state.shortfalls().first?.pledges.map(\.partner) == ["NO"])
        #expect(state.pledges.count == 2)  // the withdrawal stays as a zero that keeps beating older pledges
    }

    @Test func selfPledgeIsIgnored() {
        let need = ukraine.append(Sample.need("UA"), at: 1_000)
        let own = ukraine.append(Sample.pledge("UA", to: "UA", quantity: 5), at: 2_000)
        let state = foldBothWays([need, own])
        #expect(state.pledges.isEmpty)
        #expect(state.ignored.map(\.reason) == [.selfPledge])
    }

    @Test func poolJoinWinsOverAConcurrentLeave() {
        let join1 = norway.append(Sample.join("NO"), at: 1_000)
        // Another key of NO joins concurrently, unseen by the leave below.
        let join2 = norway2.append(Sample.join("NO"), at: 1_500)
        let leave = norway.append(Sample.leave("NO", tags: [join1.id]), at: 2_000)
        var state = foldBothWays([join1, join2, leave])
        #expect(state.pools.count == 1)
        #expect(state.pools[0].tags == [join2.id])

        // A leave that observed both tags removes the partner.
        let leaveAll = norway2.append(Sample.leave("NO", tags: [join1.id, join2.id]), at: 3_000)
        state = foldBothWays([join1, join2, leave, leaveAll])
        #expect(state.pools.isEmpty)

        // A leave removes only the leaver's own tags, even if it names another partner's join.
        let polishJoin = poland.append(Sample.join("PL"), at: 1_000)
        let foreignLeave = norway.append(Sample.leave("NO", tags: [polishJoin.id]), at: 4_000)
        state = foldBothWays([polishJoin, foreignLeave])
        #expect(state.poolViews().map { $0.members.map(\.partner) } == [["PL"]])
    }

    @Test func forkedAuthorIsExcludedFromTheForkSeqOn() {
        let one = norway.append(Sample.report("NO", capacity: 1), at: 1_000)
        let two = norway.append(Sample.report("NO", site: "Plant-2", capacity: 2), at: 2_000)
        let three = norway.append(Sample.report("NO", site: "Plant-3", capacity: 3), at: 3_000)
        let twin = norway.forkedEntry(
            atSeq: 2,
            prev: one.id,
            Sample.report("NO", site: "Plant-2", capacity: 99),
            at: 2_000
        )
        let honest = poland.append(Sample.report("PL"), at: 2_500)
        let state = foldBothWays([one, two, three, twin, honest])
        #expect(state.records.map(\.partner) == ["NO", "PL"])
        #expect(state.records[0].report?.monthlyCapacity == 1)
        #expect(Set(state.ignored.map(\.id)) == [two.id, three.id, twin.id])
        #expect(state.ignored.allSatisfy { $0.reason == .forkedAuthor })

        // A fork proof the store already holds excludes the same way without the twin being present.
        let given = foldBothWays([one, two, three, honest], forks: [norway.authorKey: 2])
        #expect(given.records.count == 2)
        #expect(Set(given.ignored.map(\.id)) == [two.id, three.id])
    }

    @Test func forkFoundAfterApplyingRebuilds() {
        let one = norway.append(Sample.report("NO", capacity: 1), at: 1_000)
        let two = norway.append(Sample.report("NO", capacity: 2), at: 2_000)
        let twin = norway.forkedEntry(atSeq: 2, prev: one.id, Sample.report("NO", capacity: 99), at: 2_000)
        var state = FoldState(Fold(roster: allRoster))
        state.add(one)
        state.add(two)
        #expect(state.finish().records[0].report?.monthlyCapacity == 2)
        state.add(twin)
        #expect(state.finish().records[0].report?.monthlyCapacity == 1)
    }

    @Test func unknownKindsVersionsAndBadPayloadsAreListed() {
        let unknown = norway.append(kind: 77, payload: [1, 2, 3], at: 1_000)
        let future = norway.append(Sample.report("NO"), at: 2_000, version: 2)
        let truncated = norway.append(kind: 1, payload: Array(Sample.report("NO").payload().dropLast()), at: 3_000)
        let trailing = norway.append(
            kind: 4,
            payload: Sample.pledge("NO", to: "UA", quantity: 1).payload() + [0],
            at: 4_000
        )
        let state = foldBothWays([unknown, future, truncated, trailing])
        #expect(state.records.isEmpty && state.pledges.isEmpty)
        #expect(
            state.ignored.map(\.reason) == [.unknownKind, .unsupportedVersion, .malformedPayload, .malformedPayload]
        )
    }

    @Test func farFutureEntriesAreFlaggedAndStillApplied() {
        let now: UInt64 = 1_700_000_000_000
        let normal = norway.append(Sample.report("NO"), at: now)
        let ahead = poland.append(Sample.report("PL"), at: now + 3_600_000)
        let state = fold(entries: [normal, ahead], roster: allRoster, nowMilliseconds: now)
        #expect(state.records.count == 2)
        #expect(state.flagged.map(\.id) == [ahead.id])
        #expect(state.flagged.first?.aheadMilliseconds == 3_600_000)
        let unflagged = fold(entries: [normal, ahead], roster: allRoster, nowMilliseconds: nil)
        #expect(unflagged.flagged.isEmpty)
        #expect(unflagged.digest == state.digest)
    }

    @Test func asOfUsesEntriesUpToThatTime() {
        let early = norway.append(Sample.report("NO", capacity: 10), at: 1_000)
        let late = norway.append(Sample.report("NO", capacity: 20), at: 3_000)
        let past = fold(
            entries: [early, late],
            roster: allRoster,
            nowMilliseconds: nil,
            asOf: HLCTimestamp(milliseconds: 2_000)
        )
        #expect(past.records[0].report?.monthlyCapacity == 10)
        #expect(past.entryCount == 1)
        let exact = fold(entries: [early, late], roster: allRoster, nowMilliseconds: nil, asOf: late.timestamp)
        #expect(exact.records[0].report?.monthlyCapacity == 20)
    }

    @Test func digestCoversRosterAndFoldVersion() {
        let entry = norway.append(Sample.report("NO"), at: 1_000)
        let a = fold(entries: [entry], roster: allRoster, nowMilliseconds: nil)
        var bigger = allRoster
        bigger.serial = 2
        let b = fold(entries: [entry], roster: bigger, nowMilliseconds: nil)
        #expect(a.records == b.records)
        #expect(a.digest != b.digest)
        #expect(CoalitionState.diff(a, b).map(\.area) == [.roster])
    }

    /// Seqs far apart (gaps in delivery, or hostile seqs) are kept, deduplicated and fork-checked like dense ones.
    @Test func farApartSeqsAreKeptAndForkChecked() {
        let key = norway.authorKey
        func entry(_ seq: UInt64, site: String, capacity: UInt64 = 1) -> Entry {
            unsignedEntry(
                author: key,
                seq: seq,
                prev: seq == 1 ? .zero : EntryID(SHA256.hash([UInt8(seq & 0xff)])),
                timestamp: HLCTimestamp(milliseconds: 1_000 + seq),
                kind: 1,
                payload: Sample.report("NO", site: site, capacity: capacity).payload()
            )
        }
        let entries = [
            entry(1, site: "S1"), entry(1 << 40, site: "Far"), entry(3_000, site: "S3000"), entry(2, site: "S2"),
            entry(5_000, site: "S5000"), entry(5_000, site: "S5000", capacity: 2), entry(3_000, site: "S3000"),
        ]
        let state = foldBothWays(entries)
        #expect(state.records.map(\.site) == ["S1", "S2", "S3000"])
        #expect(state.ignored.map(\.seq) == [5_000, 5_000, 1 << 40])
        #expect(state.ignored.allSatisfy { $0.reason == .forkedAuthor })
        #expect(state.entryCount == 6)
    }

    @Test func partialFoldsMustShareTheirInputs() {
        var a = FoldState(Fold(roster: allRoster))
        let b = FoldState(Fold(roster: allRoster, asOf: HLCTimestamp(milliseconds: 5)))
        #expect(throws: MergeError.self) { try a.merge(b) }
    }
}
