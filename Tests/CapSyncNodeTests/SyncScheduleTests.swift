import CapSyncNetwork
import CapSyncNode
import Testing

@Suite struct SyncScheduleTests {
    func schedule(
        time: String = "02:00",
        jitter: Int = 0,
        retries: Int = 4,
        base: Int = 30,
        seed: UInt64 = 7
    ) -> SyncSchedule {
        var config = NodeConfig(partner: "NO")
        config.syncTime = time
        config.jitterMinutes = jitter
        config.retries = retries
        config.retryBaseSeconds = base
        return SyncSchedule(config: config, jitterSeed: seed)
    }

    @Test func nextRunWithoutJitterIsTheConfiguredTime() {
        let s = schedule(time: "02:30")
        let day: Int64 = 20_000 * 86_400
        #expect(s.nextRun(after: day) == day + 2 * 3600 + 1800)
        #expect(s.nextRun(after: day + 2 * 3600 + 1800) == day + 86_400 + 2 * 3600 + 1800)
        #expect(s.nextRun(after: day + 23 * 3600) == day + 86_400 + 2 * 3600 + 1800)
    }

    @Test(arguments: [UInt64(1), 2, 3, 99])
    func jitterStaysWithinItsWindowAndIsStable(seed: UInt64) {
        let s = schedule(time: "01:00", jitter: 30, seed: seed)
        let day: Int64 = 20_100 * 86_400
        let run = s.nextRun(after: day)
        #expect(run >= day + 3600 && run < day + 3600 + 30 * 60)
        #expect(s.nextRun(after: day) == run)
        #expect(s.nextRun(after: run) > run)
    }

    @Test func jitterDiffersBetweenNodes() {
        let day: Int64 = 20_100 * 86_400
        let runs = Set((0..<20).map { schedule(jitter: 60, seed: UInt64($0)).nextRun(after: day) })
        #expect(runs.count > 10)
    }

    @Test func backoffDoublesAndStops() {
        let s = schedule(retries: 4, base: 30)
        #expect((1...4).map { s.retryDelaySeconds(attempt: $0) } == [30, 60, 120, 240])
        #expect(s.retryDelaySeconds(attempt: 5) == nil)
        #expect(schedule(retries: 30, base: 600).retryDelaySeconds(attempt: 10) == 3600)
    }
}
