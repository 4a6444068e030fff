// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for Vigil's parsers, kept out of the main package so the main build stays
// light. It depends on the root package by path; deploy/fuzz.sh builds it with
// `--sanitize=fuzzer --sanitize=address` (libFuzzer supplies `main`, so each target is one
// file compiled as a library that defines `LLVMFuzzerTestOneInput`).
let root = "../.."

let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .unsafeFlags(["-parse-as-library"]),
]

let package = Package(
    name: "VigilFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Vigil", path: root),
    ],
    targets: [
        // Prediction and outcome lines through RecordParser (what ingestion calls per line).
        .executableTarget(
            name: "FuzzRecords",
            dependencies: [.product(name: "VigilMonitor", package: "Vigil")],
            swiftSettings: settings),
        // Whole JSON documents through JSONValue.parse.
        .executableTarget(
            name: "FuzzJSONValue",
            dependencies: [.product(name: "VigilMonitor", package: "Vigil")],
            swiftSettings: settings),
        // Configuration files through ConfigLoader.parse(yaml:path:).
        .executableTarget(
            name: "FuzzConfig",
            dependencies: [.product(name: "VigilMonitor", package: "Vigil")],
            swiftSettings: settings),
        // Control protocol request lines through ControlRequest(line:).
        .executableTarget(
            name: "FuzzControl",
            dependencies: [.product(name: "VigilMonitor", package: "Vigil")],
            swiftSettings: settings),
        // Model files through ModelFile.decode, also re-checksummed so the fuzzer reaches the
        // model document's decoding and scoring.
        .executableTarget(
            name: "FuzzModelFile",
            dependencies: [.product(name: "VigilML", package: "Vigil")],
            swiftSettings: settings),
    ],
    swiftLanguageModes: [.v6]
)
