import ArgumentParser
import Foundation
import VigilMonitor

/// `vigil demo`: the whole loop on a simulated sepsis-screening stream, narrated as it happens.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run vigild on a simulated sepsis-screening stream and narrate the model's life cycle (about a minute).",
        discussion: """
            Trains v1 with the bundled AutoML on simulated encounters, starts vigild (the binary \
            beside this one) with a configuration and control socket in --dir, and plays the \
            serving side: a lactate assay change at ED-1 (drift, retraining, gates, shadow, \
            promotion), a candidate trained on shuffled labels (rejected at the gates), a new \
            treatment protocol while v2 is on probation (performance alert, automatic rollback), \
            and a clinical owner's pause and resume. Ends with a summary table; exits 1 when a stage did not happen in time.
            """)

    @Option(help: ArgumentHelp("Where the demo's state, logs and configuration go (default: a new temporary directory).", valueName: "dir"))
    var dir: String?
    @Option(help: "Seed of the simulated stream.") var seed: UInt64 = 7
    @Flag(help: "Smaller and quicker (for tests): the same stages with less training.") var fast = false

    func run() throws {
        try reportingFailures {
            let directory = try dir.map { path in
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                return URL(fileURLWithPath: path).standardizedFileURL.path
            } ?? Demo.makeTemporaryDirectory()
            let demo = try Demo(directory: directory, seed: seed, fast: fast)
            try demo.run()
        }
    }
}

/// One run of the demo; owned by the command's thread.
final class Demo {
    let model = "sepsis-risk"
    let directory: String
    let seed: UInt64
    let fast: Bool
    let vigil: String
    let vigild: String
    let started = ContinuousClock.now
    var daemon: Process?
    var narrator: DemoNarrator!
    var simulation: ServingSimulation!
    var signalSources: [any DispatchSourceSignal] = []

