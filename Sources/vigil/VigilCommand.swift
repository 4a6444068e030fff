import ArgumentParser

/// The `vigil` command-line tool: a root over the subcommands.
@main
struct VigilCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Watch deployed clinical prediction models.",
        subcommands: [DriftCommand.self, MetricsCommand.self]
    )
}
