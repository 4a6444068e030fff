/// A run of one window's predictions as stored in a `window_chunks` row: columns of numbers,
/// and categories as indices into a table of the distinct strings. The chunk names its
/// columns, so a window that spans a reload with changed features still reads right.
struct WindowChunk: Sendable, Equatable {
    var layout: WindowLayout
    var timestamps: [Double] = []
    var scores: [Double] = []
    var versions: [String?] = []
    var numeric: [[Double]]
    var categorical: [[String?]]
    var subgroups: [[String?]]

    init(layout: WindowLayout) {
        self.layout = layout
        numeric = Array(repeating: [], count: layout.numeric.count)
        categorical = Array(repeating: [], count: layout.categorical.count)
        subgroups = Array(repeating: [], count: layout.subgroups.count)
    }

    var count: Int { timestamps.count }
    var isEmpty: Bool { timestamps.isEmpty }

    mutating func append(_ row: WindowRow) {
        timestamps.append(row.timestamp)
        scores.append(row.score)
        versions.append(row.version)
        for index in numeric.indices { numeric[index].append(row.numeric[index]) }
        for index in categorical.indices { categorical[index].append(row.categorical[index]) }
        for index in subgroups.indices { subgroups[index].append(row.subgroups[index]) }
    }

    private static let magic: [UInt8] = Array("VWC1".utf8)

    /// The chunk's bytes: magic, row count, column names, the number columns (IEEE 754, little
    /// endian), the string table, then the version and category columns as indices (0 for missing).
    func encoded() -> [UInt8] {
        var out = Self.magic
        out.reserveCapacity(64 + count * 8 * (2 + numeric.count) + count * 4 * (categorical.count + subgroups.count))
        func put32(_ value: Int) { withUnsafeBytes(of: UInt32(value).littleEndian) { out.append(contentsOf: $0) } }
        func putString(_ text: String) {
            let bytes = Array(text.utf8)
            put32(bytes.count)
            out.append(contentsOf: bytes)
        }
        func putDoubles(_ values: [Double]) {
            for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        }
        put32(count)
        for names in [layout.numeric, layout.categorical, layout.subgroups] {
            put32(names.count)
            names.forEach(putString)
        }
        putDoubles(timestamps)
        putDoubles(scores)
        numeric.forEach(putDoubles)
        var table: [String: Int] = [:]
        var strings: [String] = []
        let columns = [versions] + categorical + subgroups
        let indexed = columns.map { column in
            column.map { value -> Int in
                guard let value else { return 0 }
                if let known = table[value] { return known }
                strings.append(value)
                table[value] = strings.count
                return strings.count
            }
        }
        put32(strings.count)
        strings.forEach(putString)
        for column in indexed { column.forEach(put32) }
        return out
    }

    /// Reads a chunk written by `encoded()`.
    init(decoding bytes: [UInt8]) throws(WindowChunkError) {
        var position = 0
        func take(_ length: Int) throws(WindowChunkError) -> ArraySlice<UInt8> {
            guard length >= 0, bytes.count - position >= length else { throw .truncated(at: position) }
            defer { position += length }
            return bytes[position..<position + length]
        }
        func get32() throws(WindowChunkError) -> Int {
            let slice = try take(4)
            return slice.reversed().reduce(0) { $0 << 8 | Int($1) }
        }
        func getString() throws(WindowChunkError) -> String {
            let length = try get32()
            return String(decoding: try take(length), as: UTF8.self)
        }
        func getDoubles(_ n: Int) throws(WindowChunkError) -> [Double] {
            let slice = try take(n * 8)
            var values: [Double] = []
            values.reserveCapacity(n)
            var index = slice.startIndex
            for _ in 0..<n {
                var bits: UInt64 = 0
                for shift in 0..<8 { bits |= UInt64(slice[index + shift]) << (8 * shift) }
                values.append(Double(bitPattern: bits))
                index += 8
            }
            return values
        }
        guard Array(try take(4)) == Self.magic else { throw .badMagic }
        let rows = try get32()
        var names: [[String]] = []
        for _ in 0..<3 {
            let n = try get32()
            guard n <= 100_000 else { throw .truncated(at: position) }
            var list: [String] = []
            for _ in 0..<n { list.append(try getString()) }
            names.append(list)
        }
        self.init(layout: WindowLayout(numeric: names[0], categorical: names[1], subgroups: names[2]))
        timestamps = try getDoubles(rows)
        scores = try getDoubles(rows)
        for index in numeric.indices { numeric[index] = try getDoubles(rows) }
        let stringCount = try get32()
        var strings: [String] = []
        for _ in 0..<stringCount { strings.append(try getString()) }
        func getCategories() throws(WindowChunkError) -> [String?] {
            var column: [String?] = []
            column.reserveCapacity(rows)
            for _ in 0..<rows {
                let index = try get32()
                guard index <= strings.count else { throw .badStringIndex(index) }
                column.append(index == 0 ? nil : strings[index - 1])
            }
            return column
        }
        versions = try getCategories()
        for index in categorical.indices { categorical[index] = try getCategories() }
        for index in subgroups.indices { subgroups[index] = try getCategories() }
    }
}

/// Why stored window data could not be read.
enum WindowChunkError: Error, Equatable, CustomStringConvertible {
    case badMagic
    case truncated(at: Int)
    case badStringIndex(Int)

    var description: String {
        switch self {
        case .badMagic: "window chunk: not a Vigil window chunk (bad magic bytes)"
        case .truncated(let offset): "window chunk: data ends early at byte \(offset)"
        case .badStringIndex(let index): "window chunk: category index \(index) is outside the string table"
        }
    }
}
