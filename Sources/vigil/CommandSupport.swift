import ArgumentParser
import Foundation
import VigilMonitor

/// Reads a state database directly (read-only), for when vigild is down.
enum OfflineState {
    /// The state database inside `directory`, which must exist.
    static func databasePath(in directory: String) throws -> String {
        let path = (directory as NSString).appendingPathComponent("vigil.db")
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure(exitCode: StartupFailure.noInput, lines: ["no state database at \(path): has vigild run with this state directory?"])
        }
        return path
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

    init(_ failure: StartupFailure) {
        exitCode = failure.exitCode
        lines = failure.lines
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
