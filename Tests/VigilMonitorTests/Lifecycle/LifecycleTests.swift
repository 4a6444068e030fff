import Foundation
import Testing
import VigilML
import VigilStats
import VigilStore
import VigilSystemd
import VigilTestSupport
@testable import VigilMonitor

/// The registry and its transitions on a real state database and real files: what serving.json
/// says after each, what the history records, and what start-up repairs.
@Suite struct LifecycleTests {
    let directory: TemporaryDirectory
    let databasePath: String
    let journal = Journal(identifier: "vigil-test", target: .stderr)
    var model = ModelConfig(name: "sepsis-risk", predictionsPath: "/logs/p.jsonl", outcomesPath: "/logs/o.jsonl",
                            labelHorizon: .days(1), features: [], referencePath: nil, subgroups: ["site"], window: .predictions(100))

    init() throws {
        directory = try TemporaryDirectory()
        databasePath = directory.file("vigil.db")
        let database = try Database(path: databasePath)
        try database.migrate(StateSchema.migrations)
    }

    func lifecycle() throws -> Lifecycle {
        try Lifecycle(databasePath: databasePath, stateDirectory: directory.path, journal: journal)
    }

    func query(_ sql: String, _ arguments: any SQLBindable...) throws -> [Row] {
        try Database(path: databasePath).query(sql, arguments: arguments.map(\.sqlValue))
    }

    func serving() throws -> ServingFile? {
        try ModelStore(stateDirectory: directory.path).readServing(of: "sepsis-risk")
    }

    func states() throws -> [String] {
        try query("SELECT version, state FROM model_versions WHERE model = 'sepsis-risk' ORDER BY version")
            .map { "v\($0["version"].int ?? 0) \($0["state"].string ?? "")" }
    }

    func events() throws -> [String] {
        try query("SELECT kind, version, actor FROM lifecycle_events WHERE model = 'sepsis-risk' ORDER BY seq")
            .map { "\($0["kind"].string ?? "") v\($0["version"].int.map(String.init) ?? "-") \($0["actor"].string ?? "")" }
    }

    func firing() throws -> [String] {
        try query("SELECT rule FROM alert_states WHERE model = 'sepsis-risk' AND state = 'firing' ORDER BY rule").compactMap { $0["rule"].string }
    }

    /// A gate report that passes or fails on synthetic outcomes: the candidate ranks perfectly,
    /// production at chance (or the other way round).
    static func report(passing: Bool, stage: String = "held_out") -> GateReport {
        let labels = (0..<400).map { $0 % 4 == 0 }
        let good = labels.enumerated().map { $0.element ? 0.3 + Double($0.offset % 7) / 100 : 0.2 - Double($0.offset % 5) / 100 }
        let flat = labels.indices.map { Double($0 % 10) / 10 }
        var gates = GateSettings()
        gates.maxECE = 1
        return GateReport.judge(stage: stage, labels: labels, candidate: passing ? good : flat, production: passing ? flat : good,
                                subgroups: [], threshold: 0.25, settings: gates)
    }

