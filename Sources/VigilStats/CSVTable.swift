/// A table read from RFC 4180 CSV text, held by column.
///
/// Accepted input: a header row (required, distinct names), fields separated by commas,
/// records ended by CRLF or LF (a lone CR also ends a record), fields optionally enclosed in
/// double quotes — inside which commas, line breaks and `""` (one literal quote) are allowed.
/// An empty cell is a missing value. A UTF-8 byte-order mark is skipped; blank lines at the
/// very end are ignored. A quote inside an unquoted field is kept literally.
public struct CSVTable: Sendable, Equatable {
    /// Column names from the header row.
    public let header: [String]
    /// Cells by column then row; `""` is a missing value.
    public let columns: [[String]]
    /// For each data row, the 1-based line of the input on which it starts (the header is line 1).
    public let lineNumbers: [Int]

    /// The number of data rows (excluding the header).
    public var rowCount: Int { lineNumbers.count }

    /// Parses CSV bytes (UTF-8).
    ///
    /// - Throws: ``CSVError`` naming the line (and field) of the first malformed record.
    /// - Complexity: O(bytes).
    public init(parsing bytes: [UInt8]) throws(CSVError) {
        var parser = CSVParser(bytes: bytes)
        guard let headerRecord = try parser.nextRecord() else {
            throw CSVError(line: 1, kind: .missingHeader)
        }
        var seen = Set<String>()
        for (index, name) in headerRecord.fields.enumerated() {
            if !seen.insert(name).inserted {
                throw CSVError(line: headerRecord.line, column: index + 1, kind: .duplicateColumnName(name))
            }
        }
        header = headerRecord.fields
        var columns = [[String]](repeating: [], count: header.count)
        var lineNumbers: [Int] = []
        while let record = try parser.nextRecord() {
            guard record.fields.count == header.count else {
                throw CSVError(line: record.line, kind: .wrongFieldCount(expected: header.count, found: record.fields.count))
            }
            for (index, field) in record.fields.enumerated() { columns[index].append(field) }
            lineNumbers.append(record.line)
        }
        self.columns = columns
        self.lineNumbers = lineNumbers
    }

    /// Parses CSV text.
    public init(parsing text: String) throws(CSVError) {
        try self.init(parsing: Array(text.utf8))
    }

    /// The 0-based index of the column called `name`.
    public func columnIndex(named name: String) -> Int? {
        header.firstIndex(of: name)
    }

    /// The cells of the column called `name`.
    public func column(named name: String) -> [String]? {
        columnIndex(named: name).map { columns[$0] }
    }

    /// Whether every non-empty cell of the column parses as a number (finite or NaN): such a
    /// column is numeric, any other is categorical. A column without values is numeric.
    public func inferredKind(ofColumn index: Int) -> ColumnKind {
        columns[index].allSatisfy { $0.isEmpty || CSVTable.number(from: $0) != nil } ? .numeric : .categorical
    }

    /// The column's cells as numbers, empty cells (and `nan`) as NaN.
    ///
    /// - Throws: ``CSVError`` with `.notANumber` naming the first cell that is not a number.
    public func numbers(inColumn index: Int) throws(CSVError) -> [Double] {
        var result: [Double] = []
        result.reserveCapacity(rowCount)
        for (row, cell) in columns[index].enumerated() {
            if cell.isEmpty {
                result.append(.nan)
            } else if let value = CSVTable.number(from: cell) {
                result.append(value)
            } else {
                throw CSVError(line: lineNumbers[row], column: index + 1, columnName: header[index], kind: .notANumber(cell))
            }
        }
        return result
    }

    /// The column's cells as categories, empty cells as `nil`.
    public func categories(inColumn index: Int) -> [String?] {
        columns[index].map { $0.isEmpty ? nil : $0 }
    }

    /// The column's cells as binary outcomes: `1`/`0` or `true`/`false` (any case).
    ///
    /// - Throws: ``CSVError`` with `.notABinaryLabel` naming the first other value (including
    ///   an empty cell) and its line.
    public func binaryLabels(inColumn index: Int) throws(CSVError) -> [Bool] {
        var result: [Bool] = []
        result.reserveCapacity(rowCount)
        for (row, cell) in columns[index].enumerated() {
            guard let label = CSVTable.binaryLabel(from: cell) else {
                throw CSVError(line: lineNumbers[row], column: index + 1, columnName: header[index], kind: .notABinaryLabel(cell))
            }
            result.append(label)
        }
        return result
    }

    /// A number written in a cell: decimal or scientific notation, or `nan` (any case).
    /// Infinities are not numbers here (they would make every statistic undefined).
    public static func number(from cell: String) -> Double? {
        guard let value = Double(cell) else { return nil }
        return value.isInfinite ? nil : value
    }

    /// A binary outcome written in a cell: `1`, `0`, `true`, `false` (any case).
    public static func binaryLabel(from cell: String) -> Bool? {
        switch cell.lowercased() {
        case "1", "true": true
        case "0", "false": false
        default: nil
        }
    }
}

