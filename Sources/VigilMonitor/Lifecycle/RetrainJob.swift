import Foundation
import Synchronization

/// One retraining child: `vigil train` on the exported data, in its own process group (or a
/// transient systemd unit), with a minimal environment, killed at 1.5 times its budget. It runs
/// on a thread of its own so that the life-cycle thread keeps scoring shadows meanwhile.
final class RetrainJob: Sendable {
    let model: String
    let run: Int64
    let directory: String
    let export: TrainingExportSummary
    private let execution: CommandExecution
    private let result = Mutex<CommandExecution.Outcome?>(nil)
    private let stopRequested = Mutex(false)

    /// The output model file the child writes.
    var modelFile: String { (directory as NSString).appendingPathComponent("candidate.json") }

    init(model: ModelConfig, run: Int64, directory: String, export: TrainingExport, seed: UInt64, systemdAvailable: Bool) {
        self.model = model.name
        self.run = run
        self.directory = directory
        self.export = TrainingExportSummary(trainingRows: export.trainingRows, holdoutRows: export.holdout.count)
        let settings = model.lifecycle.retrain
        let program = settings.command ?? Self.defaultTrainer()
        let timeout = Duration.seconds(settings.budget.seconds) * 3 / 2
        var arguments = [
            "train", "--data", export.trainingFile, "--target", "label", "--id", "id", "--time", "ts",
            "--budget", "\(settings.budget.seconds)s", "--seed", String(seed),
            "--out", (directory as NSString).appendingPathComponent("candidate.json"),
            "--report", (directory as NSString).appendingPathComponent("card.md"),
            "--intended-use", "Retrained by vigild for \(model.name) (run \(run)) on \(export.trainingRows) labeled examples.",
        ]
        let subgroups = model.subgroups
        if !subgroups.isEmpty { arguments += ["--subgroups", subgroups.joined(separator: ",")] }
        if let group = model.lifecycle.group { arguments += ["--group", group] }
        let ignored = export.ignoredColumns.filter { $0 != model.lifecycle.group }
        if !ignored.isEmpty { arguments += ["--ignore", ignored.joined(separator: ",")] }
        if let sensitivity = model.lifecycle.gates.minSensitivity { arguments += ["--target-sensitivity", String(sensitivity)] }

        var path = program
        if settings.isolation == .systemdRun && systemdAvailable {
            path = "/usr/bin/systemd-run"
            arguments = Self.systemdRunArguments(unit: "vigil-retrain-\(model.name)-\(run)", settings: settings, timeout: timeout, writable: directory)
                + [program] + arguments
        } else {
            // Dies with vigild: a child left behind by a crash would only waste the cores.
            arguments += ["--parent-pid", String(getpid())]
            // At the monitor thread's priority: evaluations and alerts keep their share of the cores.
            arguments = ["-n", String(MonitorEngine.niceness), program] + arguments
            path = "/usr/bin/nice"
        }
        var execution = CommandExecution(path: path, arguments: arguments, environment: Self.environment, input: [], timeout: timeout)
        execution.stopGrace = .seconds(2)
        execution.outputLimit = 16 * 1_024
        self.execution = execution
    }

    /// The command line, for the journal.
    var commandLine: String { ([execution.path] + execution.arguments).joined(separator: " ") }

    /// Starts the child on its own thread; `finished` is called there when it ends.
    func start(finished: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            // A child that exits early must not take vigild down with SIGPIPE.
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &set, nil)
            let outcome = execution.run { stopRequested.withLock { $0 } }
            result.withLock { $0 = outcome }
            finished()
        }
        thread.name = "vigil-retrain"
        thread.start()
    }

    /// How the child ended, once it has.
    var outcome: CommandExecution.Outcome? { result.withLock { $0 } }

    /// Asks the child to stop (vigild is stopping): it is killed after a short grace.
    func stop() { stopRequested.withLock { $0 = true } }

    /// The environment of the child: nothing of vigild's (no tokens, no paths to secrets).
    static let environment = ["PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "HOME=/nonexistent"]

    /// The `vigil` executable beside this process's own.
    static func defaultTrainer() -> String {
        let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return ((own as NSString).deletingLastPathComponent as NSString).appendingPathComponent("vigil")
    }

    /// `systemd-run` options for a transient unit: the configured limits and the service's hardening.
    static func systemdRunArguments(unit: String, settings: RetrainSettings, timeout: Duration, writable: String) -> [String] {
        let properties = [
            "MemoryMax=\(settings.memoryMax)", "CPUQuota=\(settings.cpuQuota)", "RuntimeMaxSec=\(timeout.components.seconds)",
            "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes",
            "PrivateNetwork=yes", "CapabilityBoundingSet=", "RestrictAddressFamilies=AF_UNIX", "SystemCallFilter=@system-service",
            "SystemCallArchitectures=native", "ProtectKernelTunables=yes", "ProtectKernelModules=yes", "ProtectKernelLogs=yes",
            "ProtectControlGroups=yes", "ProtectClock=yes", "ProtectHostname=yes", "RestrictNamespaces=yes", "RestrictRealtime=yes",
            "LockPersonality=yes", "ReadWritePaths=\(writable)",
        ]
        return ["--quiet", "--wait", "--collect", "--unit=\(unit)", "--service-type=exec"] + properties.map { "--property=\($0)" } + ["--"]
    }
}

/// Sizes of a retraining's data, for events and the journal.
struct TrainingExportSummary: Sendable {
    var trainingRows: Int
    var holdoutRows: Int
}
