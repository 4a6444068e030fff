import Foundation
import Testing
import VigilML
import VigilTestSupport
@testable import VigilMonitor

@Suite struct ModelStoreTests {
    /// A small real model file, trained once for the suite.
    static let modelFile: [UInt8] = {
        let text = ClinicalTable.csv(rows: 300, seed: 41)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines[0]
        let columns = header.indices.map { index in lines.dropFirst().map { $0[index] } }
        let raw = RawTable(header: header, columns: columns, lineNumbers: Array(2...lines.count))
        let roles = ColumnRoles(target: "label", ignore: ["encounter", "patient", "ts"])
        var request = TrainingRequest(roles: roles)
        request.trials = 1
        // The table and the training are fixed by their seeds; a failure here is a test failure.
        let table = try! TrainingTable(raw, roles: roles)
        return try! ModelFile.encode(try! AutoML.train(table, request: request).document)
    }()

    @Test func versionsAreNumberedAndStoredWithTheirCard() throws {
        let state = try TemporaryDirectory()
        let store = ModelStore(stateDirectory: state.path)
        let first = try store.addVersion(of: "sepsis-risk", modelFile: Self.modelFile)
        let second = try store.addVersion(of: "sepsis-risk", modelFile: Self.modelFile)
        #expect(first.version == 1 && second.version == 2)
        #expect(store.versions(of: "sepsis-risk") == [1, 2])
        #expect(second.path == "\(state.path)/models/sepsis-risk/versions/2/model.json")
        #expect(FileManager.default.contents(atPath: second.path).map { [UInt8]($0) } == Self.modelFile)
        #expect(second.sha256 == SHA256.hexDigest(of: Self.modelFile))
        let card = try String(contentsOfFile: "\(state.path)/models/sepsis-risk/versions/2/card.md", encoding: .utf8)
        #expect(card.hasPrefix("# Model card: label"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: "\(state.path)/models/sepsis-risk/versions/2")
        #expect(leftovers.sorted() == ["card.md", "model.json"])
    }

    @Test func aChangedModelFileOrABadNameIsRefusedAndNothingIsWritten() throws {
        let state = try TemporaryDirectory()
        let store = ModelStore(stateDirectory: state.path)
        var changed = Self.modelFile
        changed[10] = changed[10] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
        #expect {
            try store.addVersion(of: "sepsis-risk", modelFile: changed)
        } throws: { error in
            guard case ModelStoreError.invalidModelFile(.checksumMismatch) = error else { return false }
            return true
        }
        #expect(!FileManager.default.fileExists(atPath: "\(state.path)/models"))
        #expect(throws: ModelStoreError.unusableName("../etc")) { try store.addVersion(of: "../etc", modelFile: Self.modelFile) }
    }

    @Test func servingFileRoundTripsAndIsCheckedAgainstTheFileItNames() throws {
        let state = try TemporaryDirectory()
        let store = ModelStore(stateDirectory: state.path)
        #expect(try store.readServing(of: "sepsis-risk") == nil)
        let stored = try store.addVersion(of: "sepsis-risk", modelFile: Self.modelFile)
        let serving = ServingFile(model: "sepsis-risk", status: .active, version: stored.version, path: stored.path, sha256: stored.sha256,
                                  updatedAt: "2026-11-29T10:00:00Z", reason: "registered")
        try store.writeServing(serving)
        #expect(try store.readServing(of: "sepsis-risk") == serving)
        let text = try String(contentsOfFile: store.servingFile(of: "sepsis-risk"), encoding: .utf8)
        for key in ["\"model\"", "\"status\" : \"active\"", "\"version\" : 1", "\"path\"", "\"sha256\"", "\"updated_at\"", "\"reason\""] {
            #expect(text.contains(key), "serving.json lacks \(key)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory(of: "sepsis-risk")).sorted() == ["serving.json", "versions"])

        // The model file it names changed: refused, naming the file.
        try Data("{}".utf8).write(to: URL(fileURLWithPath: stored.path))
        #expect {
            try store.readServing(of: "sepsis-risk")
        } throws: { error in
            "\(error)".contains("its model file \(stored.path) has SHA-256")
        }
        // Edited by hand into nonsense.
        try Data("paused!".utf8).write(to: URL(fileURLWithPath: store.servingFile(of: "sepsis-risk")))
        #expect {
            try store.readServing(of: "sepsis-risk")
        } throws: { error in
            "\(error)".contains("not a serving file")
        }
    }

    @Test func aFileThatCannotBeReplacedSaysWhichStepFailed() throws {
        let state = try TemporaryDirectory()
        let missing = state.file("no-such-dir/serving.json")
        #expect {
            try AtomicFile.write(Array("x".utf8), to: missing, syncDirectory: true, describedAs: "serving file")
        } throws: { error in
            (error as? AtomicFileError)?.description
                == "cannot write serving file \(missing): create \(missing).tmp.\(getpid()): No such file or directory"
        }
    }
}
