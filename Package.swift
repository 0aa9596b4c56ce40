// swift-tools-version:6.0
import PackageDescription

/// One settings list shared by every Swift target.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "steward",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "steward", targets: ["steward"]),
        .executable(name: "steward-bench", targets: ["steward-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // The controller's HTTP surface (webhooks, /metrics) and the services of `steward run`.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // C libraries, through pkg-config.
        .systemLibrary(name: "CLibGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // The store on PostgreSQL (libpq: synchronous like SQLite's API, so one connection layer serves both).
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // glibc's malloc statistics and malloc_trim: the controller hands freed memory back after each pass, and tests
        // prove repeated work keeps no memory.
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        // libcurl's setopt/getinfo are variadic: typed C wrappers make them callable from Swift.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),

        // Model <- Core <- adapters <- CLI.
        .target(name: "StewardModel", dependencies: ["Yams"], swiftSettings: swiftSettings),
        .target(
            name: "StewardCore",
            dependencies: ["StewardModel", "StewardQueue", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(name: "StewardGit", dependencies: ["CLibGit2", "StewardCore"], swiftSettings: swiftSettings),
        .target(
            name: "StewardStore", dependencies: ["CSQLite", "CPostgres", "StewardCore", "StewardGraph"], swiftSettings: swiftSettings),
        // The agent-graph engine: a leaf that knows nothing of Steward.
        .target(name: "StewardGraph", swiftSettings: swiftSettings),
        // The controller's work queue (client-go's semantics): a leaf that knows nothing of Steward.
        .target(name: "StewardQueue", swiftSettings: swiftSettings),
        // The agents (Zavhoz, Architect, Developer, Tester, DevOps) on the graph engine; adapters are injected.
        .target(
            name: "StewardAgents",
            dependencies: ["StewardCore", "StewardGraph", "StewardModel", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // The libcurl HTTP client, and the health probe built on it.
        .target(name: "StewardHTTP", dependencies: ["CCurl", "StewardCore"], swiftSettings: swiftSettings),
        .target(
            name: "StewardGitHub",
            dependencies: [
                "StewardHTTP", "StewardCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "StewardAnsible", dependencies: ["StewardCore"], swiftSettings: swiftSettings),
        .target(
            name: "StewardSecrets",
            dependencies: ["StewardCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // The Product Owner agent: `steward ask` (intents, the config-repo commits it makes).
        .target(
            name: "StewardPO",
            dependencies: ["StewardModel", "StewardCore", "StewardGit", "StewardHTTP"],
            swiftSettings: swiftSettings
        ),
        // The HTTP server of `steward run` (Hummingbird): /healthz, /readyz, /metrics (Prometheus), GitHub webhooks.
        .target(
            name: "StewardServer",
            dependencies: [
                "StewardCore", "StewardModel", "StewardQueue", "StewardHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StewardCLI",
            dependencies: [
                "StewardModel", "StewardCore", "StewardGit", "StewardStore", "StewardAnsible", "StewardGitHub",
                "StewardHTTP", "StewardSecrets", "StewardPO", "StewardAgents", "StewardGraph", "CMalloc", "StewardServer",
                "StewardBuildInfo",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "steward", dependencies: ["StewardCLI"], swiftSettings: swiftSettings),
        // Version, commit and build date, written before every build by scripts/build-info.sh (the plugin below).
        .target(name: "StewardBuildInfo", swiftSettings: swiftSettings, plugins: ["StewardBuildInfoPlugin"]),
        .plugin(name: "StewardBuildInfoPlugin", capability: .buildTool()),
        .executableTarget(
            name: "steward-bench",
            dependencies: [
                "StewardAnsible", "StewardCore", "StewardGit", "StewardGitHub", "StewardHTTP", "StewardQueue", "StewardStore",
                "StewardServer", "StewardTestSupport", "CMalloc", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StewardTestSupport",
            dependencies: ["StewardModel", "StewardCore"],
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "StewardModelTests", dependencies: ["StewardModel"], swiftSettings: swiftSettings),
        .testTarget(
            name: "StewardCoreTests",
            dependencies: ["StewardCore", "StewardTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StewardGitTests",
            dependencies: ["CMalloc", "StewardGit", "StewardTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StewardGitHubTests",
            dependencies: [
                "StewardGitHub", "StewardHTTP", "StewardStore", "StewardTestSupport",
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StewardServerTests",
            dependencies: [
                "StewardServer", "StewardStore", "StewardHTTP", "StewardTestSupport", "StewardCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StewardHTTPTests",
            dependencies: ["StewardHTTP", "StewardCore", "StewardTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StewardSecretsTests",
            dependencies: ["StewardSecrets", "StewardStore", "StewardTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "StewardGraphTests", dependencies: ["StewardGraph", "StewardTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "StewardQueueTests", dependencies: ["StewardQueue", "StewardTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "StewardAgentsTests",
            dependencies: ["StewardAgents", "StewardGraph", "StewardGit", "StewardTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StewardStoreTests",
            dependencies: ["StewardStore", "StewardGraph", "StewardTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StewardAnsibleTests",
            dependencies: ["StewardAnsible", "StewardTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StewardCLITests",
            dependencies: ["StewardCLI", "StewardTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StewardPOTests",
            dependencies: ["StewardPO", "StewardGit", "StewardStore", "StewardHTTP", "StewardTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StewardIntegrationTests",
            dependencies: ["StewardCLI", "StewardStore", "StewardTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
    ]
)
