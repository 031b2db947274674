public import CapSyncNode

/// When the daemon syncs: nightly at a configured UTC time plus a per-node jitter, and retries of failed peers
/// with exponential backoff. Pure (times in, times out), so it is tested without a clock.
public struct SyncSchedule: Sendable {
    /// Minutes after midnight UTC.
    public var minuteOfDay: Int
    public var jitterMinutes: Int
    public var retries: Int
    public var retryBaseSeconds: Int
    /// Fixed per node (derived from its key), so a node's jitter is stable from night to night and nodes differ.
    public var jitterSeed: UInt64

    public init(config: NodeConfig, jitterSeed: UInt64) {
        minuteOfDay = NodeConfig.parseTime(config.syncTime) ?? 120
        jitterMinutes = config.jitterMinutes
        retries = config.retries
        retryBaseSeconds = config.retryBaseSeconds
        self.jitterSeed = jitterSeed
    }

    /// The first scheduled run strictly after `now` (seconds since the Unix epoch). Each day's jitter is
    /// derived from the seed and the day number.
    public func nextRun(after now: Int64) -> Int64 {
        let day = now >= 0 ? now / 86_400 : (now - 86_399) / 86_400
        for candidateDay in day...(day + 2) {
            let run = candidateDay * 86_400 + Int64(minuteOfDay) * 60 + jitterSeconds(day: candidateDay)
            if run > now { return run }
        }
        return (day + 3) * 86_400 + Int64(minuteOfDay) * 60
    }

    func jitterSeconds(day: Int64) -> Int64 {
        guard jitterMinutes > 0 else { return 0 }
        var x = jitterSeed ^ UInt64(bitPattern: day) &* 0x9E37_79B9_7F4A_7C15
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        x ^= x >> 31
        return Int64(x % UInt64(jitterMinutes * 60))
    }

    /// Delay before retry number `attempt` (1-based): base × 2^(attempt−1), at most one hour; nil when the
    /// retries are used up.
    public func retryDelaySeconds(attempt: Int) -> Int64? {
        guard attempt >= 1, attempt <= retries else { return nil }
        let exponent = min(attempt - 1, 20)
        return min(Int64(retryBaseSeconds) << Int64(exponent), 3_600)
    }
}
