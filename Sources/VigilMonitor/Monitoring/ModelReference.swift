import Foundation
import VigilStats

/// What a model's inputs are compared with: a profile of each feature over the reference
/// data, one per subgroup value that the reference has enough rows of, and the reference's
/// scores when it has them. Built from the model's `reference:` file, or, for a model with
/// neither a reference file nor a registered version, from its first window (a baseline); for
/// a model with a production version and no reference file, from that version's training profile.
struct ModelReference: Sendable, Equatable, Codable {
    /// `reference file PATH` or `baseline window N`.
    var source: String
    var overall: ReferenceProfile
    /// By subgroup label (`site=ED-1`).
    var subgroups: [String: ReferenceProfile]
    /// Subgroup attributes the reference holds, so that their absence can be told apart from a small subgroup.
    var subgroupNames: [String]
    var scores: NumericReferenceProfile?

    /// Subgroups with fewer rows (in a reference or a window) are not compared.
    static let minimumSubgroupRows = 100

    init(source: String, data: WindowData, binCount: Int) {
        self.source = source
        overall = Self.profile(of: data, binCount: binCount)
        var bySubgroup: [String: ReferenceProfile] = [:]
        var names: [String] = []
        for (index, name) in data.layout.subgroups.enumerated() where data.subgroups[index].contains(where: { $0 != nil }) {
            names.append(name)
            for (value, count) in data.subgroupCounts(index) where count >= Self.minimumSubgroupRows {
                bySubgroup["\(name)=\(value)"] = Self.profile(of: data.rows(whereSubgroup: index, is: value), binCount: binCount)
            }
        }
        subgroups = bySubgroup
        subgroupNames = names
        let presentScores = data.scores.filter { !$0.isNaN }
        scores = presentScores.isEmpty ? nil : NumericReferenceProfile(name: "score", values: presentScores, binCount: binCount)
    }

    /// A reference from a profile made elsewhere (a model file's training profile): no subgroups, no scores.
    init(source: String, overall: ReferenceProfile) {
        self.source = source
        self.overall = overall
        subgroups = [:]
        subgroupNames = []
        scores = nil
    }

    static func profile(of data: WindowData, binCount: Int) -> ReferenceProfile {
        var columns: [ColumnProfile] = []
        for (index, name) in data.layout.numeric.enumerated() {
            columns.append(.numeric(NumericReferenceProfile(name: name, values: data.numeric[index], binCount: binCount)))
        }
        for (index, name) in data.layout.categorical.enumerated() {
            columns.append(.categorical(CategoricalReferenceProfile(name: name, values: data.categorical[index])))
        }
        return ReferenceProfile(columns: columns)
    }
}

/// Why a reference file could not be used.
struct ReferenceFileError: Error, Equatable, CustomStringConvertible {
    var path: String
    var line: Int?
    var reason: String

    var description: String {
        "reference file \(path)\(line.map { ", line \($0)" } ?? ""): \(reason)"
    }
}