    func file(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
    var socket: String { file("control.sock") }
    var stateDirectory: String { file("state") }
    var database: String { file("state/vigil.db") }
    var shuffleMarker: String { file("next-candidate-shuffled") }

    init(directory: String, seed: UInt64, fast: Bool) throws {
        self.directory = directory
        self.seed = seed
        self.fast = fast
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        vigil = URL(fileURLWithPath: executable).standardizedFileURL.path
        vigild = ((vigil as NSString).deletingLastPathComponent as NSString).appendingPathComponent("vigild")
        guard FileManager.default.isExecutableFile(atPath: vigild) else {
            throw CommandFailure(exitCode: ClientExit.unavailable, lines: ["no vigild beside \(vigil): the demo runs the vigild built with it"])
        }
        guard !FileManager.default.fileExists(atPath: file("state")) else {
            throw CommandFailure(exitCode: 64, lines: ["\(file("state")) exists: give the demo a new or empty --dir"])
        }
    }

    static func makeTemporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("vigil-demo.XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw CommandFailure(exitCode: 73, lines: ["cannot make a temporary directory: \(String(cString: strerror(errno)))"]) }
        return String(cString: made)
    }

    // MARK: The story

    func run() throws {
        defer { stopDaemon() }
        let stream = SepsisStream(seed: seed, assaySite: "ED-1")
        say("Vigil demo: sepsis screening at three emergency departments (ED-1, ED-2, ED-3); everything is in \(directory)")

        // 1. The first model.
        let rows = fast ? 2_500 : 4_000
        try Data(stream.trainingCSV(rows: rows).utf8).write(to: URL(fileURLWithPath: file("v1-training.csv")))
        say("training v1 with the bundled AutoML on \(rows) simulated encounters (\(SepsisStream.featureNames.count) inputs, site among them; about 8% had sepsis)")
        var train = ["train", "--data", file("v1-training.csv"), "--target", "label", "--subgroups", "site",
                     "--seed", String(seed), "--out", file("v1.json"), "--report", file("v1-card.md"), "--json"]
        train += fast ? ["--learners", "logistic_l2", "--trials", "2", "--folds", "3"] : ["--learners", "gbdt,logistic_l2", "--budget", "6s"]
        let trained = try runVigil(train)
        guard trained.status == 0 else { throw failure("vigil train failed: \(trained.stderr.suffix(500))") }
        let summary = (try? JSONSerialization.jsonObject(with: Data(trained.stdout.utf8))) as? [String: Any]
        say("v1 trained: \(Self.describeTraining(summary)); card in \(file("v1-card.md"))")

        // 2. vigild, with v1 as its initial model.
        try writeRetrainWrapper()
        try writeConfig()
        simulation = ServingSimulation(stream: stream, predictions: file("predictions.jsonl"), outcomes: file("outcomes.jsonl"),
                                       serving: file("state/models/\(model)/serving.json"))
        try simulation.writeOutcomes()
        try Data().write(to: URL(fileURLWithPath: file("predictions.jsonl")))
        try startDaemon()
        narrator = DemoNarrator(model: model, database: database, started: started)
        try wait(for: "v1 in production", limit: .seconds(30)) { self.servingVersion() == 1 }
        say("v1 registered from initial_model: and named by \(file("state/models/\(model)/serving.json")); the serving side now scores every encounter with it")

        // 3. Stable weeks, then the new lactate assay at ED-1.
        let stable = fast ? 1_200 : 2_000
        say("serving \(stable) encounters (about \(stable * SepsisStream.secondsBetweenEncounters / 86_400) days): stable")
        try feed(stable, [], batch: 200)
        say("ED-1 switches to a lactate assay that reads 0.8 mmol/L higher: the inputs drift at one site")
        try wait(for: "drift", limit: .seconds(60), feeding: [.assayShift]) { self.narrator.happened(.drift) }
        try wait(for: "retraining", limit: .seconds(30), feeding: [.assayShift]) { self.narrator.happened(.retraining) }
        // The trainer runs at nice 19: the stream waits for it rather than compete for the cores.
        try wait(for: "gates", limit: .seconds(150)) { self.narrator.happened(.gates) }
        guard narrator.version(2)?.state != .rejected else { throw failure("the retrained candidate failed its gates; see vigil history") }
        // serving.json is read before each batch: the stream stops the moment v2 is named, so v2's probation
        // starts with the next phase.
        try wait(for: "promotion", limit: .seconds(90), feeding: [.assayShift]) { self.servingVersion() == 2 }
        try wait(for: "promotion", limit: .seconds(10)) { self.narrator.happened(.promotion) }

        // 4. A bad candidate, while v2 is on probation: the demo's retrain.command trains it on shuffled labels.
        guard FileManager.default.createFile(atPath: shuffleMarker, contents: nil) else {
            throw failure("cannot create \(shuffleMarker), which tells the demo's retrain.command to shuffle the labels")
        }
        say("an admin asks for another retraining (vigil retrain); the demo's retrain.command trains this candidate on shuffled labels, so it learned nothing")
        _ = try control(["cmd": "retrain", "model": model, "reason": "demo: a candidate trained on shuffled labels, to show the gates stopping it"])
        try wait(for: "rejection", limit: .seconds(150)) { self.narrator.happened(.rejection) }
        guard servingVersion() == 2 else { throw failure("serving.json no longer names v2 after the rejection") }
        say("serving.json still names v2: a rejected candidate never reaches the serving side")

        // 5. A new treatment protocol: same inputs, other outcomes, while v2 is still on probation.
        narrator.countsPerformanceAlerts = true
        say("a new sepsis protocol starts: patients with lactate >= 2 mmol/L get an early bundle, so the same inputs now carry less risk (concept shift; invisible to drift checks)")
        try wait(for: "rollback", limit: .seconds(90), feeding: [.assayShift, .protocolChange]) { self.narrator.happened(.rollback) }
        try wait(for: "performance alert", limit: .seconds(60), feeding: [.assayShift, .protocolChange]) { self.narrator.happened(.performanceAlert) }

        // 6. A clinical owner pauses the model, then resumes it.
        let user = ProcessInfo.processInfo.userName
        _ = try control(["cmd": "pause", "model": model, "reason": "clinical owner: scores under review after the protocol change"])
        try wait(for: "pause", limit: .seconds(20)) { self.narrator.happened(.pause) && self.servingStatus() == "paused" }
        let paused = try simulation.serve(fast ? 100 : 200, effects: [.assayShift, .protocolChange])
        say("while paused the serving side logged \(paused.scored) scores and fell back to standard care for \(paused.withheld) encounters")
        narrator.note(.pause, "\(paused.withheld) encounters on standard care")
        _ = try control(["cmd": "resume", "model": model, "reason": "clinical owner: review done, v1 may be used again"])
        try wait(for: "resume", limit: .seconds(20)) { self.narrator.happened(.resume) && self.servingStatus() == "active" }
        let resumed = try simulation.serve(100, effects: [.assayShift, .protocolChange])
        say("after the resume v\(resumed.version.map(String.init) ?? "?") scored \(resumed.scored) encounters again")
        let audit = try runVigil(["audit", model, "--limit", "2", "--socket", socket])
        say("vigil audit \(model) --limit 2 (both requests ran as \(user), through the control socket):")
        print(audit.stdout.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        narrator.poll()

        // 7. The summary and the report.
        print("")
        narrator.printSummary()
        try report()
        stopDaemon()
        say("vigild stopped. Everything is in \(directory) (vigil.yaml, state/, predictions.jsonl, outcomes.jsonl\(journaling ? "" : ", vigild.log"))")
    }

    // MARK: Steps

    /// Whether vigild logs to journald: when it runs here, unless VIGIL_LOG_TARGET=stderr asks otherwise.
    var journaling: Bool {
        ProcessInfo.processInfo.environment["VIGIL_LOG_TARGET"] != "stderr" && FileManager.default.fileExists(atPath: "/run/systemd/journal/socket")
    }

    func writeConfig() throws {
        let group = getgrgid(getgid()).map { String(cString: $0.pointee.gr_name) } ?? "root"
        let config = """
            # Written by `vigil demo`: one model, watched closely so the whole life cycle fits in a minute.
            state_dir: \(stateDirectory)
            control_socket: \(socket)
            metrics_file: \(file("vigil.prom"))
            # The demo's own user runs every command, as admin and clinical owner.
            control_group: \(group)
            admin_group: \(group)
            clinical_group: \(group)
            models:
              - name: \(model)
                predictions: \(file("predictions.jsonl"))
                outcomes: \(file("outcomes.jsonl"))
                label_horizon: 4d
                initial_model: \(file("v1.json"))
                # Drift against v1's training data, each site against its own rows.
                reference: \(file("v1-training.csv"))
                subgroups: [site, sex]
                window: {predictions: 400}
                drift: {for: 2, resolve_for: 2}
                performance: {window: 800, min_outcomes: 300, alert_below: 0.68, max_drop: 0.1, for: 2, resolve_for: 3}
                pipeline: {silence_after: off, max_outcome_lag: off}
                retrain: {on: [drift], base_data: \(file("v1-training.csv")), min_examples: 600, training_window: 60d, budget: \(fast ? 60 : 20)s, min_interval: 1h, command: \(file("retrain.sh"))}
                # A few hundred outcomes (about 8% positive) give AUROC a standard error near 0.03: the gates ask the
                # candidate not to be worse by more than 0.05, and subgroups this small are not gated on.
                gates: {margin: 0.05, max_ece: 0.15, min_subgroup_outcomes: 400}
                staging: {shadow_outcomes: \(fast ? 400 : 600)}
                promotion: auto
                # Probation judges 4,000 of v2's outcomes. The performance alert usually ends it first;
                # when a loaded machine lets probation finish first, 4,000 outcomes after the protocol
                # change put the whole interval below the limit and it fails. (With 1,000, about 40
                # of them positive, the interval could reach the limit, and a loaded run once ended
                # with v2 still in production.)
                probation: {outcomes: 4000, margin: 0.02}

            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: file("vigil.yaml")))
    }

    /// vigild's trainer (`retrain.command`): `vigil train` with vigild's arguments, on shuffled
    /// labels when the demo has left the marker file (the hidden test hook of `vigil train`).
    func writeRetrainWrapper() throws {
        // The search: a few seconds of AutoML, or (--fast, for tests on a busy machine) two fixed trials.
        let search = fast ? "--learners logistic_l2 --folds 3 --trials 2" : "--learners gbdt,logistic_l2 --budget 6s"
        let script = """
            #!/bin/sh
            # vigil demo's retrain.command: `vigil train` with vigild's arguments, but its own search in place of
            # vigild's --budget (retrain.budget stays long, so that a busy machine, where the trainer at nice 19
            # gets little of the cores, does not get it killed at 1.5 times the budget). When the demo has left
            # \(shuffleMarker), this candidate is trained on shuffled labels (the hidden test hook of
            # `vigil train`): it learns nothing, and the gates must stop it.
            skip=0
            for argument do
                shift
                if [ "$skip" = 1 ]; then skip=0; continue; fi
                if [ "$argument" = --budget ]; then skip=1; continue; fi
                set -- "$@" "$argument"
            done
            if [ -e '\(shuffleMarker)' ]; then
                rm -f '\(shuffleMarker)'
                exec '\(vigil)' "$@" \(search) --shuffle-target 7
            fi
            exec '\(vigil)' "$@" \(search)

            """
        let path = file("retrain.sh")
        try Data(script.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o755)
    }

    func startDaemon() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: vigild)
        process.arguments = ["--config", file("vigil.yaml")]
        var environment = ProcessInfo.processInfo.environment
        if journaling {
            say("starting vigild (logging to the journal: journalctl -t vigild)")
            process.standardError = FileHandle.nullDevice
        } else {
            environment["VIGIL_LOG_TARGET"] = "stderr"
            guard FileManager.default.createFile(atPath: file("vigild.log"), contents: nil) else {
                throw failure("cannot create \(file("vigild.log")) for vigild's log lines")
            }
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: file("vigild.log")))
            say("starting vigild (no journald here: its log lines go to \(file("vigild.log")))")
        }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        daemon = process
        stopDaemonOnSignals(pid: process.processIdentifier)
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if (try? ControlClient.exchange(["cmd": "status"], path: socket, source: "the demo")) != nil { return }
            guard process.isRunning else { throw failure("vigild exited at start-up with status \(process.terminationStatus)\(journaling ? "" : ": " + lastLines(of: file("vigild.log")))") }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw failure("vigild did not answer on \(socket) within 20 s")
    }

    /// Interrupted (Ctrl-C, SIGTERM), the demo stops its vigild before it exits.
    func stopDaemonOnSignals(pid: pid_t) {
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                kill(pid, SIGTERM)
                for _ in 0..<100 where kill(pid, 0) == 0 { usleep(50_000) }
                FileHandle.standardError.write(Data("vigil: demo interrupted; vigild stopped\n".utf8))
                _exit(130)
            }
            source.resume()
            signalSources.append(source)
        }
    }

    func stopDaemon() {
        guard let process = daemon else { return }
        daemon = nil
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    func report() throws {
        let out = file("report.html")
        let made = try runVigil(["report", model, "--out", out, "--state-dir", stateDirectory])
        if made.status == 0 { say("the HTML report: \(out)") } else { say("vigil report failed: \(made.stderr.suffix(300))") }
    }

    // MARK: Helpers

    /// Feeds `count` encounters in batches, narrating between them.
    func feed(_ count: Int, _ effects: Set<SepsisStream.Effect>, batch: Int) throws {
        var left = count
        while left > 0 {
            try simulation.serve(min(batch, left), effects: effects)
            left -= min(batch, left)
            Thread.sleep(forTimeInterval: 0.05)
            narrator.poll()
        }
    }

    /// Polls (feeding a batch of `effects` between polls when given) until `done`, or fails the demo.
    func wait(for stage: String, limit: Duration, feeding effects: Set<SepsisStream.Effect>? = nil, batch: Int = 100, _ done: () -> Bool) throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            narrator?.poll()
            if done() { return }
            if let reason = narrator?.retrainFailure { throw failure("a retraining failed while waiting for \(stage): \(reason)") }
            guard daemon?.isRunning == true else { throw failure("vigild exited (status \(daemon?.terminationStatus ?? -1)) while waiting for \(stage)") }
            if let effects { try simulation.serve(batch, effects: effects) }
            Thread.sleep(forTimeInterval: effects == nil ? 0.1 : 0.15)
        }
        narrator?.poll()
        if done() { return }
        throw failure("stage \"\(stage)\" did not happen within \(limit.components.seconds) s; `vigil history \(model) --socket \(socket)` and \(journaling ? "journalctl -t vigild" : file("vigild.log")) tell why")
    }

    func control(_ request: [String: Any]) throws -> [String: Any] {
        let response = try ControlClient.exchange(request, path: socket, source: "the demo")
        guard response["ok"] as? Bool == true else {
            let error = response["error"] as? [String: Any]
            throw failure("\(request["cmd"] ?? "?") was refused: \(error?["message"] as? String ?? "?")")
        }
        return response
    }

    func serving() -> ServingFile? {
        FileManager.default.contents(atPath: file("state/models/\(model)/serving.json")).flatMap { try? JSONDecoder().decode(ServingFile.self, from: $0) }
    }
    func servingVersion() -> Int? { serving()?.version }
    func servingStatus() -> String? { serving()?.status.rawValue }

    func runVigil(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: vigil)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes while it runs, so a chatty child never blocks on a full pipe.
        // The reader hands its data over under a lock (polling Thread.isFinished, a plain flag,
        // left the write and the read of the data unordered: a data race).
        let handOver = NSCondition()
        nonisolated(unsafe) var errorData: Data?
        let reader = Thread {
            let data = err.fileHandleForReading.readDataToEndOfFile()
            handOver.lock()
            errorData = data
            handOver.signal()
            handOver.unlock()
        }
        reader.start()
        let outputData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        handOver.lock()
        while errorData == nil { handOver.wait() }
        let standardError = errorData ?? Data()
        handOver.unlock()
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: standardError, as: UTF8.self))
    }

    func lastLines(of path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)).map { $0.split(separator: "\n").suffix(3).joined(separator: " | ") } ?? ""
    }

    func say(_ text: String) {
        print("[\(DemoNarrator.elapsed(since: started))] \(text)")
        fflush(nil)
    }

    func failure(_ message: String) -> CommandFailure {
        narrator?.poll()
        narrator?.printSummary()
        return CommandFailure(exitCode: 1, lines: ["demo: " + message])
    }

    static func describeTraining(_ summary: [String: Any]?) -> String {
        guard let summary else { return "done" }
        let learner = (summary["learner"] ?? summary["chosen"] ?? summary["model"]).map { "\($0)" }
        let auroc = ((summary["validation"] as? [String: Any])?["auroc"] ?? summary["auroc"] ?? summary["validation_auroc"]) as? Double
        return [learner.map { "learner \($0)" }, auroc.map { String(format: "validation AUROC %.3f", $0) }].compactMap { $0 }.joined(separator: ", ")
    }
}
