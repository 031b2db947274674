import CapSyncTestSupport
import CapSyncWire
import Testing

@Suite struct HybridLogicalClockTests {
    static let start: UInt64 = 1_767_225_600_000

    @Test func timestampLayoutIsMillisecondsThenLogical() {
        let t = HLCTimestamp(milliseconds: Self.start, logical: 3)
        #expect(t.rawValue == Self.start << 16 | 3)
        #expect(t.milliseconds == Self.start && t.logical == 3)
        #expect(HLCTimestamp(milliseconds: Self.start, logical: 0xffff) < HLCTimestamp(milliseconds: Self.start + 1))
        #expect(t.description == "\(Self.start).3")
    }

    @Test func tickFollowsPhysicalTimeWhenItMoves() {
        var clock = HybridLogicalClock()
        #expect(clock.tick(nowMilliseconds: Self.start) == HLCTimestamp(milliseconds: Self.start))
        #expect(clock.tick(nowMilliseconds: Self.start + 5) == HLCTimestamp(milliseconds: Self.start + 5))
    }

    @Test func tickCountsLogicallyWhenPhysicalTimeStallsOrGoesBack() {
        var clock = HybridLogicalClock(last: HLCTimestamp(milliseconds: Self.start, logical: 7))
        #expect(clock.tick(nowMilliseconds: Self.start) == HLCTimestamp(milliseconds: Self.start, logical: 8))
        #expect(clock.tick(nowMilliseconds: Self.start - 60_000) == HLCTimestamp(milliseconds: Self.start, logical: 9))
        #expect(clock.last == HLCTimestamp(milliseconds: Self.start, logical: 9))
    }

    @Test func observingARemoteTimestampMovesTheClockPastIt() {
        var clock = HybridLogicalClock()
        let remote = HLCTimestamp(milliseconds: Self.start + 1_000, logical: 4)
        let acceptedAhead = clock.observe(remote, nowMilliseconds: Self.start)
        #expect(acceptedAhead)
        #expect(clock.tick(nowMilliseconds: Self.start) == HLCTimestamp(milliseconds: Self.start + 1_000, logical: 5))
        let acceptedOlder = clock.observe(HLCTimestamp(milliseconds: 1), nowMilliseconds: Self.start)
        #expect(acceptedOlder, "an older timestamp is taken into account without moving the clock")
        #expect(clock.last == HLCTimestamp(milliseconds: Self.start + 1_000, logical: 5))
    }

    @Test func farFutureTimestampsAreFlaggedAndNeverAdvanceTheClock() {
        var clock = HybridLogicalClock(maxForwardDriftMilliseconds: 300_000)
        let edge = HLCTimestamp(milliseconds: Self.start + 300_000, logical: 0xffff)
        let beyond = HLCTimestamp(milliseconds: Self.start + 300_001)
        #expect(!clock.isFarFuture(edge, nowMilliseconds: Self.start))
        #expect(clock.isFarFuture(beyond, nowMilliseconds: Self.start))
        let acceptedBeyond = clock.observe(beyond, nowMilliseconds: Self.start)
        #expect(!acceptedBeyond)
        #expect(clock.last == HLCTimestamp(rawValue: 0))
        #expect(clock.tick(nowMilliseconds: Self.start) == HLCTimestamp(milliseconds: Self.start))
        let acceptedMax = clock.observe(HLCTimestamp(rawValue: .max), nowMilliseconds: Self.start)
        #expect(!acceptedMax)
    }

    /// Whatever the physical clock and the peers do, a node's own timestamps strictly increase and are never
    /// below physical time.
    @Test func seededRandomHistoryKeepsTicksStrictlyIncreasing() {
        var random = SplitMix64(seed: 7)
        var clock = HybridLogicalClock()
        var physical = Self.start
        var previous = HLCTimestamp(rawValue: 0)
        for _ in 0..<10_000 {
            physical = physical &+ UInt64.random(in: 0...3, using: &random) &- UInt64.random(in: 0...2, using: &random)
            if Bool.random(using: &random) {
                let offset = UInt64.random(in: 0...600_000, using: &random)
                let logical = UInt16.random(in: 0...9, using: &random)
                let remote = HLCTimestamp(milliseconds: physical + offset, logical: logical)
                let accepted = clock.observe(remote, nowMilliseconds: physical)
                #expect(accepted == (offset <= clock.maxForwardDriftMilliseconds))
            } else {
                let next = clock.tick(nowMilliseconds: physical)
                #expect(next > previous)
                #expect(next.milliseconds >= physical)
                previous = next
            }
        }
    }
}
