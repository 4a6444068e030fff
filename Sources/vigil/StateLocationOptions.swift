import ArgumentParser
import Foundation
import VigilMonitor

/// Where a command finds the daemon's state: `--state-dir`, or the `state_dir` of `--config`.
struct StateLocationOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The daemon's state directory (read-only; works while vigild is down).", valueName: "dir"))
    var stateDir: String?

    @Option(name: .long, help: ArgumentHelp("Take the state directory from this configuration file.", valueName: "file"))
    var config: String = "/etc/vigil/vigil.yaml"

    /// The state database's path.
    func databasePath() throws -> String {
        if let stateDir {
            return (stateDir as NSString).appendingPathComponent("vigil.db")
        }
        do {
            let loaded = try ConfigLoader().load(path: config)
            return (loaded.stateDirectory as NSString).appendingPathComponent("vigil.db")
        } catch {
            throw CommandFailure(StartupFailure(error), hint: "or name the state directory with --state-dir")
        }
    }

    /// Fails with a clear line when there is no database at `path`.
    static func requireDatabase(at path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure(exitCode: StartupFailure.noInput, lines: ["no state database at \(path): has vigild run with this state directory?"])
        }
    }
}

/// A failure to report as `vigil: <line>` with a sysexits code.
struct CommandFailure: Error {
    let exitCode: Int32
    let lines: [String]

    init(exitCode: Int32, lines: [String]) {
        self.exitCode = exitCode
        self.lines = lines
    }

    init(_ failure: StartupFailure, hint: String? = nil) {
        exitCode = failure.exitCode
        lines = failure.lines + (hint.map { [$0] } ?? [])
    }

    /// Prints the lines to stderr and returns the exit code to throw.
    func report() -> ExitCode {
        for line in lines { FileHandle.standardError.write(Data("vigil: \(line)\n".utf8)) }
        return ExitCode(exitCode)
    }
}

/// Runs `body`, turning any failure into `vigil: <line>` on stderr and a sysexits code.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let failure as CommandFailure {
        throw failure.report()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        throw CommandFailure(StartupFailure(error)).report()
    }
}

/// JSON as the commands print it: sorted keys, indented, slashes unescaped.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
