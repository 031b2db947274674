// capsync-fuzz TARGET [libFuzzer options] [corpus directories]
//
// Runs libFuzzer over one decoder of CapSyncFuzzTargets. A decoded value that does not round-trip is a crash
// (fatalError), so libFuzzer keeps the input as crash-*; tools/fuzz/run copies such inputs to
// tools/fuzz/regressions/TARGET/, which the root package's tests replay.
import CFuzzerDriver
import CapSyncFuzzTargets

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
    let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
    print("usage: capsync-fuzz TARGET [libFuzzer options] [corpus directories]\ntargets: \(names)")
    exit(2)
}
selectedTarget = target

// libFuzzer sees the program name and everything after the target name.
var driverArguments: [UnsafeMutablePointer<CChar>?] = ([arguments[0]] + arguments.dropFirst(2)).map { strdup($0) }
driverArguments.append(nil)
var argc = Int32(driverArguments.count - 1)
let status = driverArguments.withUnsafeMutableBufferPointer { buffer -> Int32 in
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        let bytes = size == 0 || data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: size))
        if let violation = selectedTarget.check(bytes) {
            fatalError("round-trip violation: \(violation)")
        }
        return 0
    }
}
exit(status)
