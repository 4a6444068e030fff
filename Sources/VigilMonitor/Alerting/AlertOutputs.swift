import Foundation
import Synchronization
import VigilSystemd

/// Where alerts and metrics go, as configured: Alertmanager, the `alert_command`, the
/// Prometheus textfile. Shared by the monitor thread (which sends) and the daemon (which
/// replaces them on reload and stops them on the way out).
final class AlertOutputs: Sendable {
    private struct Current {
        var alertmanager: AlertmanagerConfig?
        var notifier: AlertmanagerNotifier?
        var runner: AlertCommandRunner?
        var metrics: MetricsTextfile?
        var metricsFailing = false
    }

    private let journal: Journal
    private let current = Mutex(Current())

    init(journal: Journal) {
        self.journal = journal
    }

    /// Applies `config`'s outputs: a changed Alertmanager URL or alert command gets a new
    /// sender (the old one is stopped); a new Alertmanager sender is given the alerts firing now,
    /// so that they stay alive in Alertmanager across restarts and reloads.
    func configure(_ config: Config, firing: [Alert]) async {
        var retiredNotifier: AlertmanagerNotifier?
        var retiredRunner: AlertCommandRunner?
        var fresh: AlertmanagerNotifier?
        current.withLock { state in
            if state.alertmanager != config.alertmanager {
                retiredNotifier = state.notifier
                state.notifier = config.alertmanager.map {
                    AlertmanagerNotifier(url: $0.url, journal: journal, runbookBase: $0.runbookBase ?? AlertmanagerNotifier.defaultRunbookBase,
                                         token: $0.token)
                }
                state.alertmanager = config.alertmanager
                fresh = state.notifier
            }
            if state.runner?.command != config.alertCommand {
                retiredRunner = state.runner
                state.runner = config.alertCommand.map { AlertCommandRunner(command: $0, journal: journal) }
            }
            if state.metrics?.path != config.metricsFile {
                state.metrics = config.metricsFile.map(MetricsTextfile.init(path:))
                state.metricsFailing = false
            }
        }
        if let fresh, !firing.isEmpty { fresh.update(firing) }
        await retiredNotifier?.stop()
        await retiredRunner?.stop()
    }

    /// Sends alert transitions: to Alertmanager, and each to the alert command. Never blocks.
    func send(_ alerts: [Alert]) {
        let (notifier, runner) = current.withLock { ($0.notifier, $0.runner) }
        notifier?.update(alerts)
        if let runner { alerts.forEach(runner.run) }
    }

    /// Rewrites the metrics file, when one is configured; a failure is journaled once until a write succeeds again.
    func publish(_ snapshot: MonitorSnapshot) {
        guard let metrics = current.withLock({ $0.metrics }) else { return }
        do {
            try metrics.write(snapshot.models.map(Self.metrics(of:)))
            let recovered = current.withLock { state in
                defer { state.metricsFailing = false }
                return state.metricsFailing
            }
            if recovered { journal.log(.notice, "the metrics file \(metrics.path) is written again", fields: ["VIGIL_METRICS_FILE": metrics.path]) }
        } catch {
            let first = current.withLock { state in
                defer { state.metricsFailing = true }
                return !state.metricsFailing
            }
            if first { journal.log(.warning, "\(error); retrying after each evaluation", fields: ["VIGIL_METRICS_FILE": metrics.path]) }
        }
    }

    static func metrics(of model: MonitorSnapshot.Model) -> ModelMetrics {
        var metrics = ModelMetrics(
            model: model.name, version: model.version, predictionsIngested: model.predictionsIngested,
            quarantined: model.quarantined, pendingOutcomes: model.pendingOutcomes, alertsFiring: model.firing.count,
            lastEvaluation: model.lastEvaluation, auroc: model.auroc, estimatedAUROC: model.estimatedAUROC, ece: model.ece,
            features: model.features.map { FeatureMetrics(feature: $0.name, subgroup: $0.subgroup, psi: $0.psi, ksStatistic: $0.ksStatistic) })
        metrics.servingVersion = model.servingVersion
        metrics.paused = model.paused
        metrics.lifecycleEvents = model.lifecycleEvents
        return metrics
    }

    /// Stops the senders, after a last try to deliver what is pending.
    func stop() async {
        let (notifier, runner) = current.withLock { state in
            defer { state.notifier = nil; state.runner = nil }
            return (state.notifier, state.runner)
        }
        await notifier?.stop()
        await runner?.stop()
    }
}