    @Test("register: the first version goes to production and serving.json names it; the next one replaces it and the first becomes previous")
    func registration() throws {
        let lifecycle = try lifecycle()
        #expect(try lifecycle.register("sepsis-risk", modelFile: ModelStoreTests.modelFile, reason: "first model", by: .user("alice")) == 1)
        let first = try #require(try serving())
        #expect(first.status == .active && first.version == 1 && first.reason == "first model")
        #expect(first.sha256 == SHA256.hexDigest(of: ModelStoreTests.modelFile))
        #expect(try lifecycle.register("sepsis-risk", modelFile: ModelStoreTests.modelFile, reason: "second", by: .user("alice")) == 2)
        #expect(try serving()?.version == 2)
        #expect(try states() == ["v1 previous", "v2 production"])
        #expect(try events() == ["registered v1 alice", "registered v2 alice"])
        // A file that is not a model file is refused, and nothing changes.
        #expect(throws: LifecycleError.self) {
            try lifecycle.register("sepsis-risk", modelFile: Array("{\"format\":\"nope\"}".utf8), reason: "x", by: .user("alice"))
        }
        #expect(try states() == ["v1 previous", "v2 production"])
        // What monitoring takes from production.
        let production = try #require(lifecycle.productionVersions(of: ["sepsis-risk"])["sepsis-risk"])
        #expect(production.version == 2)
        #expect(production.features.map(\.name).contains("lactate"))
        #expect(production.reference.columns.count == production.features.count)
    }

    @Test("pause: serving.json says paused with the reason, a new start keeps it, resume makes it active; retraining is refused while paused")
    func pauseAndResume() throws {
        let first = try lifecycle()
        _ = try first.register("sepsis-risk", modelFile: ModelStoreTests.modelFile, reason: "first", by: .daemon)
        let (before, _) = try first.setPaused(true, model: "sepsis-risk", reason: "new lactate assay at ED-1", by: .user("clin"))
        #expect(before == "active")
        #expect(try serving()?.status == .paused)
        #expect(try serving()?.reason == "new lactate assay at ED-1")
        #expect {
            try first.requestRetrain(model, trigger: "test", by: .user("root"), automatic: false)
        } throws: { ($0 as? LifecycleError)?.message.contains("is paused") == true }

        let restarted = try lifecycle()
        try restarted.reconcile(models: [model])
        #expect(try serving()?.status == .paused)
        _ = try restarted.setPaused(false, model: "sepsis-risk", reason: "assay recalibrated", by: .user("clin"))
        #expect(try serving()?.status == .active)
        #expect(try events() == ["registered v1 vigild", "paused v1 clin", "resumed v1 clin"])
        // vigild's own action is audited by the life cycle; the users' by the control server.
        #expect(try query("SELECT command, user, role FROM audit").map { "\($0["command"].string!) \($0["user"].string!) \($0["role"].string!)" }
                == ["registered vigild daemon"])
    }

    @Test("start-up: serving.json edited to nonsense, or left behind by a crash, is rewritten from the registry; a corrupt production file stops vigild")
    func reconcile() throws {
        let lifecycle = try lifecycle()
        _ = try lifecycle.register("sepsis-risk", modelFile: ModelStoreTests.modelFile, reason: "first", by: .daemon)
        let store = ModelStore(stateDirectory: directory.path)
        let servingPath = store.servingFile(of: "sepsis-risk")
        let first = try #require(try serving())
        _ = try lifecycle.register("sepsis-risk", modelFile: ModelStoreTests.modelFile, reason: "second", by: .daemon)
        // A crash between the registry's commit and the file: serving.json still names version 1.
        try store.writeServing(first)
        try lifecycle.reconcile(models: [model])
        #expect(try serving()?.version == 2)
        try Data("{\"status\": \"whatever\"}".utf8).write(to: URL(fileURLWithPath: servingPath))
        try lifecycle.reconcile(models: [model])
        #expect(try serving()?.version == 2)
        #expect(try events().filter { $0.hasPrefix("serving_repaired") }.count == 2)
        // In agreement: nothing is rewritten.
        try lifecycle.reconcile(models: [model])
        #expect(try events().filter { $0.hasPrefix("serving_repaired") }.count == 2)

        let production = try #require(try serving()).path
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: production)))
        bytes[20] = bytes[20] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
        try Data(bytes).write(to: URL(fileURLWithPath: production))
        #expect {
            try lifecycle.reconcile(models: [model])
        } throws: { error in
            guard let failure = error as? StartupFailure else { return false }
            return failure.exitCode == StartupFailure.dataError && failure.lines.count == 1
                && failure.lines[0].hasPrefix("sepsis-risk: the production model (version 2) is unusable: \(production): checksum mismatch")
        }
    }

    @Test("candidates: held-out pass stages, shadow pass awaits approval (manual), approve promotes, failed probation rolls back by itself")
    func stagingPromotionProbationRollback() throws {
        let lifecycle = try lifecycle()
        _ = try lifecycle.register("sepsis-risk", modelFile: ModelStoreTests.modelFile, reason: "first", by: .daemon)
        let run = try lifecycle.withRegistry { try $0.startRetrainRun(model: "sepsis-risk", trigger: "test", requestedBy: "vigild", at: Lifecycle.now()) }
        let (version, state) = try lifecycle.addCandidate(model, run: run, modelFile: ModelStoreTests.modelFile, heldOut: Self.report(passing: true))
        #expect(version == 2 && state == .staged)
        #expect(try serving()?.version == 1)

        try lifecycle.recordShadow(model, version: 2, report: Self.report(passing: true, stage: "shadow"))
        #expect(try states() == ["v1 production", "v2 awaiting_approval"])
        #expect(try firing() == ["approval_needed"])
        #expect(try serving()?.version == 1)
        // Not while paused.
        _ = try lifecycle.setPaused(true, model: "sepsis-risk", reason: "drill", by: .user("clin"))
        #expect {
            try lifecycle.approve("sepsis-risk", version: 2, reason: nil, by: .user("clin"))
        } throws: { ($0 as? LifecycleError)?.kind == .refused }
        _ = try lifecycle.setPaused(false, model: "sepsis-risk", reason: "drill over", by: .user("clin"))

        try lifecycle.approve("sepsis-risk", version: 2, reason: "looks right", by: .user("clin"))
        #expect(try states() == ["v1 previous", "v2 production"])
        #expect(try serving()?.version == 2)
        #expect(try firing() == [])
        let promoted = try #require(try lifecycle.withRegistry { try $0.production(of: "sepsis-risk") })
        #expect(promoted.probationAfterRow == 0)
        #expect(promoted.probationBaselineAUROC == Self.report(passing: true).productionAUROC)

        // Probation fails: back to version 1, by itself, with a critical alert.
        let failed = GateReport.probation(labels: [true, false, true, false], scores: [0.1, 0.9, 0.2, 0.8], baseline: 0.8, margin: 0.02)
        #expect(!failed.passed)
        try lifecycle.recordProbation(model, version: 2, report: failed)
        #expect(try states() == ["v1 production", "v2 rolled_back"])
        #expect(try serving()?.version == 1)
        #expect(try firing() == ["rolled_back"])
        #expect(try events() == [
            "registered v1 vigild", "staged v2 vigild", "awaiting_approval v2 vigild",
            "paused v1 clin", "resumed v1 clin", "promoted v2 clin", "rolled_back v2 vigild",
        ])
        #expect(try query("SELECT status, candidate FROM retrain_runs").map { "\($0["status"].string!) \($0["candidate"].int!)" } == ["succeeded 2"])
        // A manual rollback needs somewhere to go: no previous version left, and a rolled-back one is no target.
        #expect {
            try lifecycle.rollback("sepsis-risk", to: nil, reason: "again", by: .user("root"))
        } throws: { ($0 as? LifecycleError)?.message.contains("no previous version") == true }
        #expect {
            try lifecycle.rollback("sepsis-risk", to: 2, reason: "again", by: .user("root"))
        } throws: { ($0 as? LifecycleError)?.message == "sepsis-risk version 2 is rolled_back; a rollback goes to a previous or retired version" }
    }

    @Test("a candidate failing its gates is rejected with the figures; reject and approve refuse versions in the wrong state")
    func rejection() throws {
        let lifecycle = try lifecycle()
        _ = try lifecycle.register("sepsis-risk", modelFile: ModelStoreTests.modelFile, reason: "first", by: .daemon)
        let run = try lifecycle.withRegistry { try $0.startRetrainRun(model: "sepsis-risk", trigger: "test", requestedBy: "vigild", at: Lifecycle.now()) }
        let failing = Self.report(passing: false)
        #expect(!failing.passed)
        let (version, state) = try lifecycle.addCandidate(model, run: run, modelFile: ModelStoreTests.modelFile, heldOut: failing)
        #expect(version == 2 && state == .rejected)
        let reason = try #require(try query("SELECT reason FROM lifecycle_events WHERE kind = 'rejected'").first?["reason"].string)
        #expect(reason == "failed the held-out gates (AUROC 0.433 vs production 1.000 on 400 outcomes): AUROC 0.433 < 1.000 (production 1.000 - margin 0.000)")
        let stored = try #require(try lifecycle.withRegistry { try $0.version(2, of: "sepsis-risk") })
        #expect(stored.gates == failing)
        #expect {
            try lifecycle.reject("sepsis-risk", version: 1, reason: "no", by: .user("clin"))
        } throws: { ($0 as? LifecycleError)?.kind == .refused }
        #expect {
            try lifecycle.approve("sepsis-risk", version: 2, reason: nil, by: .user("clin"))
        } throws: { ($0 as? LifecycleError)?.message == "sepsis-risk version 2 is rejected, not awaiting_approval" }
        #expect {
            try lifecycle.approve("sepsis-risk", version: 9, reason: nil, by: .user("clin"))
        } throws: { ($0 as? LifecycleError)?.kind == .invalid }
        #expect(try serving()?.version == 1)
    }

    @Test("a retraining left running by a crash is failed at the next start, with a VigilRetrainFailed alert; production is untouched")
    func interruptedRetraining() throws {
        let first = try lifecycle()
        _ = try first.register("sepsis-risk", modelFile: ModelStoreTests.modelFile, reason: "first", by: .daemon)
        _ = try first.withRegistry { try $0.startRetrainRun(model: "sepsis-risk", trigger: "test", requestedBy: "root", at: Lifecycle.now()) }
        try lifecycle().reconcile(models: [model])
        #expect(try query("SELECT status FROM retrain_runs").map { $0["status"].string } == ["failed"])
        #expect(try events() == ["registered v1 vigild", "retrain_failed v- vigild"])
        #expect(try firing() == ["retrain_failed"])
        #expect(try serving()?.version == 1)
    }

    @Test("retraining is refused without a registered version (automatic), without enough examples, and while one runs")
    func retrainRefusals() throws {
        let lifecycle = try lifecycle()
        #expect {
            try lifecycle.requestRetrain(model, trigger: "drift", by: .daemon, automatic: true)
        } throws: { ($0 as? LifecycleError)?.message.contains("has no registered production version") == true }
        _ = try lifecycle.register("sepsis-risk", modelFile: ModelStoreTests.modelFile, reason: "first", by: .daemon)
        #expect {
            try lifecycle.requestRetrain(model, trigger: "drift", by: .daemon, automatic: true)
        } throws: { ($0 as? LifecycleError)?.message == "sepsis-risk has 0 labeled examples within retrain.training_window (180d); retrain.min_examples is 1000" }
        _ = try lifecycle.withRegistry { try $0.startRetrainRun(model: "sepsis-risk", trigger: "test", requestedBy: "root", at: Lifecycle.now()) }
        #expect {
            try lifecycle.requestRetrain(model, trigger: "again", by: .user("root"), automatic: false)
        } throws: { ($0 as? LifecycleError)?.message.contains("is already running") == true }
    }
}

