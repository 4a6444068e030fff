import ArgumentParser
import Foundation
import VigilMonitor

/// `vigil report MODEL`: the model's state, life cycle, drift, performance, subgroups, alerts
/// and audit trail as one self-contained HTML file.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a model's report as one self-contained HTML file (charts inline; works offline and prints on paper).",
        discussion: """
            Reads the state database directly (read-only), so it also works while vigild is down: \
            from --state-dir, else from state_dir in --config.
            """)
    @Argument(help: "The model.") var model: String
    @Option(name: .long, help: ArgumentHelp("Where to write the HTML (default: MODEL-report.html; - for standard output).", valueName: "file"))
    var out: String?
    @Option(name: .long, help: ArgumentHelp("The state directory to read.", valueName: "dir"))
    var stateDir: String?
    @Option(name: .long, help: ArgumentHelp("The configuration file to take state_dir from, without --state-dir.", valueName: "file"))
    var config: String = "/etc/vigil/vigil.yaml"

    func run() throws {
        try reportingFailures {
            let directory: String
            if let stateDir {
                directory = stateDir
            } else {
                do {
                    directory = try ConfigLoader().load(path: config).stateDirectory
                } catch {
                    throw CommandFailure(exitCode: StartupFailure.noInput, lines: [
                        "cannot tell where the state directory is: \(StartupFailure(error).lines.first ?? "\(error)")",
                        "pass --state-dir DIR, or point --config at vigild's configuration",
                    ])
                }
            }
            let html: String
            do {
                html = try ModelReport.render(databasePath: try OfflineState.databasePath(in: directory), model: model)
            } catch let unknown as ModelReport.UnknownModel {
                throw CommandFailure(exitCode: StartupFailure.noInput, lines: [unknown.description])
            }
            let path = out ?? "\(model.replacingOccurrences(of: "/", with: "_"))-report.html"
            if path == "-" {
                FileHandle.standardOutput.write(Data(html.utf8))
                return
            }
            guard FileManager.default.createFile(atPath: path, contents: Data(html.utf8)) else {
                throw CommandFailure(exitCode: StartupFailure.cannotCreate, lines: ["cannot write \(path): \(String(cString: strerror(errno)))"])
            }
            print(path)
        }
    }
}
