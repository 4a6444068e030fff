import Foundation
import Testing
import VigilTestSupport
@testable import VigilMonitor

struct ConfigLoaderTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let minimal = """
        models:
          - name: sepsis-risk
            predictions: /logs/p.jsonl
            outcomes: /logs/o.jsonl
        """

    func parse(_ yaml: String, environment: [String: String] = [:]) throws(ConfigError) -> Config {
        try ConfigLoader(environment: environment).parse(yaml: yaml, path: "/etc/vigil/vigil.yaml")
    }

    /// The problems `yaml` has, as `path: message (line N)` lines.
    func problems(_ yaml: String) -> [String] {
        do {
            _ = try parse(yaml)
            return []
        } catch {
            guard case .invalid(_, let problems) = error else { return ["unexpected: \(error)"] }
            return problems.map(\.description)
        }
    }

    @Test("the example configuration shipped in deploy/ parses with the values it states")
    func exampleParses() throws {
        let path = Self.repositoryRoot.appendingPathComponent("deploy/vigil.example.yaml").path
        let config = try ConfigLoader(environment: [:]).load(path: path)
        let root = Self.repositoryRoot.standardizedFileURL.path
        #expect(config.stateDirectory == "\(root)/vigil-state")
        #expect(config.controlSocket == "\(root)/vigil-state/control.sock")
        #expect(config.controlGroup == "vigil")
        #expect(config.adminGroup == "vigil-admin")
        #expect(config.clinicalGroup == "vigil-clinical")
        let model = try #require(config.models.first)
        #expect(config.models.count == 1)
        #expect(model.name == "sepsis-risk")
        #expect(model.labelHorizon == .hours(72))
        #expect(model.features.map(\.name) == ["age", "heart_rate", "lactate", "site"])
        #expect(model.features.last?.type == .categorical)
        #expect(model.subgroups == ["site", "sex"])
        #expect(model.window == .predictions(5_000))
        #expect(model.predictionsPath.hasSuffix("vigil-demo/sepsis/predictions.jsonl"))
    }

    @Test("every top-level key of the documented shape is accepted")
    func fullShape() throws {
        let config = try parse("""
            state_dir: /var/lib/vigil
            control_socket: /run/vigil/control.sock
            metrics_file: /var/lib/prometheus/node-exporter/vigil.prom
            alertmanager: {url: "http://127.0.0.1:9093"}
            alert_command: /usr/local/bin/page-oncall
            control_group: vigil
            admin_group: vigil-admin
            clinical_group: vigil-clinical
            models:
              - name: sepsis-risk
                predictions: /var/log/ehr/sepsis/predictions.jsonl
                outcomes: /var/log/ehr/sepsis/outcomes.jsonl
                label_horizon: 72h
                features: {age: numeric, lactate: numeric, site: categorical}
                reference: /var/lib/vigil/reference/sepsis.csv
                subgroups: [site, sex]
                window: {duration: 24h, close_after: 6h}
                drift: {}
                performance: {}
                retrain: {}
            """)
        #expect(config.stateDirectory == "/var/lib/vigil")
        #expect(config.controlSocket == "/run/vigil/control.sock")
        #expect(config.metricsFile == "/var/lib/prometheus/node-exporter/vigil.prom")
        #expect(config.alertmanager == AlertmanagerConfig(url: "http://127.0.0.1:9093"))
        #expect(config.alertCommand == "/usr/local/bin/page-oncall")
        #expect(config.models[0].referencePath == "/var/lib/vigil/reference/sepsis.csv")
        #expect(config.models[0].window == .duration(.hours(24), closeAfter: .hours(6)))
    }

    @Test("alert-rule sections take their documented keys; unset keys keep the clinical defaults")
    func ruleSections() throws {
        let config = try ConfigLoader(environment: [:]).parse(yaml: """
            models:
              - name: m
                predictions: /p
                outcomes: /o
                features: {age: numeric, site: categorical}
                ignore_drift: [site]
                drift: {psi: 0.3, p_value: 0.001, for: 3, resolve_for: 4, cooldown: 2h}
                performance: {threshold: 0.2, alert_below: 0.65, validation_auroc: 0.81, window: 500}
                data_quality: {max_unseen_share: 0.1}
                pipeline: {silence_after: off, max_quarantine_rate: 0.05}
            """, path: "/etc/vigil/vigil.yaml")
        let model = try #require(config.models.first)
        #expect(model.ignoreDrift == ["site"])
        #expect(model.drift.decision.psiThreshold == 0.3)
        #expect(model.drift.decision.moderatePSIThreshold == 0.1)
        #expect(model.drift.decision.adjustedPValueThreshold == 0.001)
        #expect(model.drift.timing == AlertTiming(fireAfter: 3, resolveAfter: 4, cooldown: .hours(2)))
        #expect(model.performance.threshold == 0.2)
        #expect(model.performance.alertBelow == 0.65)
        #expect(model.performance.validationAUROC == 0.81)
        #expect(model.performance.window == 500)
        #expect(model.performance.minOutcomes == 100)
        #expect(model.performance.timing == AlertTiming(fireAfter: 2, resolveAfter: 2))
        #expect(model.dataQuality.maxUnseenShare == 0.1)
        #expect(model.dataQuality.maxMissingIncrease == 0.1)
        #expect(model.pipeline.silenceAfter == nil)
        #expect(model.pipeline.maxQuarantineRate == 0.05)
    }

    @Test("life-cycle sections take their documented keys, keep the clinical defaults, and name what is wrong")
    func lifecycleSections() throws {
        let config = try ConfigLoader(environment: [:]).parse(yaml: """
            models:
              - name: m
                predictions: /p
                outcomes: /o
                initial_model: models/v1.json
                group: patient
                retrain: {on: [performance], min_interval: 1d, min_examples: 500, training_window: 30d, budget: 90s, isolation: systemd-run, memory_max: 2G, cpu_quota: 50%, command: /usr/bin/vigil, base_data: base.csv}
                gates: {margin: 0.01, min_sensitivity: 0.8}
                staging: {shadow_outcomes: 300}
                promotion: auto
                probation: {outcomes: 250}
            """, path: "/etc/vigil/vigil.yaml")
        let lifecycle = try #require(config.models.first).lifecycle
        #expect(lifecycle.initialModel == "/etc/vigil/models/v1.json")
        #expect(lifecycle.group == "patient")
        #expect(lifecycle.retrain.on == [.performance])
        #expect(lifecycle.retrain.minInterval == .days(1) && lifecycle.retrain.minExamples == 500)
        #expect(lifecycle.retrain.trainingWindow == .days(30) && lifecycle.retrain.budget == TimeSpan(seconds: 90))
        #expect(lifecycle.retrain.isolation == .systemdRun && lifecycle.retrain.memoryMax == "2G" && lifecycle.retrain.cpuQuota == "50%")
        #expect(lifecycle.retrain.command == "/usr/bin/vigil" && lifecycle.retrain.baseData == "/etc/vigil/base.csv")
        #expect(lifecycle.gates.margin == 0.01 && lifecycle.gates.minSensitivity == 0.8)
        #expect(lifecycle.gates.subgroupMargin == 0.02 && lifecycle.gates.maxECE == 0.05 && lifecycle.gates.minSubgroupOutcomes == 100)
        #expect(lifecycle.shadowOutcomes == 300 && lifecycle.promotion == .auto)
        #expect(lifecycle.probationOutcomes == 250 && lifecycle.probationMargin == 0.02)

        let defaults = try parse(Self.minimal).models[0].lifecycle
        #expect(defaults == LifecycleSettings())
        #expect(defaults.promotion == .manual && defaults.retrain.on == [.drift, .performance])

        #expect {
            try ConfigLoader(environment: [:]).parse(yaml: """
                models:
                  - name: m
                    predictions: /p
                    outcomes: /o
                    retrain: {on: [drift, retrain_failed], isolation: docker, command: vigil}
                    promotion: sometimes
                    staging: {shadow: 10}
                """, path: "/etc/vigil/vigil.yaml")
        } throws: { error in
            let text = "\(error)"
            return text.contains("models[0].retrain.on: \"retrain_failed\" is not an alert rule; expected some of: drift, performance, calibration, data_quality, pipeline")
                && text.contains("models[0].retrain.isolation: expected process or systemd-run, found \"docker\"")
                && text.contains("models[0].retrain.command: expected an absolute path to a program, found \"vigil\"")
                && text.contains("models[0].promotion: expected manual or auto, found \"sometimes\"")
                && text.contains("models[0].staging.shadow: unknown key")
        }
    }

    @Test("defaults come from systemd's directories when set")
    func defaultsFromEnvironment() throws {
        let config = try parse(Self.minimal, environment: ["STATE_DIRECTORY": "/var/lib/vigil:/var/lib/other", "RUNTIME_DIRECTORY": "/run/vigil"])
        #expect(config.stateDirectory == "/var/lib/vigil")
        #expect(config.controlSocket == "/run/vigil/control.sock")
        #expect(config.models[0].labelHorizon == .days(30))
        #expect(config.models[0].window == .predictions(5_000))
    }

    @Test("without systemd the state lives in ./vigil-state with the socket inside it")
    func defaultsWithoutSystemd() throws {
        let config = try parse(Self.minimal)
        #expect(config.stateDirectory == "./vigil-state")
        #expect(config.controlSocket == "./vigil-state/control.sock")
        #expect(config.metricsFile == nil)
        #expect(config.alertmanager == nil)
    }

    @Test("relative paths are taken relative to the configuration file's folder")
    func relativePaths() throws {
        let config = try parse("""
            state_dir: state
            models:
              - {name: m, predictions: logs/p.jsonl, outcomes: /abs/o.jsonl}
            """)
        #expect(config.stateDirectory == "/etc/vigil/state")
        #expect(config.models[0].predictionsPath == "/etc/vigil/logs/p.jsonl")
        #expect(config.models[0].outcomesPath == "/abs/o.jsonl")
    }

    @Test("alertmanager.token_file: one private line is read as a secret; a file others can read, an empty one or one with a line break inside is refused without showing it")
    func tokenFile() throws {
        let dir = try TemporaryDirectory()
        func tokenConfig(_ content: String, mode: mode_t) throws -> String {
            let path = dir.file("token-\(UUID().uuidString)")
            try Data(content.utf8).write(to: URL(fileURLWithPath: path))
            #expect(chmod(path, mode) == 0)
            return path
        }
        let good = try tokenConfig("  s3cret.Token-42\n", mode: 0o640)
        let config = try parse("alertmanager: {url: \"http://127.0.0.1:9093\", token_file: \(good)}\n" + Self.minimal)
        #expect(config.alertmanager?.token?.revealed == "s3cret.Token-42")
        #expect(!"\(config)".contains("s3cret") && !String(reflecting: config).contains("s3cret"))

        let open = try tokenConfig("s3cret\n", mode: 0o644)
        let empty = try tokenConfig("\n", mode: 0o600)
        let split = try tokenConfig("s3cret\nX-Injected: 1\n", mode: 0o600)
        let cases: [(String, String)] = [
            (open, "\(open) is readable or writable by every user (mode 644); make it private to vigild, e.g. chmod 0640 and chown root:vigil"),
            (empty, "\(empty) is empty"),
            (split, "\(split) holds a space, line break or other non-printable character inside the token; it must be one line of printable ASCII"),
            (dir.file("missing"), "\(dir.file("missing")) cannot be read: No such file or directory"),
        ]
        for (path, problem) in cases {
            let found = problems("alertmanager: {url: \"http://127.0.0.1:9093\", token_file: \(path)}\n" + Self.minimal)
            #expect(found == ["alertmanager.token_file: \(problem) (line 1)"])
            #expect(found.allSatisfy { !$0.contains("s3cret") })
        }
    }

    /// Broken configurations and exactly what `check-config` must say about them.
    static let brokenConfigs: [(String, [String])] = [
        ("", ["the file is empty; expected a mapping with at least `models`"]),
        ("- a\n- b\n", ["expected a mapping, found a list (line 1)"]),
        ("state_dir: /x\nmodels: [\n", ["YAML syntax error: did not find expected node content while parsing a flow node (column 1) (line 3)"]),
        ("state_dir: /x\n", ["models: missing: list at least one model to watch (line 1)"]),
        ("models: []\n", ["models: the list is empty; list at least one model to watch (line 1)"]),
        ("statedir: /x\n" + minimal, ["statedir: unknown key (did you mean \"state_dir\"?) (line 1)"]),
        ("colour: blue\n" + minimal, ["colour: unknown key (expected one of: state_dir, control_socket, metrics_file, alertmanager, alert_command, control_group, admin_group, clinical_group, models) (line 1)"]),
        ("state_dir: /a\nstate_dir: /b\n" + minimal, ["duplicate key \"state_dir\" (line 2)"]),
        ("state_dir: [a]\n" + minimal, ["state_dir: expected a string, found a list (line 1)"]),
        ("alertmanager: {url: \"ftp://x\"}\n" + minimal, ["alertmanager.url: expected an http:// or https:// URL, found \"ftp://x\" (line 1)"]),
        ("alertmanager: {}\n" + minimal, ["alertmanager.url: missing: Alertmanager's base URL, e.g. http://127.0.0.1:9093 (line 1)"]),
        ("alert_command: page-oncall\n" + minimal, ["alert_command: expected an absolute path to a program, found \"page-oncall\" (line 1)"]),
        ("control_socket: /" + String(repeating: "s", count: 120) + "\n" + minimal,
         ["control_socket: the socket path /" + String(repeating: "s", count: 120) + " is 121 bytes long; Unix sockets allow at most 107 (line 1)"]),
        ("""
         models:
           - name: Sepsis Risk
             predictions: /p
             outcomes: /o
         """, ["models[0].name: \"Sepsis Risk\" is not a valid model name: use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters (line 2)"]),
        ("""
         models:
           - name: m
             predictions: /p
         """, ["models[0].outcomes: missing: every model needs outcomes (line 2)"]),
        ("""
         models:
           - {name: m, predictions: /p, outcomes: /o}
           - {name: m, predictions: /p2, outcomes: /o2}
         """, ["models[1].name: another model is already named \"m\" (line 3)"]),
        ("""
         models:
           - {name: m, predictions: /same, outcomes: /same}
         """, ["models[0].outcomes: the outcome log must be a different file from the prediction log (line 2)"]),
        ("""
         models:
           - name: m
             predictions: /p
             outcomes: /o
             label_horizon: 3 days
         """, ["models[0].label_horizon: expected a duration like 90s, 10m, 72h or 7d, found \"3 days\" (line 5)"]),
        ("""
         models:
           - name: m
             predictions: /p
             outcomes: /o
             label_horizon: 0s
         """, ["models[0].label_horizon: expected a duration longer than zero, found \"0s\" (line 5)"]),
        ("""
         models:
           - name: m
             predictions: /p
             outcomes: /o
             features: {age: numeric, lactate: number}
         """, ["models[0].features.lactate: expected numeric or categorical, found \"number\" (line 5)"]),
        ("""
         models:
           - name: m
             predictions: /p
             outcomes: /o
             subgroups: [site, sex, site]
         """, ["models[0].subgroups[2]: \"site\" is listed twice (line 5)"]),
        ("""
         models:
           - name: m
             predictions: /p
             outcomes: /o
             window: {predictions: "5000"}
         """, ["models[0].window.predictions: expected a whole number, found \"5000\" (line 5)"]),
        ("""
         models:
           - name: m
             predictions: /p
             outcomes: /o
             window: {predictions: 5}
         """, ["models[0].window.predictions: expected a whole number from 10 to 100000000, found 5 (line 5)"]),
        ("""
         models:
           - name: m
             predictions: /p
             outcomes: /o
             window: {predictions: 100, duration: 1h}
         """, ["models[0].window: set either predictions or duration, not both (line 5)"]),
        ("""
         models:
           - name: m
             predictions: /p
             outcomes: /o
             window:
               predictions: 100
               close_after: 1h
         """, ["models[0].window.close_after: only applies to a duration window (line 7)"]),
        ("""
         models:
           - name: m
             predictions: /p
             outcomes: /o
             drift:
               psi: {alert: high}
         """, ["models[0].drift.psi: expected a number, found a mapping (line 6)"]),
        ("""
         models:
           - name: m
             predictions: /p
             outcomes: /o
             performance: {threshold: 1.5, min_outcome: 10}
         """, [
            "models[0].performance.min_outcome: unknown key (did you mean \"min_outcomes\"?) (line 5)",
            "models[0].performance.threshold: expected a number from 0.0 to 1.0, found 1.5 (line 5)",
         ]),
        ("""
         models:
           - name: m
             predictions: /p
             outcomes: /o
             features: {age: numeric}
             ignore_drift: [lactate]
             pipeline: {silence_after: soon}
         """, [
            "models[0].pipeline.silence_after: expected a duration like 90s, 10m, 72h or 7d, found \"soon\" (line 7)",
            "models[0].ignore_drift: \"lactate\" is not one of the model's features (line 2)",
         ]),
    ]

    @Test("a broken configuration is reported with its YAML path, the cause and the line", arguments: brokenConfigs)
    func brokenConfig(yaml: String, expected: [String]) {
        #expect(problems(yaml) == expected)
    }

    /// Nine lists of nine aliases, each to the list before: 9^9 nodes once expanded.
    static let laughs = (1...8).reduce("a0: &a0 [x, x, x, x, x, x, x, x, x]\n") { text, level in
        text + "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]\n"
    }
    static let tooManyNodes = "aliases expand the file to more than 100000 YAML nodes; "
        + "a configuration needs far fewer (write the repeated part out, or nest fewer aliases) (line 6)"

    @Test("aliases that expand past 100,000 nodes are refused at the line that passes the limit, before the tree is built",
          arguments: [
              laughs + "models: *a8\n",
              // Found by FuzzConfig: an alias of 9^7 nodes as a mapping key, which Yams would hash whole.
              laughs.replacingOccurrences(of: "*a7]", with: "*a7: &a5 ls: *a8\n"),
          ])
    func aliasExpansion(yaml: String) {
        #expect(problems(yaml) == [Self.tooManyNodes])
    }

    @Test("anchors and aliases within the limit are read as the nodes they stand for")
    func aliasesWithinLimit() throws {
        let config = try parse("""
            models:
              - name: a
                predictions: /p
                outcomes: /o
                features: &shared {age: numeric, site: categorical}
              - name: b
                predictions: /p2
                outcomes: /o2
                features: *shared
            """)
        #expect(config.models.map { $0.features.map(\.name) } == [["age", "site"], ["age", "site"]])
        #expect(YAMLExpansion.lineBeyondLimit(in: Self.laughs, limit: 9 * 9 * 9) == 3)
        #expect(YAMLExpansion.lineBeyondLimit(in: Self.laughs, limit: 9 * 9 * 9 * 9 * 9 * 9 * 9 * 9 * 9 * 10) == nil)
    }

    @Test("every problem in a file is reported, not only the first")
    func allProblemsReported() {
        let found = problems("""
            state_dir: 7d
            colour: blue
            models:
              - name: m
                predictions: /p
                outcomes: /o
                label_horizon: soon
              - name: m
                predictions: /p2
            """)
        #expect(found == [
            "colour: unknown key (expected one of: state_dir, control_socket, metrics_file, alertmanager, alert_command, control_group, admin_group, clinical_group, models) (line 2)",
            "models[0].label_horizon: expected a duration like 90s, 10m, 72h or 7d, found \"soon\" (line 7)",
            "models[1].outcomes: missing: every model needs outcomes (line 8)",
        ])
    }

    @Test("a missing file and a directory are unreadable, with the reason")
    func unreadable() {
        #expect(throws: ConfigError.unreadable(path: "/no/such/vigil.yaml", reason: "no such file")) {
            try ConfigLoader().load(path: "/no/such/vigil.yaml")
        }
        #expect(throws: ConfigError.unreadable(path: "/tmp", reason: "it is a directory")) {
            try ConfigLoader().load(path: "/tmp")
        }
    }
}

struct TimeSpanTests {
    @Test("durations parse to seconds", arguments: [
        ("90s", 90), ("10m", 600), ("72h", 259_200), ("7d", 604_800), ("1h30m", 5_400), ("0s", 0),
    ] as [(String, Int64)])
    func parses(text: String, seconds: Int64) {
        #expect(TimeSpan(parsing: text)?.seconds == seconds)
    }

    @Test("malformed durations are refused", arguments: ["", "7", "d", "7w", "1.5h", "-3h", "h7", "7d ", "99999999999999999999d"])
    func refuses(text: String) {
        #expect(TimeSpan(parsing: text) == nil)
    }

    @Test("a duration prints in its shortest exact form")
    func description() {
        #expect(TimeSpan(seconds: 5_400).description == "1h30m")
        #expect(TimeSpan.days(7).description == "7d")
        #expect(TimeSpan(seconds: 90).description == "1m30s")
    }
}
