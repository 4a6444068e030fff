import Foundation
import Testing
@testable import VigilStats

struct CSVTableTests {
    @Test("quoted fields, escaped quotes, embedded commas and line breaks, CRLF and LF")
    func rfc4180() throws {
        let text = "name,note,value\r\n\"Smith, J\",\"said \"\"hi\"\"\",1.5\n\"multi\nline\",,\r\nplain,x,-2e3\n"
        let table = try CSVTable(parsing: text)
        #expect(table.header == ["name", "note", "value"])
        #expect(table.columns[0] == ["Smith, J", "multi\nline", "plain"])
        #expect(table.columns[1] == ["said \"hi\"", "", "x"])
        #expect(table.lineNumbers == [2, 3, 5])
        let values = try table.numbers(inColumn: 2)
        #expect(values[0] == 1.5 && values[1].isNaN && values[2] == -2000)
        #expect(table.inferredKind(ofColumn: 2) == .numeric)
        #expect(table.inferredKind(ofColumn: 0) == .categorical)
        #expect(table.categories(inColumn: 1) == ["said \"hi\"", nil, "x"])
    }

    @Test("a byte-order mark, no final newline and trailing blank lines are accepted")
    func lenientEnds() throws {
        #expect(try CSVTable(parsing: [0xEF, 0xBB, 0xBF] + Array("a\n1".utf8)).columns == [["1"]])
        #expect(try CSVTable(parsing: "a,b\n1,2\n\n\r\n").rowCount == 1)
        #expect(try CSVTable(parsing: "a\n").rowCount == 0)
    }

    @Test("malformed input names the line and cause", arguments: [
        ("a,b\n1,2\n3\n", CSVError(line: 3, kind: .wrongFieldCount(expected: 2, found: 1))),
        ("a,b\n1,2,3\n", CSVError(line: 2, kind: .wrongFieldCount(expected: 2, found: 3))),
        ("a,b\n1,\"open\n2,3\n", CSVError(line: 2, column: 2, kind: .unterminatedQuote)),
        ("a,b\n\"x\"y,1\n", CSVError(line: 2, column: 1, kind: .characterAfterClosingQuote)),
        ("", CSVError(line: 1, kind: .missingHeader)),
        ("a,a\n1,2\n", CSVError(line: 1, column: 2, kind: .duplicateColumnName("a"))),
    ])
    func malformed(text: String, error: CSVError) {
        #expect(throws: error) { try CSVTable(parsing: text) }
    }

    @Test("line numbers count line breaks inside quoted fields")
    func linesAfterQuotedBreaks() {
        #expect(throws: CSVError(line: 4, kind: .wrongFieldCount(expected: 2, found: 1))) {
            try CSVTable(parsing: "a,b\n\"x\ny\",1\nbad\n")
        }
    }

    @Test("column type inference: NaN counts as a number, infinity does not")
    func inference() throws {
        let table = try CSVTable(parsing: "x,y,z\n1,inf,\nnan,2,\n,3,\n")
        #expect(table.inferredKind(ofColumn: 0) == .numeric)
        #expect(table.inferredKind(ofColumn: 1) == .categorical)
        #expect(table.inferredKind(ofColumn: 2) == .numeric)
        #expect(throws: CSVError(line: 2, column: 2, columnName: "y", kind: .notANumber("inf"))) {
            try table.numbers(inColumn: 1)
        }
    }

    @Test("binary labels: 0/1 and true/false; anything else names the value and line")
    func binaryLabels() throws {
        let table = try CSVTable(parsing: "y\n1\n0\nTRUE\nfalse\n")
        #expect(try table.binaryLabels(inColumn: 0) == [true, false, true, false])
        let bad = try CSVTable(parsing: "p,y\n0.1,1\n0.2,2\n")
        #expect(throws: CSVError(line: 3, column: 2, columnName: "y", kind: .notABinaryLabel("2"))) {
            try bad.binaryLabels(inColumn: 1)
        }
        #expect(CSVError(line: 3, column: 2, columnName: "y", kind: .notABinaryLabel("2")).description
            == "line 3, column 2 (y): label \"2\" is not 0/1 or true/false")
    }

    @Test("reading a file: a missing file is reported as missing")
    func files() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("t.csv").path
        try Data("a\n1\n2\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try CSVTable(contentsOfFile: path).rowCount == 2)
        do {
            _ = try CSVTable(contentsOfFile: directory.appendingPathComponent("missing.csv").path)
            Issue.record("expected an error")
        } catch {
            guard case .unreadable(_, _, let isMissing) = error else { Issue.record("wrong error \(error)"); return }
            #expect(isMissing)
        }
    }
}

struct NumberFormattingTests {
    @Test("fixed and scientific formatting", arguments: [
        (0.5 as Double?, "0.5000"), (1.23456, "1.2346"), (-0.000012345, "-1.23e-05"), (-0.00012345, "-0.0001"), (3.2e-300, "3.20e-300"),
        (6.18686046752e-300 / 1e12, "6.19e-312"), (0.0, "0.0000"), (nil, "-"), (12345.678, "12345.6780"),
    ])
    func format(value: Double?, text: String) {
        #expect(NumberFormatting.format(value) == text)
    }
}

struct RadixSortTests {
    @Test("radix sort orders negatives, zeros and duplicates like a comparison sort")
    func sorts() {
        var values = SplitMixSample.expand(["seed": 3, "count": 5000, "scale": 1000.0, "shift": 0.0, "resolution": 1])
        values += [0.0, -0.0, Double.leastNormalMagnitude / 1e3, -Double.leastNormalMagnitude / 1e3, Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude]
        let sorted = RadixSort.sorted(values)
        #expect(sorted.count == values.count)
        #expect(zip(sorted, values.sorted()).allSatisfy { $0 == $1 })
    }
}
