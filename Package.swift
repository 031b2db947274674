// swift-tools-version:6.0
//
// CapSync: coalition defence-production capacity, shared peer to peer over signed logs.
// One module per layer; lower layers never import higher ones:
//   COpenSSL / COpenSSLShims → CapSyncCrypto → CapSyncWire → CapSyncLog, CapSyncMerge, CapSyncSync
//   CapSyncCrypto → CapSyncTLS;   Log, Merge, Sync → CapSyncNode;   Node, TLS → CapSyncNetwork → capsync
//   Only CapSyncCrypto and CapSyncTLS touch OpenSSL (tools/test checks every import against these lists).
import PackageDescription

// Every warning of our own targets is an error (dependencies keep their own settings).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("ExistentialAny"),
    .unsafeFlags(["-warnings-as-errors"]),
]

let package = Package(
    name: "CapSync",
    products: [
        .executable(name: "capsync", targets: ["capsync"]),
        // The decoders wrapped as fuzz targets, for the libFuzzer package in tools/fuzz.
        .library(name: "CapSyncFuzzTargets", targets: ["CapSyncFuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // The one crypto provider: the distribution's OpenSSL 3 (docs/design.md D2).
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "COpenSSLShims", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),

        .target(name: "CapSyncCrypto", dependencies: ["COpenSSL", "COpenSSLShims"], swiftSettings: swiftSettings),
        .target(name: "CapSyncWire", dependencies: ["CapSyncCrypto"], swiftSettings: swiftSettings),
        // CRC-32C for the store's record framing: SSE4.2 instruction with a portable table fallback.
        .target(name: "CCRC32C"),
        .target(
            name: "CapSyncLog",
            dependencies: ["CapSyncWire", "CapSyncCrypto", "CCRC32C"],
            swiftSettings: swiftSettings
        ),
        .target(name: "CapSyncMerge", dependencies: ["CapSyncWire", "CapSyncCrypto"], swiftSettings: swiftSettings),
        .target(name: "CapSyncSync", dependencies: ["CapSyncWire", "CapSyncCrypto"], swiftSettings: swiftSettings),
        .target(
            name: "CapSyncTLS",
            dependencies: [
                "COpenSSL", "COpenSSLShims", "CapSyncCrypto",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The node directory: config, keys, roster, peers, the store's adapters for sessions, backup, audit.
        .target(
            name: "CapSyncNode",
            dependencies: [
                "CapSyncCrypto", "CapSyncWire", "CapSyncLog", "CapSyncMerge", "CapSyncSync", "CCRC32C",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: swiftSettings
        ),
        // The coalition view as one self-contained HTML page with inline SVG charts (`capsync dashboard`).
        .target(
            name: "CapSyncDashboard",
            dependencies: ["CapSyncCrypto", "CapSyncWire", "CapSyncMerge"],
            swiftSettings: swiftSettings
        ),
        // The network: server and client over mutual TLS, the session driver and channel handlers, the daemon.
        .target(
            name: "CapSyncNetwork",
            dependencies: [
                "CapSyncCrypto", "CapSyncWire", "CapSyncLog", "CapSyncSync", "CapSyncTLS", "CapSyncNode",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // A small read-only HTTP/1.1 server (GET/HEAD, bounded): the operator endpoints (metrics, health, pages).
        .target(
            name: "CapSyncHTTP",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Operating a node: Prometheus metrics from the sessions and the store, the health check, their endpoint.
        .target(
            name: "CapSyncMonitoring",
            dependencies: [
                "CapSyncHTTP", "CapSyncNode", "CapSyncNetwork", "CapSyncLog", "CapSyncWire", "CapSyncSync",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The system's SQLite 3 (libsqlite3-dev), for `capsync export sqlite`.
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // The merged view as SQL tables for analysts (`capsync export`); never linked by the daemon's modules.
        .target(
            name: "CapSyncExport",
            dependencies: ["CSQLite", "CapSyncNode", "CapSyncMerge", "CapSyncLog", "CapSyncWire"],
            swiftSettings: swiftSettings
        ),
        // `capsync export postgres` through postgres-nio: a module of its own, linked only by the export command.
        .target(
            name: "CapSyncExportPostgres",
            dependencies: [
                "CapSyncExport", "CapSyncNode",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "capsync",
            dependencies: [
                "CapSyncCrypto", "CapSyncWire", "CapSyncLog", "CapSyncMerge", "CapSyncSync", "CapSyncNode",
                "CapSyncNetwork", "CapSyncDashboard", "CapSyncHTTP", "CapSyncMonitoring", "CapSyncExport",
                "CapSyncExportPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // Store tools: the kill -9 crash harness's writer and the benchmark harness (tools/crash-test, tools/bench).
        .executableTarget(
            name: "capsync-crash-writer",
            dependencies: ["CapSyncLog", "CapSyncWire", "CapSyncCrypto"],
            path: "tools/crash-test/writer",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "capsync-bench",
            dependencies: [
                "CapSyncLog", "CapSyncWire", "CapSyncCrypto", "CapSyncSync", "CapSyncNode", "CapSyncNetwork",
                "CapSyncMerge", .product(name: "Logging", package: "swift-log"),
            ],
            path: "tools/bench/Sources",
            swiftSettings: swiftSettings
        ),

        // Load harness (tools/load): many peers syncing with one `capsync serve` at once; prints, never asserts.
        .executableTarget(
            name: "capsync-load",
            dependencies: [
                "CapSyncNode", "CapSyncNetwork", "CapSyncLog", "CapSyncSync", "CapSyncWire", "CapSyncCrypto",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "tools/load/Sources",
            swiftSettings: swiftSettings
        ),

        // Fold benchmark harness (tools/bench/fold): prints throughput and memory, never asserts.
        .executableTarget(
            name: "capsync-bench-fold",
            dependencies: ["CapSyncMerge", "CapSyncWire", "CapSyncCrypto", "CapSyncTestSupport"],
            path: "tools/bench/fold",
            swiftSettings: swiftSettings
        ),

        // Dashboard benchmark harness (tools/bench/dashboard): page build and browser render times, never asserts.
        .executableTarget(
            name: "capsync-bench-dashboard",
            dependencies: ["CapSyncDashboard", "CapSyncMerge", "CapSyncWire", "CapSyncCrypto", "CapSyncTestSupport"],
            path: "tools/bench/dashboard",
            swiftSettings: swiftSettings
        ),

        // What tests, simulators, fuzz targets and benchmarks share and a node never ships with: the seeded
        // generator and the fault-injecting file layer under the store.
        .target(name: "CapSyncTestSupport", dependencies: ["CapSyncLog"], swiftSettings: swiftSettings),
        // Reliability simulators (tools/sim/README.md): power-loss crashes over the fault-injecting file layer,
        // and several nodes on a virtual clock over a seeded network. `capsync-sim` prints their figures.
        .target(
            name: "CapSyncSimulation",
            dependencies: [
                "CapSyncLog", "CapSyncSync", "CapSyncMerge", "CapSyncWire", "CapSyncCrypto", "CapSyncTestSupport",
                "CapSyncNode",
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "capsync-sim",
            dependencies: ["CapSyncSimulation", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "tools/sim/Sources",
            swiftSettings: swiftSettings
        ),
        // Fuzz targets (tools/fuzz): every decoder of outside bytes with its round-trip checks. The libFuzzer
        // driver lives in the tools/fuzz package; CapSyncFuzzReplayTests replays the kept crash inputs and seeds.
        .target(
            name: "CapSyncFuzzTargets",
            dependencies: [
                "CapSyncWire", "CapSyncCrypto", "CapSyncMerge", "CapSyncSync", "CapSyncLog", "CapSyncNode",
                "CapSyncTestSupport",
            ],
            path: "tools/fuzz/Targets",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "CapSyncFuzzReplayTests", dependencies: ["CapSyncFuzzTargets"], swiftSettings: swiftSettings),

        .testTarget(
            name: "CapSyncCryptoTests",
            dependencies: ["CapSyncCrypto", "CapSyncWire"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CapSyncLogTests",
            dependencies: ["CapSyncLog", "CapSyncWire", "CapSyncCrypto", "CapSyncTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CapSyncMergeTests",
            dependencies: ["CapSyncMerge", "CapSyncWire", "CapSyncCrypto", "CapSyncTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CapSyncSyncTests",
            dependencies: ["CapSyncSync", "CapSyncWire", "CapSyncCrypto", "CapSyncTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CapSyncNodeTests",
            dependencies: [
                "CapSyncNode", "CapSyncNetwork", "CapSyncWire", "CapSyncCrypto", "CapSyncLog", "CapSyncSync",
                "CapSyncMerge", "CapSyncTLS", "CapSyncTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Drives the real `capsync` binary (built by `swift build --build-tests`) through multi-node scenarios.
        .testTarget(
            name: "capsyncTests",
            dependencies: ["CapSyncCrypto", "CapSyncWire", "CapSyncSync"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CapSyncTLSTests",
            dependencies: [
                "CapSyncTLS", "CapSyncCrypto", "CapSyncTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CapSyncSimulationTests",
            dependencies: ["CapSyncSimulation", "CapSyncLog", "CapSyncWire", "CapSyncTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CapSyncHTTPTests",
            dependencies: [
                "CapSyncHTTP", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CapSyncDashboardTests",
            dependencies: ["CapSyncDashboard", "CapSyncMerge", "CapSyncWire", "CapSyncCrypto"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CapSyncWireTests",
            dependencies: ["CapSyncWire", "CapSyncCrypto", "CapSyncTestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
