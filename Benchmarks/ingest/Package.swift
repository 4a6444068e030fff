// swift-tools-version: 6.1
import PackageDescription

// The ingest parse benchmark, kept out of the main package so the main build stays light.
// It depends on the root package by path and uses its VigilMonitor library product.
let root = "../.."

let package = Package(
    name: "IngestBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Vigil", path: root),
    ],
    targets: [
        .executableTarget(
            name: "IngestBench",
            dependencies: [.product(name: "VigilMonitor", package: "Vigil")],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
