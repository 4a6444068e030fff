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

    @Flag(help: "Print {\"ok\": ..., \"problems\": [{\"path\", \"line\", \"message\"}]}.")
    var json = false

    func run() throws {
        let problems: (path: String, list: [ConfigProblem])
        do {
            _ = try ConfigLoader().load(path: file)
            if json { try printJSON(Report(ok: true, problems: [])) } else { print("ok") }
            return
        } catch let error as ConfigError {
            switch error {
            case .unreadable(let path, let reason):
                FileHandle.standardError.write(Data("vigil: cannot read configuration \(path): \(reason)\n".utf8))
                throw ExitCode(StartupFailure.noInput)
            case .invalid(let path, let list):
                problems = (path, list)
            }
        }
        if json {
            try printJSON(Report(ok: false, problems: problems.list.map { Report.Problem(path: $0.path, line: $0.line, message: $0.message) }))
        } else {
            for problem in problems.list { print(problem) }
            let count = problems.list.count
            FileHandle.standardError.write(Data("vigil: \(problems.path): \(count) problem\(count == 1 ? "" : "s") found\n".utf8))
        }
        throw ExitCode(StartupFailure.config)
    }

    struct Report: Encodable {
        struct Problem: Encodable {
            var path: String
            var line: Int?
            var message: String
        }
        var ok: Bool
        var problems: [Problem]
    }
}
