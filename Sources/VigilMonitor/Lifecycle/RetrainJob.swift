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
            let identity = Self.ownIdentity()
            arguments = Self.systemdRunArguments(unit: "vigil-retrain-\(model.name)-\(run)", settings: settings, timeout: timeout,
                                                 writable: directory, user: identity.user, group: identity.group)
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

    /// `systemd-run` options for a transient unit: the configured limits and the hardening of
    /// `systemd/vigild.service`, tightened for a trainer that reads its training file and writes
    /// `candidate.json` and `card.md` into its run directory (`writable`), and nothing else: no
    /// network at all (`PrivateNetwork=`), and no IPC.
    ///
    /// The unit runs as vigild's own user and group (`user`, `group`), so the trainer never has
    /// more rights than vigild, at vigild's monitor-thread niceness as a trainer child would.
    ///
    /// Under `vigild.service` that user is `vigil`, and systemd starts a system unit only for root
    /// or for a caller polkit grants `org.freedesktop.systemd1.manage-units`. Without that grant
    /// `systemd-run` fails ("Access denied" or "Interactive authentication required") and the
    /// retraining is recorded as failed. The grant cannot be narrowed to these units: for
    /// `StartTransientUnit` systemd asks polkit without naming the unit, so a `vigil` allowed to
    /// start them could start any command as any user, root included. `systemd-run --user` is no
    /// way out either: `vigil` is a system user with no user manager (no login session, no
    /// lingering) and `ProtectHome=` hides `/run/user`. So under `vigild.service` retraining
    /// runs as `isolation: process`, a child inside vigild's own sandbox; `systemd-run` is for a
    /// vigild run as root by other means.
    static func systemdRunArguments(unit: String, settings: RetrainSettings, timeout: Duration, writable: String,
                                    user: String, group: String) -> [String] {
        let properties = [
            "User=\(user)", "Group=\(group)",
            "MemoryMax=\(settings.memoryMax)", "CPUQuota=\(settings.cpuQuota)", "RuntimeMaxSec=\(timeout.components.seconds)",
            "Nice=\(MonitorEngine.niceness)", "UMask=0027",
            // The file system: read-only but for the run directory.
            "ProtectSystem=strict", "ReadWritePaths=\(writable)", "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes",
            "DevicePolicy=closed", "PrivateMounts=yes", "ProtectKernelTunables=yes", "ProtectKernelModules=yes",
            "ProtectKernelLogs=yes", "ProtectControlGroups=yes", "ProtectClock=yes", "ProtectHostname=yes",
            "ProtectProc=invisible", "ProcSubset=pid",
            // No network and no IPC.
            "PrivateNetwork=yes", "IPAddressDeny=any", "RestrictAddressFamilies=AF_UNIX", "PrivateIPC=yes", "RemoveIPC=yes",
            // No privileges, and no way to gain any.
            "NoNewPrivileges=yes", "CapabilityBoundingSet=", "RestrictSUIDSGID=yes", "RestrictNamespaces=yes",
            "RestrictRealtime=yes", "LockPersonality=yes", "MemoryDenyWriteExecute=yes",
            "SystemCallFilter=@system-service", "SystemCallFilter=~@privileged", "SystemCallErrorNumber=EPERM",
            "SystemCallArchitectures=native",
        ]
        return ["--quiet", "--wait", "--collect", "--no-ask-password", "--unit=\(unit)", "--service-type=exec"]
            + properties.map { "--property=\($0)" } + ["--"]
    }

    /// The names of this process's effective user and group (numbers when they have no name).
    static func ownIdentity() -> (user: String, group: String) {
        let uid = geteuid(), gid = getegid()
        let user = getpwuid(uid).flatMap { $0.pointee.pw_name.map { String(cString: $0) } } ?? String(uid)
        let group = getgrgid(gid).flatMap { $0.pointee.gr_name.map { String(cString: $0) } } ?? String(gid)
        return (user, group)
    }
}

/// Sizes of a retraining's data, for events and the journal.
struct TrainingExportSummary: Sendable {
    var trainingRows: Int
    var holdoutRows: Int
}