/// The gates on hand-checkable outcomes.
struct GateReportTests {
    @Test("each gate: overall AUROC with its margin, a subgroup worse by more than its margin, a small subgroup skipped, ECE, sensitivity")
    func gates() {
        // 8 rows; site A (6 rows) and B (2 rows, too few to gate with min 3).
        let labels = [true, false, true, false, true, false, true, false]
        let production = [0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4]   // AUROC 1 everywhere
        let candidate = [0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.6, 0.4]    // one pair swapped in A
        let sites: [String?] = ["A", "A", "A", "A", "A", "A", "B", "B"]
        var settings = GateSettings()
        settings.margin = 0.2
        settings.subgroupMargin = 0.05
        settings.minSubgroupOutcomes = 3
        settings.maxECE = 0.5
        settings.minSensitivity = 0.9
        let report = GateReport.judge(stage: "held_out", labels: labels, candidate: candidate, production: production,
                                      subgroups: [("site", sites)], threshold: 0.5, settings: settings)
        // Overall: 13 of the 16 positive-negative pairs are ordered right (0.3 is below 0.4 and 0.7,
        // 0.6 below 0.7) → AUROC 0.8125 ≥ 1 − 0.2.
        #expect(report.candidateAUROC == 0.8125)
        #expect(report.productionAUROC == 1)
        let byName = Dictionary(uniqueKeysWithValues: report.gates.map { ($0.name, $0) })
        #expect(byName["auroc"]?.passed == true)
        // Site A: 1 of 9 pairs swapped → 8/9 < 1 − 0.05: fails.
        #expect(byName["subgroup site=A"]?.passed == false)
        #expect(byName["subgroup site=A"]?.value == 8.0 / 9.0)
        #expect(byName["subgroup site=B"]?.skipped == true)
        // Sensitivity at 0.5: positives scored 0.9, 0.8, 0.3, 0.6 → 3/4 < 0.9.
        #expect(byName["sensitivity"]?.value == 0.75)
        #expect(byName["sensitivity"]?.passed == false)
        #expect(byName["ece"]?.passed == true)
        #expect(!report.passed)
        #expect(report.failures.contains("site=A: AUROC 0.889 < 0.950"))
    }

