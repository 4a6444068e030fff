import ArgumentParser
import VigilMonitor

/// `vigil`: the command-line tool for ops staff, on-call and clinical owners.
@main
struct VigilCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Check, query and steer Vigil, the monitor for deployed clinical prediction models.",
        version: VigilVersion.current,
        subcommands: [
            CheckConfigCommand.self, StatusCommand.self, QuarantineCommand.self,
            DriftCommand.self, MetricsCommand.self,
        ])
}
