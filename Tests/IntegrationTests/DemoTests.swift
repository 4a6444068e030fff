import Foundation
import Testing
import VigilML
import VigilTestSupport

/// `vigil demo` and `vigil simulate` as a newcomer runs them.
struct DemoTests {
    @Test("vigil demo --fast shows every stage of the life cycle happen, and the state database agrees")
    func demo() async throws {
        let scratch = try Scratch()
        let directory = scratch.file("demo")
        let run = try await runToCompletion(Binaries.vigil, ["demo", "--fast", "--dir", directory, "--seed", "7"],
                                          environment: ["VIGIL_LOG_TARGET": "stderr"], timeout: .seconds(600))
        #expect(run.status == 0, "\(run.stdout.suffix(4_000))\n\(run.stderr.suffix(2_000))")
        let summary = try #require(run.stdout.range(of: "Summary (seconds since the demo started)").map { String(run.stdout[$0.upperBound...]) },
                                   "no summary: \(run.stdout.suffix(3_000)) \(run.stderr.suffix(1_000))")
        let rows = summary.split(separator: "\n").map(String.init)
        for stage in ["drift detected", "retraining", "gates", "shadow comparison", "promotion", "performance alert", "rollback",
                      "bad candidate rejected", "pause", "resume"] {
            let row = rows.first { $0.hasPrefix("  " + stage + " ") }
            #expect(row != nil && row?.contains("did not happen") == false, "stage \(stage): \(row ?? "missing")")
        }
        #expect(rows.contains { $0.hasPrefix("  drift detected") && $0.contains("lactate at site=ED-1: PSI ") && $0.contains("KS D ") })
        #expect(rows.contains { $0.hasPrefix("  bad candidate rejected") && $0.contains("v3") })
        #expect(run.stdout.contains("while paused the serving side logged 0 scores"))
        #expect(run.stdout.contains(" pause ") && run.stdout.contains(" resume "), "the audit lines are shown")
        #expect(run.stdout.contains("the HTML report: \(directory)/report.html"), "\(run.stdout.suffix(1_000))")
        let report = (try? String(contentsOfFile: directory + "/report.html", encoding: .utf8)) ?? ""
        #expect(report.contains("<svg") && report.contains("rolled_back"), "the report draws the demo's model and its rollback")

        let database = directory + "/state/vigil.db"
        let kinds = try await sqliteQuery(database, "SELECT kind || ' v' || coalesce(version, '-') FROM lifecycle_events WHERE model = 'sepsis-risk' ORDER BY seq")
        #expect(kinds == ["registered v1", "retrain_started v-", "staged v2", "promoted v2", "retrain_started v-", "rejected v3",
                          "rolled_back v2", "paused v1", "resumed v1"], "\(kinds)")
        #expect(try await sqliteQuery(database, "SELECT 'v' || version || ' ' || state FROM model_versions WHERE model = 'sepsis-risk' ORDER BY version")
                == ["v1 production", "v2 rolled_back", "v3 rejected"])
        let firing = try await sqliteQuery(database, "SELECT DISTINCT json_extract(alert, '$.key.rule') FROM alert_events WHERE status = 'firing' ORDER BY 1")
        #expect(firing.contains("drift") && firing.contains("performance") && firing.contains("rolled_back"), "\(firing)")
        let audit = try await sqliteQuery(database, "SELECT command || ' ' || result FROM audit WHERE command IN ('pause', 'resume', 'retrain') ORDER BY seq")
        #expect(audit == ["retrain ok", "pause ok", "resume ok"], "\(audit)")
        let log = try String(contentsOfFile: directory + "/vigild.log", encoding: .utf8)
        #expect(log.contains("rolled back") || log.contains("rolled_back"), "vigild's own lines go to vigild.log without journald: \(log.suffix(1_000))")
        // vigild was stopped: nothing listens on the demo's socket any more.
        let status = try await runToCompletion(Binaries.vigil, ["status", "--socket", directory + "/control.sock"])
        #expect(status.status == 69)
    }

    @Test("vigil simulate writes the training table and logs served by serving.json, honouring a pause")
    func simulate() async throws {
        let scratch = try Scratch()
        let train = try await runToCompletion(Binaries.vigil, ["simulate", "--training-csv", scratch.file("v1.csv"), "--rows", "500", "--seed", "3"])
        #expect(train.status == 0, "\(train.stderr)")
        let table = try String(contentsOfFile: scratch.file("v1.csv"), encoding: .utf8).split(separator: "\n")
        #expect(table.count == 501)
        #expect(table.first == "age,sex,heart_rate,resp_rate,temperature,systolic_bp,spo2,wbc,lactate,creatinine,arrival_mode,site,label")
        let model = scratch.file("v1.json")
        let fit = try await runToCompletion(Binaries.vigil, ["train", "--data", scratch.file("v1.csv"), "--target", "label", "--fixed", "logistic_l2", "--out", model, "--threads", "1"])
        #expect(fit.status == 0, "\(fit.stderr)")
        let sha = SHA256.hexDigest(of: [UInt8](try Data(contentsOf: URL(fileURLWithPath: model))))
        func serving(_ status: String) throws {
            _ = try scratch.write("serving.json", #"{"model":"m","status":"\#(status)","version":1,"path":"\#(model)","sha256":"\#(sha)","updated_at":"2026-01-05T00:00:00Z","reason":"test"}"#)
        }
        let arguments = ["simulate", "--seed", "3", "--serving", scratch.file("serving.json"), "--predictions", scratch.file("p.jsonl"), "--outcomes", scratch.file("o.jsonl")]
        try serving("active")
        let active = try await runToCompletion(Binaries.vigil, arguments + ["--phase", "stable:300", "--phase", "assay-shift+winter:200"])
        #expect(active.status == 0, "\(active.stderr)")
        #expect(active.stdout.contains("assay-shift+winter: 200 encounters; scored by v1 200; withheld (paused or no model) 0"), "\(active.stdout)")
        try serving("paused")
        let paused = try await runToCompletion(Binaries.vigil, arguments + ["--phase", "protocol-change:100"])
        #expect(paused.stdout.contains("protocol-change: 100 encounters; scored by none; withheld (paused or no model) 100"), "\(paused.stdout)")
        let predictions = try String(contentsOfFile: scratch.file("p.jsonl"), encoding: .utf8).split(separator: "\n")
        let outcomes = try String(contentsOfFile: scratch.file("o.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(predictions.count == 500 && outcomes.count == 500)
        let bad = try await runToCompletion(Binaries.vigil, ["simulate", "--phase", "heatwave:10", "--serving", "s", "--predictions", "p", "--outcomes", "o"])
        #expect(bad.status == 64 && bad.stderr.contains("unknown \"heatwave\""), "\(bad.stderr)")
    }
}

