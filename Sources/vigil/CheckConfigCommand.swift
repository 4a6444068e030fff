import ArgumentParser
import Foundation
import VigilMonitor

/// `vigil check-config FILE`: prints `ok`, or every problem with its YAML path and line.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a configuration file without starting the daemon.",
        discussion: """
            Prints "ok" and exits 0 when the file is valid. Otherwise prints every problem, \
            one per line, as `path: cause (line N)`, and exits 78 (EX_CONFIG); a file that \
            cannot be read exits 66 (EX_NOINPUT).
            """)

    @Argument(help: ArgumentHelp("The configuration file.", valueName: "file"))
    var file: String

    func run() throws {
        do {
            _ = try ConfigLoader().load(path: file)
            print("ok")
        } catch .unreadable(let path, let reason) {
            FileHandle.standardError.write(Data("vigil: cannot read configuration \(path): \(reason)\n".utf8))
            throw ExitCode(StartupFailure.noInput)
        } catch .invalid(let path, let problems) {
            for problem in problems { print(problem) }
            FileHandle.standardError.write(Data("vigil: \(path): \(problems.count) problem\(problems.count == 1 ? "" : "s") found\n".utf8))
            throw ExitCode(StartupFailure.config)
        }
    }
}
