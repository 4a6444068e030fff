import Testing
@testable import VigilML

/// Regressions found by the model-file fuzz target (Tests/Fuzz, deploy/fuzz.sh). The inputs are
/// the fuzz target's seed corpus files, read by path so the test and the corpus stay one file.
@Suite struct ModelFileFuzzTests {
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
