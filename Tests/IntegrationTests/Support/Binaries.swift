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

    deinit { try? FileManager.default.removeItem(at: url) }
}
