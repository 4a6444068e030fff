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
            StatusCommand.self, AlertsCommand.self, HistoryCommand.self, QuarantineCommand.self, AuditCommand.self,
            PauseCommand.self, ResumeCommand.self, ApproveCommand.self, RejectCommand.self,
            RollbackCommand.self, RetrainCommand.self, RegisterCommand.self, ReloadCommand.self,
            CheckConfigCommand.self, DriftCommand.self, MetricsCommand.self, EvaluateCommand.self,
            TrainCommand.self, ScoreCommand.self, ReportCommand.self, SimulateCommand.self, DemoCommand.self,
        ])
}
