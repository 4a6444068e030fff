import CLZ4
import VigilStore

/// A segment's prediction lines as the state database holds them: one LZ4 block, with the
/// lines' own size in `lines_size`, when that is smaller; the lines as logged otherwise, and in
/// segments stored before compression, whose `lines_size` is null. Log lines repeat their keys
/// line after line, so the block is a quarter to a seventh of the lines' size, which keeps the
/// database and its WAL that much smaller.
enum SegmentLines {
    /// The most an LZ4 block expands: each byte of it stands for at most 255 of the lines.
    static let maximumExpansion: Int64 = 255

    /// What to store for `lines`: the bytes, and the lines' size when the bytes are compressed.
    static func encode(_ lines: [UInt8]) -> (bytes: [UInt8], size: Int?) {
        guard !lines.isEmpty, lines.count <= Int(LZ4_MAX_INPUT_SIZE) else { return (lines, nil) }
        let bound = Int(LZ4_compressBound(Int32(lines.count)))
        let block = [UInt8](unsafeUninitializedCapacity: bound) { buffer, count in
            count = lines.withUnsafeBytes { source in
                Int(LZ4_compress_default(
                    source.baseAddress!.assumingMemoryBound(to: CChar.self),
                    UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self),
                    Int32(lines.count), Int32(bound)))
            }
        }
        // 0 is LZ4's failure; a block no smaller than the lines is not worth decompressing.
        guard block.count > 0, block.count < lines.count else { return (lines, nil) }
        return (block, lines.count)
    }

    /// The lines that `stored` (a segment's `lines`, with its `lines_size`) holds; nil when a
    /// compressed block does not decompress to its recorded size (a damaged database file).
    static func decode(_ stored: [UInt8], size: Int64?) -> [UInt8]? {
        guard let size else { return stored }
        // No LZ4 block expands more than 255 times: a larger recorded size is damage, and is not
        // allocated.
        guard size > 0, size <= Int64(LZ4_MAX_INPUT_SIZE), size <= Int64(stored.count) * maximumExpansion else { return nil }
        var complete = false
        let lines = [UInt8](unsafeUninitializedCapacity: Int(size)) { buffer, count in
            let written = stored.withUnsafeBytes { source in
                LZ4_decompress_safe(
                    source.baseAddress.map { $0.assumingMemoryBound(to: CChar.self) },
                    UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self),
                    Int32(stored.count), Int32(size))
            }
            complete = Int64(written) == size
            count = complete ? Int(written) : 0
        }
        return complete ? lines : nil
    }

    /// Reads stored lines by position (a prediction row's segment, line_start and line_length),
    /// loading and decompressing a segment once while the positions asked for stay in it, as
    /// reads in row order do.
    struct Reader {
        let database: Database
        private var segment: Int64?
        private var lines: [UInt8] = []

        init(database: Database) { self.database = database }

        /// The line at `start ..< start + length` of `segment`'s lines; nil when it is not
        /// there (the segment is gone, or the file damaged).
        mutating func line(segment: Int64, start: Int, length: Int) throws -> ArraySlice<UInt8>? {
            if segment != self.segment {
                lines = try SegmentLines.load(database, segment: segment)
                self.segment = segment
            }
            guard start >= 0, length >= 0, start + length <= lines.count else { return nil }
            return lines[start..<start + length]
        }

        /// That line parsed as a prediction; nil when it cannot be read back.
        mutating func prediction(segment: Int64, start: Int, length: Int) throws -> PredictionRecord? {
            guard let line = try line(segment: segment, start: start, length: length),
                  case .success(let record) = line.withUnsafeBytes({ RecordParser.parsePrediction($0) }) else { return nil }
            return record
        }
    }

    /// The lines of segment `segment` of the database; empty when it is gone or damaged, so
    /// that its rows are counted as unreadable rather than stop the reader.
    private static func load(_ database: Database, segment: Int64) throws -> [UInt8] {
        guard let row = try database.query("SELECT lines, lines_size FROM prediction_segments WHERE segment = ?", segment).first,
              let stored = row["lines"].bytes else { return [] }
        return decode(stored, size: row["lines_size"].int64) ?? []
    }
}
