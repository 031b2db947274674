// capsync-bench — the benchmark harness (tools/bench/run). Each layer adds its benchmarks in its own file
// and one line in `benchmarks`; every figure is printed beside its limit measured in the same run.
//
//   capsync-bench [NAME ...] [--entries N]     names: limits, store, sync, bundle, release (default: all)

#if canImport(Glibc)
import Glibc
#endif

let benchmarks: [(name: String, run: (BenchContext) throws -> Void)] = [
    ("limits", Limits.run),
    ("store", StoreBenchmarks.run),
    ("sync", SyncBenchmarks.run),
    ("bundle", BundleBenchmarks.run),
    ("release", ReleaseBenchmarks.run),
]

@MainActor func runBenchmarks(_ arguments: ArraySlice<String>) {
    var names: [String] = []
    var entryCount = 1_000_000
    var arguments = arguments
    while let argument = arguments.popFirst() {
        if argument == "--entries", let value = arguments.popFirst().flatMap({ Int($0) }), value > 0 {
            entryCount = value
        } else {
            names.append(argument)
        }
    }
    let context = BenchContext(entryCount: entryCount)
    for (name, run) in benchmarks where names.isEmpty || names.contains(name) {
        print("== \(name)")
        do { try run(context) } catch { print("   \(name) failed: \(error)") }
        fflush(nil)
    }
}

if CommandLine.arguments.count == 3 && CommandLine.arguments[1] == "open-child" {
    StoreBenchmarks.openChild(directory: CommandLine.arguments[2])
} else {
    runBenchmarks(CommandLine.arguments.dropFirst())
}
