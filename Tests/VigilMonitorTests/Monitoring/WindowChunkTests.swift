import Testing
@testable import VigilMonitor

/// The stored form of a window's predictions.
struct WindowChunkTests {
    let layout = WindowLayout(numeric: ["age", "lactate"], categorical: ["site"], subgroups: ["sex"])

    @Test("a chunk reads back exactly, missing values and unicode included")
    func roundTrip() throws {
        var chunk = WindowChunk(layout: layout)
        chunk.append(WindowRow(timestamp: 1.5, score: 0.25, version: "3", numeric: [67, .nan], categorical: ["ED-1"], subgroups: ["F"]))
        chunk.append(WindowRow(timestamp: 2.5, score: 1, version: nil, numeric: [-0.0, 1e300], categorical: [nil], subgroups: ["Ø"]))
        let decoded = try WindowChunk(decoding: chunk.encoded())
        #expect(decoded.layout == layout)
        #expect(decoded.timestamps == [1.5, 2.5])
        #expect(decoded.scores == [0.25, 1])
        #expect(decoded.versions == ["3", nil])
        #expect(decoded.numeric[0] == [67, -0.0])
        #expect(decoded.numeric[1][0].isNaN)
        #expect(decoded.numeric[1][1] == 1e300)
        #expect(decoded.categorical == [["ED-1", nil]])
        #expect(decoded.subgroups == [["F", "Ø"]])
    }

    @Test("damaged chunk data is an error, not a crash")
    func damaged() {
        var chunk = WindowChunk(layout: layout)
        chunk.append(WindowRow(timestamp: 1, score: 0.5, numeric: [1, 2], categorical: ["a"], subgroups: ["b"]))
        let bytes = chunk.encoded()
        #expect(throws: WindowChunkError.badMagic) { try WindowChunk(decoding: Array("XXXX".utf8) + bytes.dropFirst(4)) }
        for length in [0, 5, 20, bytes.count - 1] {
            #expect(throws: WindowChunkError.self) { try WindowChunk(decoding: Array(bytes.prefix(length))) }
        }
    }

    @Test("a window whose chunks were written under another feature list reads its columns by name")
    func layoutChange() {
        var old = WindowChunk(layout: WindowLayout(numeric: ["lactate"], categorical: [], subgroups: []))
        old.append(WindowRow(timestamp: 1, score: 0.5, numeric: [2.4], categorical: [], subgroups: []))
        var new = WindowChunk(layout: layout)
        new.append(WindowRow(timestamp: 2, score: 0.6, numeric: [70, 1.1], categorical: ["ED-2"], subgroups: ["M"]))
        let data = WindowData(layout: layout, chunks: [old, new])
        #expect(data.count == 2)
        #expect(data.numeric[0][0].isNaN)
        #expect(data.numeric[0][1] == 70)
        #expect(data.numeric[1] == [2.4, 1.1])
        #expect(data.categorical == [[nil, "ED-2"]])
        #expect(data.subgroups == [[nil, "M"]])
    }

    @Test("prediction values map onto the layout: booleans and numeric strings as numbers, numbers as category text")
    func rowOfRecord() {
        let record = PredictionRecord(
            id: "a", timestamp: 5, version: "2", score: 0.3,
            features: [.init(name: "lactate", value: .string("2.5")), .init(name: "age", value: .bool(true)),
                       .init(name: "site", value: .number(3)), .init(name: "extra", value: .null)],
            attributes: [.init(name: "sex", value: "F")])
        let row = layout.row(of: record)
        #expect(row.numeric == [1, 2.5])
        #expect(row.categorical == ["3"])
        #expect(row.subgroups == ["F"])
        #expect(row.version == "2")
    }
}
