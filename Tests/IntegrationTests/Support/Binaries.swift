import Foundation

/// Where the built `vigild` and `vigil` are: `$VIGIL_BIN_DIR` (set by `deploy/dev.sh test`
/// from `swift build --show-bin-path`), else the package's `.build/debug`.
enum Binaries {
    static let directory: URL = {
        if let fromEnvironment = ProcessInfo.processInfo.environment["VIGIL_BIN_DIR"], !fromEnvironment.isEmpty {
            return URL(fileURLWithPath: fromEnvironment)
        }
        return repositoryRoot.appendingPathComponent(".build/debug")
    }()

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var vigild: URL { directory.appendingPathComponent("vigild") }
    static var vigil: URL { directory.appendingPathComponent("vigil") }
    static var exampleConfig: String { repositoryRoot.appendingPathComponent("deploy/vigil.example.yaml").path }
}

/// A temporary directory for one test, removed when released.
final class Scratch {
    let url: URL
    var path: String { url.path }

    init() throws {
        // Short paths: Unix socket paths are limited to 107 bytes.
        url = URL(fileURLWithPath: "/tmp/vigil-it-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes `text` to `name` and returns the file's path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = file(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A valid configuration with its state directory and logs inside this scratch folder.
    func validConfig(name: String = "vigil.yaml", models: [String] = ["sepsis-risk"]) throws -> String {
        var text = "state_dir: \(file("state"))\nmodels:\n"
        for model in models {
            text += "  - {name: \(model), predictions: \(file("\(model)-p.jsonl")), outcomes: \(file("\(model)-o.jsonl"))}\n"
        }
        return try write(name, text)
    }

    /// vigil.yaml for one model, sepsis-risk, logging to p.jsonl and o.jsonl, with `settings`
    /// (YAML lines at the model's indentation) added.
    func singleModelConfig(_ settings: String) throws -> String {
        let indented = settings.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
        return try write("vigil.yaml", """
            state_dir: \(file("state"))
            models:
              - name: sepsis-risk
                predictions: \(file("p.jsonl"))
                outcomes: \(file("o.jsonl"))
            \(indented)
            """)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

extension Binaries {
    static var logWriter: URL { directory.appendingPathComponent("vigil-test-logwriter") }
}

/// The parts of `vigil status --json` the tests read.
struct StatusJSON: Decodable {
    struct Daemon: Decodable { var running: Bool }
    struct File: Decodable {
        var stream: String
        var path: String
        var offset: Int64
        var line: Int64
        var rotations: Int64
        var truncations: Int64
    }
    struct Model: Decodable {
        var name: String
        var state: String
        var predictions_ingested: Int64
        var outcomes_ingested: Int64
        var joined: Int64
        var quarantined: Int64
        var foreign: Int64
        var pending_predictions: Int64
        var pending_outcomes: Int64
        var predictions_unlabeled: Int64
        var outcomes_orphaned: Int64
        var predictions_deleted: Int64
        var last_prediction_ts: String?
        var unknown_features: [String: Int64]
        var files: [File]
    }
    var daemon: Daemon
    var models: [Model]

    /// Runs `vigil status --state-dir DIR --json`.
    static func read(stateDirectory: String) async throws -> StatusJSON {
        let result = try await runToCompletion(Binaries.vigil, ["status", "--state-dir", stateDirectory, "--json"])
        guard result.status == 0 else { throw TestFailure("vigil status failed (\(result.status)): \(result.stderr)") }
        return try JSONDecoder().decode(StatusJSON.self, from: Data(result.stdout.utf8))
    }

    /// Polls until `condition` holds for the first model, or fails after `timeout`.
    @discardableResult
    static func waitFor(stateDirectory: String, timeout: Duration = .seconds(120),
                        _ condition: (Model) -> Bool) async throws -> Model {
        let deadline = ContinuousClock.now + timeout
        var last: Model?
        while ContinuousClock.now < deadline {
            if FileManager.default.fileExists(atPath: stateDirectory + "/vigil.db"),
               let status = try? await read(stateDirectory: stateDirectory), let model = status.models.first {
                last = model
                if condition(model) { return model }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("status never reached the expected state; last: \(String(describing: last))")
    }
}
