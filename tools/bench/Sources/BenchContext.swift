import Foundation

/// Shared by all benchmarks of one run: the entry count asked for, scratch directories, and the limits of
/// this machine (measured once, on first use, so every figure has its limit from the same run).
final class BenchContext {
    let entryCount: Int
    private var measuredLimits: Limits?

    init(entryCount: Int) { self.entryCount = entryCount }

    var limits: Limits {
        if let measuredLimits { return measuredLimits }
        let limits = Limits.measure()
        measuredLimits = limits
        return limits
    }

    /// A fresh directory under the system temp directory; removed by the caller with `remove`.
    func scratchDirectory(_ label: String) -> String {
        let path = NSTemporaryDirectory() + "capsync-bench-\(label)-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// Prints one figure beside its limit: "name  value unit   limit: ... (target ...)".
    static func report(_ name: String, value: Double, unit: String, limit: String, target: Double?, meets: Bool?) {
        let padded = name.padding(toLength: 44, withPad: " ", startingAt: 0)
        var line = "   \(padded) \(format(value)) \(unit)   limit: \(limit)"
        if let target { line += "; target \(format(target)) \(unit)" }
        if let meets { line += meets ? "  [meets]" : "  [BELOW TARGET]" }
        print(line)
        fflush(nil)
    }

    static func format(_ value: Double) -> String {
        value >= 100 ? String(Int(value.rounded())) : String(format: "%.3f", value)
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