/// Reads a model's reference file: CSV with a header row, or JSON Lines of flat objects or of
/// prediction-log records (`features`, `attrs`, `score`). Columns are matched to the model's
/// features and subgroups by name; a `score` column, when present, is the reference for
/// output drift. Other columns are ignored.
enum ReferenceFile {
    static func read(path: String, layout: WindowLayout) throws(ReferenceFileError) -> WindowData {
        guard let bytes = FileManager.default.contents(atPath: path).map(Array.init) else {
            throw ReferenceFileError(path: path, line: nil, reason: access(path, R_OK) != 0 ? "cannot be read (\(String(cString: strerror(errno))))" : "cannot be read")
        }
        let isJSONLines = path.hasSuffix(".jsonl") || path.hasSuffix(".ndjson") || path.hasSuffix(".json")
            || bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{")
        let data = isJSONLines ? try readJSONLines(bytes, path: path, layout: layout) : try readCSV(bytes, path: path, layout: layout)
        guard data.count > 0 else { throw ReferenceFileError(path: path, line: nil, reason: "holds no rows") }
        let known = Set(layout.numeric + layout.categorical)
        if !known.isEmpty, data.numeric.allSatisfy({ $0.allSatisfy(\.isNaN) }), data.categorical.allSatisfy({ $0.allSatisfy { $0 == nil } }) {
            throw ReferenceFileError(path: path, line: nil, reason: "has none of the model's features (\(known.sorted().joined(separator: ", ")))")
        }
        return data
    }

    private static func readCSV(_ bytes: [UInt8], path: String, layout: WindowLayout) throws(ReferenceFileError) -> WindowData {
        let table: CSVTable
        do { table = try CSVTable(parsing: bytes) } catch { throw ReferenceFileError(path: path, line: error.line, reason: error.description) }
        var data = WindowData(layout: layout)
        let rows = table.rowCount
        data.timestamps = Array(repeating: .nan, count: rows)
        data.versions = Array(repeating: nil, count: rows)
        func numbers(_ name: String) throws(ReferenceFileError) -> [Double] {
            guard let column = table.columnIndex(named: name) else { return Array(repeating: .nan, count: rows) }
            do { return try table.numbers(inColumn: column) } catch {
                throw ReferenceFileError(path: path, line: error.line, reason: error.description)
            }
        }
        data.scores = try numbers("score")
        for (index, name) in layout.numeric.enumerated() { data.numeric[index] = try numbers(name) }
        for (index, name) in layout.categorical.enumerated() {
            data.categorical[index] = table.columnIndex(named: name).map { table.categories(inColumn: $0) } ?? Array(repeating: nil, count: rows)
        }
        for (index, name) in layout.subgroups.enumerated() {
            data.subgroups[index] = table.columnIndex(named: name).map { table.categories(inColumn: $0) } ?? Array(repeating: nil, count: rows)
        }
        return data
    }

    private static func readJSONLines(_ bytes: [UInt8], path: String, layout: WindowLayout) throws(ReferenceFileError) -> WindowData {
        var data = WindowData(layout: layout)
        var lineNumber = 0
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ [0x20, 0x09, 0x0D].contains($0) }) { continue }
            let value: JSONValue
            do { value = try JSONValue.parse(Array(line)) } catch {
                throw ReferenceFileError(path: path, line: lineNumber, reason: "not valid JSON: \(error)")
            }
            guard case .object(let members) = value else {
                throw ReferenceFileError(path: path, line: lineNumber, reason: "expected a JSON object")
            }
            func member(_ name: String, in members: [JSONValue.Member]) -> JSONValue? { members.first { $0.name == name }?.value }
            var features = members
            var attributes: [JSONValue.Member] = []
            if case .object(let nested)? = member("features", in: members) {
                features = nested
                if case .object(let attrs)? = member("attrs", in: members) { attributes = attrs }
            }
            func featureValue(_ name: String) -> FeatureValue? {
                switch member(name, in: features) {
                case .number(let number)?: .number(number)
                case .string(let text)?: .string(text)
                case .bool(let flag)?: .bool(flag)
                case .null?: .null
                default: nil
                }
            }
            data.timestamps.append(.nan)
            data.versions.append(nil)
            if case .number(let score)? = member("score", in: members) { data.scores.append(score) } else { data.scores.append(.nan) }
            for (index, name) in layout.numeric.enumerated() {
                data.numeric[index].append(featureValue(name).map(WindowLayout.number) ?? .nan)
            }
            for (index, name) in layout.categorical.enumerated() {
                data.categorical[index].append(featureValue(name).flatMap(WindowLayout.category))
            }
            for (index, name) in layout.subgroups.enumerated() {
                if case .string(let text)? = member(name, in: attributes) {
                    data.subgroups[index].append(text)
                } else {
                    data.subgroups[index].append(featureValue(name).flatMap(WindowLayout.category))
                }
            }
        }
        return data
    }
}