    @Test("probation fails only when the realized AUROC's whole 95% interval lies below the previous version's less the margin")
    func probation() throws {
        // 20 positives and 20 negatives; 3 of every 4 positives outscore every negative, the rest score below them all.
        let labels = (0..<40).map { $0 < 20 }
        let scores = (0..<40).map { index -> Double in index < 20 ? (index % 4 == 3 ? 0.01 : 0.9) : 0.5 }
        let noisy = GateReport.probation(labels: labels, scores: scores, baseline: 0.80, margin: 0.02)
        // AUROC 0.75 is below 0.78, but on 40 outcomes its interval reaches above it: not rolled back.
        #expect(noisy.candidateAUROC == 0.75)
        let interval = try #require(ROC.deLongInterval(labels: labels, scores: scores).value)
        #expect(interval.upper > 0.78)
        #expect(noisy.passed)
        #expect(noisy.gates.first?.detail.contains("not below 0.780") == true)
        // Scores that rank outcomes backwards: the whole interval is below the limit.
        let backwards = GateReport.probation(labels: labels, scores: scores.map { 1 - $0 }, baseline: 0.80, margin: 0.02)
        #expect(!backwards.passed)
        #expect(backwards.failures.hasPrefix("realized AUROC 0.250 (95% CI "))
        // Nothing to compare with, or one outcome class: not judged.
        #expect(GateReport.probation(labels: labels, scores: scores, baseline: nil, margin: 0.02).gates.first?.skipped == true)
        #expect(GateReport.probation(labels: Array(repeating: true, count: 5), scores: [0.1, 0.2, 0.3, 0.4, 0.5], baseline: 0.8, margin: 0.02).passed)
    }
}
