import Foundation

/// One learner with its hyperparameters: a point of the search space, and what a model file
/// records of how its model was made.
public enum LearnerConfiguration: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    case boostedTrees(BoostingParameters)
    case forest(ForestParameters)
    case linear(LogisticRegressionParameters)

    /// The learner's name as the leaderboard and `--fixed` write it.
    public var learner: String {
        switch self {
        case .boostedTrees: "gbdt"
        case .forest(let parameters): parameters.randomThresholds ? "extra_trees" : "random_forest"
        case .linear(let parameters): parameters.penalty == .l1 ? "logistic_l1" : "logistic_l2"
        }
    }

    /// How complex the model is, for preferring the simpler of two that score within noise:
    /// linear models first, then trees by their number of leaves in all.
    public var complexity: Double {
        switch self {
        case .linear(let parameters): parameters.penalty == .l1 ? 0 : 1
        case .boostedTrees(let parameters): 10 + Double(parameters.leaves * parameters.rounds)
        case .forest(let parameters): 10 + Double(parameters.leaves * parameters.trees)
        }
    }

    /// The hyperparameters as `name=value` pairs, in a fixed order.
    public var settings: [(String, String)] {
        func number(_ value: Double) -> String { value.rounded() == value && abs(value) < 1e9 ? String(Int(value)) : String(value) }
        switch self {
        case .boostedTrees(let p):
            var pairs = [("rounds", String(p.rounds)), ("leaves", String(p.leaves)), ("learning_rate", number(p.learningRate)),
                         ("min_data_in_leaf", String(p.minDataInLeaf)), ("l2", number(p.l2)), ("bins", String(p.maxBins))]
            if p.maxDepth > 0 { pairs.append(("max_depth", String(p.maxDepth))) }
            if p.rowSubsample < 1 { pairs.append(("row_subsample", number(p.rowSubsample))) }
            if p.columnSubsample < 1 { pairs.append(("column_subsample", number(p.columnSubsample))) }
            pairs.append(("early_stopping", p.earlyStoppingRounds.map(String.init) ?? "false"))
            return pairs
        case .forest(let p):
            var pairs = [("trees", String(p.trees)), ("leaves", String(p.leaves)), ("min_data_in_leaf", String(p.minDataInLeaf)),
                         ("row_subsample", number(p.rowSubsample)), ("bins", String(p.maxBins))]
            if let fraction = p.featureFraction { pairs.append(("feature_fraction", number(fraction))) }
            return pairs
        case .linear(let p):
            return [("C", number(p.inverseRegularization))]
        }
    }

    public var description: String {
        "\(learner)(\(settings.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")))"
    }

    /// Reads `learner:name=value,…`, e.g. `gbdt:rounds=100,leaves=31,learning_rate=0.1`.
    /// Learners: gbdt, random_forest, extra_trees, logistic_l2, logistic_l1.
    public init(parsing text: String) throws(ConfigurationSyntaxError) {
        let parts = text.split(separator: ":", maxSplits: 1)
        let name = parts.first.map(String.init) ?? ""
        var pairs: [(String, String)] = []
        if parts.count == 2 {
            for item in parts[1].split(separator: ",") {
                let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2 else { throw ConfigurationSyntaxError(text: text, reason: "\"\(item)\" is not name=value") }
                pairs.append((pair[0], pair[1]))
            }
        }
        func int(_ value: String, _ key: String) throws(ConfigurationSyntaxError) -> Int {
            guard let number = Int(value), number > 0 else { throw ConfigurationSyntaxError(text: text, reason: "\(key) must be a positive integer") }
            return number
        }
        func double(_ value: String, _ key: String, upTo limit: Double = .infinity) throws(ConfigurationSyntaxError) -> Double {
            guard let number = Double(value), number.isFinite, number >= 0, number <= limit else {
                throw ConfigurationSyntaxError(text: text, reason: "\(key) must be a number from 0 to \(limit)")
            }
            return number
        }
        switch name {
        case "gbdt":
            var p = BoostingParameters()
            for (key, value) in pairs {
                switch key {
                case "rounds": p.rounds = try int(value, key)
                case "leaves": p.leaves = max(2, try int(value, key))
                case "learning_rate": p.learningRate = try double(value, key)
                case "min_data_in_leaf": p.minDataInLeaf = try int(value, key)
                case "l2": p.l2 = try double(value, key)
                case "bins": p.maxBins = min(try int(value, key), BinMapper.largestBinCount)
                case "max_depth": p.maxDepth = try int(value, key)
                case "row_subsample": p.rowSubsample = try double(value, key, upTo: 1)
                case "column_subsample": p.columnSubsample = try double(value, key, upTo: 1)
                case "early_stopping": p.earlyStoppingRounds = value == "false" ? nil : try int(value, key)
                default: throw ConfigurationSyntaxError(text: text, reason: "gbdt has no setting \"\(key)\"")
                }
            }
            self = .boostedTrees(p)
        case "random_forest", "extra_trees":
            var p = ForestParameters()
            p.randomThresholds = name == "extra_trees"
            for (key, value) in pairs {
                switch key {
                case "trees": p.trees = try int(value, key)
                case "leaves": p.leaves = max(2, try int(value, key))
                case "min_data_in_leaf": p.minDataInLeaf = try int(value, key)
                case "row_subsample": p.rowSubsample = try double(value, key, upTo: 1)
                case "feature_fraction": p.featureFraction = try double(value, key, upTo: 1)
                case "bins": p.maxBins = min(try int(value, key), BinMapper.largestBinCount)
                default: throw ConfigurationSyntaxError(text: text, reason: "\(name) has no setting \"\(key)\"")
                }
            }
            self = .forest(p)
        case "logistic_l2", "logistic_l1":
            var p = LogisticRegressionParameters(penalty: name == "logistic_l1" ? .l1 : .l2)
            for (key, value) in pairs {
                switch key {
                case "C": p.inverseRegularization = try double(value, key)
                default: throw ConfigurationSyntaxError(text: text, reason: "\(name) has no setting \"\(key)\"")
                }
            }
            self = .linear(p)
        default:
            throw ConfigurationSyntaxError(text: text, reason: "unknown learner \"\(name)\" (gbdt, random_forest, extra_trees, logistic_l2, logistic_l1)")
        }
    }

    enum CodingKeys: String, CodingKey { case learner, parameters }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .learner) {
        case "gbdt": self = .boostedTrees(try container.decode(BoostingParameters.self, forKey: .parameters))
        case "random_forest", "extra_trees": self = .forest(try container.decode(ForestParameters.self, forKey: .parameters))
        case "logistic_l2", "logistic_l1": self = .linear(try container.decode(LogisticRegressionParameters.self, forKey: .parameters))
        case let other: throw DecodingError.dataCorruptedError(forKey: .learner, in: container, debugDescription: "unknown learner \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(learner, forKey: .learner)
        switch self {
        case .boostedTrees(let p): try container.encode(p, forKey: .parameters)
        case .forest(let p): try container.encode(p, forKey: .parameters)
        case .linear(let p): try container.encode(p, forKey: .parameters)
        }
    }
}

/// A `--fixed` learner text that cannot be read.
public struct ConfigurationSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "\"\(text)\": \(reason)" }
}
