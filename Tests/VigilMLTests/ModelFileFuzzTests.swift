import Foundation
import Testing
@testable import VigilML

/// Regressions found by the model-file fuzz target (Tests/Fuzz, deploy/fuzz.sh). The inputs are
/// the fuzz target's seed corpus files, read by path so the test and the corpus stay one file.
@Suite struct ModelFileFuzzTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fuzz/Corpus/FuzzModelFile").standardizedFileURL

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: corpus.appendingPathComponent(name)))
    }

    /// Scores one row with every feature missing and one with typical cells.
    static func score(_ document: ModelDocument) -> [Double] {
        let features = document.features.map { FeatureColumn.parse(["", "1"], name: $0.name, kind: $0.kind) }
        return TrainedModel(document).probabilities(features)
    }

    @Test("the trained seed models (linear, boosted trees, forest, an ensemble) decode and score", arguments: [
        "linear.json", "gbdt.json", "gbdt-uncalibrated.json", "forest.json", "ensemble-isotonic.json",
    ])
    func seedModelsScore(name: String) throws {
        let document = try ModelFile.decode(try Self.bytes(name), path: name)
        let scores = Self.score(document)
        #expect(scores.count == 2)
        #expect(scores.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    /// The fuzzer's timeout: a tree whose node 0 names itself as its right child, re-checksummed;
    /// it decoded, and the first row scored walked the tree forever.
    @Test("a tree with a cycle is refused when the file is read, not walked forever when it scores")
    func treeCycleIsRefused() throws {
        #expect {
            try ModelFile.decode(try Self.bytes("regression-tree-cycle.json"), path: "m.json")
        } throws: { error in
            guard case ModelFileError.malformed(let path, let reason) = error else { return false }
            return path == "m.json" && reason.contains("not a model Vigil can score") && reason.contains("reached twice")
        }
    }

    /// Each shape scoring indexes by, broken in an otherwise valid document: decoding refuses it
    /// (before, scoring trapped on an index out of range or a failed precondition).
    @Test("a document whose shapes do not fit is refused with what is wrong", arguments: [
        "bin mappers", "feature", "leaf", "node", "arrays", "no members", "isotonic", "encoder", "coefficients", "kind",
    ])
    func brokenShapesAreRefused(change: String) throws {
        let trees = try ModelFile.decode(try Self.bytes("gbdt.json"), path: "gbdt.json")
        let linear = try ModelFile.decode(try Self.bytes("linear.json"), path: "linear.json")
        var document = trees
        var file: [UInt8]?
        func editTree(_ edit: (inout DecisionTree) -> Void) {
            guard case .boostedTrees(var model) = document.members[0].pipeline.model else { return }
            edit(&model.trees[0])
            document.members[0].pipeline.model = .boostedTrees(model)
        }
        switch change {
        case "bin mappers": document.members[0].pipeline.binMappers?.removeLast()
        case "feature": editTree { $0.feature[0] = Int32(trees.features.count) }
        case "leaf": editTree { $0.left[0] = ~Int32($0.leafValues.count) }
        case "node": editTree { $0.right[0] = Int32($0.feature.count) }
        case "arrays": editTree { $0.defaultLeft.removeLast() }
        case "no members": document.members = []
        case "isotonic":
            // IsotonicCalibrator's initializer checks its arrays; a file bypasses it.
            document.calibration.calibrator = .isotonic(IsotonicCalibrator(thresholds: [0.2, 0.4], values: [0.1, 0.5]))
            let text = String(decoding: try ModelFile.encode(document), as: UTF8.self)
            #expect(text.contains("[0.1,0.5]"))
            file = Array(text.replacingOccurrences(of: "[0.1,0.5]", with: "[0.1]").utf8).rechecksummed
        case "encoder":
            document = linear
            document.members[0].pipeline.encoder?.columns.removeLast()
        case "coefficients":
            document = linear
            guard case .linear(var model) = document.members[0].pipeline.model else { return }
            model.coefficients.append(1)
            document.members[0].pipeline.model = .linear(model)
        default:
            document.features[0].kind = document.features[0].kind == .categorical ? .numeric : .categorical
        }
        if file == nil { #expect(document.structuralProblem != nil, "\(change)") }
        let bytes = try file ?? ModelFile.encode(document)
        #expect {
            try ModelFile.decode(bytes, path: "m.json")
        } throws: { error in
            guard case ModelFileError.malformed(_, let reason) = error else { return false }
            return reason.hasPrefix("not a model Vigil can score: ")
        }
    }

    final class Box: Sendable {
        let value: Int
        init(_ value: Int) { self.value = value }
    }

    struct WeakBox {
        weak var box: Box?
    }

    /// The fuzzer's leak: scoring any tree model (forest.json, the first seed it ran) binned the
    /// columns on two threads, and `BinnerPool.map` deallocated its buffer of results without
    /// releasing them, so every scored batch leaked its binned columns.
    @Test("BinnerPool.map releases the results it hands back")
    func binnerPoolReleasesItsResults() {
        var references: [WeakBox] = []
        do {
            let boxes = BinnerPool.map(0..<8, threads: 2) { Box($0) }
            #expect(boxes.map(\.value) == Array(0..<8))
            references = boxes.map { WeakBox(box: $0) }
        }
        #expect(references.allSatisfy { $0.box == nil })
    }
}

extension Array where Element == UInt8 {
    /// A model file's bytes with the checksum recomputed, as if written after a change.
    var rechecksummed: [UInt8] {
        let tail = ModelFile.checksumMarker.count + 64 + 3  // marker, digest, "}\n
        let body = Array(self[0..<(count - tail)])
        return body + ModelFile.checksumMarker + Array(SHA256.hexDigest(of: body).utf8) + Array("\"}\n".utf8)
    }
}
