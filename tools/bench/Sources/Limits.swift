import Foundation

/// The limits this machine sets, measured in the same run as the figures they bound: Ed25519 sign and verify
/// per core (`openssl speed`), SHA-256 throughput (`openssl speed -evp sha256`), and how fast the disk
/// acknowledges a write (write + fdatasync, as tools/bench/limits/fsync_rate.py measures it).
struct Limits {
    var signPerSecond: Double
    var verifyPerSecond: Double
    /// `openssl speed -multi <cores>`: what all cores together verify right now (other load included).
    var verifyAllCoresPerSecond: Double
    var sha256BytesPerSecond256: Double
    var fdatasyncPerSecond: Double
    var batchedFdatasyncEntriesPerSecond: Double

    static func run(_ context: BenchContext) throws {
        let limits = context.limits
        let cores = Double(BenchContext.cores)
        print("   cores \(BenchContext.cores)")
        print("   openssl Ed25519 sign       \(BenchContext.format(limits.signPerSecond)) /s per core")
        print(
            "   openssl Ed25519 verify     \(BenchContext.format(limits.verifyPerSecond)) /s one core; "
                + "\(BenchContext.format(limits.verifyAllCoresPerSecond)) /s with -multi \(Int(cores))"
        )
        print("   openssl SHA-256 (256 B)    \(BenchContext.format(limits.sha256BytesPerSecond256 / 1e6)) MB/s")
        print("   write 200 B + fdatasync    \(BenchContext.format(limits.fdatasyncPerSecond)) /s")
        print("   1000 x 200 B + fdatasync   \(BenchContext.format(limits.batchedFdatasyncEntriesPerSecond)) entries/s")
    }

    static func measure() -> Limits {
        let (sign, verify) = ed25519()
        let allCores = ed25519AllCores()
        let sha = openssl(["speed", "-seconds", "1", "-evp", "sha256"])
        var sha256 = 0.0
        for line in sha.split(separator: "\n") where line.lowercased().hasPrefix("sha256") {
            let values = line.split(separator: " ").filter { $0.hasSuffix("k") }.compactMap { Double($0.dropLast()) }
            if values.count >= 3 { sha256 = values[2] * 1000 }
        }
        let (single, batched) = fdatasyncRates()
        return Limits(
            signPerSecond: sign,
            verifyPerSecond: verify,
            verifyAllCoresPerSecond: allCores,
            sha256BytesPerSecond256: sha256,
            fdatasyncPerSecond: single,
            batchedFdatasyncEntriesPerSecond: batched
        )
    }

    /// `openssl speed -seconds 1 [-multi N] ed25519`: sign/s and verify/s.
    static func ed25519(_ extra: [String] = []) -> (sign: Double, verify: Double) {
        let output = openssl(["speed", "-seconds", "1"] + extra + ["ed25519"])
        var rates = (sign: 0.0, verify: 0.0)
        for line in output.split(separator: "\n") where line.contains("Ed25519") {
            let numbers = line.split(separator: " ").compactMap { Double($0) }
            if numbers.count >= 2 { rates = (numbers[numbers.count - 2], numbers[numbers.count - 1]) }
        }
        return rates
    }

    /// Verify/s of all cores together, as `openssl speed -multi <cores>` measures it now.
    static func ed25519AllCores() -> Double {
        BenchContext.cores > 1 ? ed25519(["-multi", String(BenchContext.cores)]).verify : ed25519().verify
    }

    private static func openssl(_ arguments: [String]) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    private static func fdatasyncRates() -> (single: Double, batched: Double) {
        let path = NSTemporaryDirectory() + "capsync-bench-fsync-\(getpid())"
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return (0, 0) }
        defer {
            close(fd)
            unlink(path)
        }
        let record = [UInt8](repeating: 0x78, count: 200)
        let single = BenchContext.seconds {
            for _ in 0..<500 {
                _ = record.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                fdatasync(fd)
            }
        }
        let batch = [UInt8](repeating: 0x78, count: 200 * 1000)
        let batched = BenchContext.seconds {
            for _ in 0..<200 {
                _ = batch.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                fdatasync(fd)
            }
        }
        return (500 / single, 200_000 / batched)
    }
}
