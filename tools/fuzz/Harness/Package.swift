// swift-tools-version:6.0
//
// The libFuzzer harness (README, fuzzing): one executable, `capsync-fuzz TARGET [libFuzzer options] [corpus]`,
// over the decoders in the root package's CapSyncFuzzTargets (tools/fuzz/Targets). Built only with
// `-sanitize=fuzzer,address` by tools/fuzz/run; the root package's tests replay the kept crash inputs.
//
// It sits in tools/fuzz/Harness, not tools/fuzz, so that its package identity ("harness") never equals the root
// package's (the clone's directory name, "fuzz" in a worktree of that name).
//
// Kept at tools-version 6 as an `.executableTarget` without -parse-as-library: libFuzzer is started from
// top-level code through LLVMFuzzerRunDriver (FIELD-NOTES "Fuzzing Swift on Linux").
import PackageDescription

let package = Package(
    name: "CapSyncFuzz",
    dependencies: [
        .package(name: "CapSync", path: "../../..")
    ],
    targets: [
        // Declares LLVMFuzzerRunDriver (defined in the libFuzzer runtime that -sanitize=fuzzer links).
        .target(name: "CFuzzerDriver"),
        .executableTarget(
            name: "capsync-fuzz",
            dependencies: [
                "CFuzzerDriver",
                .product(name: "CapSyncFuzzTargets", package: "CapSync"),
            ]
        ),
    ]
)
