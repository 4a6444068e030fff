// swift-tools-version: 6.1
import PackageDescription

/// Settings every Swift target shares: Swift 6 mode (complete strict concurrency) and explicit `any`.
let sharedSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Vigil",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vigild", targets: ["vigild"]),
        .executable(name: "vigil", targets: ["vigil"]),
        .library(name: "VigilStats", targets: ["VigilStats"]),
        .library(name: "VigilML", targets: ["VigilML"]),
        .library(name: "VigilMonitor", targets: ["VigilMonitor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // System libraries.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),

        // Libraries, one job each.
        .target(name: "VigilStats", swiftSettings: sharedSettings),
        .target(name: "VigilML", dependencies: ["VigilStats"], swiftSettings: sharedSettings),
        .target(name: "VigilStore", dependencies: ["CSQLite"], swiftSettings: sharedSettings),
        .target(name: "VigilSystemd", dependencies: ["CSystemd"], swiftSettings: sharedSettings),
        .target(
            name: "VigilMonitor",
            dependencies: [
                "VigilStats", "VigilML", "VigilStore", "VigilSystemd", "CLZ4",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: sharedSettings
        ),

        // Executables: thin mains over the libraries.
        .executableTarget(
            name: "vigild",
            dependencies: [
                "VigilMonitor", "VigilSystemd", "VigilStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: sharedSettings
        ),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilMonitor", "VigilStats", "VigilML", "VigilSystemd",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: sharedSettings
        ),

        // A log writer the ingestion tests run as a separate process.
        .executableTarget(name: "vigil-test-logwriter", path: "Tests/LogWriter", swiftSettings: sharedSettings),

        // Helpers every test target shares (temporary directories, a seeded generator).
        .target(name: "VigilTestSupport", dependencies: ["VigilStats"], path: "Tests/VigilTestSupport", swiftSettings: sharedSettings),

        // Tests mirror the libraries; IntegrationTests run the built binaries.
        .testTarget(name: "VigilStatsTests", dependencies: ["VigilStats", "VigilTestSupport"], exclude: ["Fixtures"], swiftSettings: sharedSettings),
        .testTarget(name: "VigilMLTests", dependencies: ["VigilML", "VigilStats", "VigilTestSupport"], exclude: ["Fixtures"], swiftSettings: sharedSettings),
        .testTarget(name: "VigilStoreTests", dependencies: ["VigilStore", "VigilTestSupport"], swiftSettings: sharedSettings),
        .testTarget(name: "VigilSystemdTests", dependencies: ["VigilSystemd", "VigilTestSupport"], swiftSettings: sharedSettings),
        .testTarget(name: "VigilMonitorTests", dependencies: ["VigilMonitor", "VigilML", "VigilTestSupport"], exclude: ["Records/Generators"], swiftSettings: sharedSettings),
        .testTarget(name: "IntegrationTests", dependencies: ["vigild", "vigil", "vigil-test-logwriter", "VigilTestSupport", "VigilML"], swiftSettings: sharedSettings),
    ],
    swiftLanguageModes: [.v6]
)
