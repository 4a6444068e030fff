import ArgumentParser
import Foundation
import VigilMonitor
import VigilSystemd

/// `vigild`: the daemon. Everything it does lives in VigilMonitor; this only reads the
/// command line and turns a startup failure into one line and a sysexits code.
/// `RLIMIT_NOFILE`, whose Glibc spelling is an enum case Swift imports awkwardly.
let RLIMIT_NOFILE_VALUE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)

@main
struct VigildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigild",
        abstract: "Watch deployed clinical prediction models: drift, performance, alerts, retraining.",
        discussion: """
            Runs until SIGTERM or SIGINT. SIGHUP reloads the configuration: a valid file is \
            applied, an invalid one is reported in the journal and the running configuration kept.
            Logs go to journald when it runs, else to stderr (VIGIL_LOG_TARGET=auto|journal|stderr).
            Exit codes (sysexits): 64 usage, 65 state database corrupt or from a newer vigil, \
            66 configuration file missing, 73 state directory or control socket cannot be created, \
            75 state directory, database or control socket in use, 78 configuration invalid.
            """,
        version: VigilVersion.current)

    @Option(name: .shortAndLong, help: ArgumentHelp("The configuration file.", valueName: "file"))
    var config: String = "/etc/vigil/vigil.yaml"

    func run() async throws {
        Self.raiseFileLimit()
        // The state holds patient data: nothing vigild creates is readable by others
        // (the systemd unit sets UMask=0027 too; this covers runs outside it).
        umask(0o027)
        let journal = Journal(identifier: "vigild")
        let notifier = Notifier()
        let daemon: Daemon
        do {
            daemon = try await Daemon.start(configPath: config, journal: journal, notifier: notifier)
        } catch {
            for line in error.lines {
                FileHandle.standardError.write(Data("vigild: \(line)\n".utf8))
            }
            throw ExitCode(error.exitCode)
        }
        await daemon.run()
    }

    /// Lifts the soft limit on open files to the hard one: every control connection and every
    /// followed log holds a descriptor, and 1,024 is too few for a busy control socket.
    static func raiseFileLimit() {
        var limit = rlimit()
        guard getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(RLIMIT_NOFILE_VALUE, &limit)
    }
}
