import Foundation
import Testing
import VigilTestSupport
@testable import VigilMonitor

/// The command line of a retraining child, as vigild builds it from a model's settings.
struct RetrainJobTests {
    static func model(isolation: RetrainIsolation) -> ModelConfig {
        var model = ModelConfig(name: "sepsis-risk", predictionsPath: "/p", outcomesPath: "/o", labelHorizon: .days(1),
                                features: [FeatureSpec(name: "age", type: .numeric), FeatureSpec(name: "site", type: .categorical)],
                                referencePath: nil, subgroups: ["site", "sex"], window: .predictions(100))
        model.lifecycle.group = "patient"
        model.lifecycle.retrain.budget = .minutes(2)
        model.lifecycle.retrain.command = "/usr/bin/vigil"
        model.lifecycle.retrain.isolation = isolation
        model.lifecycle.retrain.memoryMax = "2G"
        model.lifecycle.retrain.cpuQuota = "80%"
        model.lifecycle.gates.minSensitivity = 0.85
        return model
    }

    static let export = TrainingExport(trainingFile: "/state/models/sepsis-risk/retraining/7/training.jsonl", trainingRows: 800,
                                       holdout: [], ignoredColumns: ["sex", "patient"])

    @Test("as a process: vigil train at nice 19, dying with vigild, with the budget, the subgroups, the group, and the attributes left out as inputs")
    func process() {
        let job = RetrainJob(model: Self.model(isolation: .process), run: 7, directory: "/state/models/sepsis-risk/retraining/7",
                             export: Self.export, seed: 7, systemdAvailable: true)
        #expect(job.commandLine == [
            "/usr/bin/nice -n 19 /usr/bin/vigil train --data /state/models/sepsis-risk/retraining/7/training.jsonl --target label --id id --time ts",
            "--budget 120s --seed 7 --out /state/models/sepsis-risk/retraining/7/candidate.json --report /state/models/sepsis-risk/retraining/7/card.md",
            "--intended-use Retrained by vigild for sepsis-risk (run 7) on 800 labeled examples.",
            "--subgroups site,sex --group patient --ignore sex --target-sensitivity 0.85 --parent-pid \(getpid())",
        ].joined(separator: " "))
        #expect(RetrainJob.environment == ["PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "HOME=/nonexistent"])
    }

    @Test("with systemd-run: a transient unit as vigild's own user, with the configured limits, a runtime cap of 1.5 times the budget and the service's hardening")
    func systemdRun() {
        let job = RetrainJob(model: Self.model(isolation: .systemdRun), run: 7, directory: "/state/models/sepsis-risk/retraining/7",
                             export: Self.export, seed: 7, systemdAvailable: true)
        let line = job.commandLine
        #expect(line.hasPrefix("/usr/bin/systemd-run --quiet --wait --collect --no-ask-password --unit=vigil-retrain-sepsis-risk-7 --service-type=exec "))
        let own = RetrainJob.ownIdentity()
        for property in ["User=\(own.user)", "Group=\(own.group)", "MemoryMax=2G", "CPUQuota=80%", "RuntimeMaxSec=180", "Nice=19",
                         "NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateNetwork=yes", "MemoryDenyWriteExecute=yes",
                         "ProtectProc=invisible", "ProcSubset=pid", "SystemCallFilter=~@privileged",
                         "ReadWritePaths=/state/models/sepsis-risk/retraining/7"] {
            #expect(line.contains("--property=\(property) "), "\(property)")
        }
        #expect(line.contains(" -- /usr/bin/vigil train --data "))
        #expect(!line.contains("--parent-pid"), "under systemd the trainer's parent is the service manager")
        // Without a running service manager the same settings fall back to a child process.
        let fallback = RetrainJob(model: Self.model(isolation: .systemdRun), run: 7, directory: "/d", export: Self.export, seed: 7,
                                  systemdAvailable: false)
        #expect(fallback.commandLine.hasPrefix("/usr/bin/nice -n 19 /usr/bin/vigil train "))
    }

    /// `systemd-analyze`, where the systemd package is installed.
    static let systemdAnalyze = "/usr/bin/systemd-analyze"

    @Test("the transient unit's properties are valid unit settings (systemd-analyze verify) and rate at most 1.0 (systemd-analyze security)",
          .enabled(if: FileManager.default.isExecutableFile(atPath: systemdAnalyze), "needs systemd-analyze (Debian package systemd)"))
    func transientUnitPassesSystemdAnalyze() throws {
        let directory = try TemporaryDirectory()
        let properties = RetrainJob.systemdRunArguments(unit: "vigil-retrain-sepsis-risk-7", settings: Self.model(isolation: .systemdRun).lifecycle.retrain,
                                                        timeout: .seconds(180), writable: directory.path, user: "vigil", group: "vigil")
            .filter { $0.hasPrefix("--property=") }.map { String($0.dropFirst("--property=".count)) }
        #expect(properties.count > 30)
        // What systemd-run --service-type=exec makes of them, with a command that exists.
        let unit = directory.file("vigil-retrain-sepsis-risk-7.service")
        try (["[Service]", "Type=exec", "ExecStart=/bin/true"] + properties).joined(separator: "\n").appending("\n")
            .write(toFile: unit, atomically: true, encoding: .utf8)

        let verify = try ProgramRun(Self.systemdAnalyze, ["verify", unit])
        #expect(verify.status == 0)
        #expect(verify.standardError.isEmpty && verify.standardOutput.isEmpty, "\(verify.standardError)\(verify.standardOutput)")
        let security = try ProgramRun(Self.systemdAnalyze, ["security", "--offline=true", "--threshold=10", unit])
        #expect(security.status == 0, "\(security.standardOutput)")
        // 0.5 ("SAFE") with systemd 252; --threshold makes the exit status say whether it is at most 1.0.
        #expect(security.standardOutput.contains("Overall exposure level for vigil-retrain-sepsis-risk-7.service"))
    }
}
