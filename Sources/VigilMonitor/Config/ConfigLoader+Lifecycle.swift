import Yams

/// The life-cycle sections of a model: `retrain`, `gates`, `staging`, `promotion`, `probation`,
/// `initial_model` and `group`.
extension ConfigLoader {
    static let retrainKeys = [
        "on", "min_interval", "min_examples", "training_window", "base_data", "budget", "isolation",
        "memory_max", "cpu_quota", "command",
    ]
    static let gateKeys = ["margin", "subgroup_margin", "min_subgroup_outcomes", "max_ece", "min_sensitivity"]

    func readLifecycle(_ key: String, _ node: Node, at path: String, into settings: inout LifecycleSettings,
                       reader: YAMLReader, resolve: (String) -> String) {
        switch key {
        case "promotion":
            guard let text = reader.string(node, at: path) else { return }
            guard let mode = PromotionMode(rawValue: text) else {
                reader.report(path, "expected manual or auto, found \"\(text)\"", at: node)
                return
            }
            settings.promotion = mode
            return
        case "initial_model":
            settings.initialModel = reader.string(node, at: path).map(resolve)
            return
        case "group":
            settings.group = reader.string(node, at: path)
            return
        default:
            break
        }
        if YAMLReader.isNull(node) { return }
        let allowed = switch key {
        case "retrain": Self.retrainKeys
        case "gates": Self.gateKeys
        case "staging": ["shadow_outcomes"]
        default: ["outcomes", "margin"]
        }
        guard let entries = reader.mapping(node, at: path, allowed: allowed) else { return }
        for (name, value) in entries {
            let keyPath = "\(path).\(name)"
            func number(_ range: ClosedRange<Double>) -> Double? { reader.number(value, at: keyPath, in: range) }
            func count(_ range: ClosedRange<Int>) -> Int? { reader.integer(value, at: keyPath, in: range) }
            switch (key, name) {
            case ("retrain", "on"):
                guard let names = reader.stringList(value, at: keyPath) else { break }
                var rules: [AlertRule] = []
                for name in names {
                    if let rule = AlertRule(rawValue: name), AlertRule.monitoring.contains(rule) { rules.append(rule) } else {
                        reader.report(keyPath, "\"\(name)\" is not an alert rule; expected some of: \(AlertRule.monitoring.map(\.rawValue).joined(separator: ", "))", at: value)
                    }
                }
                settings.retrain.on = rules
            case ("retrain", "min_interval"): reader.duration(value, at: keyPath).map { settings.retrain.minInterval = $0 }
            case ("retrain", "min_examples"): count(50...100_000_000).map { settings.retrain.minExamples = $0 }
            case ("retrain", "training_window"): reader.duration(value, at: keyPath).map { settings.retrain.trainingWindow = $0 }
            case ("retrain", "base_data"): settings.retrain.baseData = reader.string(value, at: keyPath).map(resolve)
            case ("retrain", "budget"): reader.duration(value, at: keyPath).map { settings.retrain.budget = $0 }
            case ("retrain", "isolation"):
                guard let text = reader.string(value, at: keyPath) else { break }
                if let isolation = RetrainIsolation(rawValue: text) { settings.retrain.isolation = isolation } else {
                    reader.report(keyPath, "expected process or systemd-run, found \"\(text)\"", at: value)
                }
            case ("retrain", "memory_max"): reader.string(value, at: keyPath).map { settings.retrain.memoryMax = $0 }
            case ("retrain", "cpu_quota"): reader.string(value, at: keyPath).map { settings.retrain.cpuQuota = $0 }
            case ("retrain", "command"):
                guard let command = reader.string(value, at: keyPath) else { break }
                if command.hasPrefix("/") { settings.retrain.command = command } else {
                    reader.report(keyPath, "expected an absolute path to a program, found \"\(command)\"", at: value)
                }
            case ("gates", "margin"): number(0...1).map { settings.gates.margin = $0 }
            case ("gates", "subgroup_margin"): number(0...1).map { settings.gates.subgroupMargin = $0 }
            case ("gates", "min_subgroup_outcomes"): count(1...10_000_000).map { settings.gates.minSubgroupOutcomes = $0 }
            case ("gates", "max_ece"): number(0...1).map { settings.gates.maxECE = $0 }
            case ("gates", "min_sensitivity"): number(0...1).map { settings.gates.minSensitivity = $0 }
            case ("staging", "shadow_outcomes"): count(10...10_000_000).map { settings.shadowOutcomes = $0 }
            case ("probation", "outcomes"): count(10...10_000_000).map { settings.probationOutcomes = $0 }
            case ("probation", "margin"): number(0...1).map { settings.probationMargin = $0 }
            default: break
            }
        }
    }
}
