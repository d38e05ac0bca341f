// swift-tools-version: 6.0
import PackageDescription

// One strict settings list for every target (STYLE.md habit 7).
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Switchboard",
    products: [
        .executable(name: "switchboard", targets: ["switchboard"]),
    ],
    targets: [
        // OpenSSL from the system (libssl-dev): SHA-256 and HMAC.
        .systemLibrary(
            name: "COpenSSL",
            path: "Sources/COpenSSL",
            providers: [.apt(["libssl-dev"])]
        ),
        // Domain: E164, accounts, agents, numbers, the rules, the lock-sharded index. No sockets, no files.
        .target(name: "SwitchboardCore", dependencies: ["CSwitchboardPrefetch"], swiftSettings: strict),
        // Snapshot + journal, recovery, compaction, export/import.
        .target(name: "SwitchboardStore", dependencies: ["SwitchboardCore", "CSwitchboardLinux"], swiftSettings: strict),
        // SHA-256, HMAC-SHA256, random tokens and constant-time comparison, through OpenSSL.
        .target(name: "SwitchboardCrypto", dependencies: ["COpenSSL"], swiftSettings: strict),
        // HTTP/1.1: incremental parser, response encoder, limits. No sockets.
        .target(name: "SwitchboardHTTP", swiftSettings: strict),
        // Our own C shim: a cache prefetch hint (start-up's bulk load), which Swift cannot spell.
        .target(name: "CSwitchboardPrefetch"),
        // Our own C shim: epoll, eventfd, accept4, signal forwarding (Glibc's overlay lacks them).
        .target(name: "CSwitchboardLinux"),
        // Retell, Vapi, Bland: webhook signatures and formats, API requests and answers, transports.
        .target(
            name: "SwitchboardProviders",
            dependencies: ["SwitchboardCore", "SwitchboardCrypto", "SwitchboardHTTP", "SwitchboardPosix"],
            swiftSettings: strict
        ),
        // Syscalls, sockets, epoll event loops, connection driver, timeouts.
        .target(name: "SwitchboardPosix", dependencies: ["CSwitchboardLinux", "SwitchboardHTTP"], swiftSettings: strict),
        // The wiring: routes, JSON API, auth, metrics, the router service.
        .target(
            name: "SwitchboardServer",
            dependencies: [
                "SwitchboardCore", "SwitchboardStore", "SwitchboardHTTP", "SwitchboardPosix", "SwitchboardCrypto", "SwitchboardProviders",
                "CSwitchboardLinux",
            ],
            swiftSettings: strict
        ),
        // Retell, Vapi and Bland on loopback for tests, load tests and the demo: their number and
        // call APIs with injectable faults, and signed inbound-call webhooks towards a router.
        .target(
            name: "SwitchboardSimulator",
            dependencies: ["SwitchboardCore", "SwitchboardHTTP", "SwitchboardPosix", "SwitchboardProviders", "SwitchboardCrypto"],
            swiftSettings: strict
        ),
        // A typed client for the management API over URLSession, and the admin commands built on it
        // (the command line, the demo and the load-test harness use it). Foundation only.
        .target(name: "SwitchboardClient", swiftSettings: strict),
        // `switchboard demo`: the router and the simulator in one process, walking the seed's flows.
        .target(
            name: "SwitchboardDemo",
            dependencies: ["SwitchboardCore", "SwitchboardServer", "SwitchboardSimulator", "SwitchboardClient", "SwitchboardProviders"],
            swiftSettings: strict
        ),
        // The load-test harness: a data set, an epoll HTTP/1.1 client playing providers, workflow
        // engines and operators, answer checking, HDR histograms, text/JSON/SVG reports.
        .target(
            name: "SwitchboardLoad",
            dependencies: ["SwitchboardCore", "SwitchboardStore", "SwitchboardProviders", "SwitchboardPosix", "SwitchboardSimulator", "CSwitchboardLinux"],
            swiftSettings: strict
        ),
        // The executable: argument parsing into a command enum, then the work.
        .executableTarget(
            name: "switchboard",
            dependencies: ["SwitchboardCore", "SwitchboardStore", "SwitchboardServer", "SwitchboardSimulator", "SwitchboardClient", "SwitchboardDemo", "SwitchboardLoad"],
            swiftSettings: strict
        ),

        .testTarget(name: "SwitchboardCoreTests", dependencies: ["SwitchboardCore"], swiftSettings: strict),
        .testTarget(
            name: "SwitchboardStoreTests",
            dependencies: ["SwitchboardStore", "SwitchboardCore", "StoreCrashWriter"],
            swiftSettings: strict
        ),
        // The crash test's child process: acknowledged writes until SIGKILL.
        .executableTarget(
            name: "StoreCrashWriter",
            dependencies: ["SwitchboardStore", "SwitchboardCore"],
            path: "Tests/StoreCrashWriter",
            swiftSettings: strict
        ),
        .testTarget(name: "SwitchboardCryptoTests", dependencies: ["SwitchboardCrypto"], swiftSettings: strict),
        .testTarget(
            name: "SwitchboardProvidersTests",
            dependencies: ["SwitchboardProviders", "SwitchboardCore", "SwitchboardHTTP", "SwitchboardCrypto"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SwitchboardSimulatorTests",
            dependencies: ["SwitchboardSimulator", "SwitchboardCore", "SwitchboardHTTP", "SwitchboardPosix", "SwitchboardProviders", "SwitchboardCrypto"],
            swiftSettings: strict
        ),
        .testTarget(name: "SwitchboardHTTPTests", dependencies: ["SwitchboardHTTP"], swiftSettings: strict),
        .testTarget(name: "SwitchboardPosixTests", dependencies: ["SwitchboardPosix", "SwitchboardHTTP"], swiftSettings: strict),
        .testTarget(
            name: "SwitchboardLoadTests",
            dependencies: ["SwitchboardLoad", "SwitchboardPosix", "SwitchboardHTTP", "SwitchboardCore", "SwitchboardProviders", "SwitchboardStore", "SwitchboardServer"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SwitchboardServerTests",
            dependencies: [
                "SwitchboardServer", "SwitchboardCore", "SwitchboardStore", "SwitchboardHTTP", "SwitchboardCrypto", "SwitchboardProviders",
                "SwitchboardSimulator", "SwitchboardClient", "switchboard",
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "SwitchboardDemoTests", dependencies: ["SwitchboardDemo", "SwitchboardSimulator"], swiftSettings: strict),
        .testTarget(name: "SwitchboardClientTests", dependencies: ["SwitchboardClient"], swiftSettings: strict),

        // Benchmarks: plain executables, run in release mode (results in benchmarks/RESULTS.md).
        // The measuring kit of every benchmark: interleaved runs, min/median, tables, goal verdicts.
        .target(name: "BenchmarkSupport", path: "benchmarks/BenchmarkSupport", swiftSettings: strict),
        // Replaces malloc for the process that links it: benchmark executables only.
        .target(name: "CAllocationCounter", path: "benchmarks/CAllocationCounter"),
        .executableTarget(
            name: "CoreBenchmarks",
            dependencies: ["SwitchboardCore", "BenchmarkSupport", "CAllocationCounter"],
            path: "benchmarks/CoreBenchmarks",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "WebhookBenchmarks",
            dependencies: ["BenchmarkSupport", "CAllocationCounter", "SwitchboardCore", "SwitchboardHTTP", "SwitchboardPosix", "SwitchboardProviders", "SwitchboardServer"],
            path: "benchmarks/WebhookBenchmarks",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "StoreBenchmarks",
            dependencies: ["SwitchboardCore", "SwitchboardStore"],
            path: "benchmarks/StoreBenchmarks",
            swiftSettings: strict
        ),
    ]
)