/// Why CSV input was rejected, and where.
public struct CSVError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The 1-based line of the input where the offending record or cell starts.
    public var line: Int
    /// The 1-based field number, when one field is at fault.
    public var column: Int?
    /// The header name of that field, when known.
    public var columnName: String?
    public var kind: Kind

    public enum Kind: Equatable, Sendable {
        /// The input has no header row.
        case missingHeader
        /// Two header fields have the same name.
        case duplicateColumnName(String)
        /// A quoted field is not closed before the end of the input.
        case unterminatedQuote
        /// A closing quote is followed by something other than a comma or line break.
        case characterAfterClosingQuote
        /// A record has a different number of fields from the header.
        case wrongFieldCount(expected: Int, found: Int)
        /// A cell of a numeric column is not a number.
        case notANumber(String)
        /// A label cell is not 0/1 or true/false.
        case notABinaryLabel(String)
    }

    public init(line: Int, column: Int? = nil, columnName: String? = nil, kind: Kind) {
        self.line = line
        self.column = column
        self.columnName = columnName
        self.kind = kind
    }

    public var description: String {
        var location = "line \(line)"
        if let column {
            location += ", column \(column)"
            if let columnName { location += " (\(columnName))" }
        }
        let cause: String = switch kind {
        case .missingHeader: "no header row"
        case .duplicateColumnName(let name): "duplicate column name \"\(name)\""
        case .unterminatedQuote: "unterminated quoted field"
        case .characterAfterClosingQuote: "unexpected character after closing quote"
        case .wrongFieldCount(let expected, let found): "expected \(expected) fields, found \(found)"
        case .notANumber(let cell): "\"\(cell)\" is not a number"
        case .notABinaryLabel(let cell): "label \"\(cell)\" is not 0/1 or true/false"
        }
        return "\(location): \(cause)"
    }
}

/// A record-at-a-time RFC 4180 scanner over UTF-8 bytes.
struct CSVParser {
    let bytes: [UInt8]
    var position = 0
    var line = 1

    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    /// The next record and the line it starts on, or `nil` at the end (blank trailing lines ignored).
    mutating func nextRecord() throws(CSVError) -> (fields: [String], line: Int)? {
        // Only line breaks remain: the end.
        var probe = position
        while probe < bytes.count && (bytes[probe] == Self.newline || bytes[probe] == Self.carriageReturn) { probe += 1 }
        if probe == bytes.count { return nil }

        let startLine = line
        var fields: [String] = []
        while true {
            let fieldNumber = fields.count + 1
            if position < bytes.count && bytes[position] == Self.quote {
                fields.append(try quotedField(recordLine: startLine, fieldNumber: fieldNumber))
            } else {
                let start = position
                while position < bytes.count {
                    let byte = bytes[position]
                    if byte == Self.comma || byte == Self.newline || byte == Self.carriageReturn { break }
                    position += 1
                }
                fields.append(String(decoding: bytes[start..<position], as: UTF8.self))
            }
            // After a field: comma, line break or end.
            if position >= bytes.count { return (fields, startLine) }
            let byte = bytes[position]
            if byte == Self.comma {
                position += 1
                continue
            }
            consumeLineBreak()
            return (fields, startLine)
        }
    }

    private mutating func consumeLineBreak() {
        if bytes[position] == Self.carriageReturn {
            position += 1
            if position < bytes.count && bytes[position] == Self.newline { position += 1 }
        } else {
            position += 1
        }
        line += 1
    }

    private mutating func quotedField(recordLine: Int, fieldNumber: Int) throws(CSVError) -> String {
        let fieldLine = line
        position += 1  // opening quote
        var content: [UInt8] = []
        while true {
            guard position < bytes.count else {
                throw CSVError(line: fieldLine, column: fieldNumber, kind: .unterminatedQuote)
            }
            let byte = bytes[position]
            if byte == Self.quote {
                if position + 1 < bytes.count && bytes[position + 1] == Self.quote {
                    content.append(Self.quote)
                    position += 2
                    continue
                }
                position += 1  // closing quote
                if position < bytes.count {
                    let next = bytes[position]
                    if next != Self.comma && next != Self.newline && next != Self.carriageReturn {
                        throw CSVError(line: line, column: fieldNumber, kind: .characterAfterClosingQuote)
                    }
                }
                return String(decoding: content, as: UTF8.self)
            }
            if byte == Self.newline || (byte == Self.carriageReturn && !(position + 1 < bytes.count && bytes[position + 1] == Self.newline)) {
                line += 1
            }
            content.append(byte)
            position += 1
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension CSVTable {
    /// Reads and parses the CSV file at `path`.
    ///
    /// - Throws: ``CSVFileError``: `.unreadable` when the file cannot be opened or read
    ///   (with the system's reason), `.malformed` carrying the ``CSVError`` otherwise.
    public init(contentsOfFile path: String) throws(CSVFileError) {
        guard let file = fopen(path, "rbe") else {
            let code = errno
            throw .unreadable(path: path, reason: String(cString: strerror(code)), isMissing: code == ENOENT)
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let read = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if read > 0 { bytes.append(contentsOf: chunk[0..<read]) }
            if read < chunk.count {
                if ferror(file) != 0 {
                    throw .unreadable(path: path, reason: String(cString: strerror(errno)), isMissing: false)
                }
                break
            }
        }
        do {
            try self.init(parsing: bytes)
        } catch {
            throw .malformed(path: path, error)
        }
    }
}

/// Why a CSV file could not be loaded.
public enum CSVFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or read; `isMissing` when it does not exist.
    case unreadable(path: String, reason: String, isMissing: Bool)
    /// The file was read but is not valid CSV.
    case malformed(path: String, CSVError)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason, _): "\(path): \(reason)"
        case .malformed(let path, let error): "\(path): \(error)"
        }
    }
}
