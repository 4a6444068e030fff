import Foundation
import Testing
import VigilTestSupport
@testable import VigilML

@Suite struct TrainingTableTests {
    /// A CSV with `rows` rows: a numeric, a boolean, a categorical column, an id and a label
    /// alternating so that both classes have rows/2.
    static func csv(rows: Int, label: (Int) -> String = { $0 % 2 == 0 ? "1" : "0" }) -> String {
        var text = "id,age,on_pressors,site,constant,label\n"
        for row in 0..<rows {
            text += "e\(row),\(row % 7 == 0 ? "" : String(40 + row % 30)),\(row % 3 == 0 ? "true" : "false"),ED-\(row % 3),5,\(label(row))\n"
        }
        return text
    }

    static func table(_ text: String, roles: ColumnRoles) throws -> TrainingTable {
        let raw = try RawTable.written(csv: text)
        return try TrainingTable(raw, roles: roles)
    }

    @Test func columnKindsAreInferredAndConstantColumnsDroppedWithAWarning() throws {
        let table = try Self.table(Self.csv(rows: 60), roles: ColumnRoles(target: "label", id: "id"))
        #expect(table.features.map(\.name) == ["age", "on_pressors", "site"])
        #expect(table.features.map(\.kind) == [.numeric, .boolean, .categorical])
        #expect(table.features[0].numbers[0].isNaN)
        #expect(table.features[1].numbers[0] == 1)
        #expect(table.warnings == ["dropped \"constant\": constant (every value is 5.0)"])
        #expect(table.positiveCount == 30)
    }

    @Test func infinityAndNaNCellsAreMissingNumbers() {
        let column = FeatureColumn.parse(["1.5", "inf", "-inf", "nan", ""], name: "x", kind: FeatureColumn.inferredKind(of: ["1.5", "inf", "-inf", "nan", ""]))
        #expect(column.kind == .numeric)
        #expect(column.numbers[0] == 1.5)
        #expect(column.numbers[1...].allSatisfy { $0.isNaN })
    }

    @Test func badTargetsAreRejectedNamingTheCause() throws {
        #expect(throws: TrainingDataError.oneClass(column: "label", value: "positive")) {
            try Self.table(Self.csv(rows: 60, label: { _ in "1" }), roles: ColumnRoles(target: "label"))
        }
        #expect(throws: TrainingDataError.tooFewOfClass(column: "label", positives: 10, negatives: 50, minimum: 20)) {
            try Self.table(Self.csv(rows: 60, label: { $0 < 10 ? "1" : "0" }), roles: ColumnRoles(target: "label"))
        }
        #expect(throws: TrainingDataError.nonBinaryTarget(column: "label", values: ["0", "1", "2"])) {
            try Self.table(Self.csv(rows: 60, label: { String($0 % 3) }), roles: ColumnRoles(target: "label"))
        }
        #expect(throws: TrainingDataError.missingColumn("outcome", role: "target")) {
            try Self.table(Self.csv(rows: 60), roles: ColumnRoles(target: "outcome"))
        }
        let strings = try Self.table(Self.csv(rows: 60, label: { $0 % 2 == 0 ? "sepsis" : "none" }), roles: ColumnRoles(target: "label", positive: "sepsis"))
        #expect(strings.positiveCount == 30)
        #expect(throws: TrainingDataError.noUsableFeatures(dropped: ["constant"])) {
            try Self.table(Self.csv(rows: 60), roles: ColumnRoles(target: "label", ignore: ["id", "age", "on_pressors", "site"]))
        }
    }

    @Test func jsonLinesFlattenFeaturesAndAttrs() throws {
        var text = ""
        for row in 0..<50 {
            text += #"{"id":"e\#(row)","ts":"2026-11-28T10:00:0\#(row % 10)Z","features":{"lactate":\#(Double(row) / 4),"arrival":"\#(row % 2 == 0 ? "ambulance" : "walk-in")"},"attrs":{"site":"ED-\#(row % 2)"},"label":\#(row % 2 == 0)}"# + "\n"
        }
        let raw = try RawTable(jsonLines: Array(text.utf8), path: "x.jsonl")
        let table = try TrainingTable(raw, roles: ColumnRoles(target: "label", id: "id", time: "ts", subgroups: ["site"]))
        #expect(table.features.map(\.name).sorted() == ["arrival", "lactate", "site"])
        #expect(table.features.first { $0.name == "lactate" }?.numbers[3] == 0.75)
        #expect(table.times?[1] == 1_795_860_001)
        #expect(table.subgroups.first?.values.prefix(2) == ["ED-0", "ED-1"])
        #expect(throws: TrainingDataError.malformed(path: "x.jsonl", line: 2, reason: "\"label\" must be a number, string, boolean or null")) {
            try RawTable(jsonLines: Array("{\"label\":1}\n{\"label\":[1]}\n".utf8), path: "x.jsonl")
        }
    }

    @Test func sha256MatchesTheStandardVectors() {
        #expect(SHA256.hexDigest(of: Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexDigest(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hexDigest(of: [UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

extension RawTable {
    /// The table read back from CSV text written to a temporary file.
    static func written(csv text: String) throws -> RawTable {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-ml-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try RawTable(contentsOfFile: path)
    }
}
