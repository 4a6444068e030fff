/// The checks that make a decoded document safe to score: the shapes scoring indexes by.
///
/// `vigil train` always writes documents that pass. A file that decodes as JSON but breaks one
/// of these (changed by hand and re-checksummed, or sent with `vigil register`) would otherwise
/// trap (an index out of range, a failed precondition) or loop forever (a tree node that leads
/// back to itself) the first time the model scores.
extension ModelDocument {
    /// The first reason the document cannot be scored safely, or nil.
    var structuralProblem: String? {
        if features.isEmpty { return "the model has no features" }
        if members.isEmpty { return "the model has no members" }
        for (index, member) in members.enumerated() {
            if let problem = Self.problem(of: member.pipeline, features: features) {
                return "members[\(index)]: \(problem)"
            }
        }
        if case .isotonic(let isotonic) = calibration.calibrator {
            let thresholds = isotonic.thresholds
            if thresholds.isEmpty || thresholds.count != isotonic.values.count {
                return "isotonic calibration needs one value per threshold, at least one"
            }
            if !zip(thresholds, thresholds.dropFirst()).allSatisfy({ $0 < $1 }) {
                return "isotonic calibration thresholds must increase strictly"
            }
        }
        return nil
    }

    static func problem(of pipeline: FittedPipeline, features: [FeatureSpec]) -> String? {
        switch pipeline.model {
        case .boostedTrees(let model): return treeProblem(pipeline.binMappers, model.trees, features: features)
        case .forest(let model): return treeProblem(pipeline.binMappers, model.trees, features: features)
        case .linear(let model):
            guard let encoder = pipeline.encoder else { return "a linear model without its encoder" }
            guard encoder.columns.count == features.count else {
                return "the encoder has \(encoder.columns.count) columns for \(features.count) features"
            }
            var outputs = 0
            for (column, feature) in zip(encoder.columns, features) {
                switch column {
                case .numeric(_, let indicator):
                    guard feature.kind != .categorical else { return "feature \"\(feature.name)\" is categorical, its encoding numeric" }
                    outputs += indicator ? 2 : 1
                case .oneHot(let categories, _):
                    guard feature.kind == .categorical else { return "feature \"\(feature.name)\" is not categorical, its encoding is" }
                    outputs += categories.count
                case .target:
                    guard feature.kind == .categorical else { return "feature \"\(feature.name)\" is not categorical, its encoding is" }
                    outputs += 1
                }
            }
            guard encoder.means.count == outputs, encoder.scales.count == outputs, model.coefficients.count == outputs else {
                return "the encoder makes \(outputs) columns, with \(encoder.means.count) means, \(encoder.scales.count) scales "
                    + "and \(model.coefficients.count) coefficients"
            }
            return nil
        }
    }

    static func treeProblem(_ mappers: [BinMapper]?, _ trees: [DecisionTree], features: [FeatureSpec]) -> String? {
        guard let mappers, mappers.count == features.count else {
            return "\(mappers?.count ?? 0) bin mappers for \(features.count) features"
        }
        for (mapper, feature) in zip(mappers, features) where (mapper.kind == .categorical) != (feature.kind == .categorical) {
            return "feature \"\(feature.name)\" is \(feature.kind.rawValue), its bins \(mapper.kind.rawValue)"
        }
        for (index, tree) in trees.enumerated() {
            if let problem = tree.structuralProblem(featureCount: features.count) { return "trees[\(index)]: \(problem)" }
        }
        return nil
    }
}

extension DecisionTree {
    /// The first reason the tree cannot be walked safely, or nil: every per-node array as long
    /// as `feature`, features and children in range, and each node reached from the root once
    /// (no cycles, so a walk always ends at a leaf).
    func structuralProblem(featureCount: Int) -> String? {
        let nodes = feature.count
        guard thresholdBin.count == nodes, categoricalBins.count == nodes, defaultLeft.count == nodes,
              left.count == nodes, right.count == nodes else {
            return "its per-node arrays differ in length"
        }
        guard !leafValues.isEmpty else { return "it has no leaves" }
        guard feature.allSatisfy({ $0 >= 0 && Int($0) < featureCount }) else { return "a node splits on a feature that does not exist" }
        guard nodes > 0 else { return nil }
        var reached = [Bool](repeating: false, count: nodes)
        reached[0] = true
        var pending = [0]
        while let node = pending.popLast() {
            for child in [left[node], right[node]] {
                if child < 0 {
                    guard Int(~child) < leafValues.count else { return "node \(node) leads to a leaf that does not exist" }
                } else {
                    guard Int(child) < nodes else { return "node \(node) leads to a node that does not exist" }
                    guard !reached[Int(child)] else { return "node \(child) is reached twice (a cycle)" }
                    reached[Int(child)] = true
                    pending.append(Int(child))
                }
            }
        }
        return nil
    }
}
